/* Branches to an EXC_RETURN value in Thread mode, with no exception active: on silicon the branch
 * is an ordinary one to 0xFFFFFFF8, which faults (execute-never region); tinysim reports it as a
 * bad exception return (ARM DDI 0403 B1.5.8). */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .text
    .global reset
    .thumb_func
reset:
    ldr r0, =0xFFFFFFF9
    bx r0
    bkpt #0
