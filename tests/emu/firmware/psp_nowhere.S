/* A thread whose process stack pointer points where nothing is mapped takes an SVC: the frame
 * cannot be stacked. `result`: 1 if the SVC handler ever ran. */
    .syntax unified
    .thumb
#include "mpu.inc"
    vectors_to 11, svc_handler   /* 11: SVCall */
    .bss
    .global result
result: .space 4
    .text
    .global reset
    .thumb_func
reset:
    ldr r0, =0x70000040          /* nothing there on any board (faults.c's BUS_ERROR_ADDR) */
    svc_on_process_stack

    svc_sets_result
