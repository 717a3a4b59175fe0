/* What the semihost fault programs (faults.c, mpu.c) share: the fault handler entry that hands
 * the exception frame and IPSR to the program's fault_common, and the naked leaves each scenario
 * faults in (LR still the caller's return address, so a handler can resume there). */
#ifndef FAULT_LEAVES_H
#define FAULT_LEAVES_H

#include <stdint.h>

void fault_common(uint32_t *frame, uint32_t exc);

#define FAULT_HANDLER(name)                                                                     \
    __attribute__((naked)) void name(void) {                                                    \
        __asm volatile("tst lr, #4\n ite eq\n mrseq r0, msp\n mrsne r0, psp\n mrs r1, ipsr\n"   \
                       "push {r0, lr}\n bl fault_common\n pop {r0, pc}\n");                     \
    }

__attribute__((naked, noinline, unused)) static uint32_t load_from(uint32_t addr) {
    (void)addr;
    __asm volatile("ldr r0, [r0]\n bx lr\n");
}
__attribute__((naked, noinline, unused)) static void store_to(uint32_t addr) {
    (void)addr;
    __asm volatile("str r0, [r0]\n bx lr\n");
}
__attribute__((naked, noinline, unused)) static void call_at(uint32_t addr) {
    (void)addr;
    __asm volatile("bx r0\n");                            /* LR stays the caller's */
}

#endif
