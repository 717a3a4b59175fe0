/* Semihosting calls one at a time (BKPT #0xAB, operation in r0, parameter in r1; the results
 * land in `result`): open ":tt" for reading (a handle), read 4 bytes from it (4 not read: end of
 * file), the command line (0, into `cmdline`), the heap and stack (four zeros over `heap`), the
 * tick frequency, the elapsed ticks (64 bits, into `elapsed`), a write of a string at an unmapped
 * address (-1, then SYS_ERRNO EFAULT), SYS_SYSTEM (-1, EACCES), and last SYS_READC, which no
 * input answers: the run ends "idle" there. */
    .syntax unified
    .thumb
    .section .vectors, "a"
    .word 0x20004000
    .word reset + 1
    .bss
    .align 2
    .global result, cmdline, heap, elapsed
result:  .space 48
cmdline: .space 64
heap:    .space 16
elapsed: .space 8
block:   .space 12
    .text
    .macro semihost op
    movs r0, #\op
    bkpt #0xab
    .endm
    .global reset, readc
    .thumb_func
reset:
    ldr r5, =result
    ldr r4, =block
    adr r1, open_tt
    semihost 0x01              /* SYS_OPEN ":tt", mode 0 */
    str r0, [r5, #0]
    str r0, [r4, #0]           /* SYS_READ: handle, buffer, length 4 */
    ldr r0, =heap
    str r0, [r4, #4]
    movs r0, #4
    str r0, [r4, #8]
    mov r1, r4
    semihost 0x06
    str r0, [r5, #4]
    ldr r0, =cmdline           /* SYS_GET_CMDLINE: buffer, size */
    str r0, [r4, #0]
    movs r0, #64
    str r0, [r4, #4]
    mov r1, r4
    semihost 0x15
    str r0, [r5, #8]
    ldr r0, =heap              /* SYS_HEAPINFO: a word pointing to four words */
    mvns r1, #0
    str r1, [r0, #0]
    str r1, [r0, #12]
    str r0, [r4, #0]
    mov r1, r4
    semihost 0x16
    semihost 0x31              /* SYS_TICKFREQ */
    str r0, [r5, #12]
    ldr r1, =elapsed
    semihost 0x30              /* SYS_ELAPSED */
    str r0, [r5, #16]
    ldr r1, =0x30000000        /* SYS_WRITE0 of a string nowhere */
    semihost 0x04
    str r0, [r5, #20]
    semihost 0x13              /* SYS_ERRNO */
    str r0, [r5, #24]
    adr r1, command            /* SYS_SYSTEM: refused */
    str r1, [r4, #0]
    movs r0, #4
    str r0, [r4, #4]
    mov r1, r4
    semihost 0x12
    str r0, [r5, #28]
    semihost 0x13
    str r0, [r5, #32]
readc:
    semihost 0x07              /* SYS_READC */
    bkpt #0
    .align 2
open_tt:
    .word tt, 0, 3
tt:
    .asciz ":tt"
command:
    .asciz "true"
