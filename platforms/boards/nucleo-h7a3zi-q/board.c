/*
 * NUCLEO-H7A3ZI-Q board port: 280 MHz from HSI 64 MHz through PLL1 at voltage scale VOS0,
 * Cortex-M7 L1 I- and D-caches on, USART3 console on the ST-LINK virtual COM port, DWT cycle
 * counter extended to 64 bits. Register names and bits: stm32h7a3_regs.h (RM0455).
 */
#include "board_config.h" /* generated from nucleo-h7a3zi-q.toml + stm32h7a3.toml at build time */
#include "stm32h7a3_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

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

static void cycle_counter_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

/* USART3 on PD8 (TX) / PD9 (RX), AF7: the ST-LINK V3E virtual COM port (UM2408, recalled).
 * Kernel clock PCLK1 (CDCCIP2R.USART234578SEL = 000, the reset value): BRR = PCLK1 / baud,
 * oversampling by 16 (RM0455 USART "baud rate generation"). */
static void console_init(void)
{
    RCC_AHB4ENR |= RCC_AHB4ENR_GPIODEN;
    (void)RCC_AHB4ENR;

    GPIOD_AFRH = (GPIOD_AFRH & ~0xFFu) | (7u << 0) | (7u << 4); /* PD8, PD9 AF7 */
    GPIOD_OSPEEDR = (GPIOD_OSPEEDR & ~((3u << 16) | (3u << 18))) | (1u << 16) | (1u << 18);
    GPIOD_PUPDR = (GPIOD_PUPDR & ~((3u << 16) | (3u << 18))) | (1u << 18); /* RX pull-up */
    GPIOD_MODER = (GPIOD_MODER & ~((3u << 16) | (3u << 18))) | (2u << 16) | (2u << 18);

    RCC_CDCCIP2R &= ~RCC_CDCCIP2R_USART234578SEL_MASK;
    RCC_APB1LENR |= RCC_APB1LENR_USART3EN;
    (void)RCC_APB1LENR;

    USART3_CR1 = 0u; /* 8N1, disabled while configuring */
    USART3_CR2 = 0u;
    USART3_CR3 = 0u;
    USART3_BRR = (PCLK1_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
    USART3_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    USART3_CR1 |= USART_CR1_UE;

    NVIC_IPR8(USART3_IRQN) = 0x80u;
    NVIC_ISER(USART3_IRQN / 32u) = 1u << (USART3_IRQN % 32u);
}

void USART3_IRQHandler(void)
{
    uint32_t isr = USART3_ISR;
    if (isr & USART_ISR_ORE) {
        USART3_ICR = USART_ICR_ORECF;
    }
    while (USART3_ISR & USART_ISR_RXNE) {
        ringbuf_push(&s_rx, (uint8_t)USART3_RDR); /* reading RDR clears RXNE */
    }
}

/* SysTick runs from the core clock with the largest reload (2^24 cycles, 60 ms at 280 MHz)
 * when no test timer is set, so the 32-bit cycle counter is sampled at least once per wrap
 * (15.3 s at 280 MHz) even if the application never reads the time. */
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
    caches_init();
    cycle_counter_init();
    console_init();
    systick_start(SYST_RVR_MAX);
    __asm volatile("cpsie i" ::: "memory");
}

void board_putc(char c)
{
    while (!(USART3_ISR & USART_ISR_TXE)) {
    }
    USART3_TDR = (uint8_t)c;
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
    while (!(USART3_ISR & USART_ISR_TC)) { /* last byte out of the shift register */
    }
    for (;;) {
        __asm volatile("bkpt #0");
    }
}
