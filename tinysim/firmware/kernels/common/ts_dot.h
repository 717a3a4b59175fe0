/* Plain int8 dot product for the portable kernels: two accumulators and a loop
 * unrolled by four, which lets a compiler for a core without SIMD (RV32IMC, or
 * Cortex-M0) issue back-to-back load/multiply-add pairs. The integer sum does not
 * depend on the order of its terms. */
#ifndef TS_DOT_H
#define TS_DOT_H

#include <stdint.h>

static inline int32_t ts_dot_s8(const int8_t *a, const int8_t *b, int n)
{
    int32_t s0 = 0, s1 = 0;
    int i = 0;
    for (; i + 3 < n; i += 4) {
        s0 += a[i] * b[i] + a[i + 2] * b[i + 2];
        s1 += a[i + 1] * b[i + 1] + a[i + 3] * b[i + 3];
    }
    for (; i < n; i++) {
        s0 += a[i] * b[i];
    }
    return s0 + s1;
}

/* Sum of n int8s (the weights under padding taps). */
static inline int32_t ts_sum_s8(const int8_t *a, int n)
{
    int32_t s = 0;
    for (int i = 0; i < n; i++) {
        s += a[i];
    }
    return s;
}

#endif /* TS_DOT_H */
