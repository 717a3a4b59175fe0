/* How a run ends when the firmware's fault handler gives up: an undefined instruction escalates
 * to HardFault (UsageFault is disabled at reset), whose handler parks in a branch-to-self when
 * `mode` is 0, and faults again itself (a lockup, B1.5.15) when it is not; the test writes
 * `mode` before the run. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .word hang + 1                /* NMI */
    .word hardfault + 1
    .bss
    .global mode
mode: .space 4
    .text
    .global reset, undefined, hardfault, parked, again, hang
    .thumb_func
reset:
    nop
undefined:
    udf #1
    .thumb_func
hardfault:
    ldr r0, =mode
    ldr r0, [r0]
    cmp r0, #0
    bne 1f
parked:
    b parked
1:
again:
    udf #2
    .thumb_func
hang:
    b hang
