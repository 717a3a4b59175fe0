/*
 * NUCLEO-U385RG-Q board port: 96 MHz from MSIS (the MSIRC0 96 MHz RC oscillator, undivided; the
 * STM32U3 has no PLL) in voltage Range 1 with the EPOD booster on the SMPS, ICACHE on, USART1
 * console on the ST-LINK virtual COM port clocked from HSI16. The console driver, the 64-bit DWT
 * time base, SysTick and halt are the STM32 boards' shared part (platforms/common/stm32_board.c).
 * Register names and bits: stm32u385_regs.h (stm32u385xx.h).
 */
#include "board_config.h" /* generated from nucleo-u385rg-q.toml + stm32u385.toml at build time */
#include "stm32u385_regs.h"
#include "stm32_board.h" /* console, time base, halt: platforms/common/stm32_board.c */

#define HSI16_HZ     16000000u       /* HSI16 */
#define MSIRC0_HZ    96000000u       /* system_stm32u3xx.c MSIRC0_VALUE */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: 96 MHz, Range 1 */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */

/* MSIS = MSIRC0 / 2^MSISDIV: SYSCLK must be 96, 48, 24 or 12 MHz. */
#define MSIS_DIV (SYSCLK_HZ == MSIRC0_HZ ? 0u : SYSCLK_HZ == MSIRC0_HZ / 2u ? 1u : \
                  SYSCLK_HZ == MSIRC0_HZ / 4u ? 2u : 3u)
_Static_assert(MSIRC0_HZ >> MSIS_DIV == SYSCLK_HZ, "MSIS cannot make [clock] hz from MSIRC0 (96/48/24/12 MHz)");

/* Wait states for SYSCLK in the board's voltage range, from the SoC file's table (2 WS up to
 * 96 MHz in Range 1). */
#define FLASH_WS TS_FLASH_WAIT_STATES

/* In the order ST's HAL takes them: SMPS, the EPOD booster's input clock (HSI16 / 1), Range 1 +
 * booster, wait states before the clock goes up, then MSIS to MSIRC0 / MSIS_DIV (ICSCR1 takes
 * over from RCC_CSR with MSIRGSEL). SYSCLK stays on MSIS (CFGR1.SW = 00 at reset). */
static void clock_init(void)
{
    RCC_AHB1ENR2 |= RCC_AHB1ENR2_PWREN;
    (void)RCC_AHB1ENR2; /* read back: the clock enable takes effect after a bus cycle */

    /* The -Q board powers the core from the SMPS (system.json "Operating at 1.8V / SMPS"). */
    PWR_CR3 |= PWR_CR3_REGSEL;
    while (!(PWR_SVMSR & PWR_SVMSR_REGS)) {
    }

    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY)) {
    }
    RCC_CFGR4 = (RCC_CFGR4 & ~(3u | RCC_CFGR4_BOOSTDIV_MASK)) | RCC_CFGR4_BOOSTSEL_HSI16;

    PWR_VOSR = PWR_VOSR_R1EN | PWR_VOSR_BOOSTEN;
    while ((PWR_VOSR & (PWR_VOSR_R1RDY | PWR_VOSR_BOOSTRDY)) != (PWR_VOSR_R1RDY | PWR_VOSR_BOOSTRDY)) {
    }

    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_WS | FLASH_ACR_PRFTEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_WS) {
    }

    RCC_CFGR2 &= ~(RCC_CFGR2_HPRE_MASK | RCC_CFGR2_PPRE_MASK);
    RCC_ICSCR1 = (RCC_ICSCR1 & ~(RCC_ICSCR1_MSISSEL | RCC_ICSCR1_MSISDIV(3u))) |
                 RCC_ICSCR1_MSISDIV(MSIS_DIV) | RCC_ICSCR1_MSIKSEL | RCC_ICSCR1_MSIKDIV(1u) |
                 RCC_ICSCR1_MSIRGSEL; /* MSIK: MSIRC1 / 2 = 12 MHz, its reset frequency */
    while (!(RCC_CR & RCC_CR_MSISRDY)) {
    }
}

/* USART1 on PA9 (TX) / PA10 (RX), AF7: the ST-LINK virtual COM port (STM32CubeU3 BSP
 * stm32u3xx_nucleo.h COM1 = USART1, TX PA9; AF7 recalled). Kernel clock HSI16
 * (CCIPR1.USART1SEL = 1), so the divider does not depend on SYSCLK: BRR = 16 MHz / 115200 =
 * 138.9 -> 139, oversampling by 16. */
static void console_init(void)
{
    RCC_AHB2ENR1 |= RCC_AHB2ENR1_GPIOAEN;
    (void)RCC_AHB2ENR1;

    stm32_pin_af(GPIOA_BASE, 9u, 7u, STM32_PIN_NOPULL);  /* PA9: USART1_TX */
    stm32_pin_af(GPIOA_BASE, 10u, 7u, STM32_PIN_PULLUP); /* PA10: USART1_RX */

    RCC_CCIPR1 |= RCC_CCIPR1_USART1SEL_HSI16;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;

    stm32_console_start((HSI16_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD);
}

void board_init(void)
{
    clock_init();
    stm32_icache_enable(ICACHE_BASE, 2u); /* 2-way, the reset associativity */
    stm32_cycle_counter_start();
    console_init();
    stm32_ticks_start();
}
