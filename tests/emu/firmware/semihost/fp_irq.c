/* Interrupts landing anywhere in floating-point code: main computes a checksum with libm and the
 * FPU twice, first with SysTick off, then with SysTick interrupting every 2,000 cycles while
 * its handler does floating-point work of its own (S0-S15 caller-saved, S16-S31 callee-saved, and
 * FPSCR flags and rounding mode). Exception entry and return must save and restore the
 * interrupted context whole (the extended frame, lazily stacked on silicon): both checksums are
 * the same. Prints them, and whether the handler ran often. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)

static volatile float handler_acc = 1.0f;
static volatile unsigned ticks;

void SysTick_Handler(void) {
    uint32_t fpscr;
    __asm volatile("vmrs %0, fpscr" : "=r"(fpscr));
    __asm volatile("vmsr fpscr, %0" ::"r"(fpscr ^ (3u << 22) ^ 0x9fu)); /* other rounding, flags */
    float a = handler_acc, b = 0.0f;
    for (int i = 0; i < 8; i++) {
        a = a * 1.0001f + 0.5f;
        b += sqrtf(a) - 1.0f / (a + 3.0f);
    }
    __asm volatile("vmov s16, %0\n vmov s31, %0" ::"r"(0x7fc00000u) : "s16", "s31");
    handler_acc = a + b * 1e-6f;
    ticks++;
}

static __attribute__((noinline)) uint32_t work(void) {
    double acc = 0;
    float f = 0;
    for (int i = 1; i <= 60; i++) {
        double t = i * 0.21;
        acc += sin(t) * exp(-t / 7) + sqrt(t) - log(t + 1.0);
        float u = (float)i * 0.13f;
        f += sinf(u) * sqrtf(u) + u / (u + 1.5f);
    }
    union { double d; uint64_t u; } du = {acc};
    union { float f; uint32_t u; } fu = {f};
    return (uint32_t)(du.u ^ (du.u >> 32)) ^ fu.u;
}

int main(void) {
    uint32_t quiet = work();
    SYST_RVR = 1999;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    uint32_t busy = work();
    SYST_CSR = 0;
    printf("quiet=%08lx busy=%08lx same=%d\n", (unsigned long)quiet, (unsigned long)busy, quiet == busy);
    printf("ticks>10=%d\n", ticks > 10); /* QEMU's SysTick follows the host's clock: fewer there */
    return 0;
}
