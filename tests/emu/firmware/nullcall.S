/* Calls through a null function pointer: an instruction fetch from address 0. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .text
    .global reset
    .thumb_func
reset:
    movs r0, #1               /* a Thumb address 0 */
    blx r0
    bkpt #0
