/* runaway: spins forever without WFI. Expected: stopped by the emulator's instruction budget
 * (exit "budget"), never "halt" or "idle". */
#include "tinysim_board.h"

static volatile uint32_t s_counter;

int main(void)
{
    board_puts("runaway: spinning\r\n");
    for (;;) {
        s_counter++;
    }
}
