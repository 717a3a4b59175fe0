/* A test program as people write them for QEMU's semihosting: printf, stderr, a host file it may
 * not get, clock(), and main's return value as the exit status. Built with newlib's rdimon on Arm
 * (with startup.c, as an STM32CubeIDE project does it) and picolibc's semihost library on RISC-V. */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

int main(void) {
    printf("semihosting %d\n", 42);
    fputs("to stderr\n", stderr);
    FILE *f = fopen("host-file.txt", "r");
    printf("fopen %s\n", f ? "opened" : "refused");
    volatile unsigned spin = 0;
    clock_t start = clock();
    while (clock() == start)   /* device time goes on: a clock tick is 10 ms */
        spin++;
    printf("clock ticked\n");
    return 3;
}
