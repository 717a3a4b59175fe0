/* A store to flash: a firmware bug the engine reports as a write to read-only memory. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .text
    .global reset
    .thumb_func
reset:
    ldr r1, =0x08001000
    movs r0, #1
    str r0, [r1]
    bkpt #0
