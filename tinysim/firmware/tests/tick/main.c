/* tick: the periodic timer interrupt (SysTick on Cortex-M, the machine timer on RISC-V) wakes
 * the core from WFI 10 times at 100 Hz; then prints "tick 10" and the elapsed time. */
#include "tinysim_board.h"

#define TICK_HZ 100u
#define N_TICKS 10u

static volatile uint32_t s_ticks;

static void on_tick(void)
{
    s_ticks++;
}

int main(void)
{
    uint32_t start_us = board_micros();
    if (board_timer_start(TICK_HZ, on_tick) != 0) {
        board_puts("tick: timer rate not supported\r\n");
        board_halt();
    }
    while (s_ticks < N_TICKS) {
        board_wait_for_interrupt(); /* the timer keeps firing, so a missed wake-up costs one tick */
    }
    board_timer_start(0u, 0);
    uint32_t elapsed_us = board_micros() - start_us;
    board_puts("tick ");
    board_put_u32(s_ticks);
    board_puts("\r\nelapsed_us ");
    board_put_u32(elapsed_us);
    board_puts("\r\n");
    board_halt();
}
