/* echo: interrupt-driven console input. Reads lines (ended by CR or LF) and sends each back;
 * the line "quit" ends the program. board_getc() sleeps in WFI while no byte is queued. */
#include "tinysim_board.h"

#define LINE_MAX 128u

static int line_is(const char *line, size_t len, const char *word)
{
    size_t i = 0;
    for (; i < len && word[i] != '\0'; i++) {
        if (line[i] != word[i]) {
            return 0;
        }
    }
    return i == len && word[i] == '\0';
}

int main(void)
{
    char line[LINE_MAX];
    size_t len = 0;
    board_puts("echo ready\r\n");
    for (;;) {
        int c = board_getc();
        if (c == '\r' || c == '\n') {
            if (len == 0u) {
                continue; /* the LF of a CRLF, or an empty line */
            }
            if (line_is(line, len, "quit")) {
                board_puts("bye\r\n");
                board_halt();
            }
            board_write(line, len);
            board_puts("\r\n");
            len = 0;
        } else if (len < LINE_MAX) {
            line[len++] = (char)c;
        }
    }
}
