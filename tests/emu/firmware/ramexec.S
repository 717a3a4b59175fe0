/* Code run from SRAM: copies `ramfn` (a loop with a store and an IT block) into SRAM, calls it,
 * then patches the immediate of its first instruction in SRAM (self-modifying code: the
 * translated copy must be dropped) and calls it again. tinysim maps RAM without execute
 * permission until the first fetch from it (tinysim/emu/memory_map.py); on silicon SRAM is
 * always executable. res[0] = first call, res[1] = second call, res[2] = a word the function
 * stored. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .text
    .global reset
    .thumb_func
reset:
    ldr r0, =ramfn            /* copy ramfn..ramfn_end to SRAM */
    bic r0, r0, #1            /* a Thumb function's symbol has bit 0 set */
    ldr r1, =code
    ldr r2, =ramfn_end
1:  ldrh r3, [r0], #2
    strh r3, [r1], #2
    cmp r0, r2
    blo 1b
    dsb
    isb
    ldr r4, =code + 1
    blx r4                    /* r0 = 5 + 1 + 2 + ... + 10 = 60 */
    ldr r5, =res
    str r0, [r5]
    ldr r1, =code             /* patch `movs r0, #5` into `movs r0, #100` */
    ldr r2, =0x2064
    strh r2, [r1]
    dsb
    isb
    blx r4                    /* r0 = 100 + 55 = 155 */
    str r0, [r5, #4]
    bkpt #0

    .align 2
    .thumb_func
ramfn:                        /* r0 = 5 + sum(1..10); stores the last value at res[2] */
    movs r0, #5
    movs r1, #10
2:  adds r0, r0, r1
    cmp r1, #1
    ite ne
    subne r1, r1, #1
    ldreq r2, =res
    bne 2b
    str r0, [r2, #8]
    bx lr
    .ltorg
ramfn_end:
    .pool

    .bss
    .align 2
code: .space 64
res:  .space 12
