/*
 * NUCLEO-U385RG-Q board port: 96 MHz from MSIS (the MSIRC0 96 MHz RC oscillator, undivided; the
 * STM32U3 has no PLL) in voltage Range 1 with the EPOD booster on the SMPS, ICACHE on, USART1
 * console on the ST-LINK virtual COM port, DWT cycle counter extended to 64 bits. Register
 * names and bits: stm32u385_regs.h (stm32u385xx.h).
 */
#include "board_config.h" /* generated from nucleo-u385rg-q.toml + stm32u385.toml at build time */
#include "stm32u385_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

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

/* ICACHE: invalidate, wait, enable (default 2-way). */
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

/* USART1 on PA9 (TX) / PA10 (RX), AF7: the ST-LINK virtual COM port (STM32CubeU3 BSP
 * stm32u3xx_nucleo.h COM1 = USART1, TX PA9; AF7 recalled). Kernel clock HSI16
 * (CCIPR1.USART1SEL = 1), so the divider does not depend on SYSCLK: BRR = 16 MHz / 115200 =
 * 138.9 -> 139, oversampling by 16. */
static void console_init(void)
{
    RCC_AHB2ENR1 |= RCC_AHB2ENR1_GPIOAEN;
    (void)RCC_AHB2ENR1;

    GPIOA_AFRH = (GPIOA_AFRH & ~((0xFu << 4) | (0xFu << 8))) | (7u << 4) | (7u << 8); /* PA9, PA10 AF7 */
    GPIOA_OSPEEDR = (GPIOA_OSPEEDR & ~((3u << 18) | (3u << 20))) | (1u << 18) | (1u << 20);
    GPIOA_PUPDR = (GPIOA_PUPDR & ~((3u << 18) | (3u << 20))) | (1u << 20); /* RX pull-up */
    GPIOA_MODER = (GPIOA_MODER & ~((3u << 18) | (3u << 20))) | (2u << 18) | (2u << 20);

    RCC_CCIPR1 |= RCC_CCIPR1_USART1SEL_HSI16;
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

/* SysTick runs from the core clock with the largest reload (2^24 cycles, 175 ms at 96 MHz)
 * when no test timer is set, so the 32-bit cycle counter is sampled at least once per wrap
 * (44.7 s) even if the application never reads the time. */
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
