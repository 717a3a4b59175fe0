/* IT blocks and flag-setting code under a storm of SysTick interrupts (reload 199: every 200
 * cycles) whose handler clobbers the flags. Interrupts are taken at translation-block
 * boundaries, which Unicorn never places inside an IT block, so this pins that a dense
 * interrupt load leaves the computation intact (not IT-state stacking itself).
 * r4 accumulates sum over i < 4000 of (i odd ? 3 : 5) + (i % 4 == 0 ? 7 : 0) = 23000. */
    .syntax unified
    .thumb
#include "systick.inc"
    systick_vectors systick
    .bss
    .global ticks
ticks: .space 4
    .text
    .thumb_func
systick:
    ldr r0, =ticks
    ldr r1, [r0]
    adds r1, #1
    str r1, [r0]
    movs r1, #0               /* clobber the flags: they must come back from the frame */
    cmp r1, #1
    bx lr
    .global reset
    .thumb_func
reset:
    ldr r0, =0xE000E014
    movs r1, #199
    str r1, [r0]
    ldr r0, =0xE000E010
    movs r1, #7
    str r1, [r0]
    movs r4, #0
    movs r5, #0               /* i */
    ldr r6, =4000
1:  tst r5, #1
    ite ne
    addne r4, r4, #3
    addeq r4, r4, #5
    tst r5, #3
    itttt eq
    addeq r4, r4, #3
    addeq r4, r4, #2
    addeq r4, r4, #1
    addeq r4, r4, #1
    adds r5, #1
    cmp r5, r6
    bne 1b
    ldr r0, =0xE000E010
    movs r1, #0
    str r1, [r0]
    bkpt #0
