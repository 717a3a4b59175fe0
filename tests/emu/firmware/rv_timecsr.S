/* Reads the time CSR, which Unicorn serves from host time: the run must warn about it. */
    .text
    .global _start
_start:
    csrr a0, time
    ebreak
