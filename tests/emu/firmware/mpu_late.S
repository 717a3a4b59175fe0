/* Code translated while the MPU is off, then refused by it: a leaf in flash runs once, the MPU
 * then makes its 32 bytes execute-never and the second call must raise MemManage (IACCVIOL)
 * at the leaf. `result`: calls that returned, then the MemManage handler's CFSR and stacked PC. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0, 0                   /* NMI, HardFault */
    .word memmanage + 1
    .equ SHCSR,    0xE000ED24
    .equ CFSR,     0xE000ED28
    .equ MPU_CTRL, 0xE000ED94
    .equ MPU_RNR,  0xE000ED98
    .equ MPU_RBAR, 0xE000ED9C
    .equ MPU_RASR, 0xE000EDA0
    .bss
    .global result
result: .space 16
    .text
    .global reset
    .thumb_func
reset:
    ldr r5, =result
    bl leaf                      /* translated with the MPU off */
    ldr r0, =SHCSR               /* MemManage enabled */
    ldr r1, [r0]
    orr r1, r1, #(1 << 16)
    str r1, [r0]
    ldr r0, =MPU_RNR             /* region 0: the leaf's 32 bytes, read-only, XN (AP 110, SIZE 4) */
    movs r1, #0
    str r1, [r0]
    ldr r0, =MPU_RBAR
    ldr r1, =leaf
    bic r1, r1, #1
    str r1, [r0]
    ldr r0, =MPU_RASR
    ldr r1, =0x16000009
    str r1, [r0]
    ldr r0, =MPU_CTRL            /* ENABLE | PRIVDEFENA */
    movs r1, #5
    str r1, [r0]
    dsb
    isb
    bl leaf                      /* refused: the handler returns past the call */
    bkpt #0

    .thumb_func
memmanage:
    ldr r0, =CFSR
    ldr r1, [r0]
    str r1, [r5, #4]
    str r1, [r0]                 /* write-one-to-clear */
    ldr r1, [sp, #24]            /* the stacked PC */
    str r1, [r5, #8]
    ldr r1, [sp, #20]            /* resume at the stacked LR */
    bic r1, r1, #1
    str r1, [sp, #24]
    bx lr

    .balign 32
    .thumb_func
leaf:
    ldr r0, [r5]
    adds r0, #1
    str r0, [r5]
    bx lr
    .balign 32
