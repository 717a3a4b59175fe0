/* tim16: TIM16 as a microsecond timebase, the way MLPerf Tiny ports time `m-lap-us` (ST's uses
 * TIM16): the prescaler divides the timer clock to 1 MHz, the counter wraps every 1000 us and
 * the update interrupt counts milliseconds. Two phases are timed by both the timer and the DWT
 * cycle counter: a busy loop, then sleeping in WFI until 20 update interrupts have come. Prints
 * "<phase> us <timer us> cycles <DWT cycles> ms <update interrupts>". STM32L4R5 only (RM0432
 * TIMx registers). */
#include "stm32l4r5_regs.h"
#include "tinysim_board.h"

#include "../ram_vectors.h"


static volatile uint32_t s_ms;

static void tim16_handler(void)
{
    TIM_SR(TIM16_BASE) = ~TIM_SR_UIF; /* rc_w0 */
    s_ms++;
}

static uint32_t micros(void)
{
    uint32_t ms, cnt;
    do {
        ms = s_ms;
        cnt = TIM_CNT(TIM16_BASE);
    } while (ms != s_ms);
    return ms * 1000u + cnt;
}

static void report(const char *phase, uint32_t us, uint64_t cycles, uint32_t ms)
{
    board_puts(phase);
    board_puts(" us ");
    board_put_u32(us);
    board_puts(" cycles ");
    board_put_u64(cycles);
    board_puts(" ms ");
    board_put_u32(ms);
    board_puts("\r\n");
}

int main(void)
{
    RCC_APB2ENR |= RCC_APB2ENR_TIM16EN;
    TIM_PSC(TIM16_BASE) = board_clock_hz() / 1000000u - 1u; /* 1 MHz (APB2 prescaler 1) */
    TIM_ARR(TIM16_BASE) = 999u;                              /* wraps every millisecond */
    TIM_EGR(TIM16_BASE) = TIM_EGR_UG;                        /* load PSC now */
    TIM_SR(TIM16_BASE) = 0u;
    TIM_DIER(TIM16_BASE) = TIM_DIER_UIE;
    ram_vectors_install(TIM1_UP_TIM16_IRQN, tim16_handler);
    TIM_CR1(TIM16_BASE) = TIM_CR1_CEN;

    uint32_t us0 = micros();
    uint64_t c0 = board_cycles();
    volatile uint32_t acc = 0;
    for (uint32_t i = 0; i < 300000u; i++) {
        acc += i ^ (acc >> 3);
    }
    uint32_t us1 = micros();
    uint64_t c1 = board_cycles();
    report("busy", us1 - us0, c1 - c0, s_ms);

    uint32_t target = s_ms + 20u;
    while (s_ms < target) {
        board_wait_for_interrupt();
    }
    uint32_t us2 = micros();
    uint64_t c2 = board_cycles();
    report("wfi", us2 - us1, c2 - c1, s_ms);
    board_halt();
}
