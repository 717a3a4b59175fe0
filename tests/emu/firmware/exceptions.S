/* Exercises the ARMv7-M exception model (ARM DDI 0403 B1.5) without any library code.
 * Results go to RAM words the test reads after BKPT:
 *   log[]   : a byte trail of handler entries/exits, LOG_N its length
 *   misc    : values noted by handlers (IPSR seen, SP checks, CYCCNT delta)             */
    .syntax unified
    .thumb
    .equ NVIC_ISER0, 0xE000E100
    .equ NVIC_ISPR0, 0xE000E200
    .equ NVIC_IPR0,  0xE000E400
    .equ SCB_ICSR,   0xE000ED04
    .equ SCB_VTOR,   0xE000ED08
    .equ SCB_SHPR3,  0xE000ED20
    .equ SYST_CSR,   0xE000E010
    .equ SYST_RVR,   0xE000E014
    .equ SYST_CVR,   0xE000E018
    .equ DEMCR,      0xE000EDFC
    .equ DWT_CTRL,   0xE0001000
    .equ DWT_CYCCNT, 0xE0001004

    .section .vectors, "a"
    .word 0x20004000          /* initial SP */
    .word reset + 1
    .rept 9
    .word fault + 1           /* 2..10 */
    .endr
    .word svc_handler + 1     /* 11 */
    .word fault + 1, fault + 1
    .word pendsv_handler + 1  /* 14 */
    .word systick_handler + 1 /* 15 */
    .word irq0_handler + 1    /* 16: IRQ0 */
    .word irq1_handler + 1    /* 17: IRQ1 */
    .rept 16
    .word fault + 1
    .endr

    .bss
    .align 3
    .global log, log_n, misc, ticks, ram_vectors
log:    .space 64
log_n:  .space 4
misc:   .space 64
ticks:  .space 4
    .align 8
ram_vectors: .space 256

    .text
#include "log_add.inc"

    .thumb_func
svc_handler:
    push {lr}
    movs r0, #'S'
    bl log_add
    mrs r0, ipsr
    ldr r1, =misc
    str r0, [r1, #0]          /* misc[0] = IPSR in SVCall = 11 */
    pop {pc}

    .thumb_func
pendsv_handler:
    push {lr}
    movs r0, #'P'
    bl log_add
    mrs r0, ipsr
    ldr r1, =misc
    str r0, [r1, #4]          /* misc[1] = 14 */
    pop {pc}

    .thumb_func
systick_handler:
    ldr r1, =ticks
    ldr r0, [r1]
    adds r0, #1
    str r0, [r1]
    bx lr

    .thumb_func
irq1_handler:                 /* priority 0x80: pends IRQ0 (0x40), which pre-empts it */
    push {lr}
    movs r0, #'a'
    bl log_add
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb
    movs r0, #'c'
    bl log_add
    pop {pc}

    .thumb_func
irq0_handler:
    push {lr}
    movs r0, #'b'
    bl log_add
    mrs r0, ipsr
    ldr r1, =misc
    str r0, [r1, #8]          /* misc[2] = 16 */
    pop {pc}

    .thumb_func
irq0_alt_handler:             /* installed through a RAM vector table (VTOR) */
    push {lr}
    movs r0, #'V'
    bl log_add
    pop {pc}

    .global reset
    .thumb_func
reset:
    /* DWT cycle counter on */
    ldr r1, =DEMCR
    ldr r0, [r1]
    orr r0, r0, #(1 << 24)
    str r0, [r1]
    ldr r1, =DWT_CTRL
    ldr r0, [r1]
    orr r0, r0, #1
    str r0, [r1]
    ldr r1, =DWT_CYCCNT
    ldr r4, [r1]              /* r4 = start cycles */

    /* 1. SVC */
    svc #0

    /* 2. PendSV at the lowest priority */
    ldr r1, =SCB_SHPR3
    ldr r0, =0xF0F00000       /* SysTick and PendSV priority 0xF0 */
    str r0, [r1]
    ldr r1, =SCB_ICSR
    mov r0, #(1 << 28)
    str r0, [r1]
    dsb
    isb

    /* 3. nesting: IRQ0 prio 0x40, IRQ1 prio 0x80, both enabled; pend IRQ1 */
    ldr r1, =NVIC_IPR0
    ldr r0, =0x00008040
    str r0, [r1]
    ldr r1, =NVIC_ISER0
    movs r0, #3
    str r0, [r1]
    ldr r1, =NVIC_ISPR0
    movs r0, #2
    str r0, [r1]
    dsb
    isb

    /* 4. PRIMASK holds IRQ0 off until cpsie */
    cpsid i
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb
    movs r0, #'m'
    bl log_add
    cpsie i
    isb

    /* 5. exception entry with SP = 4 mod 8: the frame is padded and SP restored exactly */
    sub sp, #4
    mov r5, sp
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb
    mov r6, sp
    add sp, #4
    ldr r1, =misc
    subs r0, r6, r5
    str r0, [r1, #12]         /* misc[3] = 0 if SP came back unchanged */

    /* 6. VTOR: copy the table to RAM, swap the IRQ0 entry, relocate */
    ldr r0, =0x08000000
    ldr r1, =ram_vectors
    movs r2, #0
1:  ldr r3, [r0, r2]
    str r3, [r1, r2]
    adds r2, #4
    cmp r2, #(34 * 4)          /* 34 vectors */
    bne 1b
    ldr r3, =irq0_alt_handler + 1
    str r3, [r1, #64]
    ldr r0, =SCB_VTOR
    str r1, [r0]
    ldr r1, =NVIC_ISPR0
    movs r0, #1
    str r0, [r1]
    dsb
    isb

    /* 7. SysTick every 1000 cycles, sleep in WFI until 3 ticks */
    ldr r1, =SYST_RVR
    ldr r0, =999
    str r0, [r1]
    ldr r1, =SYST_CVR
    movs r0, #0
    str r0, [r1]
    ldr r1, =SYST_CSR
    movs r0, #7
    str r0, [r1]
2:  wfi
    ldr r1, =ticks
    ldr r0, [r1]
    cmp r0, #3
    blo 2b
    ldr r1, =SYST_CSR
    movs r0, #0
    str r0, [r1]

    ldr r1, =DWT_CYCCNT
    ldr r0, [r1]
    subs r0, r0, r4
    ldr r1, =misc
    str r0, [r1, #16]         /* misc[4] = cycles elapsed (>= 3000: three SysTick periods) */
    bkpt #0
