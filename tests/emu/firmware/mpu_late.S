/* Code translated while the MPU is off, then refused by it: a leaf in flash runs once, the MPU
 * then makes its 32 bytes execute-never and the second call must raise MemManage (IACCVIOL)
 * at the leaf. `result`: calls that returned, then the MemManage handler's CFSR and stacked PC. */
    .syntax unified
    .thumb
#include "mpu.inc"
    vectors_to 4, memmanage
    .equ SHCSR,    0xE000ED24
    .equ CFSR,     0xE000ED28
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
    mpu_region 0, leaf, 0x16000009   /* the leaf's 32 bytes: read-only, XN (AP 110, SIZE 4) */
    mpu_enable 5                 /* ENABLE | PRIVDEFENA */
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
