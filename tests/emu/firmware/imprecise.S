/* Imprecise BusFaults are asynchronous: a store to nothing (NOTHING, where the L4R5 has no
 * memory) retires through the write buffer and its BusFault is pended, not escalated for
 * priority (Cortex-M4 Devices Generic User Guide, ARM DUI 0553A, table 4-26 IMPRECISERR: "if it
 * is detected when the priority of the current process is higher than the BusFault priority,
 * the BusFault becomes pending"; Cortex-M7 Devices Generic User Guide, ARM DUI 0646C section
 * 2.4.3: "If the BusFault handler is not enabled, the HardFault exception is pended instead",
 * and that HardFault "never escalates into lockup"). Three stores:
 *   1. BusFault enabled, nothing masked: taken after the store;
 *   2. BusFault enabled, PRIMASK set: pending (SHCSR.BUSFAULTPENDED) until CPSIE I;
 *   3. BusFault disabled, FAULTMASK set: HardFault (HFSR.FORCED) pending until CPSIE F.
 * `mark` logs (0x100 + n, SHCSR, 0, 0) between them; the fault handler logs (IPSR, CFSR, HFSR,
 * the stacked PC), clears the status bits and returns to the stacked PC. */
    .syntax unified
    .thumb
    .equ NOTHING, 0x70000000
    .equ SHCSR, 0xE000ED24
    .equ CFSR, 0xE000ED28
    .equ BUSFAULTENA, 1 << 17
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word 0
    .word fault + 1           /* 3 HardFault */
    .word 0
    .word fault + 1           /* 5 BusFault */
    .bss
    .align 3
    .global log, log_n
log:   .space 16 * 16
log_n: .space 4
    .text
    .thumb_func
next_entry:                   /* r3 = the next entry of log (4 words); uses r1, r2 */
    ldr r1, =log_n
    ldr r2, [r1]
    ldr r3, =log
    add r3, r3, r2, lsl #4
    adds r2, #1
    str r2, [r1]
    bx lr

    .thumb_func
fault:
    mov r12, lr
    bl next_entry
    mov lr, r12
    mrs r0, ipsr
    str r0, [r3, #0]
    ldr r1, =CFSR
    ldr r0, [r1]
    str r0, [r3, #4]
    str r0, [r1]              /* write 1 to clear */
    ldr r0, [r1, #4]          /* HFSR */
    str r0, [r3, #8]
    str r0, [r1, #4]
    ldr r0, [sp, #24]         /* stacked PC: the store retired, return there */
    str r0, [r3, #12]
    bx lr

    .thumb_func
mark:                         /* r0 = n: log (0x100 + n, SHCSR, 0, 0) */
    mov r12, lr
    bl next_entry
    mov lr, r12
    add r0, r0, #0x100
    str r0, [r3, #0]
    ldr r1, =SHCSR
    ldr r0, [r1]
    str r0, [r3, #4]
    movs r0, #0
    str r0, [r3, #8]
    str r0, [r3, #12]
    bx lr

    .thumb_func
    .global reset, s1, s2, s3, unmasked_i, unmasked_f
reset:
    ldr r4, =NOTHING
    ldr r5, =SHCSR
    movs r6, #0x5A
    ldr r0, [r5]
    orr r0, r0, #BUSFAULTENA
    str r0, [r5]
    dsb
    isb
    movs r0, #1
    bl mark
s1: str r6, [r4]
    nop
    movs r0, #2
    bl mark
    cpsid i
s2: str r6, [r4]
    movs r0, #3
    bl mark
    cpsie i
    isb
unmasked_i:
    movs r0, #4
    bl mark
    ldr r0, [r5]
    bic r0, r0, #BUSFAULTENA
    str r0, [r5]
    dsb
    isb
    cpsid f
s3: str r6, [r4]
    movs r0, #5
    bl mark
    cpsie f
    isb
unmasked_f:
    movs r0, #6
    bl mark
    bkpt #0
