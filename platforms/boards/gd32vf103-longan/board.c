/*
 * GD32VF103CB board port: 108 MHz from the 8 MHz HXTAL through the PLL, USART0 console on
 * PA9/PA10 with an ECLIC RX interrupt, time from the core system timer (mtime, HCLK/4).
 * The cycle CSRs (mcycle/rdcycle/rdtime) are deliberately not used: the system timer is the
 * documented time base of this SoC. Registers: gd32vf103_regs.h.
 */
#include "board_config.h" /* generated from gd32vf103-longan.toml + gd32vf103.toml at build time */
#include "gd32vf103_regs.h"
#include "ringbuf.h"
#include "tinysim_board.h"

#define HXTAL_HZ     8000000u        /* Longan Nano / GD32VF103 eval board crystal */
#define SYSCLK_HZ    TS_SYSCLK_HZ    /* board file [clock] hz: the GD32VF103 maximum (datasheet §1) */
#define MTIME_HZ     (SYSCLK_HZ / 4u)
#define CONSOLE_BAUD TS_CONSOLE_BAUD /* board file [console] baud */
/* clock_init sets HXTAL / PREDV0 2 x PLLMF 27 (User Manual §5.2). */
_Static_assert(SYSCLK_HZ == HXTAL_HZ / 2u * 27u, "clock_init makes 108 MHz; [clock] hz must say so");

static ringbuf_t s_rx;
static void (*volatile s_timer_handler)(void);
static volatile uint32_t s_timer_period; /* in mtime ticks */

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

/* User Manual §5.2 "clock control": HXTAL on, PREDV0 = /2 (4 MHz), PLL x27 = 108 MHz,
 * AHB /1, APB1 /2 (54 MHz max), APB2 /1, then switch SCS to the PLL. Flash wait states are
 * not programmable on this part (FMC has no latency field; code flash is zero-wait by design). */
static void clock_init(void)
{
    RCU_CTL |= RCU_CTL_HXTALEN;
    while (!(RCU_CTL & RCU_CTL_HXTALSTB)) {
    }

    RCU_CFG0 = (RCU_CFG0 & ~(RCU_CFG0_AHBPSC_MASK | RCU_CFG0_APB1PSC_MASK | RCU_CFG0_APB2PSC_MASK)) |
               RCU_CFG0_APB1PSC_DIV2;

    RCU_CFG1 = (RCU_CFG1 & ~(RCU_CFG1_PREDV0SEL | RCU_CFG1_PREDV0_MASK)) | RCU_CFG1_PREDV0_DIV2;
    RCU_CFG0 = (RCU_CFG0 & ~RCU_CFG0_PLLMF_MASK) | RCU_CFG0_PLLSEL | RCU_CFG0_PLLMF_MUL27;
    RCU_CTL |= RCU_CTL_PLLEN;
    while (!(RCU_CTL & RCU_CTL_PLLSTB)) {
    }

    RCU_CFG0 = (RCU_CFG0 & ~RCU_CFG0_SCS_MASK) | RCU_CFG0_SCS_PLL;
    while ((RCU_CFG0 & RCU_CFG0_SCSS_MASK) != RCU_CFG0_SCSS_PLL) {
    }
}

static void eclic_enable(uint32_t id)
{
    ECLIC_INTIE(id) = 0u;
    ECLIC_INTATTR(id) = ECLIC_ATTR_LEVEL_NONVECTORED;
    ECLIC_INTCTL(id) = 0xFFu; /* highest level; levels do not matter without nesting */
    ECLIC_INTIP(id) = 0u;
    ECLIC_INTIE(id) = 1u;
}

static void eclic_disable(uint32_t id)
{
    ECLIC_INTIE(id) = 0u;
}

/* USART0 on PA9 (TX, AF push-pull) / PA10 (RX, floating input), 115200 8N1.
 * BAUD = PCLK2 / baud in 12.4 fixed point (§16.3.2): 108 MHz / 115200 = 937.5 -> 938. */
static void console_init(void)
{
    RCU_APB2EN |= RCU_APB2EN_AFEN | RCU_APB2EN_PAEN | RCU_APB2EN_USART0EN;
    GPIOA_CTL1 = (GPIOA_CTL1 & ~((0xFu << 4) | (0xFu << 8))) | (GPIO_MODE_AF_PP_50MHZ << 4) |
                 (GPIO_MODE_IN_FLOATING << 8);

    USART0_CTL0 = 0u;
    USART0_CTL1 = 0u; /* 1 stop bit */
    USART0_CTL2 = 0u;
    USART0_BAUD = (SYSCLK_HZ + CONSOLE_BAUD / 2u) / CONSOLE_BAUD;
    USART0_CTL0 = USART_CTL0_UEN | USART_CTL0_TEN | USART_CTL0_REN | USART_CTL0_RBNEIE;

    eclic_enable(ECLIC_ID_USART0);
}

