/* The MPU enforced: loads, stores and fetches it refuses raise MemManage (DACCVIOL + MMFAR,
 * IACCVIOL), taken through the firmware's handler, escalated to HardFault with MemManage
 * disabled; the background region (PRIVDEFENA), unprivileged code (CONTROL.nPRIV), FAULTMASK
 * turning the MPU off (HFNMIENA clear). PMSAv7 (ARM DDI 0403 B3.5; Cortex-M4, M7): subregions
 * and region priority. PMSAv8 (ARM DDI 0553 B3.10; Cortex-M33): base/limit regions, overlapping
 * regions faulting, a Device region (MAIR) running code. One line a scenario: what the
 * handler saw, and what the access returned or left. Run under tinysim and under QEMU
 * (mps2-an386 / an500 / an505), the output must be the same. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "fault_leaves.h"
#include "mpu_regs.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define MMFAR REG(0xE000ED34)
#define MEMFAULTENA (1u << 16)
#define ENABLE 1u
#define HFNMIENA 2u
#define PRIVDEFENA 4u
/* RASR fields (B3.5.9) */
#define XN (1u << 28)
#define AP(x) ((uint32_t)(x) << 24)
#define SRD(x) ((uint32_t)(x) << 8)
#define SIZE(log2) ((uint32_t)((log2) - 1) << 1)
#define AP_NONE 0
#define AP_PRIV_RW 1
#define AP_PRIV_RW_USER_RO 2
#define AP_RW 3
#define AP_RO 6

extern char __stack_top[];
#define FLASH_BASE_ADDR ((uint32_t)main & ~0x3FFFFu)      /* 256 KiB, size-aligned (arm.ld) */
#define RAM_BASE_ADDR ((uint32_t)__stack_top - 0x10000u)  /* 64 KiB */

static inline void barrier(void) { __asm volatile("dsb\n isb" ::: "memory"); }

static void region(uint32_t n, uint32_t rbar, uint32_t rasr) {
    MPU_RNR = n;
    MPU_RBAR = rbar;
    MPU_RASR = rasr | 1u;
    barrier();
}
#ifdef __ARM_ARCH_8M_MAIN__
/* PMSAv8 RBAR: BASE | AP << 1 | XN; RLAR: LIMIT | AttrIndx << 1 (| EN, by region()) */
#define V8_AP_PRIV_RW 0
#define V8_AP_RW 1
#define V8_AP_RO 3
#define RBAR8(base, ap, xn) ((uint32_t)(base) | (uint32_t)(ap) << 1 | (xn))
#define RLAR8(end, attr) (((uint32_t)(end) - 32u) | (uint32_t)(attr) << 1)
#endif

/* ---- one handler for every fault: record, clear the sticky bits, return to the caller ---- */
volatile uint32_t seen_exc, seen_cfsr, seen_hfsr, seen_addr, seen_pc, seen_count;
__attribute__((used)) void fault_common(uint32_t *frame, uint32_t exc) {
    seen_count++;
    seen_exc = exc;
    seen_cfsr = CFSR;
    seen_hfsr = HFSR;
    seen_addr = seen_cfsr & (1u << 7) ? MMFAR : 0;
    seen_pc = frame[6];
    CFSR = seen_cfsr;
    HFSR = seen_hfsr;
    frame[0] = 0xFA17FA17u;      /* what the leaf returns (a refused load writes no register) */
    frame[6] = frame[5] & ~1u;   /* each scenario faults in a leaf that has not touched LR */
    frame[7] |= 1u << 24;
}
FAULT_HANDLER(HardFault_Handler)
FAULT_HANDLER(MemManage_Handler)

/* SVC: back to privileged Thread mode */
__attribute__((naked)) void SVC_Handler(void) {
    __asm volatile("mrs r0, control\n bic r0, r0, #1\n msr control, r0\n isb\n bx lr\n");
}

/* 32 bytes of flash to itself (padded), for a region of its own */
__attribute__((naked, noinline, aligned(32))) static void flash_leaf(void) {
    __asm volatile("bx lr\n .balign 32\n");
}

