/* hello: the smallest end-to-end check of a board port. Prints its board name and how many
 * core cycles the greeting took to send, then halts. */
#include "tinysim_board.h"

int main(void)
{
    uint64_t start = board_cycles();
    board_puts("hello from ");
    board_puts(board_name());
    board_puts("\r\n");
    uint64_t spent = board_cycles() - start;
    board_puts("cycles ");
    board_put_u64(spent);
    board_puts(" clock_hz ");
    board_put_u32(board_clock_hz());
    board_puts("\r\n");
    board_halt();
}
