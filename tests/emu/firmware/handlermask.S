/* A long interrupt handler with SysTick pending throughout (ARM DDI 0403 B1.5.4): SysTick at the
 * lowest priority cannot pre-empt IRQ0, so it waits until IRQ0 returns and is then taken at once
 * (tail-chained).  ST's MLPerf Tiny builds run each inference this way, inside their UART handler.
 *   ticks_in_irq : SysTick count seen at the end of IRQ0 (0: it never pre-empted)
 *   ticks        : SysTick count at the end (1: taken once, right after IRQ0)
 *   order        : 'I' at IRQ0's end, then 'T' at SysTick's first entry                     */
    .syntax unified
    .thumb
    .equ NVIC_ISER0, 0xE000E100
    .equ NVIC_ISPR0, 0xE000E200
    .equ NVIC_IPR0,  0xE000E400
    .equ SCB_SHPR3,  0xE000ED20
#include "systick.inc"

    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .rept 13
    .word fault + 1           /* 2..14 */
    .endr
    .word systick_handler + 1 /* 15 */
    .word irq0_handler + 1    /* 16: IRQ0 */
    .rept 16
    .word fault + 1
    .endr

    .bss
    .align 2
    .global ticks, ticks_in_irq, order
ticks:        .space 4
ticks_in_irq: .space 4
order:        .space 4

    .text
    .thumb_func
fault:
    udf #0

    .thumb_func
systick_handler:
    ldr r1, =ticks
    ldr r0, [r1]
    cbnz r0, 1f
    ldr r2, =order
    movs r3, #'T'
    strb r3, [r2, #1]
1:  adds r0, #1
    str r0, [r1]
    ldr r1, =SYST_CSR          /* one tick is enough: stop the timer */
    movs r0, #0
    str r0, [r1]
    bx lr

    .thumb_func
irq0_handler:
    ldr r0, =20000             /* ~60,000 cycles: SysTick (period 10,000) pends early */
1:  subs r0, #1
    bne 1b
    ldr r1, =ticks
    ldr r0, [r1]
    ldr r1, =ticks_in_irq
    str r0, [r1]
    ldr r2, =order
    movs r3, #'I'
    strb r3, [r2]
    bx lr

    .global reset
    .thumb_func
reset:
    ldr r1, =SCB_SHPR3
    ldr r0, =0xF0000000        /* SysTick priority 0xF0 (lowest) */
    str r0, [r1]
    ldr r1, =NVIC_IPR0
    movs r0, #0x40             /* IRQ0 priority 0x40 */
    str r0, [r1]
    systick_start 9999
    ldr r1, =NVIC_ISER0
    movs r0, #1
    str r0, [r1]
    ldr r1, =NVIC_ISPR0
    str r0, [r1]               /* pend IRQ0: taken at once */
    dsb
    isb
2:  ldr r1, =ticks             /* wait for the tick IRQ0 held back */
    ldr r0, [r1]
    cmp r0, #0
    beq 2b
    bkpt #0
