/* The faults an ARMv7-M core raises by itself (ARM DDI 0403 B1.5.14, B3.2.15), each taken through
 * the firmware's handler as on silicon: what the handler sees (which exception, CFSR, HFSR, the
 * fault address when one is valid, the stacked PC) is printed, one line a scenario, and the
 * handler resumes the program. Run under tinysim and under QEMU (mps2-an386 / an500 / an505),
 * the output must be the same byte for byte.
 *
 * BUS_ERROR_ADDR (a --defsym) is an address where neither machine has anything: a read there is
 * a precise BusFault. The last lines differ on purpose: a store there goes through the core's
 * write buffer, so silicon (and tinysim) raise an imprecise BusFault after it retired (no
 * address, the stacked PC past it), where QEMU raises a precise one; on the Cortex-M4 with
 * ACTLR.DISDEFWBUF set, which turns the buffer off, both are precise, and so is a store with
 * writeback under tinysim (fault_entry.py says why). */
#include <stdint.h>
#include <stdio.h>

#include "fault_leaves.h"

#define REG(addr) (*(volatile uint32_t *)(addr))
#define SHCSR REG(0xE000ED24)
#define CFSR REG(0xE000ED28)
#define HFSR REG(0xE000ED2C)
#define MMFAR REG(0xE000ED34)
#define BFAR REG(0xE000ED38)
#define CPACR REG(0xE000ED88)
#define CPUID REG(0xE000ED00)
#define ACTLR REG(0xE000E008)
#define MEMFAULTENA (1u << 16)
#define BUSFAULTENA (1u << 17)
#define USGFAULTENA (1u << 18)

extern char BUS_ERROR_ADDR[];
/* nonzero: the ARMv8-M stack limit scenarios run (a --defsym; weak, so that the compiler cannot
 * take its address for nonzero) */
extern char STKOF_SCENARIOS[] __attribute__((weak));

static inline void isb(void) { __asm volatile("dsb\n isb" ::: "memory"); }

/* ---- one handler for every fault: record, clear the sticky bits, resume ----
 * resume_next: go on after the faulting instruction's exception (the stacked PC as it is, as an
 * escalated SVC's is already past it); otherwise return to the stacked LR, in Thumb state: each
 * scenario faults at a callee's first instruction or in a leaf that has not touched LR */
volatile uint32_t seen_exc, seen_cfsr, seen_hfsr, seen_addr, seen_pc, seen_xpsr, seen_count, seen_shcsr;
volatile int resume_next;
__attribute__((used)) void fault_common(uint32_t *frame, uint32_t exc) {
    seen_count++;
    seen_exc = exc;
    seen_cfsr = CFSR;
    seen_hfsr = HFSR;
    seen_addr = seen_cfsr & (1u << 7) ? MMFAR : seen_cfsr & (1u << 15) ? BFAR : 0;
    seen_pc = frame[6];
    seen_xpsr = frame[7];
    seen_shcsr = SHCSR & 0xFFFF;                          /* the active and pending bits */
    CFSR = seen_cfsr;                                     /* write-one-to-clear */
    HFSR = seen_hfsr;
    if (!resume_next) {
        frame[6] = frame[5] & ~1u;
        frame[7] |= 1u << 24;                             /* EPSR.T: back in Thumb state */
    }
}
FAULT_HANDLER(HardFault_Handler)
FAULT_HANDLER(MemManage_Handler)
FAULT_HANDLER(BusFault_Handler)
FAULT_HANDLER(UsageFault_Handler)

static void report(const char *what, uint32_t base) {
    printf("%s: exc=%lu cfsr=%08lx hfsr=%08lx addr=%s pc=%+ld t=%lu n=%lu shcsr=%04lx\n", what,
           (unsigned long)seen_exc, (unsigned long)seen_cfsr, (unsigned long)seen_hfsr,
           seen_addr == (uint32_t)BUS_ERROR_ADDR ? "bus_error_addr" : seen_addr ? "other" : "-",
           (long)(seen_pc - base), (unsigned long)(seen_xpsr >> 24 & 1), (unsigned long)seen_count,
           (unsigned long)seen_shcsr);
    seen_exc = seen_cfsr = seen_hfsr = seen_addr = seen_pc = seen_xpsr = seen_count = seen_shcsr = 0;
}

/* ---- the scenarios: naked leaves, so that LR is the caller's return address ---- */
__attribute__((naked, noinline)) static void undefined(void) { __asm volatile("udf #7\n bx lr\n"); }
__attribute__((naked, noinline)) static uint32_t load_pair_from(uint32_t addr) {
    (void)addr;
    __asm volatile("ldrd r0, r1, [r0]\n bx lr\n");
}
__attribute__((naked, noinline)) static void store_post_indexed(uint32_t addr) {
    (void)addr;
    __asm volatile("str r1, [r0], #4\n bx lr\n");       /* writeback: precise, as in QEMU */
}
#ifdef __ARM_FP
__attribute__((naked, noinline)) static uint32_t fp_add(uint32_t a) {
    (void)a;
    __asm volatile("vmov s0, r0\n vadd.f32 s0, s0, s0\n vmov r0, s0\n bx lr\n");
}
#endif
/* word-aligned: QEMU checks an ARM-state PC's alignment before the state (a 2-mod-4 target gives
 * UNALIGNED there, INVSTATE on silicon, where no ARM-state fetch is ever made) */
