/* SCR.SLEEPONEXIT (ARM DDI 0403 B1.5.8, B3.2.7): with it set, a return from the last active
 * handler to Thread mode sleeps at once, as a WFI there would, and the thread does not run until
 * a handler clears it. The thread counts its passes in r4 and waits with WFI; SysTick's handler
 * counts ticks and clears SLEEPONEXIT at the third, so the thread runs once after its first WFI
 * (r4 = 1) where a core without sleep-on-exit runs it after every tick (r4 = 3). */
    .syntax unified
    .thumb
#include "systick.inc"
    systick_vectors systick
    .bss
    .global ticks
ticks: .space 4
    .text
    .equ SCR, 0xE000ED10
    .equ SLEEPONEXIT, 2
    .thumb_func
systick:
    ldr r0, =ticks
    ldr r1, [r0]
    adds r1, #1
    str r1, [r0]
    cmp r1, #3
    bne 1f
    ldr r0, =SCR
    movs r1, #0
    str r1, [r0]              /* the third tick lets the thread run */
1:  bx lr
    .global reset
    .thumb_func
reset:
    ldr r0, =SCR
    movs r1, #SLEEPONEXIT
    str r1, [r0]
    movs r4, #0
    systick_start 999
2:  wfi
    adds r4, #1
    ldr r0, =ticks
    ldr r1, [r0]
    cmp r1, #3
    blo 2b
    ldr r0, =SYST_CSR
    movs r1, #0
    str r1, [r0]
    bkpt #0
