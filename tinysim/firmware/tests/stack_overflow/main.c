/* stack_overflow: unbounded recursion, 64+ bytes of stack per level. Expected: the run stops
 * when the stack goes below __stack_limit (linker script), with the stack reported. */
#include "tinysim_board.h"

/* The depth at which the recursion would stop: never reached. An empty asm hides the value
 * from the optimizer without keeping it in RAM, where a runaway stack could overwrite it. */
static inline uint32_t never_depth(void)
{
    uint32_t v = 0xFFFFFFFFu;
    __asm volatile("" : "+r"(v));
    return v;
}

__attribute__((noinline)) static uint32_t recurse(uint32_t depth)
{
    volatile uint32_t frame[16];
    frame[0] = depth;
    frame[15] = depth * 3u;
    if (depth == never_depth()) {
        return frame[0];
    }
    return recurse(depth + 1u) + frame[15]; /* not a tail call */
}

int main(void)
{
    board_puts("stack_overflow: recursing\r\n");
    uint32_t r = recurse(0u);
    board_puts("ERROR: recursion returned ");
    board_put_u32(r);
    board_puts("\r\n");
    board_halt();
}
