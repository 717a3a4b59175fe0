/* RISC-V machine-mode exceptions the core raises by itself, each taken through the firmware's
 * mtvec handler, which records mcause, mepc and mtval and resumes at the faulting leaf's return
 * address: an illegal instruction, a fetch, a load and a store where nothing is (BUS_ERROR_ADDR,
 * a --defsym: an address neither machine maps). Printed through semihosting; tinysim
 * (gd32vf103-longan) and QEMU (virt) must print the same. mtval is printed for the access faults
 * only: for an illegal instruction the spec lets it be 0 or the instruction. */
#include <stdint.h>
#include <stdio.h>

extern char BUS_ERROR_ADDR[];
volatile uint32_t seen_cause, seen_epc, seen_tval, seen_count;

__attribute__((naked, aligned(4))) void trap_entry(void) {
    __asm volatile(
        "csrr t0, mcause\n la t1, seen_cause\n sw t0, 0(t1)\n"
        "csrr t0, mepc\n la t1, seen_epc\n sw t0, 0(t1)\n"
        "csrr t0, mtval\n la t1, seen_tval\n sw t0, 0(t1)\n"
        "la t1, seen_count\n lw t0, 0(t1)\n addi t0, t0, 1\n sw t0, 0(t1)\n"
        "csrw mepc, ra\n mret\n");                /* back to the leaf's caller */
}

__attribute__((naked, noinline)) static void illegal(void) { __asm volatile("unimp\n ret\n"); }
__attribute__((naked, noinline)) static uint32_t load_from(uint32_t a) {
    (void)a;
    __asm volatile("lw a0, 0(a0)\n ret\n");
}
__attribute__((naked, noinline)) static void store_to(uint32_t a) {
    (void)a;
    __asm volatile("sw a0, 0(a0)\n ret\n");
}
__attribute__((naked, noinline)) static void call_at(uint32_t a) {
    (void)a;
    __asm volatile("jr a0\n");                    /* ra stays the caller's */
}

static void report(const char *what, uint32_t base, int with_tval) {
    printf("%s: mcause=%lu mepc=%+ld mtval=%s n=%lu\n", what, (unsigned long)seen_cause,
           (long)(seen_epc - base),
           !with_tval ? "-" : seen_tval == (uint32_t)BUS_ERROR_ADDR ? "bus_error_addr"
                            : seen_tval == (uint32_t)BUS_ERROR_ADDR + 4 ? "bus_error_addr+4" : "other",
           (unsigned long)seen_count);
    seen_cause = seen_epc = seen_tval = seen_count = 0;
}

int main(void) {
    __asm volatile("csrw mtvec, %0" ::"r"((uint32_t)trap_entry));
    illegal();
    report("illegal", (uint32_t)illegal, 0);
    load_from((uint32_t)BUS_ERROR_ADDR);
    report("load", (uint32_t)load_from, 1);
    store_to((uint32_t)BUS_ERROR_ADDR + 4);
    report("store", (uint32_t)store_to, 1);
    call_at((uint32_t)BUS_ERROR_ADDR);
    report("fetch", (uint32_t)BUS_ERROR_ADDR, 1);
    return 0;
}
