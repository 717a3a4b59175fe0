/* An unprivileged thread's condition flags across a stop of the run: the thread sets N Z C V Q
 * and GE, then takes an SVC (the run loop arbitrates it, reading the mask registers the
 * unprivileged thread cannot see); `result` holds APSR (MRS) before and after the SVC. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0, 0, 0, 0, 0, 0, 0, 0, 0
    .word svc_handler + 1        /* 11: SVCall */
    .bss
    .global result
result: .space 8
    .text
    .global reset
    .thumb_func
reset:
    movs r0, #1                  /* unprivileged Thread mode, main stack */
    msr control, r0
    isb
    ldr r0, =0xF80F0000          /* N Z C V Q and GE[3:0] */
    msr APSR_nzcvqg, r0
    mrs r1, apsr
    svc #0
    mrs r2, apsr
    ldr r0, =result
    str r1, [r0]
    str r2, [r0, #4]
    bkpt #0

    .thumb_func
svc_handler:
    bx lr
