/* Conv/depthwise requantization for the Cortex-M4 port: TFLite's double rounding
 * (ts_mbqm with shift <= -1) in one SMMULR and three single-cycle instructions.
 *
 * With r = -shift >= 1 and B = +2^30 for x >= 0, -2^30 for x < 0, TFLite's
 *   t = SaturatingRoundingDoublingHighMul(x, m), y = RoundingDivideByPOT(t, r)
 * equals y = floor((x*m + B + 2^(30+r)) / 2^(31+r)) for quantized multipliers
 * (m == 0 or m >= 2^30; derivation in common/ts_quant.h, ts_mbqm_r2). Doubling
 * numerator and denominator and splitting the floor at 2^32 (floors of integer
 * quotients nest):
 *   v = floor((2x*m + 2B) / 2^32) = SMMULR(2x, m) - [x < 0]
 *       (SMMULR rounds with +2^31; -2^31 instead is exactly one less)
 *   y = floor((v + 2^(r-1)) / 2^r) = (floor(v / 2^(r-1)) + 1) >> 1
 * and y + zp = ((v >> (r-1)) + 2*zp + 1) >> 1.
 * 2x must not overflow: ts_rq_fast_ok checks |bias| <= 2^29 and fewer than 2^15
 * products of int8s (each |w*x| <= 2^14) per output, so |x| < 2^30.
 * tests/kernels/test_rq_dsp.py compares this with ts_mbqm on random and edge values.
 */
#ifndef TS_RQ_DSP_H
#define TS_RQ_DSP_H

#include <stdint.h>
#include "ts_simd.h"

/* One output channel's requantization, prepared once per call. */
typedef struct {
    int32_t bias;   /* effective bias */
    int32_t mult;   /* Q31 multiplier */
    int32_t shr;    /* -shift - 1 >= 0 */
} ts_rq_ch;

/* 1 if ts_rq_fast is exact for every channel (see the header comment). */
static inline int ts_rq_fast_ok(const int32_t *bias, const int8_t *shift, int channels,
                                int products_per_output)
{
    if (products_per_output >= (1 << 15)) {
        return 0;
    }
    for (int i = 0; i < channels; i++) {
        if (shift[i] > -1 || bias[i] > (1 << 29) || bias[i] < -(1 << 29)) {
            return 0;
        }
    }
    return 1;
}

/* acc -> requantized value plus the output zero point, not clamped;
 * zp2p1 = 2 * out_zp + 1. */
static inline int32_t ts_rq_fast(int32_t acc, int32_t mult, int32_t shr, int32_t zp2p1)
{
    const int32_t v = ts_smmulr((int32_t)((uint32_t)acc << 1), mult) + (acc >> 31);
    return ((v >> shr) + zp2p1) >> 1;
}

/* Clamp to the fused activation range (which lies inside int8); full: the range
 * is all of int8 (no activation, or one the output scale already covers, the usual
 * case), one SSAT instead of two compare-and-moves. Kernels pass a constant for full
 * and keep one copy of their loop per value. */
static inline int8_t ts_clamp8(int32_t v, int32_t lo, int32_t hi, int full)
{
    if (full) {
        return (int8_t)ts_ssat8(v);
    }
    v = v < lo ? lo : v;
    v = v > hi ? hi : v;
    return (int8_t)v;
}

/* 1 if [lo, hi] is all of int8. */
static inline int ts_full_range(int32_t lo, int32_t hi) { return lo == -128 && hi == 127; }

#endif /* TS_RQ_DSP_H */
