/* DUT firmware entry point: bring the board up, announce the harness, then feed every received
 * character to the command parser forever. */
#include "harness.h"
#include "tinysim_board.h"

int main(void)
{
    board_init();
    ee_benchmark_initialize();
    for (;;) {
        ee_serial_callback((char)board_getc());
    }
}
