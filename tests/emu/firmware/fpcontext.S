/* FP context across an exception: thread mode holds values in S0/S15, the SysTick handler
 * overwrites them; after return the thread's values must be back (extended frame, B1.5.7). */
    .syntax unified
    .thumb
#include "fpu.inc"
#include "systick.inc"
    systick_vectors systick
    .bss
    .global seen_lr
seen_lr: .space 4
    .text
    .thumb_func
systick:
    ldr r1, =seen_lr
    str lr, [r1]              /* EXC_RETURN: 0xFFFFFFE9 with an FP frame */
    ldr r0, =0xE000E010
    movs r1, #0
    str r1, [r0]              /* stop SysTick */
    vmov s0, r1
    vmov s15, r1
    bx lr
    .global reset
    .thumb_func
reset:
    enable_fpu
    ldr r0, =0x3FC00000       /* 1.5f */
    vmov s0, r0
    ldr r0, =0x40200000       /* 2.5f */
    vmov s15, r0
    ldr r0, =0xE000E014
    movs r1, #99
    str r1, [r0]              /* LOAD */
    ldr r0, =0xE000E010
    movs r1, #7
    str r1, [r0]              /* ENABLE | TICKINT | CLKSOURCE */
1:  ldr r1, =seen_lr
    ldr r1, [r1]
    cmp r1, #0
    beq 1b
    vmov r2, s0
    vmov r3, s15
    bkpt #0
