/* The STM32L4R5 boot alias (platforms/socs/stm32l4r5): main flash appears at 0x00000000. Reads
 * of 0 and 4 return the vector table's initial SP and reset vector; a call to a function's
 * alias address (its flash address - 0x08000000) runs the same code from the alias. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .bss
    .global res
res: .space 16
    .text
    .thumb_func
answer:
    mov r0, pc                /* where it runs: the alias address + 4 */
    bx lr
    .global reset
    .thumb_func
reset:
    ldr r7, =res
    movs r0, #0
    ldr r1, [r0]
    ldr r2, [r0, #4]
    strd r1, r2, [r7]
    ldr r3, =answer
    sub r3, r3, #0x08000000   /* the alias of answer (bit 0 kept: Thumb) */
    blx r3
    str r0, [r7, #8]
    bkpt #0
