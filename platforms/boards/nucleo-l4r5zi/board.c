/*
 * NUCLEO-L4R5ZI board port: 120 MHz from HSI16 through the PLL in Range 1 boost mode, LPUART1
 * (PG7/PG8, the ST-LINK virtual COM port) clocked from HSI16. The console driver, the 64-bit
 * DWT time base, SysTick and halt are the STM32 boards' shared part (platforms/common/
 * stm32_board.c). Register names and bits: stm32l4r5_regs.h (RM0432).
 */
#include "board_config.h" /* generated from nucleo-l4r5zi.toml + stm32l4r5.toml at build time */
#include "stm32l4r5_regs.h"
#include "stm32_board.h" /* console, time base, halt: platforms/common/stm32_board.c */

#define HSI16_HZ     16000000u       /* RM0432 §6.2.2 */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: 120 MHz, Range 1 boost (DS12023 Table 1) */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */

/* PLL from HSI16: 16 MHz / M=2 = 8 MHz VCO input (RM0432 §6.2.5: 2.66..16 MHz),
 * x N = 2 * SYSCLK / 8 MHz (30 for 120 MHz: 240 MHz VCO, 64..344 MHz), / R=2 = SYSCLK. */
#define PLL_M 2u
#define PLL_N (2u * SYSCLK_HZ / (HSI16_HZ / PLL_M))
_Static_assert(HSI16_HZ / PLL_M * PLL_N / 2u == SYSCLK_HZ, "the PLL cannot make [clock] hz from HSI16");

/* Wait states for SYSCLK in the board's voltage range, from the SoC file's table (RM0432 §3.3.3
 * Table 12: 5 WS for 100 < HCLK <= 120 MHz in Range 1). */
#define FLASH_WS TS_FLASH_WAIT_STATES

/* RM0432 §6.2.5, §5.1.8 "Range 1 boost mode" procedure and §3.3.3 "increasing the CPU
 * frequency": wait states first, then HCLK/2 while switching to the faster clock, then /1. */
static void clock_init(void)
{
    RCC_APB1ENR1 |= RCC_APB1ENR1_PWREN;
    (void)RCC_APB1ENR1; /* read back: the clock enable takes effect after a bus cycle */

    /* Range 1 is the reset voltage range; make sure, then enter boost (R1MODE = 0). */
    PWR_CR1 = (PWR_CR1 & ~PWR_CR1_VOS_MASK) | PWR_CR1_VOS_RANGE1;
    while (PWR_SR2 & PWR_SR2_VOSF) {
    }

    /* HSI16 on (MSI 4 MHz runs the core until the switch). */
    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY)) {
    }

    /* Flash: wait states + ART prefetch and caches, checked before the clock goes up. */
    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_WS | FLASH_ACR_PRFTEN |
                FLASH_ACR_ICEN | FLASH_ACR_DCEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_WS) {
    }

    /* Boost step 1: AHB prescaler /2 before the switch to the higher frequency. */
    RCC_CFGR = (RCC_CFGR & ~(RCC_CFGR_HPRE_MASK | RCC_CFGR_PPRE1_MASK | RCC_CFGR_PPRE2_MASK)) |
               RCC_CFGR_HPRE_DIV2;
    /* Boost step 2: Range 1 boost mode, wait for the regulator. */
    PWR_CR5 &= ~PWR_CR5_R1MODE;
    while (PWR_SR2 & PWR_SR2_VOSF) {
    }

    /* PLL: HSI16 / 2 * 30 / 2 = 120 MHz on PLLCLK (R output). */
    RCC_PLLCFGR = RCC_PLLCFGR_PLLSRC_HSI16 | RCC_PLLCFGR_PLLM(PLL_M) | RCC_PLLCFGR_PLLN(PLL_N) |
                  RCC_PLLCFGR_PLLR_DIV2 | RCC_PLLCFGR_PLLREN;
    RCC_CR |= RCC_CR_PLLON;
    while (!(RCC_CR & RCC_CR_PLLRDY)) {
    }

    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL) {
    }

    /* Boost step 5: at least 1 us at HCLK/2 (60 MHz), then full speed. A loop iteration is
     * several cycles, so 200 iterations is > 1 us with margin. */
    stm32_busy_wait_loops(200u);
    RCC_CFGR &= ~RCC_CFGR_HPRE_MASK;
}

/* LPUART1 on PG7 (TX) / PG8 (RX), AF8: the ST-LINK V3 virtual COM port (UM2179 §6.9,
 * DS12023 Table 16 alternate functions). Kernel clock HSI16, so the divider does not depend
 * on SYSCLK: BRR = 256 * 16 MHz / 115200 = 35555.6 -> 35556 (RM0432 LPUART "baud rate generation"). */
static void console_init(void)
{
    PWR_CR2 |= PWR_CR2_IOSV;
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOGEN;
    (void)RCC_AHB2ENR;

    stm32_pin_af(GPIOG_BASE, 7u, 8u, STM32_PIN_NOPULL); /* PG7: LPUART1_TX */
    stm32_pin_af(GPIOG_BASE, 8u, 8u, STM32_PIN_PULLUP); /* PG8: LPUART1_RX */

    RCC_CCIPR = (RCC_CCIPR & ~RCC_CCIPR_LPUART1SEL_MASK) | RCC_CCIPR_LPUART1SEL_HSI16;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1EN;
    (void)RCC_APB1ENR2;

    stm32_console_start((256u * (uint64_t)HSI16_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD);
}

void board_init(void)
{
    clock_init();
    stm32_cycle_counter_start();
    console_init();
    stm32_ticks_start();
}
