/* An interrupt held back by PRIMASK, BASEPRI or FAULTMASK through a long stretch is taken as
 * soon as the mask is lifted (ARM DDI 0403 B1.5.4 execution priority), at the latest before the
 * instruction after the ISB that follows CPSIE / MSR (ARM application note AN321, "Cortex-M
 * Programming Guide to Memory Barrier Instructions", section 4 on CPS and MSR; from memory),
 * not some cycles later, and not never: the window before the next stage masks it again is a
 * few instructions long.
 * SysTick (priority 0x40) fires every 10,000 cycles; each stage masks it, spins ~30,000 cycles
 * (it pends), unmasks, then adds 1 to r4. The handler logs r4's low byte: 0, 2, 4 if it ran
 * before the `adds` after each unmasking instruction.                                     */
    .syntax unified
    .thumb
#include "systick.inc"
    .equ SHPR3,    0xE000ED20

    .section .vectors, "a"
    .word 0x20004000          /* initial SP */
    .word reset + 1
    .rept 13
    .word fault + 1           /* 2..14 */
    .endr
    .word systick_handler + 1 /* 15: SysTick */
    .rept 16
    .word fault + 1
    .endr

    .bss
    .align 3
    .global log, log_n
log:    .space 64
log_n:  .space 4

    .text
#include "log_add.inc"

    .thumb_func
systick_handler:
    push {lr}
    mov r0, r4
    bl log_add
    pop {pc}

    .thumb_func
spin:                         /* ~30,000 cycles, one block per iteration */
    ldr r2, =10000
1:  subs r2, #1
    bne 1b
    bx lr

    .global reset
    .thumb_func
reset:
    ldr r1, =SHPR3
    ldr r0, =0x40000000       /* SysTick priority 0x40: BASEPRI 0x20 masks it */
    str r0, [r1]
    systick_start 9999

    movs r4, #0               /* 1. PRIMASK */
    cpsid i
    bl spin
    cpsie i
    isb
    adds r4, #1

    movs r4, #2               /* 2. BASEPRI */
    movs r0, #0x20
    msr basepri, r0
    bl spin
    movs r0, #0
    msr basepri, r0
    isb
    adds r4, #1

    movs r4, #4               /* 3. FAULTMASK */
    cpsid f
    bl spin
    cpsie f
    isb
    adds r4, #1

    ldr r1, =SYST_CSR
    movs r0, #0
    str r0, [r1]
    bkpt #0
