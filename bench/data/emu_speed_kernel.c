/* Compute kernel for bench/emu_speed.py: an int8 matrix product with int32 accumulation, the
 * inner loop of a fully-connected / 1x1-conv layer. Unlike TFLM's reference kernels, which read
 * a filter row contiguously, it reads the weights a column at a time (N bytes apart): every
 * flash read is a new data-cache line, the slowest case for the emulator's D-cache model.
 *
 * Bare metal, no C library: the bench maps flash at 0x08000000 and SRAM at 0x20000000, writes the
 * activations and weights at the fixed addresses below, sets SP, and runs from _start until the
 * PC reaches `halt` (0x08000004).  Weights live in flash like a model's constant tensors, so data
 * reads hit both memory kinds.
 *
 * Build: arm-none-eabi-gcc -mcpu=cortex-m4 -mthumb -O2 -ffreestanding -nostdlib
 *        -T emu_speed.ld emu_speed_kernel.c -o emu_speed.elf
 *        arm-none-eabi-objcopy -O binary emu_speed.elf emu_speed.bin
 * emu_speed.bin in this folder was built that way with arm-none-eabi-gcc 12.2.1 (Debian 12.2.rel1);
 * the bench uses it only when no cross compiler is installed.
 */
#include <stdint.h>

#define M 16   /* rows of the activation matrix */
#define K 256  /* reduction length */
#define N 64   /* output channels */

#define PARAMS ((volatile uint32_t *)0x20000000u)   /* [0] repetitions in, [1] checksum out */
#define ACT ((const int8_t *)0x20001000u)           /* M x K activations, row major */
#define OUT ((int32_t *)0x20002000u)                /* M x N accumulators */
#define WEIGHTS ((const int8_t *)0x08010000u)       /* K x N weights, row major, in flash */

void bench_main(void);

__attribute__((naked, section(".text.start"))) void _start(void)
{
    __asm__ volatile("bl bench_main\n"
                     "1: b 1b\n");
}

static void matmul(const int8_t *a, const int8_t *w, int32_t *out, int32_t bias)
{
    for (int m = 0; m < M; m++) {
        for (int n = 0; n < N; n++) {
            int32_t acc = bias;
            for (int k = 0; k < K; k++)
                acc += (int32_t)a[m * K + k] * (int32_t)w[k * N + n];
            out[m * N + n] = acc;
        }
    }
}

void bench_main(void)
{
    uint32_t reps = PARAMS[0];
    uint32_t sum = 0;
    for (uint32_t r = 0; r < reps; r++) {
        matmul(ACT, WEIGHTS, OUT, (int32_t)r);
        for (int i = 0; i < M * N; i++)
            sum = sum * 31u + (uint32_t)OUT[i];
    }
    PARAMS[1] = sum;
}
