/* UsageFaults Unicorn does not raise (tinysim/emu/usage_checks.py): unaligned LDRD/STRD/LDM/
 * STMDB/VLDR/VSTM (always), an unaligned LDR with CCR.UNALIGN_TRP, UDIV/SDIV by zero with CCR.DIV_0_TRP,
 * inside and outside an IT block, taken by the UsageFault handler and, with SHCSR.USGFAULTENA
 * clear, escalated to HardFault. Then where the checks' bookkeeping could go wrong: one
 * subroutine with an unaligned LDR and a UDIV by zero run with both CCR trap bits clear, set
 * (its block was translated before) and clear again; an IT block whose first LDRD faults, so the
 * handler returns into the middle of the IT block and the rest runs in a block that starts
 * inside it. The handler logs IPSR, CFSR, HFSR, the stacked PC and xPSR, clears the status bits,
 * and returns past the faulting (32-bit) instruction with ITSTATE advanced (ARM DDI 0403E.e
 * A7.3.3 ITAdvance: IT[2:0] == 0 ends the IT block, else IT[4:0] shifts left by one). */
    .syntax unified
    .thumb
#include "fpu.inc"
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0
    .word fault + 1           /* 3 HardFault */
    .word 0, 0
    .word fault + 1           /* 6 UsageFault */
    .bss
    .align 3
    .global buf, res, log, log_n
buf:   .space 16
res:   .space 128
log:   .space 24 * 16
log_n: .space 4
    .text
    .thumb_func
