/*
 * ESP32-C3 "direct boot" startup (ESP32-C3 ROM, chip revision 3 and later).
 *
 * When the first 8 bytes of flash are the magic word 0xaedb041d twice, the ROM bootloader maps
 * the first 4 MB of flash at 0x42000000 (IROM, instruction bus) and 0x3C000000 (DROM, data
 * bus), same offsets, and jumps to 0x42000008 (TRM ch. 3 "System and Memory" for the
 * windows; the ROM's direct-boot mode is described in Espressif's esp32c3-direct-boot example).
 * Code runs in place from IROM; .rodata is read through DROM; .data is copied to SRAM.
 */
    .section .header, "a"
    .word 0xaedb041d
    .word 0xaedb041d

    .section .init, "ax"
    .globl _start
    .type _start, @function
_start:
    .option push
    .option norelax
    la    gp, __global_pointer$
    .option pop
    la    sp, _estack

    /* Vectored trap table (the C3 core implements only mtvec MODE = 1, TRM ch. 1 "CPU"). */
    la    t0, trap_vectors
    ori   t0, t0, 1
    csrw  mtvec, t0

    la    a0, _sidata          /* DROM address of the .data image */
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

/* 32 entries: exceptions enter at entry 0, CPU interrupt line n at entry n. All share one
 * handler that saves the caller-saved registers and dispatches on mcause in C. */
    .section .text.trap_vectors, "ax"
    .balign 256
    .globl trap_vectors
trap_vectors:
    .option push
    .option norvc
    .rept 32
    j     trap_entry
    .endr
    .option pop

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
    csrr  a2, mtval
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
