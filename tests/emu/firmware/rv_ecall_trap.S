/* ECALL with a trap handler in mtvec (direct mode): the handler sees mcause 11 and mepc at the
 * ECALL, returns a0 + 100 past it with MRET, and MIE comes back from MPIE. s1 = mcause,
 * s2 = mepc, s3 = mstatus in the handler, s4 = mstatus after the return. */
    .text
    .global _start, the_ecall
_start:
    la t0, handler
    csrw mtvec, t0
    li t0, 8
    csrs mstatus, t0          /* MIE: the trap saves it in MPIE and clears it */
    li a0, 5
the_ecall:
    ecall
    csrr s4, mstatus
    ebreak
    .align 2
handler:
    csrr s1, mcause
    csrr s2, mepc
    csrr s3, mstatus
    addi a0, a0, 100
    addi t0, s2, 4
    csrw mepc, t0
    mret
