/* clock70: the same flash-bound kernel timed at the board's 120 MHz (5 wait states, Range 1
 * boost), then again after the firmware re-programs the PLL for 70 MHz with 3 wait states in
 * Range 1 normal, the way the HAL lowers a clock (RM0432 section 3.3.3 "decreasing the CPU
 * frequency": clock first, then LATENCY; section 5.1.8: voltage range last). Prints each phase's
 * DWT cycles and the clock it ran at. STM32L4R5 only (RCC/FLASH/PWR registers, RM0432). */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

#include "../clock_kernel.h"

#define RCC_CFGR_SW_HSI16   (1u << 0)
#define RCC_CFGR_SWS_HSI16  (1u << 2)
#define RCC_PLLCFGR_PLLR_DIV4 (1u << 25) /* RM0432 6.4.4: PLLR 01 = /4 */

/* 16 MHz HSI16 / M=2 = 8 MHz (2.66..16 MHz), x N=35 = 280 MHz VCO (64..344), / R=4 = 70 MHz. */
static void clock_to_70mhz(void)
{
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_HSI16; /* run from HSI16 meanwhile */
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_HSI16) {
    }
    RCC_CR &= ~RCC_CR_PLLON;
    while (RCC_CR & RCC_CR_PLLRDY) {
    }
    RCC_PLLCFGR = RCC_PLLCFGR_PLLSRC_HSI16 | RCC_PLLCFGR_PLLM(2u) | RCC_PLLCFGR_PLLN(35u) |
                  RCC_PLLCFGR_PLLR_DIV4 | RCC_PLLCFGR_PLLREN;
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY)) {
    }
    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }
    /* 70 MHz in Range 1: 3 wait states (RM0432 Table 12: 60 < HCLK <= 80 MHz) */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | 3u;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != 3u) {
    }
    PWR_CR5 |= PWR_CR5_R1MODE; /* Range 1 normal: up to 80 MHz */
    while (PWR_SR2 & PWR_SR2_VOSF) {
    }
}

int main(void)
{
    clock_kernel_phase("120MHz");
    clock_to_70mhz();
    clock_kernel_phase("70MHz");
    board_halt();
}