__attribute__((noinline, aligned(4))) static void nop_target(void) { __asm volatile(""); }
__attribute__((naked)) void SVC_Handler(void) {
    /* svc #1 in thread mode makes an svc #2 here: SVCall cannot preempt itself, HardFault */
    __asm volatile("svc #2\n bx lr\n");
}
__attribute__((naked, noinline)) static void svc_in_svc(void) {
    __asm volatile("svc #1\n bx lr\n");
}
#if defined(__ARM_ARCH_8M_MAIN__)
/* ARMv8-M's stack limit (B3.20): a thread on a process stack (its top in r0) with PSPLIM 40 bytes
 * below it, where a 48-byte PUSH in a leaf would cross the limit: the PUSH does not run, a STKOF
 * UsageFault is taken with the stacked PC on it, and its own 32-byte frame fits above the limit
 * (CONTROL.FPCA cleared: no FP context, whose 104-byte frame would not; the handler runs on the
 * main stack). It resumes after the BL, which goes back to the main stack and clears PSPLIM. */
static uint64_t process_stack[16];
__attribute__((naked, noinline)) static void push_below_psplim(uint32_t top) {
    (void)top;
    __asm volatile("push {r4, lr}\n msr psp, r0\n sub r4, r0, #40\n msr psplim, r4\n"
                   "mrs r4, control\n orr r4, r4, #2\n bic r4, r4, #4\n msr control, r4\n isb\n"
                   "bl 1f\n"
                   "mrs r4, control\n bic r4, r4, #2\n msr control, r4\n isb\n"
                   "movs r4, #0\n msr psplim, r4\n pop {r4, pc}\n"
                   "1: push {r0-r11}\n pop {r0-r11}\n bx lr\n");
}
#endif

int main(void) {
    uint32_t nop = (uint32_t)nop_target & ~1u;

    SHCSR |= MEMFAULTENA | BUSFAULTENA | USGFAULTENA;
    undefined();
    report("udf", (uint32_t)undefined & ~1u);

    call_at(nop);                                         /* bit 0 clear: ARM state */
    report("invstate", nop);

    call_at((uint32_t)BUS_ERROR_ADDR | 1);                /* nothing there to fetch */
    report("fetch unmapped", (uint32_t)BUS_ERROR_ADDR);

    call_at(0x40000000u | 1);                             /* Device region: execute never */
    report("fetch xn device", 0x40000000u);

    call_at(0xE0000000u | 1);                             /* the PPB: execute never */
    report("fetch xn system", 0xE0000000u);

    load_from((uint32_t)BUS_ERROR_ADDR);
    report("load unmapped", (uint32_t)load_from & ~1u);

    load_pair_from((uint32_t)BUS_ERROR_ADDR + 8);
    report("ldrd unmapped", (uint32_t)load_pair_from & ~1u);

#ifdef __ARM_FP
    uint32_t r = fp_add(0x3f800000u);                     /* run once with the FPU on */
    CPACR &= ~(0xFu << 20);                               /* the FPU off: NOCP */
    isb();
    fp_add(r);
    CPACR |= 0xFu << 20;                                  /* before printf, which uses it */
    isb();
    report("nocp", (uint32_t)fp_add & ~1u);
    r = fp_add(r);
    printf("fpu back: %08lx n=%lu\n", (unsigned long)r, (unsigned long)seen_count);
#endif

    resume_next = 1;
    svc_in_svc();
    report("svc in svc", (uint32_t)SVC_Handler & ~1u);
    resume_next = 0;
#if defined(__ARM_ARCH_8M_MAIN__)
    if ((uint32_t)STKOF_SCENARIOS) {
        push_below_psplim((uint32_t)&process_stack[16]);
        report("stkof", (uint32_t)push_below_psplim & ~1u);
    }
#endif

    /* the same faults with their handlers disabled: HardFault, HFSR.FORCED */
    SHCSR &= ~(MEMFAULTENA | BUSFAULTENA | USGFAULTENA);
    undefined();
    report("udf forced", (uint32_t)undefined & ~1u);
    call_at(nop);
    report("invstate forced", nop);
    call_at(0x40000000u | 1);
    report("fetch xn forced", 0x40000000u);
    load_from((uint32_t)BUS_ERROR_ADDR + 4);
    report("load forced", (uint32_t)load_from & ~1u);
#if defined(__ARM_ARCH_8M_MAIN__)
    if ((uint32_t)STKOF_SCENARIOS) {
        push_below_psplim((uint32_t)&process_stack[16]);
        report("stkof forced", (uint32_t)push_below_psplim & ~1u);
    }
#endif

    SHCSR |= BUSFAULTENA;
    store_post_indexed((uint32_t)BUS_ERROR_ADDR + 20);
    report("store writeback", (uint32_t)store_post_indexed & ~1u);
    store_to((uint32_t)BUS_ERROR_ADDR + 12);
    report("store unmapped", (uint32_t)store_to & ~1u);
    if ((CPUID >> 4 & 0xFFF) == 0xC24) {                  /* a Cortex-M4: its write buffer off */
        ACTLR |= 1u << 1;
        store_to((uint32_t)BUS_ERROR_ADDR + 16);
        ACTLR &= ~(1u << 1);
        report("store unbuffered", (uint32_t)store_to & ~1u);
    }
    return 0;
}
