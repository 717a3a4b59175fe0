/* fault_undef: executes a permanently undefined instruction. Expected: a fault report
 * (UsageFault UNDEFINSTR escalated to HardFault on Cortex-M; illegal instruction on RISC-V). */
#include "tinysim_board.h"

int main(void)
{
    board_puts("fault_undef: executing an undefined instruction\r\n");
#if defined(__arm__)
    __asm volatile("udf #0");
#elif defined(__riscv)
    __asm volatile(".4byte 0x00000000"); /* all-zero encoding: defined illegal (RISC-V ISA §1.5) */
#else
#error "unsupported architecture"
#endif
    board_puts("ERROR: no fault\r\n");
    board_halt();
}
