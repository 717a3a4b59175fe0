/*
 * ESP32-C3 board port (ROM direct boot): watchdogs off, CPU 160 MHz from the 480 MHz PLL,
 * UART0 console (the ROM's boot UART, on the DevKitM-1's USB-UART bridge) re-clocked from the
 * 40 MHz XTAL so its baud rate does not depend on the CPU clock, SYSTIMER for time.
 * Registers: esp32c3_regs.h (ESP32-C3 TRM).
 *
 * Interrupts go through the interrupt matrix: UART0 RX -> CPU line 5, SYSTIMER target 0 ->
 * CPU line 6, both level-triggered, priority 2 over threshold 1 (TRM ch. 8).
 */
#include "board_config.h" /* generated from esp32c3-devkitm.toml + esp32c3.toml at build time */
#include "esp32c3_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

#define XTAL_HZ      40000000u       /* DevKitM-1 crystal (ESP32-C3 datasheet: 40 MHz XTAL) */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz */
#define SYSTIMER_HZ  16000000u       /* TRM ch. 10: counter clock XTAL * 2/5 = 16 MHz */
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */
/* clock_init sets PLL 480 MHz / 3 (TRM ch. 6 Table "CPU clock": CPUPERIOD_SEL 1). */
_Static_assert(SYSCLK_HZ == 480000000u / 3u, "clock_init makes 160 MHz; [clock] hz must say so");

#define CPU_LINE_UART0 5u
#define CPU_LINE_TIMER 6u
#define CPU_LINE_PRIORITY 2u
#define CPU_LINE_THRESHOLD 1u

static ringbuf_t s_rx;
static void (*volatile s_timer_handler)(void);

static inline uint32_t irq_save(void)
{
    uint32_t mstatus;
    __asm volatile("csrrci %0, mstatus, 8" : "=r"(mstatus)::"memory"); /* clear MIE */
    return mstatus & 8u;
}

static inline void irq_restore(uint32_t mie)
{
    if (mie) {
        __asm volatile("csrsi mstatus, 8" ::: "memory");
    }
}

static void cpu_line_route(uint32_t source, uint32_t line)
{
    INTMTX_MAP(source) = line;
    INTMTX_CPU_INT_TYPE &= ~(1u << line); /* level */
    INTMTX_CPU_INT_PRI(line) = CPU_LINE_PRIORITY;
    INTMTX_CPU_INT_ENABLE |= 1u << line;
}

/* Move every byte in the RX FIFO to the queue. Called by the ISR and, with MIE clear, by
 * board_getc, so input is never stuck behind an interrupt that has not been taken yet. */
static void uart_rx_drain(void)
{
    while (UART_STATUS_RXFIFO_CNT(UART0_STATUS) != 0u) {
        ringbuf_push(&s_rx, (uint8_t)(UART0_FIFO & 0xFFu));
    }
    UART0_INT_CLR = UART_INT_RXFIFO_FULL;
}

/* TRM ch. 12 §12.2 / ch. 9: unlock with the key, clear the enable (and the flash-boot
 * protection the ROM armed), lock again. The super watchdog cannot be switched off by an
 * enable bit in every revision; auto-feed keeps it quiet (as ESP-IDF does). */
static void watchdogs_disable(void)
{
    RTC_CNTL_WDTWPROTECT = RTC_CNTL_WDT_WKEY;
    RTC_CNTL_WDTCONFIG0 = 0u;
    RTC_CNTL_WDTWPROTECT = 0u;

    RTC_CNTL_SWD_WPROTECT = RTC_CNTL_SWD_WKEY;
    RTC_CNTL_SWD_CONF |= RTC_CNTL_SWD_AUTO_FEED_EN | RTC_CNTL_SWD_DISABLE;
    RTC_CNTL_SWD_WPROTECT = 0u;

    TIMG_WDTWPROTECT(TIMG0_BASE) = RTC_CNTL_WDT_WKEY;
    TIMG_WDTCONFIG0(TIMG0_BASE) = 0u;
    TIMG_WDTCONFIG0(TIMG0_BASE) = TIMG_WDT_CONF_UPDATE_EN; /* latch the new configuration */
    TIMG_WDTWPROTECT(TIMG0_BASE) = 0u;

    TIMG_WDTWPROTECT(TIMG1_BASE) = RTC_CNTL_WDT_WKEY;
    TIMG_WDTCONFIG0(TIMG1_BASE) = 0u;
    TIMG_WDTCONFIG0(TIMG1_BASE) = TIMG_WDT_CONF_UPDATE_EN;
    TIMG_WDTWPROTECT(TIMG1_BASE) = 0u;
}

