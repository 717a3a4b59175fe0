/* A thread whose process stack pointer points where nothing is mapped takes an SVC: the frame
 * cannot be stacked. `result`: 1 if the SVC handler ever ran. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0, 0, 0, 0, 0, 0, 0, 0, 0
    .word svc_handler + 1        /* 11: SVCall */
    .bss
    .global result
result: .space 4
    .text
    .global reset
    .thumb_func
reset:
    ldr r0, =0x70000040          /* nothing there on any board (faults.c's BUS_ERROR_ADDR) */
    msr psp, r0
    movs r0, #2                  /* Thread mode on the process stack */
    msr control, r0
    isb
    svc #0
    bkpt #0

    .thumb_func
svc_handler:
    ldr r0, =result
    movs r1, #1
    str r1, [r0]
    bx lr