#ifndef __ARM_ARCH_8M_MAIN__
static uint8_t area[256] __attribute__((aligned(256)));     /* region 2: no access, subregion 1 off */
static uint32_t ro_words[8] __attribute__((aligned(32)));   /* region 3: read-only */
static uint32_t priv_words[8] __attribute__((aligned(32))); /* region 4: privileged only */
static uint32_t user_ro[8] __attribute__((aligned(32)));    /* region 5: unprivileged read-only */
static uint16_t ram_code[16] __attribute__((aligned(32)));  /* in region 1: execute never */
#endif

static const uint32_t flash_word = 0x600DF1A5u;            /* in region 0: read-only */

struct seen { uint32_t exc, cfsr, hfsr, addr, pc, count, value; };
static struct seen took[8];

static void keep(int i, uint32_t value) {
    took[i] = (struct seen){seen_exc, seen_cfsr, seen_hfsr, seen_addr, seen_pc, seen_count, value};
    seen_exc = seen_cfsr = seen_hfsr = seen_addr = seen_pc = seen_count = 0;
}

static void print(const char *what, const struct seen *s, uint32_t where, uint32_t code) {
    printf("%s: n=%lu exc=%lu cfsr=%08lx hfsr=%08lx addr=%+ld pc=%+ld value=%08lx\n", what,
           (unsigned long)s->count, (unsigned long)s->exc, (unsigned long)s->cfsr,
           (unsigned long)s->hfsr, s->addr ? (long)(s->addr - where) : -1L,
           s->pc ? (long)(s->pc - code) : -1L, (unsigned long)s->value);
}

static void show(const char *what, uint32_t value, uint32_t where, uint32_t code) {
    struct seen s;
    keep(7, value);
    s = took[7];
    print(what, &s, where, code);
}

#ifdef __ARM_ARCH_8M_MAIN__
/* 1 KiB of test buffers: the RAM regions cover the rest (v8 regions must not overlap them) */
static uint32_t block[256] __attribute__((aligned(1024)));
#define PRIV_ONLY ((uint32_t)block)              /* region 2: read/write, privileged only */
#define READ_ONLY ((uint32_t)block + 32)         /* region 3: read-only, executable */
#define OVERLAP ((uint32_t)block + 64)           /* regions 4 and 5 both: any access faults */
#define UNCOVERED ((uint32_t)block + 128)        /* no region: the background region */
#define DEVICE_CODE ((uint32_t)block + 512)      /* region 6: Device memory, XN clear: executes */
#define NORMAL_CODE (READ_ONLY + 16)            /* region 3 is Normal memory, XN clear */