static void uart_drain(void)
{
    while (UART_STATUS_TXFIFO_CNT(UART0_STATUS) != 0u) {
    }
}

/* UART0 kernel clock from XTAL, divider 40 MHz / 115200 = 347 + 3.6/16 (TRM §26.4.2:
 * baud = f_sclk / (CLKDIV + FRAG/16)). 8N1 is the ROM's setting and is kept. */
static void console_init(void)
{
    uint32_t div16 = (16u * XTAL_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
    uart_drain();
    UART0_CLK_CONF = (UART0_CLK_CONF & ~(UART_CLK_CONF_SCLK_SEL_MASK | UART_CLK_CONF_SCLK_DIV_MASK)) |
                     UART_CLK_CONF_SCLK_SEL_XTAL;
    UART0_CLKDIV = (div16 >> 4) | ((div16 & 0xFu) << 20);

    /* RX interrupt as soon as one byte is in the FIFO. */
    UART0_CONF1 = (UART0_CONF1 & ~UART_CONF1_RXFIFO_FULL_THRHD_MASK) | 1u;
    UART0_INT_CLR = UART_INT_RXFIFO_FULL;
    UART0_INT_ENA |= UART_INT_RXFIFO_FULL;
    cpu_line_route(INTMTX_SOURCE_UART0, CPU_LINE_UART0);
}

/* CPU clock: PLL_CLK 480 MHz, CPU = PLL/3 = 160 MHz (TRM ch. 6 "CPU_CLK source" table).
 * Assumes the ROM left the BBPLL powered, as it does for its own flash access; not yet
 * checked on silicon. */
static void clock_init(void)
{
    SYSTEM_CPU_PER_CONF = (SYSTEM_CPU_PER_CONF & ~SYSTEM_CPUPERIOD_SEL_MASK) |
                          SYSTEM_PLL_FREQ_SEL_480 | SYSTEM_CPUPERIOD_SEL_160;
    SYSTEM_SYSCLK_CONF = (SYSTEM_SYSCLK_CONF & ~SYSTEM_SOC_CLK_SEL_MASK) | SYSTEM_SOC_CLK_SEL_PLL;
}

static uint64_t systimer_read(void)
{
    SYSTIMER_UNIT0_OP = SYSTIMER_UNIT0_UPDATE;
    while (!(SYSTIMER_UNIT0_OP & SYSTIMER_UNIT0_VALUE_VALID)) {
    }
    uint32_t hi = SYSTIMER_UNIT0_VALUE_HI;
    uint32_t lo = SYSTIMER_UNIT0_VALUE_LO;
    return ((uint64_t)hi << 32) | lo;
}

static void report_exception(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    board_puts("\r\n*** fault mcause=");
    board_put_hex32(mcause);
    board_puts(" mepc=");
    board_put_hex32(mepc);
    board_puts(" mtval=");
    board_put_hex32(mtval);
    board_puts("\r\n");
    board_halt();
}

/* Called by trap_entry (startup.S). */
void trap_dispatch(uint32_t mcause, uint32_t mepc, uint32_t mtval)
{
    if (!(mcause & MCAUSE_INTERRUPT)) {
        report_exception(mcause, mepc, mtval);
    }
    switch (mcause & MCAUSE_CODE_MASK) {
    case CPU_LINE_UART0:
        uart_rx_drain();
        break;
    case CPU_LINE_TIMER: {
        SYSTIMER_INT_CLR = SYSTIMER_INT_TARGET0;
        void (*handler)(void) = s_timer_handler;
        if (handler) {
            handler();
        }
        break;
    }
    default:
        board_puts("\r\n*** unexpected interrupt ");
        board_put_u32(mcause & MCAUSE_CODE_MASK);
        board_puts("\r\n");
        board_halt();
    }
}

void board_init(void)
{
    watchdogs_disable();
    /* UART first: it drains what the ROM printed and moves to XTAL before APB_CLK changes. */
    console_init();
    clock_init();
    INTMTX_CPU_INT_THRESH = CPU_LINE_THRESHOLD;
    __asm volatile("csrsi mstatus, 8" ::: "memory"); /* MIE */
}

void board_putc(char c)
{
    while (UART_STATUS_TXFIFO_CNT(UART0_STATUS) >= UART_TX_FIFO_SIZE - 1u) {
    }
    UART0_FIFO = (uint8_t)c;
}

int board_getc_nowait(void)
{
    uint32_t mie = irq_save();
    uart_rx_drain();
    int c = ringbuf_pop(&s_rx);
    irq_restore(mie);
    return c;
}

/* MIE clear, check, WFI: a pending enabled interrupt wakes WFI even with MIE clear (RISC-V
 * privileged spec §3.3.3); setting MIE then takes it. */
int board_getc(void)
{
    for (;;) {
        __asm volatile("csrci mstatus, 8" ::: "memory");
        uart_rx_drain();
        int c = ringbuf_pop(&s_rx);
        if (c >= 0) {
            __asm volatile("csrsi mstatus, 8" ::: "memory");
            return c;
        }
        __asm volatile("wfi" ::: "memory");
        __asm volatile("csrsi mstatus, 8" ::: "memory");
    }
}

uint64_t board_cycles(void)
{
    return systimer_read() * (SYSCLK_HZ / SYSTIMER_HZ); /* 10-cycle resolution */
}

uint32_t board_micros(void)
{
    return (uint32_t)(systimer_read() / (SYSTIMER_HZ / 1000000u));
}

uint32_t board_clock_hz(void)
{
    return SYSCLK_HZ;
}

const char *board_name(void)
{
    return TS_SOC_NAME; /* the port has always named the SoC */
}

/* SYSTIMER target 0 in period mode on unit 0 (TRM §10.5 "periodic alarm" procedure). */
int board_timer_start(uint32_t hz, void (*handler)(void))
{
    SYSTIMER_CONF &= ~SYSTIMER_TARGET0_WORK_EN;
    SYSTIMER_INT_ENA &= ~SYSTIMER_INT_TARGET0;
    SYSTIMER_INT_CLR = SYSTIMER_INT_TARGET0;
    if (hz == 0u) {
        s_timer_handler = 0;
        return 0;
    }
    uint32_t period = SYSTIMER_HZ / hz;
    if (hz > SYSTIMER_HZ || period > SYSTIMER_TARGET0_PERIOD_MAX) {
        return -1;
    }
    s_timer_handler = handler;
    SYSTIMER_TARGET0_CONF = period; /* unit 0, period mode off while loading */
    SYSTIMER_COMP0_LOAD = 1u;
    SYSTIMER_TARGET0_CONF = period | SYSTIMER_TARGET0_PERIOD_MODE;
    SYSTIMER_COMP0_LOAD = 1u;
    SYSTIMER_INT_ENA |= SYSTIMER_INT_TARGET0;
    cpu_line_route(INTMTX_SOURCE_SYSTIMER_TARGET0, CPU_LINE_TIMER);
    SYSTIMER_CONF |= SYSTIMER_TARGET0_WORK_EN;
    return 0;
}

void board_wait_for_interrupt(void)
{
    __asm volatile("wfi" ::: "memory");
}

void board_halt(void)
{
    uart_drain();
    for (;;) {
        __asm volatile("ebreak");
    }
}
