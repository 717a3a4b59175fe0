/* noprefetch: the same flash-bound kernel timed with the board's flash set-up (5 wait states,
 * prefetch and both ART caches on), then with prefetch off (FLASH_ACR.PRFTEN = 0), then with
 * prefetch on and both caches off and reset (ICEN = DCEN = 0, then ICRST/DCRST: RM0432 section
 * 3.3.4, a cache is reset only while disabled). Prints each phase's DWT cycles. STM32L4R5 only. */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

#include "../clock_kernel.h"

#define FLASH_ACR_ICRST (1u << 11)
#define FLASH_ACR_DCRST (1u << 12)

int main(void)
{
    clock_kernel_phase("all-on");
    FLASH_ACR &= ~FLASH_ACR_PRFTEN;
    clock_kernel_phase("no-prefetch");
    FLASH_ACR = (FLASH_ACR | FLASH_ACR_PRFTEN) & ~(FLASH_ACR_ICEN | FLASH_ACR_DCEN);
    FLASH_ACR |= FLASH_ACR_ICRST | FLASH_ACR_DCRST;
    FLASH_ACR &= ~(FLASH_ACR_ICRST | FLASH_ACR_DCRST);
    clock_kernel_phase("no-caches");
    board_halt();
}
