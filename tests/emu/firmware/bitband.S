/* The Cortex-M4 bit-band aliases (PM0214 section 2.2.5): reads and writes of single bits of SRAM
 * through 0x22000000 + byte_offset * 32 + bit * 4 with word, halfword and byte accesses, and of a
 * peripheral register through 0x42000000 (the STM32L4R5 CRC unit at 0x40023000: IDR is plain
 * storage; a byte-sized alias write to DR feeds the CRC one byte, the alias access's size).
 * Results go to `res` (test_exceptions.py checks them); `data` holds the SRAM word changed. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .bss
    .global data, res
    .balign 4
data: .space 4
res: .space 48
    .text
    .equ CRC_DR, 0x40023000
    .equ CRC_IDR, 0x40023004
    .equ CRC_CR, 0x40023008
    .equ PERIPH_ALIAS, 0x42000000
    .global reset
    .thumb_func
reset:
    ldr r7, =res
    ldr r6, =data
    ldr r0, =0x12345678
    str r0, [r6]
    sub r5, r6, #0x20000000
    lsls r5, r5, #5
    add r5, r5, #0x22000000       /* r5: the alias of bit 0 of data's byte 0 */
    ldr r0, [r5, #(0 * 32 + 0 * 4)]   /* byte 0 = 0x78: bit 0 is 0 */
    ldr r1, [r5, #(0 * 32 + 3 * 4)]   /* bit 3 is 1 */
    ldrh r2, [r5, #(3 * 32 + 1 * 4)]  /* byte 3 = 0x12, halfword access: bit 1 is 1 */
    ldrb r3, [r5, #(3 * 32 + 0 * 4)]  /* byte access: bit 0 of 0x12 is 0 */
    stmia r7!, {r0-r3}
    movs r0, #0xFF                /* bit 0 set: sets the bit */
    str r0, [r5, #(1 * 32 + 0 * 4)]   /* byte 1: 0x56 -> 0x57 */
    movs r0, #0xFE                /* bit 0 clear: clears the bit */
    strb r0, [r5, #(2 * 32 + 4 * 4)]  /* byte 2: 0x34 -> 0x24 */
    movs r0, #1
    strh r0, [r5, #(3 * 32 + 7 * 4)]  /* byte 3: 0x12 -> 0x92 */
    ldr r0, [r6]                  /* 0x92245778 */
    ldr r1, [r5, #(1 * 32 + 0 * 4)]   /* reads back 1 */
    stmia r7!, {r0, r1}
    /* peripheral alias: set bits 0, 5 and 31 of CRC_IDR, read bit 5 back */
    ldr r4, =(PERIPH_ALIAS + (CRC_IDR - 0x40000000) * 32)
    ldr r1, =CRC_IDR
    movs r0, #0
    str r0, [r1]
    movs r0, #1
    str r0, [r4, #(0 * 4)]
    str r0, [r4, #(5 * 4)]
    str r0, [r4, #(31 * 4)]
    ldr r0, [r1]                  /* 0x80000021 */
    ldr r2, [r4, #(5 * 4)]        /* 1 */
    ldr r3, [r4, #(6 * 4)]        /* 0 */
    stmia r7!, {r0, r2, r3}
    /* a byte alias write to CRC_DR: reads DR's low byte (0xFF after a reset), clears bit 0 and
     * writes the byte 0xFE back: the CRC of the one byte 0xFE */
    ldr r1, =CRC_CR
    movs r0, #1                   /* RESET: DR <- INIT (0xFFFFFFFF) */
    str r0, [r1]
    ldr r4, =(PERIPH_ALIAS + (CRC_DR - 0x40000000) * 32)
    movs r0, #0
    strb r0, [r4]
    ldr r2, =CRC_DR
    ldr r0, [r2]
    movs r3, #1                   /* the same byte written directly, for comparison */
    str r3, [r1]
    movs r3, #0xFE
    strb r3, [r2]
    ldr r3, [r2]
    stmia r7!, {r0, r3}
    bkpt #0
