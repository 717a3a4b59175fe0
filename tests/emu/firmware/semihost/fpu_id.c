/* What a firmware reads to learn its core and FPU (CMSIS SCB_GetFPUType reads MVFR0): the CPUID
 * part number and the media and FP feature registers; and CCR out of reset and after writing 0
 * (ARMv8-M keeps NONBASETHRDENA and STKALIGN at 1). Run under tinysim and under QEMU, the
 * output must be the same (the revision fields of CPUID differ between the boards' parts and
 * QEMU's models, so only the part number is printed). */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))

int main(void) {
    printf("partno=%03lx mvfr0=%08lx mvfr1=%08lx mvfr2=%08lx\n", (unsigned long)(REG(0xE000ED00) >> 4 & 0xFFF),
           (unsigned long)REG(0xE000EF40), (unsigned long)REG(0xE000EF44), (unsigned long)REG(0xE000EF48));
    uint32_t ccr = REG(0xE000ED14);
    REG(0xE000ED14) = 0;
    printf("ccr=%08lx after writing 0: %08lx\n", (unsigned long)ccr, (unsigned long)REG(0xE000ED14));
    REG(0xE000ED14) = ccr;
    return 0;
}
