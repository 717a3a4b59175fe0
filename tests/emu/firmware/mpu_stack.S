/* A thread on the process stack overflows into an MPU guard at exception entry: PSP sits 8
 * bytes above a 32-byte read-only region when an SVC is taken, so the frame would be stacked
 * into the guard (silicon: MemManage MSTKERR). `result`: 1 if the SVC handler ever ran. */
    .syntax unified
    .thumb
#include "mpu.inc"
    vectors_to 11, svc_handler   /* 11: SVCall */
    .bss
    .global result
result: .space 4
    .balign 32
    .global guard
guard: .space 32                 /* region 0: read-only, XN (AP 110, SIZE 4) */
    .global process_stack
process_stack: .space 64
    .text
    .global reset
    .thumb_func
reset:
    mpu_region 0, guard, 0x16000009  /* read-only, XN (AP 110, SIZE 4) */
    mpu_enable 5                 /* ENABLE | PRIVDEFENA */
    ldr r0, =process_stack + 8   /* 8 bytes above the guard's end */
    svc_on_process_stack

    svc_sets_result
