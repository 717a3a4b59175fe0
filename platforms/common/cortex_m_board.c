/*
 * tinysim_board.h for the Cortex-M boards, all but the console's transmit side and halt (see
 * cortex_m_board.h): the DWT cycle counter extended to 64 bits, SysTick, the RX byte queue with
 * the WFI getc, sleep, clock and name. The same System Control Space registers on the M4, M7 and
 * M33 (cortex_m_regs.h).
 */
#include "cortex_m_board.h"

#include "board_config.h"
#include "cortex_m_regs.h"
#include "ringbuf.h"

#define SYSCLK_HZ TS_SYSCLK_HZ /* board file [clock] hz */

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

void cortex_m_cycle_counter_start(void)
{
    DEMCR |= DEMCR_TRCENA;
    DWT_CYCCNT = 0u;
    DWT_CTRL |= DWT_CTRL_CYCCNTENA;
}

void cortex_m_console_rx(uint8_t byte)
{
    ringbuf_push(&s_rx, byte);
}

/* SysTick runs from the core clock with the largest reload (2^24 cycles: 131 ms at 128 MHz,
 * 60 ms at 280 MHz) when no test timer is set, so the 32-bit cycle counter is sampled at least
 * once per wrap (33.6 s at 128 MHz, 15.3 s at 280 MHz) even if the application never reads the
 * time. */
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

void cortex_m_ticks_start(void)
{
    systick_start(SYST_RVR_MAX);
    __asm volatile("cpsie i" ::: "memory");
}

int board_getc_nowait(void)
{
    uint32_t primask = irq_save();
    int c = ringbuf_pop(&s_rx);
    irq_restore(primask);
    return c;
}

/* With interrupts masked, check the queue and WFI: a pending interrupt still wakes WFI
 * (ARMv7-M ARM §B1.5.19; ARMv8-M the same), and unmasking then runs the ISR. No byte can slip in
 * between the check and the sleep. */
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
