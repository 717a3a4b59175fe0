/*
 * GD32VF103 (Bumblebee N205) startup.
 *
 * After reset the core fetches from 0x00000000, where the boot pins alias main flash
 * (User Manual §2.4 "boot configuration"). The image is linked at the flash address
 * 0x08000000, so the first thing is an absolute jump there; after it, absolute and
 * PC-relative addresses agree. Then: gp, sp, trap vector, .data copy, .bss clear,
 * board_init(), main(), board_halt().
 */
    .section .init, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    lui   t0, %hi(_start_flash)
    addi  t0, t0, %lo(_start_flash)
    jr    t0
_start_flash:
    la    gp, __global_pointer$
    .option pop
    la    sp, _estack

    /* Trap vector, first in the standard direct mode, then in ECLIC mode (mtvec[5:0] = 3,
     * Bumblebee manual "mtvec"): with mtvt2[0] = 0 (reset) ECLIC non-vectored interrupts and
     * exceptions both enter at the mtvec base, 64-byte aligned. */
    la    t0, trap_entry
    csrw  mtvec, t0
    ori   t0, t0, 3
    csrw  mtvec, t0

    la    a0, _sidata
    la    a1, _sdata
    la    a2, _edata
1:  bgeu  a1, a2, 2f
    lw    t0, 0(a0)
    sw    t0, 0(a1)
    addi  a0, a0, 4
    addi  a1, a1, 4
    j     1b
2:
    la    a1, _sbss
    la    a2, _ebss
3:  bgeu  a1, a2, 4f
    sw    zero, 0(a1)
    addi  a1, a1, 4
    j     3b
4:
    call  board_init
    call  main
    call  board_halt
    .size _start, . - _start

/*
 * Trap entry: save the caller-saved registers, call trap_dispatch(mcause, mepc, frame) in C,
 * restore, mret. Interrupts do not nest (MIE stays clear inside the handler).
 */
    .section .text.trap_entry, "ax"
    .balign 64
    .globl trap_entry
    .type trap_entry, @function
trap_entry:
    addi  sp, sp, -64
    sw    ra,  0(sp)
    sw    t0,  4(sp)
    sw    t1,  8(sp)
    sw    t2, 12(sp)
    sw    a0, 16(sp)
    sw    a1, 20(sp)
    sw    a2, 24(sp)
    sw    a3, 28(sp)
    sw    a4, 32(sp)
    sw    a5, 36(sp)
    sw    a6, 40(sp)
    sw    a7, 44(sp)
    sw    t3, 48(sp)
    sw    t4, 52(sp)
    sw    t5, 56(sp)
    sw    t6, 60(sp)
    csrr  a0, mcause
    csrr  a1, mepc
    mv    a2, sp
    call  trap_dispatch
    lw    ra,  0(sp)
    lw    t0,  4(sp)
    lw    t1,  8(sp)
    lw    t2, 12(sp)
    lw    a0, 16(sp)
    lw    a1, 20(sp)
    lw    a2, 24(sp)
    lw    a3, 28(sp)
    lw    a4, 32(sp)
    lw    a5, 36(sp)
    lw    a6, 40(sp)
    lw    a7, 44(sp)
    lw    t3, 48(sp)
    lw    t4, 52(sp)
    lw    t5, 56(sp)
    lw    t6, 60(sp)
    addi  sp, sp, 64
    mret
    .size trap_entry, . - trap_entry