static void usart0_irq(void)
{
    /* Reading STAT then DATA clears RBNE and ORERR (§16.4.1). */
    while (USART0_STAT & (USART_STAT_RBNE | USART_STAT_ORERR)) {
        ringbuf_push(&s_rx, (uint8_t)USART0_DATA);
    }
}

static uint64_t mtime_read(void)
{
    uint32_t hi, lo;
    do {
        hi = SYSTIMER_MTIME_HI;
        lo = SYSTIMER_MTIME_LO;
    } while (hi != SYSTIMER_MTIME_HI);
    return ((uint64_t)hi << 32) | lo;
}

static void mtimecmp_write(uint64_t when)
{
    SYSTIMER_MTIMECMP_HI = 0xFFFFFFFFu; /* no spurious match while the halves are updated */
    SYSTIMER_MTIMECMP_LO = (uint32_t)when;
    SYSTIMER_MTIMECMP_HI = (uint32_t)(when >> 32);
}

static void timer_irq(void)
{
    uint64_t cmp = ((uint64_t)SYSTIMER_MTIMECMP_HI << 32) | SYSTIMER_MTIMECMP_LO;
    mtimecmp_write(cmp + s_timer_period); /* also clears the level interrupt */
    void (*handler)(void) = s_timer_handler;
    if (handler) {
        handler();
    }
}

static void report_exception(uint32_t mcause, uint32_t mepc)
{
    uint32_t mtval;
    __asm volatile("csrr %0, mtval" : "=r"(mtval)); /* Bumblebee: mbadaddr, same CSR number */
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
void trap_dispatch(uint32_t mcause, uint32_t mepc, uint32_t *frame)
{
    (void)frame;
    if (!(mcause & MCAUSE_INTERRUPT)) {
        report_exception(mcause, mepc);
    }
    switch (mcause & MCAUSE_CODE_MASK) {
    case ECLIC_ID_TIMER:
        timer_irq();
        break;
    case ECLIC_ID_USART0:
        usart0_irq();
        break;
    default:
        board_puts("\r\n*** unexpected interrupt ");
        board_put_u32(mcause & MCAUSE_CODE_MASK);
        board_puts("\r\n");
        board_halt();
    }
}

void board_init(void)
{
    clock_init();
    SYSTIMER_MSTOP = 0u; /* make sure mtime runs */
    ECLIC_CLICCFG = 0u;  /* nlbits = 0: all interrupt-level bits are priority */
    ECLIC_MTH = 0u;      /* threshold: every level may interrupt */
    console_init();
    __asm volatile("csrsi mstatus, 8" ::: "memory"); /* MIE */
}

void board_putc(char c)
{
    while (!(USART0_STAT & USART_STAT_TBE)) {
    }
    USART0_DATA = (uint8_t)c;
}

int board_getc_nowait(void)
{
    uint32_t mie = irq_save();
    int c = ringbuf_pop(&s_rx);
    irq_restore(mie);
    return c;
}

/* MIE clear, check, WFI: a pending enabled interrupt wakes WFI even with MIE clear
 * (RISC-V privileged spec §3.3.3), then setting MIE takes it. */
int board_getc(void)
{
    for (;;) {
        __asm volatile("csrci mstatus, 8" ::: "memory");
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
    return mtime_read() * 4u; /* mtime runs at HCLK/4: 4-cycle resolution */
}

uint32_t board_micros(void)
{
    return (uint32_t)(mtime_read() / (MTIME_HZ / 1000000u));
}

uint32_t board_clock_hz(void)
{
    return SYSCLK_HZ;
}

const char *board_name(void)
{
    return TS_SOC_NAME; /* the port has always named the SoC */
}

int board_timer_start(uint32_t hz, void (*handler)(void))
{
    eclic_disable(ECLIC_ID_TIMER);
    if (hz == 0u) {
        s_timer_handler = 0;
        return 0;
    }
    if (hz > MTIME_HZ) {
        return -1;
    }
    s_timer_period = MTIME_HZ / hz;
    s_timer_handler = handler;
    mtimecmp_write(mtime_read() + s_timer_period);
    eclic_enable(ECLIC_ID_TIMER);
    return 0;
}

void board_wait_for_interrupt(void)
{
    __asm volatile("wfi" ::: "memory");
}

void board_halt(void)
{
    while (!(USART0_STAT & USART_STAT_TC)) {
    }
    for (;;) {
        __asm volatile("ebreak");
    }
}
