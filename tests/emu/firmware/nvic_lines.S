/* What firmware probing the NVIC sees (ARM DDI 0403 B3.4.3): ICTR; an IRQ priority byte and
 * SysTick's SHPR3 byte after 0xFF was written to them; ISER0-7 read back after all ones were
 * written to each; how many of the 240 IPR bytes keep a value after 0xFF was written to all;
 * ISPR0 bit 0 after STIR = 0; ISPR7 after STIR = 239. Results in `result`. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .equ ICTR,  0xE000E004
    .equ ISER0, 0xE000E100
    .equ ICER0, 0xE000E180
    .equ ISPR0, 0xE000E200
    .equ ICPR0, 0xE000E280
    .equ IPR0,  0xE000E400
    .equ SHPR3_SYSTICK, 0xE000ED23
    .equ STIR,  0xE000EF00
    .bss
    .global result
result: .space 64
    .text
    .global reset
    .thumb_func
reset:
    cpsid i
    ldr r5, =result
    ldr r0, =ICTR
    ldr r1, [r0]
    str r1, [r5, #0]
    movs r2, #0xFF
    ldr r0, =IPR0
    strb r2, [r0]
    ldrb r1, [r0]
    str r1, [r5, #4]
    ldr r0, =SHPR3_SYSTICK
    strb r2, [r0]
    ldrb r1, [r0]
    str r1, [r5, #8]
    /* ISER0-7: all ones, read back, then cleared through ICER */
    movs r3, #0
    mvns r2, #0
iser:
    ldr r0, =ISER0
    str r2, [r0, r3, lsl #2]
    ldr r1, [r0, r3, lsl #2]
    add r4, r5, #12
    str r1, [r4, r3, lsl #2]
    ldr r0, =ICER0
    str r2, [r0, r3, lsl #2]
    adds r3, #1
    cmp r3, #8
    bne iser
    /* 0xFF to every IPR byte, then count the bytes that kept something */
    movs r2, #0xFF
    movs r3, #0
    ldr r0, =IPR0
ipr_set:
    strb r2, [r0, r3]
    adds r3, #1
    cmp r3, #240
    bne ipr_set
    movs r3, #0
    movs r6, #0
ipr_count:
    ldrb r1, [r0, r3]
    cmp r1, #0
    it ne
    addne r6, #1
    adds r3, #1
    cmp r3, #240
    bne ipr_count
    str r6, [r5, #44]
    /* STIR: IRQ 0 exists everywhere, IRQ 239 on none of the SoCs tested */
    ldr r0, =STIR
    movs r1, #0
    str r1, [r0]
    movs r1, #239
    str r1, [r0]
    ldr r0, =ISPR0
    ldr r1, [r0]
    and r1, r1, #1
    str r1, [r5, #48]
    ldr r1, [r0, #28]
    str r1, [r5, #52]
    bkpt #0
