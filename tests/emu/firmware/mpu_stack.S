/* A thread on the process stack overflows into an MPU guard at exception entry: PSP sits 8
 * bytes above a 32-byte read-only region when an SVC is taken, so the frame would be stacked
 * into the guard (silicon: MemManage MSTKERR). `result`: 1 if the SVC handler ever ran. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0, 0, 0, 0, 0, 0, 0, 0, 0
    .word svc_handler + 1        /* 11: SVCall */
    .equ MPU_CTRL, 0xE000ED94
    .equ MPU_RNR,  0xE000ED98
    .equ MPU_RBAR, 0xE000ED9C
    .equ MPU_RASR, 0xE000EDA0
    .bss
    .global result
result: .space 4
    .balign 32
    .global guard
guard: .space 32                 /* region 0: read-only, XN (AP 110, SIZE 4) */
    .global process_stack
process_stack: .space 64
    .text
    .global reset
    .thumb_func
reset:
    ldr r0, =MPU_RNR
    movs r1, #0
    str r1, [r0]
    ldr r0, =MPU_RBAR
    ldr r1, =guard
    str r1, [r0]
    ldr r0, =MPU_RASR
    ldr r1, =0x16000009
    str r1, [r0]
    ldr r0, =MPU_CTRL            /* ENABLE | PRIVDEFENA */
    movs r1, #5
    str r1, [r0]
    dsb
    isb
    ldr r0, =process_stack + 8   /* 8 bytes above the guard's end */
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
