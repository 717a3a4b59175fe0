/* fault_unmapped: loads from an address outside every memory region of the board.
 * Expected: a fault report naming the address (BusFault -> HardFault on Cortex-M, load access
 * fault on RISC-V). */
#include "tinysim_board.h"

int main(void)
{
    board_puts("fault_unmapped: loading from ");
    board_put_hex32(BOARD_UNMAPPED_ADDR);
    board_puts("\r\n");
    uint32_t v = *(volatile uint32_t *)(uintptr_t)BOARD_UNMAPPED_ADDR;
    board_puts("ERROR: no fault, read ");
    board_put_hex32(v);
    board_puts("\r\n");
    board_halt();
}
