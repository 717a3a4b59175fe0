/* FPCCR.ASPEN and the FP context an exception stacks (ARM DDI 0403 B1.5.7, B3.2.23): with ASPEN
 * set, an FPU instruction sets CONTROL.FPCA and the next exception stacks the extended frame
 * (EXC_RETURN 0xFFFFFFE9, 0x68 bytes); with ASPEN clear (Zephyr's "unshared" FPU mode, among
 * others) FPCA stays clear and the frame is the basic one. Run under tinysim and under QEMU, the
 * output must be the same. (What CONTROL.FPCA reads in Thread mode with ASPEN clear is not
 * printed: Unicorn sets it at every FPU instruction.) */
#include <stdint.h>
#include <stdio.h>

#define FPCCR (*(volatile uint32_t *)0xE000EF34)

volatile uint32_t exc_return[3], frame_bytes[3], thread_sp[3];
volatile int calls;
__attribute__((naked)) void SVC_Handler(void) {
    __asm volatile("ldr r0, =calls\n ldr r1, [r0]\n ldr r2, =exc_return\n str lr, [r2, r1, lsl #2]\n"
                   "ldr r2, =thread_sp\n ldr r3, [r2, r1, lsl #2]\n mrs r12, msp\n sub r3, r3, r12\n"
                   "ldr r2, =frame_bytes\n str r3, [r2, r1, lsl #2]\n adds r1, #1\n str r1, [r0]\n bx lr\n");
}
static inline uint32_t control(void) { uint32_t v; __asm volatile("mrs %0, control" : "=r"(v)); return v; }
static inline void svc_noting_sp(int i) {
    __asm volatile("str sp, [%0]\n svc #0" ::"r"(&thread_sp[i]) : "memory");
}
volatile float f = 1.5f;

int main(void) {
    f = f * 2.0f;                                             /* FPCA set: extended frame */
    svc_noting_sp(0);
    FPCCR &= ~(3u << 30);                                     /* ASPEN and LSPEN off */
    __asm volatile("msr control, %0\n isb" ::"r"(control() & ~4u) : "memory");
    f = f * 2.0f;                                             /* FPCA stays clear: basic frame */
    svc_noting_sp(1);
    FPCCR |= 3u << 30;
    __asm volatile("dsb\n isb" ::: "memory");
    f = f * 2.0f;                                             /* back to the extended frame */
    svc_noting_sp(2);
    for (int i = 0; i < 3; i++)
        printf("svc %d: exc_return=%08lx frame=%lu bytes\n", i, (unsigned long)exc_return[i],
               (unsigned long)frame_bytes[i]);
    printf("f=%d\n", (int)f);
    return 0;
}
