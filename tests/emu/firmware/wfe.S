/* The event register WFE consults (ARM DDI 0403 B1.5.18). SysTick fires every 1,000 cycles and
 * its handler counts `ticks`; each stage records what it saw in `result`:
 *  0  SEV; WFE; WFE: the first WFE clears the event and goes on, the second sleeps to tick 1  -> 1
 *  1  WFE after that tick: its entry and return set the event, so it goes on at once          -> 1
 *  2  WFE again: sleeps to tick 2                                                            -> 2
 *  3  an IT-conditional SEV whose condition fails sets nothing: the WFE sleeps to tick 3       -> 3
 *  4  PRIMASK set, SCR.SEVONPEND set: SysTick entering Pending wakes WFE, its handler waits    -> 3
 *  5  ... and SysTick is pending (ICSR.PENDSTSET)                                              -> 1
 *  6  PENDSTSET after the pend is cleared and WFE runs again: a Cortex-M4 or M33 consumed the
 *     waking event, so it sleeps to the next pend (1); a Cortex-M7 kept it and goes on (0)
 *  7  `ticks` once PRIMASK is cleared: the pending SysTick is taken (4); on a Cortex-M7 none
 *     is pending (3)
 * A WFE that sleeps where silicon goes on (a WFE run as WFI) records higher tick counts. */
    .syntax unified
    .thumb
#include "systick.inc"
    systick_vectors systick
    .equ SCR, 0xE000ED10
    .equ ICSR, 0xE000ED04
    .equ SEVONPEND, 0x10
    .equ PENDSTSET, 1 << 26
    .equ PENDSTCLR, 1 << 25
    systick_ticks
    .bss
    .global result
result: .space 32
    .text

    .macro record index
    ldr r0, =ticks
    ldr r0, [r0]
    str r0, [r5, #4 * \index]
    .endm

    .macro record_pendst index
    ldr r1, =ICSR
    ldr r0, [r1]
    ubfx r0, r0, #26, #1
    str r0, [r5, #4 * \index]
    .endm

    .global reset
    .thumb_func
reset:
    ldr r5, =result
    systick_start 999
    sev.w
    wfe.w
    wfe
    record 0
    wfe
    record 1
    wfe
    record 2
    wfe                       /* tick 2's handler set the event: this clears it */
    movs r0, #0
    cmp r0, #1
    it eq
    seveq
    wfe
    record 3
    wfe                       /* clears the event tick 3's handler set */
    cpsid i
    ldr r1, =SCR
    movs r0, #SEVONPEND
    str r0, [r1]
    wfe
    record 4
    record_pendst 5
    ldr r1, =ICSR
    ldr r0, =PENDSTCLR
    str r0, [r1]
    wfe
    record_pendst 6
    cpsie i
    isb
    record 7
    ldr r1, =SYST_CSR
    movs r0, #0
    str r0, [r1]
    bkpt #0
