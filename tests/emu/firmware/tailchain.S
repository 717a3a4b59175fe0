/* Tail-chaining: IRQ0 and IRQ1 are pended together under PRIMASK; when PRIMASK clears IRQ0 runs,
 * and on its return IRQ1 is entered on the same stack frame with the same EXC_RETURN. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .rept 14
    .word 0
    .endr
    .word irq0 + 1            /* 16 */
    .word irq1 + 1            /* 17 */
    .bss
    .global seen, order
seen:  .space 16
order: .space 8
    .text
    .thumb_func
irq0:
    ldr r0, =seen
    mrs r1, msp
    str r1, [r0, #0]
    str lr, [r0, #4]
    ldr r0, =order
    movs r1, #'a'
    strb r1, [r0]
    bx lr
    .thumb_func
irq1:
    ldr r0, =seen
    mrs r1, msp
    str r1, [r0, #8]
    str lr, [r0, #12]
    ldr r0, =order
    movs r1, #'b'
    strb r1, [r0, #1]
    bx lr
    .global reset
    .thumb_func
reset:
    cpsid i
    ldr r0, =0xE000E100       /* NVIC_ISER0 */
    movs r1, #3
    str r1, [r0]
    ldr r0, =0xE000E200       /* NVIC_ISPR0 */
    str r1, [r0]
    cpsie i
    isb
    nop
    bkpt #0
