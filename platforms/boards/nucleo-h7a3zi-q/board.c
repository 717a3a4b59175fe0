/*
 * NUCLEO-H7A3ZI-Q board port: 280 MHz from HSI 64 MHz through PLL1 at voltage scale VOS0,
 * Cortex-M7 L1 I- and D-caches on, USART3 (PD8/PD9, the ST-LINK virtual COM port) clocked from
 * PCLK1. The console driver, the 64-bit DWT time base, SysTick and halt are the STM32 boards'
 * shared part (platforms/common/stm32_board.c). Register names and bits: stm32h7a3_regs.h (RM0455).
 */
#include "board_config.h" /* generated from nucleo-h7a3zi-q.toml + stm32h7a3.toml at build time */
#include "stm32h7a3_regs.h"
#include "stm32_board.h" /* console, time base, halt: platforms/common/stm32_board.c */

#define HSI_HZ       64000000u       /* RM0455 section 7.5.2: HSI 64 MHz, HSIDIV = /1 at reset */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: 280 MHz at VOS0 (DS13195) */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */

/* PLL1 from HSI: 64 MHz / M=4 = 16 MHz reference (PLL1RGE 8..16 MHz), x N = 2 * SYSCLK / 16 MHz
 * (35 for 280 MHz: 560 MHz VCO, wide range 192..836 MHz), / P=2 = SYSCLK (RM0455 section 7.5.5). */
#define PLL_M 4u
#define PLL_N (2u * SYSCLK_HZ / (HSI_HZ / PLL_M))
_Static_assert(HSI_HZ / PLL_M * PLL_N / 2u == SYSCLK_HZ, "PLL1 cannot make [clock] hz from HSI");

/* APB1 = HCLK / 2 (140 MHz: the APB limit, DS13195), USART3's kernel clock (CDCCIP2R = PCLK1). */
#define PCLK1_HZ (SYSCLK_HZ / 2u)

/* Flash read latency at SYSCLK in VOS0, from the SoC file's table (RM0455 section 4.3.8: 6 WS
 * above 252 MHz). */
#define FLASH_WS TS_FLASH_WAIT_STATES

/* RM0455 section 6.4.1 (supply commit: SMPS direct on the -Q part, then ACTVOSRDY), section
 * 6.6.2 (VOS0 before raising the clock), section 4.3.8 (latency before the clock goes up),
 * section 7.5.5 (PLL1), then the SYSCLK switch with the APB prescalers set first. */