int main(void) {
    uint32_t ld = (uint32_t)load_from & ~1u, st = (uint32_t)store_to & ~1u, v;
    uint32_t ram = RAM_BASE_ADDR, b = (uint32_t)block;

    for (int i = 0; i < 256; i++)
        block[i] = 0x5A5A0000u + i;
    *(volatile uint16_t *)(UNCOVERED + 16) = 0x4770;
    *(volatile uint16_t *)DEVICE_CODE = 0x4770;            /* bx lr */
    *(volatile uint16_t *)NORMAL_CODE = 0x4770;
    *(volatile uint16_t *)(PRIV_ONLY + 16) = 0x4770;
    /* run once with the MPU off: code already translated must be checked once it is on */
    v = load_from(OVERLAP);
    call_at((PRIV_ONLY + 16) | 1u);
    SHCSR |= MEMFAULTENA;
    MPU_MAIR0 = 0x44u | 0x00u << 8;                        /* 0: Normal non-cacheable, 1: Device-nGnRnE */
    region(0, RBAR8(FLASH_BASE_ADDR, V8_AP_RO, 0), RLAR8(FLASH_BASE_ADDR + 0x40000u, 0));
    region(1, RBAR8(ram, V8_AP_RW, 1), RLAR8(b, 0));
    region(2, RBAR8(PRIV_ONLY, V8_AP_PRIV_RW, 1), RLAR8(PRIV_ONLY + 32, 0));
    region(3, RBAR8(READ_ONLY, V8_AP_RO, 0), RLAR8(READ_ONLY + 32, 0));
    region(4, RBAR8(OVERLAP, V8_AP_RW, 1), RLAR8(OVERLAP + 64, 0));
    region(5, RBAR8(OVERLAP, V8_AP_RW, 1), RLAR8(OVERLAP + 32, 0));
    region(6, RBAR8(DEVICE_CODE, V8_AP_RO, 0), RLAR8(DEVICE_CODE + 32, 1));
    region(7, RBAR8(b + 1024, V8_AP_RW, 1), RLAR8(ram + 0x10000u, 0));
    MPU_CTRL = ENABLE | PRIVDEFENA;
    barrier();
    printf("ctrl=%lx\n", (unsigned long)MPU_CTRL);

    v = load_from(PRIV_ONLY);
    show("read privileged", v, PRIV_ONLY, ld);
    v = load_from(OVERLAP);
    show("read overlap", v, OVERLAP, ld);
    v = load_from(OVERLAP + 32);                           /* region 4 alone */
    show("read past overlap", v, OVERLAP, ld);
    store_to(READ_ONLY + 4);
    show("write read-only", *(volatile uint32_t *)(READ_ONLY + 4), READ_ONLY, st);
    v = load_from(UNCOVERED);
    show("read background", v, UNCOVERED, ld);
    store_to((uint32_t)&flash_word);
    show("write flash", *(volatile const uint32_t *)&flash_word, (uint32_t)&flash_word, st);
    call_at(DEVICE_CODE | 1u);
    show("execute device", 0, DEVICE_CODE, DEVICE_CODE);
    call_at(NORMAL_CODE | 1u);
    show("execute normal", 0, NORMAL_CODE, NORMAL_CODE);
    call_at((PRIV_ONLY + 16) | 1u);                        /* region 2: XN */
    show("execute never", 0, PRIV_ONLY + 16, PRIV_ONLY + 16);
    call_at((UNCOVERED + 16) | 1u);                        /* the background region executes */
    show("execute background", 0, UNCOVERED + 16, UNCOVERED + 16);
    v = load_from(OVERLAP + 4);
    show("read overlap again", v, OVERLAP, ld);

    SHCSR &= ~MEMFAULTENA;
    v = load_from(OVERLAP + 8);
    show("forced", v, OVERLAP, ld);
    SHCSR |= MEMFAULTENA;

    __asm volatile("cpsid f" ::: "memory");
    v = load_from(OVERLAP + 12);
    __asm volatile("cpsie f" ::: "memory");
    show("faultmask", v, OVERLAP, ld);

    __asm volatile("mrs r0, control\n orr r0, r0, #1\n msr control, r0\n isb\n" ::: "r0", "memory");
    keep(0, load_from(PRIV_ONLY));
    keep(1, load_from(READ_ONLY));
    store_to(READ_ONLY + 8);
    keep(2, 0);
    keep(3, load_from(UNCOVERED + 4));
    keep(4, load_from((uint32_t)main & ~1u));
    __asm volatile("svc #0" ::: "memory");
    print("user read privileged", &took[0], PRIV_ONLY, ld);
    print("user read read-only", &took[1], READ_ONLY, ld);
    took[2].value = *(volatile uint32_t *)(READ_ONLY + 8);
    print("user write read-only", &took[2], READ_ONLY, st);
    print("user read background", &took[3], UNCOVERED, ld);
    took[4].value = took[4].value != 0;
    print("user read flash", &took[4], FLASH_BASE_ADDR, ld);

    MPU_CTRL = ENABLE;
    barrier();
    v = load_from(UNCOVERED + 8);
    show("no background", v, UNCOVERED, ld);
    MPU_CTRL = 0;
    barrier();
    v = load_from(OVERLAP);
    show("mpu off", v, OVERLAP, ld);
    return 0;
}
#else
int main(void) {
    uint32_t ld = (uint32_t)load_from & ~1u, st = (uint32_t)store_to & ~1u, v;

    memset(area, 0x5A, sizeof area);
    ro_words[0] = 0x11111111u;
    priv_words[0] = 0x22222222u;
    user_ro[0] = 0x33333333u;
    ram_code[0] = 0x4770;                                  /* bx lr */
    /* run once with the MPU off: code already translated must be checked once it is on */
    v = load_from((uint32_t)area);
    call_at((uint32_t)ram_code | 1u);
    flash_leaf();
    SHCSR |= MEMFAULTENA;
    region(0, FLASH_BASE_ADDR, SIZE(18) | AP(AP_RO));
    region(1, RAM_BASE_ADDR, SIZE(16) | AP(AP_RW) | XN);
    region(2, (uint32_t)area, SIZE(8) | AP(AP_NONE) | XN | SRD(1u << 1));
    region(3, (uint32_t)ro_words, SIZE(5) | AP(AP_RO) | XN);
    region(4, (uint32_t)priv_words, SIZE(5) | AP(AP_PRIV_RW) | XN);
    region(5, (uint32_t)user_ro, SIZE(5) | AP(AP_PRIV_RW_USER_RO) | XN);
    region(6, (uint32_t)flash_leaf & ~1u, SIZE(5) | AP(AP_RO) | XN);
    MPU_CTRL = ENABLE | PRIVDEFENA;
    barrier();
    printf("ctrl=%lx\n", (unsigned long)MPU_CTRL);

    v = load_from((uint32_t)area);
    show("read no access", v, (uint32_t)area, ld);
    v = load_from((uint32_t)area + 36);                    /* subregion 1 is out: region 1 decides */
    show("read hole", v, (uint32_t)area, ld);
    v = load_from((uint32_t)area + 64);
    show("read past hole", v, (uint32_t)area, ld);
    store_to((uint32_t)ro_words + 4);
    show("write read-only", ro_words[1], (uint32_t)ro_words, st);
    v = load_from((uint32_t)ro_words);
    show("read read-only", v, (uint32_t)ro_words, ld);
    store_to((uint32_t)&flash_word);
    show("write flash", *(volatile const uint32_t *)&flash_word, (uint32_t)&flash_word, st);
    store_to((uint32_t)area + 32);                         /* the hole is writable */
    show("write hole", load_from((uint32_t)area + 32), (uint32_t)area, st);
    call_at((uint32_t)ram_code | 1u);
    show("execute never", 0, (uint32_t)ram_code, (uint32_t)ram_code);
    flash_leaf();
    show("execute never flash", 0, 0, (uint32_t)flash_leaf & ~1u);

    SHCSR &= ~MEMFAULTENA;                                 /* escalates to HardFault, FORCED */
    v = load_from((uint32_t)area + 128);
    show("forced", v, (uint32_t)area, ld);
    SHCSR |= MEMFAULTENA;

    __asm volatile("cpsid f" ::: "memory");                /* priority -1, HFNMIENA clear: MPU off */
    v = load_from((uint32_t)area + 4);
    __asm volatile("cpsie f" ::: "memory");
    show("faultmask", v, (uint32_t)area, ld);

    /* unprivileged Thread mode: results kept, printed once privileged again */
    __asm volatile("mrs r0, control\n orr r0, r0, #1\n msr control, r0\n isb\n" ::: "r0", "memory");
    keep(0, load_from((uint32_t)priv_words));
    keep(1, load_from((uint32_t)user_ro));
    store_to((uint32_t)user_ro + 4);
    keep(2, 0);
    keep(3, load_from(0x40000000u));                       /* a peripheral: no region, no background */
    keep(4, load_from((uint32_t)main & ~1u));              /* flash: read-only for everyone */
    __asm volatile("svc #0" ::: "memory");
    print("user read privileged", &took[0], (uint32_t)priv_words, ld);
    print("user read user-ro", &took[1], (uint32_t)user_ro, ld);
    took[2].value = user_ro[1];
    print("user write user-ro", &took[2], (uint32_t)user_ro, st);
    print("user read peripheral", &took[3], 0x40000000u, ld);
    took[4].value = took[4].value != 0;
    print("user read flash", &took[4], FLASH_BASE_ADDR, ld);
    priv_words[1] = 0x44444444u;
    show("privileged write", priv_words[1], (uint32_t)priv_words, st);

    MPU_CTRL = ENABLE;                                     /* no background region */
    barrier();
    v = load_from(0x40000000u);
    show("no background", v, 0x40000000u, ld);
    MPU_CTRL = ENABLE | PRIVDEFENA;
    barrier();

    MPU_CTRL = 0;                                          /* off: nothing refused */
    barrier();
    v = load_from((uint32_t)area);
    show("mpu off", v, (uint32_t)area, ld);
    return 0;
}
#endif
