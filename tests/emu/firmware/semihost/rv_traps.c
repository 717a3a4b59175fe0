/* RISC-V machine-mode traps as an RTOS uses them: ECALL as a system call into the mtvec handler
 * (direct mode), which reads mcause, mepc and mstatus, answers in a0 and returns past the ECALL
 * with MRET; mscratch, which it does not touch, keeps its value. Printed through semihosting; tinysim (gd32vf103-longan) and
 * QEMU (virt) must print the same. */
#include <stdint.h>
#include <stdio.h>

#define CSR_READ(name) ({ uint32_t v_; __asm volatile("csrr %0, " #name : "=r"(v_)); v_; })

volatile uint32_t seen_cause, seen_epc_offset, seen_mstatus;
extern char the_ecall[];

__attribute__((naked, aligned(4))) void trap_entry(void) {
    __asm volatile(
        "csrr t0, mcause\n la t1, seen_cause\n sw t0, 0(t1)\n"
        "csrr t0, mepc\n la t1, the_ecall\n sub t0, t0, t1\n la t1, seen_epc_offset\n sw t0, 0(t1)\n"
        "csrr t0, mstatus\n la t1, seen_mstatus\n sw t0, 0(t1)\n"
        "mul a0, a0, a7\n"                        /* the "system call": a0 * a7 */
        "csrr t0, mepc\n addi t0, t0, 4\n csrw mepc, t0\n mret\n");
}

__attribute__((noinline)) static uint32_t syscall(uint32_t number, uint32_t arg) {
    register uint32_t a0 __asm("a0") = arg, a7 __asm("a7") = number;
    __asm volatile(".global the_ecall\n the_ecall: ecall" : "+r"(a0) : "r"(a7) : "t0", "t1", "memory");
    return a0;
}

int main(void) {
    __asm volatile("csrw mtvec, %0" ::"r"((uint32_t)trap_entry));
    __asm volatile("csrw mscratch, %0" ::"r"(0x1234u));
    __asm volatile("csrs mstatus, %0" ::"r"(8u));       /* MIE on: the trap saves it in MPIE */
    uint32_t r = syscall(6, 7);
    uint32_t after = CSR_READ(mstatus);
    printf("ecall: a0=%lu mcause=%lu mepc=the_ecall+%lu mie=%lu mpie=%lu mpp=%lu\n", (unsigned long)r,
           (unsigned long)seen_cause, (unsigned long)seen_epc_offset, (unsigned long)(seen_mstatus >> 3 & 1),
           (unsigned long)(seen_mstatus >> 7 & 1), (unsigned long)(seen_mstatus >> 11 & 3));
    printf("after mret: mie=%lu mscratch=%lx\n", (unsigned long)(after >> 3 & 1),
           (unsigned long)CSR_READ(mscratch));
    __asm volatile("csrc mstatus, %0" ::"r"(8u));
    r = syscall(3, 11);
    printf("ecall, interrupts off: a0=%lu mpie=%lu\n", (unsigned long)r, (unsigned long)(seen_mstatus >> 7 & 1));
    return 0;
}
