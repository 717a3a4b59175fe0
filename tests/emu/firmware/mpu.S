/* The PMSAv7 MPU registers (ARM DDI 0403 B3.5) as firmware programs them; results in `result`:
 * TYPE; RNR after a RBAR write with VALID and REGION 5; that RBAR read back; region 3's RBAR and
 * RASR after all ones were written to it; CTRL; and the SCB's CCR, around the MPU's window. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .equ MPU_TYPE, 0xE000ED90
    .equ MPU_CTRL, 0xE000ED94
    .equ MPU_RNR,  0xE000ED98
    .equ MPU_RBAR, 0xE000ED9C
    .equ MPU_RASR, 0xE000EDA0
    .equ SCB_CCR,  0xE000ED14
    .bss
    .global result
result: .space 32
    .text
    .global reset
    .thumb_func
reset:
    ldr r5, =result
    ldr r0, =MPU_TYPE
    ldr r1, [r0]
    str r1, [r5, #0]
    ldr r0, =MPU_RNR           /* region 3: base and attributes (all ones: only its fields stay) */
    movs r1, #3
    str r1, [r0]
    ldr r0, =MPU_RBAR
    ldr r1, =0x20000000
    str r1, [r0]
    ldr r0, =MPU_RASR
    mvns r1, #0
    str r1, [r0]
    ldr r0, =MPU_RBAR          /* VALID | REGION 5 selects region 5 */
    ldr r1, =0x08000015
    str r1, [r0]
    ldr r0, =MPU_RNR
    ldr r1, [r0]
    str r1, [r5, #4]
    ldr r0, =MPU_RBAR
    ldr r1, [r0]
    str r1, [r5, #8]
    ldr r0, =MPU_RNR
    movs r1, #3
    str r1, [r0]
    ldr r0, =MPU_RBAR
    ldr r1, [r0]
    str r1, [r5, #12]
    ldr r0, =MPU_RASR
    ldr r1, [r0]
    str r1, [r5, #16]
    ldr r0, =MPU_CTRL          /* ENABLE | PRIVDEFENA */
    movs r1, #5
    str r1, [r0]
    ldr r1, [r0]
    str r1, [r5, #20]
    ldr r0, =SCB_CCR
    ldr r1, [r0]
    str r1, [r5, #24]
    bkpt #0
