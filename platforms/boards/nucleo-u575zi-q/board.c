/*
 * NUCLEO-U575ZI-Q board port: 160 MHz from HSI16 through PLL1 in voltage Range 1 on the SMPS,
 * ICACHE on, USART1 (PA9/PA10, the ST-LINK virtual COM port) clocked from HSI16. The console
 * driver, the 64-bit DWT time base, SysTick and halt are the STM32 boards' shared part
 * (platforms/common/stm32_board.c). Register names and bits: stm32u575_regs.h (RM0456).
 */
#include "board_config.h" /* generated from nucleo-u575zi-q.toml + stm32u575.toml at build time */
#include "stm32u575_regs.h"
#include "stm32_board.h" /* console, time base, halt: platforms/common/stm32_board.c */

#define HSI16_HZ     16000000u       /* RM0456 §11.4.3 */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: 160 MHz, Range 1 */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */

/* PLL1 from HSI16: 16 MHz / M=1 = 16 MHz input (PLL1RGE 8..16 MHz), x N = 2 * SYSCLK / 16 MHz
 * (20 for 160 MHz: 320 MHz VCO), / R=2 = SYSCLK (RM0456 §11.4.7; the same VCO and /R as the
 * CubeMX project's MSI 4 MHz x 80 / 2). */
#define PLL_M 1u
#define PLL_N (2u * SYSCLK_HZ / (HSI16_HZ / PLL_M))
_Static_assert(HSI16_HZ / PLL_M * PLL_N / 2u == SYSCLK_HZ, "PLL1 cannot make [clock] hz from HSI16");

/* Wait states for SYSCLK in the board's voltage range, from the SoC file's table (RM0456 §7.3.3:
 * 4 WS for 128 < HCLK <= 160 MHz in Range 1, recalled). */
#define FLASH_WS TS_FLASH_WAIT_STATES

/* RM0456 §10.5.4 (voltage scaling), §7.3.3 (wait states before the clock goes up) and §11.4
 * (clock switch), in the order ST's HAL takes them: SMPS, Range 1 + EPOD booster, wait states,
 * HSI16, PLL1, AHB /2 across the switch to a clock above 80 MHz, then /1. */
static void clock_init(void)
{
    RCC_AHB3ENR |= RCC_AHB3ENR_PWREN;
    (void)RCC_AHB3ENR; /* read back: the clock enable takes effect after a bus cycle */

    /* The -Q board powers the core from the SMPS (UM2861; .ioc PWR_SMPS_SUPPLY). */
    PWR_CR3 |= PWR_CR3_REGSEL;
    while (!(PWR_SVMSR & PWR_SVMSR_REGS)) {
    }

    PWR_VOSR = (PWR_VOSR & ~PWR_VOSR_VOS_MASK) | PWR_VOSR_VOS_RANGE1 | PWR_VOSR_BOOSTEN;
    while ((PWR_VOSR & (PWR_VOSR_VOSRDY | PWR_VOSR_BOOSTRDY)) != (PWR_VOSR_VOSRDY | PWR_VOSR_BOOSTRDY)) {
    }

    FLASH_ACR = (FLASH_ACR & ~FLASH_ACR_LATENCY_MASK) | FLASH_WS | FLASH_ACR_PRFTEN;
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_WS) {
    }

    RCC_CR |= RCC_CR_HSION;
    while (!(RCC_CR & RCC_CR_HSIRDY)) {
    }

    RCC_PLL1CFGR = RCC_PLL1CFGR_SRC_HSI16 | RCC_PLL1CFGR_RGE_8_16 | RCC_PLL1CFGR_M(PLL_M) |
                   RCC_PLL1CFGR_REN;
    RCC_PLL1DIVR = RCC_PLL1DIVR_N(PLL_N) | RCC_PLL1DIVR_P(2u) | RCC_PLL1DIVR_Q(2u) | RCC_PLL1DIVR_R(2u);
    RCC_CR |= RCC_CR_PLL1ON;
    while (!(RCC_CR & RCC_CR_PLL1RDY)) {
    }

    RCC_CFGR2 = (RCC_CFGR2 & ~(RCC_CFGR2_HPRE_MASK | RCC_CFGR2_PPRE_MASK)) | RCC_CFGR2_HPRE_DIV2;
    RCC_CFGR3 &= ~RCC_CFGR3_PPRE3_MASK;
    RCC_CFGR1 = (RCC_CFGR1 & ~RCC_CFGR1_SW_MASK) | RCC_CFGR1_SW_PLL1;
    while ((RCC_CFGR1 & RCC_CFGR1_SWS_MASK) != RCC_CFGR1_SWS_PLL1) {
    }
    /* at least 1 us at HCLK/2 (80 MHz) before full speed: 200 loop iterations with margin */
    stm32_busy_wait_loops(200u);
    RCC_CFGR2 &= ~RCC_CFGR2_HPRE_MASK;
}

/* USART1 on PA9 (TX) / PA10 (RX), AF7: the ST-LINK V3 virtual COM port (UM2861, recalled;
 * DS13737 alternate functions). Kernel clock HSI16 (CCIPR1.USART1SEL = 10), so the divider does
 * not depend on SYSCLK: BRR = 16 MHz / 115200 = 138.9 -> 139, oversampling by 16. */
static void console_init(void)
{
    RCC_AHB2ENR1 |= RCC_AHB2ENR1_GPIOAEN;
    (void)RCC_AHB2ENR1;

    stm32_pin_af(GPIOA_BASE, 9u, 7u, STM32_PIN_NOPULL);  /* PA9: USART1_TX */
    stm32_pin_af(GPIOA_BASE, 10u, 7u, STM32_PIN_PULLUP); /* PA10: USART1_RX */

    RCC_CCIPR1 = (RCC_CCIPR1 & ~RCC_CCIPR1_USART1SEL_MASK) | RCC_CCIPR1_USART1SEL_HSI16;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;

    stm32_console_start((HSI16_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD);
}

void board_init(void)
{
    clock_init();
    stm32_icache_enable(ICACHE_BASE, 2u); /* 2-way, the reset associativity (RM0456 §8.4) */
    stm32_cycle_counter_start();
    console_init();
    stm32_ticks_start();
}
