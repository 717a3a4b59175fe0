/* An undefined instruction right after a WFE still faults there: Unicorn stops on both as an
 * invalid instruction with PC at the UDF, and only the WFE's stop is claimed (cortex_m.py). */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .text
    .global reset, undefined
    .thumb_func
reset:
    sev
    wfe
undefined:
    udf #0
