/* fault_hard: a control-flow fault. On Cortex-M, a call through a function pointer with bit 0
 * clear asks for ARM state, which ARMv7-M lacks: UsageFault INVSTATE, escalated to HardFault
 * (no fault handler enabled in SHCSR). On RISC-V, a jump to an unmapped address: instruction
 * access fault. */
#include "tinysim_board.h"

static void target(void)
{
    board_puts("ERROR: reached target\r\n");
}

int main(void)
{
    board_puts("fault_hard: bad branch\r\n");
#if defined(__arm__)
    uintptr_t addr = (uintptr_t)&target & ~(uintptr_t)1u;
#else
    uintptr_t addr = (uintptr_t)BOARD_UNMAPPED_ADDR;
    (void)&target;
#endif
    void (*volatile fn)(void) = (void (*)(void))addr;
    fn();
    board_puts("ERROR: no fault\r\n");
    board_halt();
}
