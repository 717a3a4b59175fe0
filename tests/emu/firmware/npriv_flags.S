/* An unprivileged thread's condition flags across a stop of the run: the thread sets N Z C V Q
 * and GE, then takes an SVC (the run loop arbitrates it, reading the mask registers the
 * unprivileged thread cannot see); `result` holds APSR (MRS) before and after the SVC. */
    .syntax unified
    .thumb
#include "mpu.inc"
    vectors_to 11, svc_handler   /* 11: SVCall */
    .bss
    .global result
result: .space 8
    .text
    .global reset
    .thumb_func
reset:
    thread_control 1             /* unprivileged Thread mode, main stack */
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
