/* WFE and YIELD as Unicorn stops on them (cortex_m.py notes), and the wake-up rules of WFE
 * (ARM DDI 0403 B1.5.18) that wfe.S does not reach. The thread counts in r4 and r6:
 *  - YIELD (both encodings) is a NOP: r4 += 1 after each (2);
 *  - a WFE in an IT block: `itt eq; wfeeq; addeq r6, #1` sleeps to the next SysTick and then
 *    adds (r6 = 1), `ite ne; wfene; addeq r6, #2` neither sleeps nor skips the add (r6 = 3);
 *  - an event from the EXTI (line 0 unmasked in EMR1, set by a SWIER1 write) wakes WFE: with
 *    SysTick stopped, the WFE goes on at once and r4 becomes 3;
 *  - exception entry and exception return each set the event: PendSV's handler starts with a WFE
 *    that goes on (entry) and adds 1 to r4, then the thread's WFE goes on (return), r4 = 5;
 *  - with PRIMASK set and SCR.SEVONPEND clear, a pending SysTick does not wake WFE: r7 counts
 *    the SysTick periods that go by (read from `ticks` after the wake-up tinysim forces);
 *  - the last WFE has nothing that can ever wake it: the run ends there (r5 = 0x600D first). */
    .syntax unified
    .thumb
#include "systick.inc"
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .rept 12
    .word 0
    .endr
    .word pendsv + 1          /* 14 */
    .word systick + 1         /* 15 */
    .equ ICSR, 0xE000ED04
    .equ PENDSVSET, 1 << 28
    .equ EXTI_EMR1, 0x40010404
    .equ EXTI_SWIER1, 0x40010410
    systick_ticks

    .thumb_func
pendsv:
    wfe
    adds r4, #1
    bx lr

    .global reset, last_wfe, masked_wfe
    .thumb_func
reset:
    movs r4, #0
    movs r6, #0
    yield
    adds r4, #1
    yield.w
    adds r4, #1
    systick_start 999
    movs r0, #0
    cmp r0, #0
    itt eq
    wfeeq
    addeq r6, #1
    wfe                       /* clears the event the tick's handler set */
    cmp r0, #0
    ite ne
    wfene
    addeq r6, #2
    ldr r1, =SYST_CSR
    movs r0, #0
    str r0, [r1]
    ldr r1, =EXTI_EMR1
    movs r0, #1
    str r0, [r1]
    ldr r1, =EXTI_SWIER1
    str r0, [r1]
    wfe
    adds r4, #1
    ldr r1, =ICSR
    ldr r0, =PENDSVSET
    str r0, [r1]
    wfe
    adds r4, #1
    cpsid i
    ldr r0, =ticks
    ldr r7, [r0]
    systick_start 999
masked_wfe:
    wfe
    ldr r1, =SYST_CSR
    ldr r0, [r1]               /* COUNTFLAG: the counter wrapped since it was started */
    movs r0, #0
    str r0, [r1]
    ldr r0, =ticks
    ldr r0, [r0]
    subs r7, r0, r7            /* 0: the masked SysTick was never taken */
    ldr r5, =0x600D
last_wfe:
    wfe
    bkpt #0
