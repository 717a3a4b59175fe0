/* FAULTMASK (ARM DDI 0403 B1.4.3, B1.5.4, B1.5.8): while set, the execution priority is -1, so
 * no IRQ is taken; an exception return other than from NMI clears it.
 * log[]: a byte trail, LOG_N its length; misc[0]: FAULTMASK read in thread mode after the return
 * from a handler that set it.                                                              */
    .syntax unified
    .thumb
    .equ NVIC_ISER0, 0xE000E100
    .equ NVIC_ISPR0, 0xE000E200
    .equ NVIC_IPR0,  0xE000E400

    .section .vectors, "a"
    .word 0x20004000          /* initial SP */
    .word reset + 1
    .rept 14
    .word fault + 1           /* 2..15 */
    .endr
    .word irq0_handler + 1    /* 16: IRQ0 */
    .word irq1_handler + 1    /* 17: IRQ1 */
    .rept 16
    .word fault + 1
    .endr

    .bss
    .align 3
    .global log, log_n, misc
log:    .space 64
log_n:  .space 4
misc:   .space 16

    .text
#include "log_add.inc"

    .thumb_func
irq0_handler:
    push {lr}
    movs r0, #'b'
    bl log_add
    pop {pc}

    .thumb_func
irq1_handler:                 /* sets FAULTMASK and returns: the return clears it */
    push {lr}
    movs r0, #'f'
    bl log_add
    cpsid f
    pop {pc}

    .global reset
    .thumb_func
reset:
    ldr r1, =NVIC_IPR0
    ldr r0, =0x00004040       /* IRQ0 and IRQ1 at priority 0x40 */
    str r0, [r1]
    ldr r1, =NVIC_ISER0
    movs r0, #3
    str r0, [r1]

    /* 1. FAULTMASK holds IRQ0 off until cpsie f: "mb" */
    cpsid f
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb
    movs r0, #'m'
    bl log_add
    cpsie f
    isb

    /* 2. IRQ1's handler sets FAULTMASK; its return clears it, so IRQ0 pended after it is
     *    taken at once: "fbe" */
    ldr r1, =NVIC_ISPR0
    movs r0, #2
    str r0, [r1]
    dsb
    isb
    mrs r0, faultmask
    ldr r1, =misc
    str r0, [r1, #0]
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb
    movs r0, #'e'
    bl log_add
    bkpt #0