fault:
    tst lr, #4
    ite eq
    mrseq r0, msp
    mrsne r0, psp
    ldr r1, =log_n
    ldr r2, [r1]
    ldr r3, =log
    movs r12, #24
    mla r3, r2, r12, r3
    mrs r12, ipsr
    str r12, [r3, #0]
    ldr r12, =0xE000ED28
    ldr r1, [r12]             /* CFSR */
    str r1, [r3, #4]
    str r1, [r12]             /* write 1 to clear */
    ldr r1, [r12, #4]         /* HFSR */
    str r1, [r3, #8]
    str r1, [r12, #4]
    ldr r1, [r0, #24]         /* stacked PC */
    str r1, [r3, #12]
    adds r1, #4
    str r1, [r0, #24]
    ldr r1, [r0, #28]         /* stacked xPSR */
    str r1, [r3, #16]
    ubfx r2, r1, #25, #2      /* ITSTATE[1:0] */
    ubfx r3, r1, #10, #6      /* ITSTATE[7:2] */
    orr r2, r2, r3, lsl #2
    tst r2, #7                /* ITAdvance */
    beq 1f
    and r3, r2, #0x1F
    lsl r3, r3, #1
    and r3, r3, #0x1F
    bic r2, r2, #0x1F
    orr r2, r2, r3
    b 2f
1:  movs r2, #0
2:  bic r1, r1, #0x06000000
    bic r1, r1, #0xFC00
    and r3, r2, #3
    orr r1, r1, r3, lsl #25
    lsr r3, r2, #2
    orr r1, r1, r3, lsl #10
    str r1, [r0, #28]
    ldr r1, =log_n
    ldr r2, [r1]
    adds r2, #1
    str r2, [r1]
    bx lr

    .thumb_func
sub:                          /* r4 unaligned, r5 = 0: [res + r8] = [r4], then r3 / r5 */
    .global f_sub_ldr
f_sub_ldr:
    ldr.w r2, [r4]
    str r2, [r7, r8]
    add r8, r8, #4
    .global f_sub_udiv
f_sub_udiv:
    udiv r2, r3, r5
    str r2, [r7, r8]
    add r8, r8, #4
    bx lr

    .thumb_func
set_ccr:                      /* CCR[4:3] (DIV_0_TRP, UNALIGN_TRP) = r1 */
    ldr r0, =0xE000ED14
    ldr r2, [r0]
    bic r2, r2, #0x18
    orr r2, r2, r1
    str r2, [r0]
    dsb
    isb
    bx lr

    .global reset
    .thumb_func
reset:
    enable_fpu
    ldr r6, =buf
    ldr r0, =0x03020100
    str r0, [r6]
    ldr r0, =0x07060504
    str r0, [r6, #4]
    ldr r0, =0x0B0A0908
    str r0, [r6, #8]
    ldr r7, =res
    ldr r0, =0xE000ED24       /* SHCSR.USGFAULTENA */
    ldr r1, [r0]
    orr r1, r1, #0x40000
    str r1, [r0]
    adds r4, r6, #2           /* r4: unaligned */
    movs r2, #0x11
    movs r3, #0x22
    .global f_ldrd
f_ldrd:
    ldrd r2, r3, [r4]
    strd r2, r3, [r7, #0]     /* still 0x11, 0x22 */
    movs r2, #0x33
    movs r3, #0x44
    .global f_strd
f_strd:
    strd r2, r3, [r4]         /* buf unchanged */
    movs r2, #0x11
    movs r3, #0x22
    .global f_ldm
f_ldm:
    ldmia.w r4, {r2, r3}
    strd r2, r3, [r7, #8]
    ldr r0, =0x3F800000
    vmov s0, r0
    .global f_vldr
f_vldr:
    vldr s0, [r4]
    vstr s0, [r7, #16]        /* still 1.0f */
    add r9, r6, #10           /* STMDB stores to r9 - 8 = buf + 2 */
    .global f_stmdb
f_stmdb:
    stmdb r9, {r2, r3}        /* buf unchanged */
    .global f_vstm
f_vstm:
    vstmia r4, {s1-s2}        /* buf unchanged */
    ldrd r2, r3, [r6]         /* aligned: no fault */
    strd r2, r3, [r7, #20]
    ldr.w r2, [r4]            /* unaligned LDR, UNALIGN_TRP clear: no fault */
    str r2, [r7, #28]
    ldr r0, =0xE000ED14       /* CCR.UNALIGN_TRP */
    ldr r1, [r0]
    orr r1, r1, #8
    str r1, [r0]
    dsb
    isb
    movs r2, #0x55
    .global f_ldr
f_ldr:
    ldr.w r2, [r4]
    str r2, [r7, #32]         /* 0x55 */
    bic r1, r1, #8
    orr r1, r1, #0x10         /* CCR.DIV_0_TRP instead */
    str r1, [r0]
    dsb
    isb
    movs r5, #0
    movs r3, #7
    movs r2, #9
    .global f_udiv
f_udiv:
    udiv r2, r3, r5
    str r2, [r7, #36]         /* 9 */
    .global f_sdiv
f_sdiv:
    sdiv r2, r3, r5
    str r2, [r7, #40]         /* 9 */
    bic r1, r1, #0x10
    str r1, [r0]
    dsb
    isb
    udiv r2, r3, r5           /* DIV_0_TRP clear: 0, no fault */
    str r2, [r7, #44]
    movs r2, #0x11
    cmp r0, r0
    it ne
    ldrdne r2, r3, [r4]       /* condition fails: no fault */
    it eq
    .global f_it
f_it:
    ldrdeq r2, r3, [r4]       /* faults inside the IT block */
    str r2, [r7, #48]         /* 0x11 */
    mov r8, #64               /* sub's results: res words 16-21 */
    movs r5, #0
    movs r3, #7
    movs r2, #0x55
    bl sub                    /* traps clear: the unaligned word, then 0 */
    movs r1, #0x18            /* UNALIGN_TRP | DIV_0_TRP */
    bl set_ccr
    movs r2, #0x55
    bl sub                    /* both fault: 0x55 stays, twice */
    movs r1, #0
    bl set_ccr
    bl sub                    /* clear again: the unaligned word, then 0 */
    movs r2, #0x11
    movs r3, #0x22
    cmp r0, r0                /* Z = 1 */
    itet eq
    .global f_it1
f_it1:
    ldrdeq r2, r3, [r4]       /* faults; the handler returns to f_it2, inside the IT block */
    .global f_it2
f_it2:
    ldrdne r2, r3, [r4]       /* condition fails: no fault */
    .global f_it3
f_it3:
    ldrdeq r2, r3, [r4]       /* faults in a block that starts inside the IT block */
    strd r2, r3, [r7, #88]    /* still 0x11, 0x22 */
    ldr r0, =0xE000ED24       /* UsageFault disabled: escalates to HardFault */
    ldr r1, [r0]
    bic r1, r1, #0x40000
    str r1, [r0]
    .global f_hard
f_hard:
    ldrd r2, r3, [r4]
    bkpt #0
