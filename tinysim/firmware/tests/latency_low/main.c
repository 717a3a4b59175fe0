/* latency_low: at the board's 120 MHz, lowers FLASH_ACR.LATENCY to 2 wait states, which RM0432
 * section 3.3.3 Table 12 allows only up to 60 MHz: silicon would read wrong instructions from
 * flash, and tinysim stops the run with a clock-configuration fault naming the registers.
 * STM32L4R5 only. */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

int main(void)
{
    board_puts("lowering LATENCY\r\n");
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | 2u;
    board_puts("still running\r\n");
    board_halt();
}
