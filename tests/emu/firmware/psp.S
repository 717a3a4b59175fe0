/* Thread mode on the process stack (CONTROL.SPSEL = 1, as an RTOS runs tasks): an SVC must
 * stack on PSP, run the handler on MSP with EXC_RETURN 0xFFFFFFFD, and come back to PSP. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .rept 9
    .word 0
    .endr
    .word svc_handler + 1     /* 11 */
    .bss
    .global result
result: .space 24             /* handler LR, handler SP, PSP in handler; after: SP, CONTROL, MSP */
    .text
    .thumb_func
svc_handler:
    ldr r0, =result
    str lr, [r0, #0]
    mov r1, sp
    str r1, [r0, #4]
    mrs r1, psp
    str r1, [r0, #8]
    bx lr
    .global reset
    .thumb_func
reset:
    ldr r0, =0x20002000
    msr psp, r0
    movs r0, #2
    msr control, r0           /* SPSEL: thread mode uses PSP */
    isb
    svc #0
    ldr r0, =result
    mov r1, sp
    str r1, [r0, #12]
    mrs r1, control
    str r1, [r0, #16]
    mrs r1, msp
    str r1, [r0, #20]
    bkpt #0
