/*
 * NUCLEO-L4R5ZI board port: 120 MHz from HSI16 through the PLL in Range 1 boost mode,
 * LPUART1 console on the ST-LINK virtual COM port, DWT cycle counter extended to 64 bits.
 * Register names and bits: stm32l4r5_regs.h (RM0432).
 */
#include "board_config.h" /* generated from nucleo-l4r5zi.toml + stm32l4r5.toml at build time */
#include "stm32l4r5_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

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

static ringbuf_t s_rx;
static volatile uint32_t s_cyc_last;
static volatile uint32_t s_cyc_high;
static void (*volatile s_timer_handler)(void);

static inline uint32_t irq_save(void)
{
    uint32_t primask;
    __asm volatile("mrs %0, primask\n\tcpsid i" : "=r"(primask)::"memory");
    return primask;
}

static inline void irq_restore(uint32_t primask)
{
    __asm volatile("msr primask, %0" ::"r"(primask) : "memory");
}

static void busy_wait_loops(uint32_t n)
{
    for (volatile uint32_t i = 0; i < n; i++) {
    }
}

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
    busy_wait_loops(200u);
    RCC_CFGR &= ~RCC_CFGR_HPRE_MASK;
}

static void cycle_counter_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

/* LPUART1 on PG7 (TX) / PG8 (RX), AF8: the ST-LINK V3 virtual COM port (UM2179 §6.9,
 * DS12023 Table 16 alternate functions). Kernel clock HSI16, so the divider does not depend
 * on SYSCLK: BRR = 256 * 16 MHz / 115200 = 35555.6 -> 35556 (RM0432 LPUART "baud rate generation"). */
static void console_init(void)
{
    PWR_CR2 |= PWR_CR2_IOSV;
    RCC_AHB2ENR |= RCC_AHB2ENR_GPIOGEN;
    (void)RCC_AHB2ENR;

    GPIOG_AFRL = (GPIOG_AFRL & ~(0xFu << 28)) | (8u << 28); /* PG7 AF8 */
    GPIOG_AFRH = (GPIOG_AFRH & ~(0xFu << 0)) | (8u << 0);   /* PG8 AF8 */
    GPIOG_OSPEEDR = (GPIOG_OSPEEDR & ~((3u << 14) | (3u << 16))) | (1u << 14) | (1u << 16);
    GPIOG_PUPDR = (GPIOG_PUPDR & ~((3u << 14) | (3u << 16))) | (1u << 16); /* RX pull-up */
    GPIOG_MODER = (GPIOG_MODER & ~((3u << 14) | (3u << 16))) | (2u << 14) | (2u << 16);

    RCC_CCIPR = (RCC_CCIPR & ~RCC_CCIPR_LPUART1SEL_MASK) | RCC_CCIPR_LPUART1SEL_HSI16;
    RCC_APB1ENR2 |= RCC_APB1ENR2_LPUART1EN;
    (void)RCC_APB1ENR2;

    LPUART1_CR1 = 0u; /* 8N1 (M1:M0 = 00, PCE = 0), disabled while configuring */
    LPUART1_CR2 = 0u; /* 1 stop bit */
    LPUART1_CR3 = 0u;
    LPUART1_BRR = (256u * (uint64_t)HSI16_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
    LPUART1_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    LPUART1_CR1 |= USART_CR1_UE;

    NVIC_IPR8(LPUART1_IRQN) = 0x80u;
    NVIC_ISER(LPUART1_IRQN / 32u) = 1u << (LPUART1_IRQN % 32u);
}

void LPUART1_IRQHandler(void)
{
    uint32_t isr = LPUART1_ISR;
    if (isr & USART_ISR_ORE) {
        LPUART1_ICR = USART_ICR_ORECF;
    }
    while (LPUART1_ISR & USART_ISR_RXNE) {
        ringbuf_push(&s_rx, (uint8_t)LPUART1_RDR); /* reading RDR clears RXNE */
    }
}

/* SysTick runs from the core clock with the largest reload (2^24 cycles, 140 ms at 120 MHz)
 * when no test timer is set, so the 32-bit cycle counter is sampled at least once per wrap
 * (35.8 s) even if the application never reads the time. */
void SysTick_Handler(void)
{
    (void)board_cycles();
    void (*handler)(void) = s_timer_handler;
    if (handler) {
        handler();
    }
}

static void systick_start(uint32_t reload)
{
    SYST_CSR = 0u;
    SYST_RVR = reload;
    SYST_CVR = 0u;
    SYST_CSR = SYST_CSR_CLKSOURCE | SYST_CSR_TICKINT | SYST_CSR_ENABLE;
}

void board_init(void)
{
    clock_init();
    cycle_counter_init();
    console_init();
    systick_start(SYST_RVR_MAX);
    __asm volatile("cpsie i" ::: "memory");
}

void board_putc(char c)
{
    while (!(LPUART1_ISR & USART_ISR_TXE)) {
    }
    LPUART1_TDR = (uint8_t)c;
}

int board_getc_nowait(void)
{
    uint32_t primask = irq_save();
    int c = ringbuf_pop(&s_rx);
    irq_restore(primask);
    return c;
}

/* With interrupts masked, check the queue and WFI: a pending interrupt still wakes WFI
 * (ARMv7-M ARM §B1.5.19), and unmasking then runs the ISR. No byte can slip in between
 * the check and the sleep. */
int board_getc(void)
{
    for (;;) {
        __asm volatile("cpsid i" ::: "memory");
        int c = ringbuf_pop(&s_rx);
        if (c >= 0) {
            __asm volatile("cpsie i" ::: "memory");
            return c;
        }
        __asm volatile("dsb\n\twfi" ::: "memory");
        __asm volatile("cpsie i\n\tisb" ::: "memory");
    }
}

/* 64-bit cycles: the high word counts wraps of DWT_CYCCNT seen by any reader (thread or
 * SysTick). Interrupts are masked so a reader and the ISR never both count one wrap. */
uint64_t board_cycles(void)
{
    uint32_t primask = irq_save();
    uint32_t now = DWT_CYCCNT;
    if (now < s_cyc_last) {
        s_cyc_high++;
    }
    s_cyc_last = now;
    uint64_t cycles = ((uint64_t)s_cyc_high << 32) | now;
    irq_restore(primask);
    return cycles;
}

uint32_t board_micros(void)
{
    return (uint32_t)(board_cycles() / (SYSCLK_HZ / 1000000u));
}

uint32_t board_clock_hz(void)
{
    return SYSCLK_HZ;
}

const char *board_name(void)
{
    return TS_BOARD_NAME;
}

int board_timer_start(uint32_t hz, void (*handler)(void))
{
    if (hz == 0u) {
        s_timer_handler = 0;
        systick_start(SYST_RVR_MAX);
        return 0;
    }
    uint32_t reload = SYSCLK_HZ / hz - 1u;
    if (hz > SYSCLK_HZ || reload == 0u || reload > SYST_RVR_MAX) {
        return -1;
    }
    s_timer_handler = handler;
    systick_start(reload);
    return 0;
}

void board_wait_for_interrupt(void)
{
    __asm volatile("dsb\n\twfi" ::: "memory");
}

void board_halt(void)
{
    while (!(LPUART1_ISR & USART_ISR_TC)) { /* last byte out of the shift register */
    }
    for (;;) {
        __asm volatile("bkpt #0");
    }
}
