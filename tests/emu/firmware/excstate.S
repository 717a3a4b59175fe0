/* What an exception must preserve (ARM DDI 0403E.e B1.5.6 entry, B1.5.8 return): the APSR GE
 * bits (set by SADD8), the FPSCR (a non-default rounding mode), and ITSTATE (a return into the
 * middle of an IT block). PendSV is pended from thread mode twice; its handler clobbers GE,
 * FPSCR and the flags, records EXC_RETURN, FPCAR and the frame it sees, and the second time
 * redirects the return into an IT block whose remaining instructions must be skipped. */
    .syntax unified
    .thumb
#include "fpu.inc"
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .rept 12
    .word 0
    .endr
    .word pendsv + 1          /* 14 */
    .word 0
    .bss
    .align 3
    .global res, seen, round
res:   .space 64
seen:  .space 32
round: .space 4
    .text
    .thumb_func
pendsv:
    ldr r0, =seen
    str lr, [r0, #0]          /* EXC_RETURN */
    mrs r1, msp
    str r1, [r0, #4]          /* the frame */
    ldr r2, =0xE000EF38
    ldr r2, [r2]
    str r2, [r0, #8]          /* FPCAR */
    mrs r2, control
    str r2, [r0, #12]         /* CONTROL in the handler (FPCA clear) */
    ldr r2, [r1, #28]
    str r2, [r0, #16]         /* the stacked xPSR */
    ldr r2, =0x7F7F7F7F
    sadd8 r2, r2, r2          /* GE = 1111 */
    movs r2, #0
    vmsr fpscr, r2            /* round to nearest */
    cmp r2, r2                /* Z = 1 */
    ldr r2, =round
    ldr r3, [r2]
    adds r3, #1
    str r3, [r2]
    cmp r3, #2
    bne 1f
    ldr r2, =inside           /* second time: return into the IT block below */
    str r2, [r1, #24]
    ldr r2, [r1, #28]
    orr r2, r2, #0x400        /* ITSTATE 0x04: EQ, second of the three of an ITTT EQ block */
    bic r2, r2, #0x40000000   /* Z = 0: the condition fails */
    str r2, [r1, #28]
1:  bx lr

    .global reset
    .thumb_func
reset:
    enable_fpu
    ldr r7, =res
    add r9, r7, #2
    ldr r0, =0xE000ED04       /* ICSR */
    mov r8, r0
    ldr r1, =0x80018001
    movs r2, #0
    sadd8 r3, r1, r2          /* GE = 0101 */
    ldr r0, =0x00C00000       /* FPSCR.RMode = round towards zero */
    vmsr fpscr, r0
    movs r0, #1
    cmp r0, #0                /* Z = 0, C = 1 */
    mov.w r1, #0x10000000     /* PENDSVSET */
    str r1, [r8]
    dsb
    isb
    mrs r0, apsr
    str r0, [r7, #0]          /* GE = 0101, C = 1 */
    vmrs r0, fpscr
    str r0, [r7, #4]          /* 0x00C00000 */
    ldr r1, =0x11223344
    ldr r2, =0xAABBCCDD
    sel r0, r1, r2            /* GE 0101: bytes 0 and 2 from r1 */
    str r0, [r7, #8]
    movs r5, #0
    movs r6, #0
    mov.w r1, #0x10000000
    str r1, [r8]              /* second PendSV: returns to `inside` */
    dsb
    isb
    b done
    cmp r0, r0
    ittt eq
    moveq r5, #1
    .global inside
inside:
    moveq r6, #1              /* ITSTATE says EQ and Z = 0: skipped */
    ldrdeq r2, r3, [r9]       /* skipped too: no UsageFault although r9 is not word aligned */
    movs r4, #7
    str r5, [r7, #12]
    str r6, [r7, #16]
    str r4, [r7, #20]
    bkpt #0
done:
    bkpt #1                   /* not reached */