static void clock_init(void)
{
    PWR_CR3 = (PWR_CR3 & ~(PWR_CR3_LDOEN | PWR_CR3_BYPASS)) | PWR_CR3_SMPSEN;
    while (!(PWR_CSR1 & PWR_CSR1_ACTVOSRDY)) {
    }
    PWR_SRDCR = (PWR_SRDCR & ~PWR_SRDCR_VOS_MASK) | PWR_SRDCR_VOS0;
    while (!(PWR_SRDCR & PWR_SRDCR_VOSRDY)) {
    }

    FLASH_ACR = (FLASH_ACR & ~(FLASH_ACR_LATENCY_MASK | FLASH_ACR_WRHIGHFREQ_MASK)) | FLASH_WS |
                (3u << 4); /* WRHIGHFREQ = 11 at VOS0 above 210 MHz (RM0455 4.3.8) */
    while ((FLASH_ACR & FLASH_ACR_LATENCY_MASK) != FLASH_WS) {
    }

    RCC_CDCFGR1 &= ~(RCC_CDCFGR1_HPRE_MASK | RCC_CDCFGR1_CDPPRE_MASK | RCC_CDCFGR1_CDCPRE_MASK);
    RCC_CDCFGR1 |= RCC_APB_DIV2 << 4;                                     /* APB3 /2 */
    RCC_CDCFGR2 = (RCC_CDCFGR2 & ~(RCC_CDCFGR2_CDPPRE1_MASK | RCC_CDCFGR2_CDPPRE2_MASK)) |
                  (RCC_APB_DIV2 << 4) | (RCC_APB_DIV2 << 8);              /* APB1, APB2 /2 */
    RCC_SRDCFGR = (RCC_SRDCFGR & ~RCC_SRDCFGR_SRDPPRE_MASK) | (RCC_APB_DIV2 << 4); /* APB4 /2 */

    RCC_PLLCKSELR = (RCC_PLLCKSELR & ~(RCC_PLLCKSELR_PLLSRC_MASK | RCC_PLLCKSELR_DIVM1_MASK)) |
                    RCC_PLLCKSELR_DIVM1(PLL_M); /* PLLSRC = 00: HSI */
    RCC_PLL1DIVR = RCC_PLL1DIVR_N1(PLL_N) | RCC_PLL1DIVR_P1(2u) | RCC_PLL1DIVR_Q1(4u) |
                   RCC_PLL1DIVR_R1(2u);
    RCC_PLLCFGR = (RCC_PLLCFGR & ~(RCC_PLLCFGR_PLL1RGE_MASK | RCC_PLLCFGR_PLL1VCOSEL)) |
                  RCC_PLLCFGR_PLL1RGE_8_16 | RCC_PLLCFGR_DIVP1EN;
    RCC_CR |= RCC_CR_PLL1ON;
    while (!(RCC_CR & RCC_CR_PLL1RDY)) {
    }

    RCC_CFGR = (RCC_CFGR & ~RCC_CFGR_SW_MASK) | RCC_CFGR_SW_PLL1;
    while ((RCC_CFGR & RCC_CFGR_SWS_MASK) != RCC_CFGR_SWS_PLL1) {
    }
}

/* Cortex-M7 L1 caches (DDI 0403E B4.8; the sequence of CMSIS SCB_EnableICache/DCache): invalidate
 * the I-cache and every D-cache set/way (their contents are unknown after reset), then enable. */
static void caches_init(void)
{
    __asm volatile("dsb\n\tisb" ::: "memory");
    SCB_ICIALLU = 0u;
    __asm volatile("dsb\n\tisb" ::: "memory");
    SCB_CCR |= SCB_CCR_IC;
    __asm volatile("dsb\n\tisb" ::: "memory");

    SCB_CSSELR = 0u; /* L1 data cache */
    __asm volatile("dsb" ::: "memory");
    uint32_t ccsidr = SCB_CCSIDR;
    for (uint32_t set = 0u; set < CCSIDR_SETS(ccsidr); set++) {
        for (uint32_t way = 0u; way < CCSIDR_WAYS(ccsidr); way++) {
            SCB_DCISW = (way << 30) | (set << 5); /* 4 ways: way in bits 31:30, 32-byte lines */
        }
    }
    __asm volatile("dsb" ::: "memory");
    SCB_CCR |= SCB_CCR_DC;
    __asm volatile("dsb\n\tisb" ::: "memory");
}

/* USART3 on PD8 (TX) / PD9 (RX), AF7: the ST-LINK V3E virtual COM port (UM2408, recalled).
 * Kernel clock PCLK1 (CDCCIP2R.USART234578SEL = 000, the reset value): BRR = PCLK1 / baud,
 * oversampling by 16 (RM0455 USART "baud rate generation"). */
static void console_init(void)
{
    RCC_AHB4ENR |= RCC_AHB4ENR_GPIODEN;
    (void)RCC_AHB4ENR;

    stm32_pin_af(GPIOD_BASE, 8u, 7u, STM32_PIN_NOPULL); /* PD8: USART3_TX */
    stm32_pin_af(GPIOD_BASE, 9u, 7u, STM32_PIN_PULLUP); /* PD9: USART3_RX */

    RCC_CDCCIP2R &= ~RCC_CDCCIP2R_USART234578SEL_MASK;
    RCC_APB1LENR |= RCC_APB1LENR_USART3EN;
    (void)RCC_APB1LENR;

    stm32_console_start((PCLK1_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD);
}

void board_init(void)
{
    clock_init();
    caches_init();
    stm32_cycle_counter_start();
    console_init();
    stm32_ticks_start();
}
