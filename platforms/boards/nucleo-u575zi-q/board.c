/*
 * NUCLEO-U575ZI-Q board port: 160 MHz from HSI16 through PLL1 in voltage Range 1 on the SMPS,
 * ICACHE on, USART1 console on the ST-LINK virtual COM port, DWT cycle counter extended to 64
 * bits. Register names and bits: stm32u575_regs.h (RM0456).
 */
#include "board_config.h" /* generated from nucleo-u575zi-q.toml + stm32u575.toml at build time */
#include "stm32u575_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

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
    busy_wait_loops(200u);
    RCC_CFGR2 &= ~RCC_CFGR2_HPRE_MASK;
}

/* ICACHE: invalidate, wait, enable (RM0456 §8.4, default 2-way). */
static void icache_init(void)
{
    ICACHE_CR |= ICACHE_CR_CACHEINV;
    while (ICACHE_SR & ICACHE_SR_BUSYF) {
    }
    ICACHE_CR |= ICACHE_CR_EN;
}

static void cycle_counter_init(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

/* USART1 on PA9 (TX) / PA10 (RX), AF7: the ST-LINK V3 virtual COM port (UM2861, recalled;
 * DS13737 alternate functions). Kernel clock HSI16 (CCIPR1.USART1SEL = 10), so the divider does
 * not depend on SYSCLK: BRR = 16 MHz / 115200 = 138.9 -> 139, oversampling by 16. */
static void console_init(void)
{
    RCC_AHB2ENR1 |= RCC_AHB2ENR1_GPIOAEN;
    (void)RCC_AHB2ENR1;

    GPIOA_AFRH = (GPIOA_AFRH & ~((0xFu << 4) | (0xFu << 8))) | (7u << 4) | (7u << 8); /* PA9, PA10 AF7 */
    GPIOA_OSPEEDR = (GPIOA_OSPEEDR & ~((3u << 18) | (3u << 20))) | (1u << 18) | (1u << 20);
    GPIOA_PUPDR = (GPIOA_PUPDR & ~((3u << 18) | (3u << 20))) | (1u << 20); /* RX pull-up */
    GPIOA_MODER = (GPIOA_MODER & ~((3u << 18) | (3u << 20))) | (2u << 18) | (2u << 20);

    RCC_CCIPR1 = (RCC_CCIPR1 & ~RCC_CCIPR1_USART1SEL_MASK) | RCC_CCIPR1_USART1SEL_HSI16;
    RCC_APB2ENR |= RCC_APB2ENR_USART1EN;
    (void)RCC_APB2ENR;

    USART1_CR1 = 0u; /* 8N1, disabled while configuring */
    USART1_CR2 = 0u;
    USART1_CR3 = 0u;
    USART1_BRR = (HSI16_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
    USART1_CR1 = USART_CR1_TE | USART_CR1_RE | USART_CR1_RXNEIE;
    USART1_CR1 |= USART_CR1_UE;

    NVIC_IPR8(USART1_IRQN) = 0x80u;
    NVIC_ISER(USART1_IRQN / 32u) = 1u << (USART1_IRQN % 32u);
}

void USART1_IRQHandler(void)
{
    uint32_t isr = USART1_ISR;
    if (isr & USART_ISR_ORE) {
        USART1_ICR = USART_ICR_ORECF;
    }
    while (USART1_ISR & USART_ISR_RXNE) {
        ringbuf_push(&s_rx, (uint8_t)USART1_RDR); /* reading RDR clears RXNE */
    }
}

/* SysTick runs from the core clock with the largest reload (2^24 cycles, 105 ms at 160 MHz)
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
    icache_init();
    cycle_counter_init();
    console_init();
    systick_start(SYST_RVR_MAX);
    __asm volatile("cpsie i" ::: "memory");
}

void board_putc(char c)
{
    while (!(USART1_ISR & USART_ISR_TXE)) {
    }
    USART1_TDR = (uint8_t)c;
}

int board_getc_nowait(void)
{
    uint32_t primask = irq_save();
    int c = ringbuf_pop(&s_rx);
    irq_restore(primask);
    return c;
}

/* With interrupts masked, check the queue and WFI: a pending interrupt still wakes WFI
 * (ARMv8-M ARM DDI 0553 B3.x, as ARMv7-M §B1.5.19), and unmasking then runs the ISR. No byte can slip in between
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
    while (!(USART1_ISR & USART_ISR_TC)) { /* last byte out of the shift register */
    }
    for (;;) {
        __asm volatile("bkpt #0");
    }
}
