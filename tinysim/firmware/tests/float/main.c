/* float: single-precision FPU exercise (Cortex-M4F FPv4-SP: VDIV.F32, VSQRT.F32, VMLA.F32).
 * Prints the result scaled to an integer and its IEEE-754 bit pattern; both are exact and the
 * same on every run. */
#include "tinysim_board.h"

#define N 2000

static volatile float s_seed = 1.5f; /* volatile: keeps the loop from being folded at compile time */

__attribute__((noinline)) static float mla(float acc, float a, float b)
{
    float r;
#if defined(__ARM_FP)
    /* VMLA.F32: acc + a*b with two roundings (the non-fused FPv4 multiply-accumulate) */
    __asm("vmla.f32 %0, %1, %2" : "=t"(r) : "t"(a), "t"(b), "0"(acc));
#else
    r = acc + a * b;
#endif
    return r;
}

int main(void)
{
    float x = s_seed;
    float acc = 0.0f;
    for (int i = 1; i <= N; i++) {
        float fi = (float)i;
        float q = x / fi;                        /* VDIV.F32 */
        float r = __builtin_sqrtf(fi + x);       /* VSQRT.F32 (-fno-math-errno) */
        acc = mla(acc, q, r);                    /* VMLA.F32 */
        x = x * 0.999f + 0.0015f;
    }
    union {
        float f;
        uint32_t u;
    } bits = {acc};

    board_puts("float result_x1e6 ");
    board_put_i32((int32_t)(acc * 1.0e6f));
    board_puts(" bits ");
    board_put_hex32(bits.u);
    board_puts("\r\n");
    board_halt();
}
