/* fault_unaligned: an LDRD from an address that is not word aligned. ARMv7-M always raises a
 * UsageFault (UNALIGNED) for it (ARM DDI 0403 A3.2.1), whatever CCR.UNALIGN_TRP says; with
 * SHCSR.USGFAULTENA clear it escalates to HardFault (HFSR.FORCED). Expected: the SoC startup's
 * HardFault handler prints "*** fault CFSR=01000000 HFSR=40000000 PC=<the LDRD>" and halts.
 * Cortex-M only (listed by ARMv7-M boards). */
#include "tinysim_board.h"

static uint32_t buf[4] = {0x03020100u, 0x07060504u, 0x0B0A0908u, 0x0F0E0D0Cu};

int main(void)
{
    board_puts("fault_unaligned: ldrd from ");
    const uint8_t *p = (const uint8_t *)buf + 2;
    board_put_hex32((uint32_t)(uintptr_t)p);
    board_puts("\r\n");
    uint32_t lo, hi;
    __asm volatile(".global fault_unaligned_ldrd\n"
                   "fault_unaligned_ldrd:\n\t"
                   "ldrd %0, %1, [%2]"
                   : "=r"(lo), "=r"(hi)
                   : "r"(p)
                   : "memory");
    board_puts("ERROR: no fault, read ");
    board_put_hex32(lo);
    board_put_hex32(hi);
    board_puts("\r\n");
    board_halt();
}
