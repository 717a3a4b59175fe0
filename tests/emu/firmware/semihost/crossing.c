/* Accesses that straddle a 4 KiB page boundary (the engines' TLB page) and word-aligned 64-bit
 * accesses next to it: unaligned LDR/STR/LDRH/STRH (allowed with CCR.UNALIGN_TRP clear),
 * LDRD/STRD, LDM/STM, VLDR/VSTR of D registers, VLDM/VSTM and a D-register VPUSH/VPOP with SP
 * moved next to the boundary, the same loads from flash across its page boundary (under the
 * D-cache model's read hook), and code copied to RAM and run there across the boundary. A split
 * access takes the engines' slow path (byte by byte), and under memory hooks every page does:
 * tinysim in every hook mode and QEMU must print the same. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

static uint8_t buf[4 * 4096] __attribute__((aligned(4096)));
/* constants in flash across a page boundary: read under the D-cache model's read hook */
static const uint8_t rom[2 * 4096] __attribute__((aligned(4096))) = {
#define R16(x) x, x + 1, x + 2, x + 3, x + 4, x + 5, x + 6, x + 7, x + 8, x + 9, x + 10, x + 11, x + 12, x + 13, x + 14, x + 15
    [4096 - 16] = R16(0x31), R16(0x71),
};

static uint32_t fnv(const uint8_t *p, size_t n) {
    uint32_t h = 2166136261u;
    while (n--)
        h = (h ^ *p++) * 16777619u;
    return h;
}

/* a routine copied to RAM so that it straddles the boundary: r0 = r0 * 3 + 7, twice */
__attribute__((naked, noinline)) static void ram_code_template(void) {
    __asm volatile("add r0, r0, r0, lsl #1\n adds r0, #7\n add r0, r0, r0, lsl #1\n adds r0, #7\n bx lr\n");
}

int main(void) {
    uint8_t *edge = buf + 4096; /* a page boundary */
    for (unsigned i = 0; i < sizeof buf; i++)
        buf[i] = (uint8_t)(i * 37 + 11);
    volatile uint32_t sink = 0;
    /* unaligned singles across the boundary */
    for (int off = -3; off <= 0; off++) {
        uint32_t w;
        uint16_t h;
        memcpy(&w, edge + off, 4); /* GCC emits LDR here: unaligned allowed */
        __asm volatile("ldr %0, [%1]" : "=r"(w) : "r"(edge + off));
        __asm volatile("ldrh %0, [%1]" : "=r"(h) : "r"(edge + off));
        __asm volatile("str %0, [%1]" ::"r"(w ^ 0xA5A5A5A5u), "r"(edge + off + 64) : "memory");
        __asm volatile("strh %0, [%1]" ::"r"((uint32_t)h ^ 0x5A5Au), "r"(edge + 4096 + off) : "memory");
        sink += w + h;
    }
    /* word-aligned doublewords and multiples next to the boundary (8-aligned or not) */
    for (int off = -12; off <= 4; off += 4) {
        uint32_t a, b, c, d;
        __asm volatile("ldrd %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(edge + off));
        __asm volatile("strd %0, %1, [%2]" ::"r"(b), "r"(a), "r"(edge + 4096 + off) : "memory");
        __asm volatile("ldm %4, {%0, %1, %2, %3}" : "=r"(a), "=r"(b), "=r"(c), "=r"(d) : "r"(edge + off - 4));
        __asm volatile("stm %4, {%0, %1, %2, %3}" ::"r"(d), "r"(c), "r"(b), "r"(a), "r"(edge + 2048 + off - 4) : "memory");
        __asm volatile("vldr d0, [%0]\n vstr d0, [%1]" ::"r"(edge + off), "r"(edge + 4096 + 16 + off) : "d0", "memory");
        __asm volatile("vldmia %0, {d1-d2}\n vstmia %1, {d1-d2}" ::"r"(edge + off - 8), "r"(edge + 4096 + 48 + off) : "d1", "d2", "memory");
        __asm volatile("vstr d0, [%0]" ::"r"(edge + 2 * 4096 + off) : "memory"); /* across the next boundary */
        sink += a ^ b ^ c ^ d;
    }
    /* the same kinds of loads from flash across its page boundary */
    const uint8_t *redge = rom + 4096;
    for (int off = -8; off <= 4; off += 2) {
        uint32_t w, a, b;
        uint16_t h;
        __asm volatile("ldr %0, [%1]" : "=r"(w) : "r"(redge + off - 1));
        __asm volatile("ldrh %0, [%1]" : "=r"(h) : "r"(redge + off - 1));
        sink = sink * 31 + w + h;
        if (!(off & 3)) {
            __asm volatile("ldrd %0, %1, [%2]" : "=r"(a), "=r"(b) : "r"(redge + off));
            __asm volatile("vldr d5, [%1]\n vmov %0, s11" : "=r"(w) : "r"(redge + off) : "d5");
            sink = sink * 31 + (a ^ b ^ w);
        }
    }
    /* a D-register VPUSH/VPOP with SP next to the boundary */
    for (int off = 4; off <= 16; off += 4) {
        uint32_t got;
        __asm volatile("mov r12, sp\n"
                       "mov sp, %1\n"
                       "vmov d3, %2, %2\n"
                       "vpush {d3}\n"
                       "vpop {d4}\n"
                       "vmov %0, s8\n"
                       "mov sp, r12\n"
                       : "=r"(got) : "r"(edge + 4096 + off), "r"(sink) : "r12", "d3", "d4", "memory");
        sink = sink * 31 + (got ^ (uint32_t)off); /* got is the value pushed: sink */
    }
    /* code copied across the boundary and run from RAM */
    uint8_t *code = edge + 2 * 4096 - 2; /* its first instruction (add.w) straddles the boundary */
    memcpy(code, (const void *)((uintptr_t)ram_code_template & ~1u), 14);
    __asm volatile("dsb\n isb" ::: "memory");
    uint32_t (*fn)(uint32_t) = (uint32_t(*)(uint32_t))((uintptr_t)code | 1);
    uint32_t r = fn(5);
    code[4] = 0x08; /* the first adds r0, #7 -> adds r0, #8 (on the next page) */
    __asm volatile("dsb\n isb" ::: "memory");
    r = r * 1000 + fn(5);
    printf("sink=%08lx buf=%08lx ram=%lu\n", (unsigned long)sink, (unsigned long)fnv(buf, sizeof buf),
           (unsigned long)r);
    return 0;
}
