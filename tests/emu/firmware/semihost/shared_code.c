/* Code run from Thread mode and from an interrupt handler (SysTick) alike, the interrupts
 * landing anywhere in it: the counter's inline runs must leave the same counts as the plain
 * block hook. The four routines together are larger than the STM32L4R5's 1 KiB instruction
 * cache, so what a miss evicts depends on the LRU order the blocks before it left (the order
 * the inline runs leave is restored when an exception is taken: native fetch_settle). Prints a
 * checksum. */
#include <stdint.h>
#include <stdio.h>

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SYST_CSR REG(0xE000E010)
#define SYST_RVR REG(0xE000E014)
#define SYST_CVR REG(0xE000E018)

#define STEP(k) x = (x ^ (x << (k % 7 + 1))) + (k * 0x9E37u); if (x & (1u << (k % 5))) x = (x >> 3) | (x << 29);
#define STEPS8(b) STEP(b) STEP(b + 1) STEP(b + 2) STEP(b + 3) STEP(b + 4) STEP(b + 5) STEP(b + 6) STEP(b + 7)

__attribute__((noinline)) static uint32_t mix0(uint32_t x) { STEPS8(0) STEPS8(8) return x; }
__attribute__((noinline)) static uint32_t mix1(uint32_t x) { STEPS8(16) STEPS8(24) return x; }
__attribute__((noinline)) static uint32_t mix2(uint32_t x) { STEPS8(32) STEPS8(40) return x; }
__attribute__((noinline)) static uint32_t mix3(uint32_t x) { STEPS8(48) STEPS8(56) return x; }

static uint32_t (*const mixers[4])(uint32_t) = {mix0, mix1, mix2, mix3};

__attribute__((noinline)) static uint32_t work(uint32_t x, unsigned n) {
    for (unsigned i = 0; i < n; i++)
        x = mixers[(x >> 7) & 3](x + i);
    return x;
}

static volatile uint32_t in_handler;
static volatile unsigned ticks;

void SysTick_Handler(void) {
    in_handler = work(in_handler + ticks, 3);
    ticks++;
}

int main(void) {
    uint32_t x = 1;
    SYST_RVR = 997;
    SYST_CVR = 0;
    SYST_CSR = 7; /* processor clock, interrupt, enable */
    for (unsigned i = 0; i < 400; i++)
        x = work(x ^ i, 5);
    SYST_CSR = 0;
    printf("x=%08lx handler=%08lx ticks>0=%d\n", (unsigned long)x, (unsigned long)in_handler, ticks > 0);
    return 0;
}
