/* ECALL with no trap handler installed: reported as a fault. */
    .text
    .global _start
_start:
    li a0, 42
    ecall
    ebreak
