/* Integer requantization arithmetic of the TFLite int8 quantization spec.
 *
 * This is the one place the rounding rules live; both kernel ports include it.
 * The functions reproduce, bit for bit, what the TFLite reference kernels compute
 * (tensorflow/lite/kernels/internal/common.h with TFLITE_SINGLE_ROUNDING off, the
 * default, and gemmlowp's fixedpoint.h), re-derived here in plain C99 and written
 * to avoid 64-bit divisions, which are library calls on Cortex-M and RV32.
 */
#ifndef TS_QUANT_H
#define TS_QUANT_H

#include <stdint.h>

/* round(a * b / 2^31) as gemmlowp's SaturatingRoundingDoublingHighMul computes it,
 * for b != INT32_MIN (a quantized multiplier never is). The reference truncates
 * (ab + nudge) / 2^31 toward zero with nudge = 2^30 or 1 - 2^30 by sign; for both
 * signs that equals floor((ab + 2^30) / 2^31), one multiply-add and a shift. */
static inline int32_t ts_mulhi_q31(int32_t a, int32_t b)
{
    const int64_t ab = (int64_t)a * (int64_t)b;
    return (int32_t)((ab + ((int64_t)1 << 30)) >> 31);
}

/* gemmlowp SaturatingRoundingDoublingHighMul, including its one saturating case. */
static inline int32_t ts_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    return ts_mulhi_q31(a, b);
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent rounded half away from zero,
 * exponent in [0, 31]. Computed on |x| as an unsigned value (|INT32_MIN| fits,
 * and |x| + 2^30 < 2^32), which is the same value in fewer instructions than
 * gemmlowp's remainder/threshold form. */
static inline int32_t ts_rdbpot(int32_t x, int exponent)
{
    const uint32_t sign = (uint32_t)(x >> 31);            /* 0 or all ones */
    const uint32_t ax = ((uint32_t)x ^ sign) - sign;      /* |x| */
    const uint32_t half = (1u << exponent) >> 1;          /* 2^(exponent-1), 0 for 0 */
    const uint32_t q = (ax + half) >> exponent;
    return (int32_t)((q ^ sign) - sign);
}

/* Left shift with the wrap-around of the reference's int32 multiply by 2^n. */
static inline int32_t ts_shl(int32_t x, int n)
{
    return (int32_t)((uint32_t)x << n);
}

/* TFLite MultiplyByQuantizedMultiplier (double rounding): x * mult * 2^shift
 * with mult a Q31 fixed-point number in [0.5, 1) (never INT32_MIN) and shift in
 * [-31, 30]. */
static inline int32_t ts_mbqm(int32_t x, int32_t mult, int shift)
{
    if (shift > 0) {
        return ts_mulhi_q31(ts_shl(x, shift), mult);
    }
    return ts_rdbpot(ts_mulhi_q31(x, mult), -shift);
}

/* The single-rounding MultiplyByQuantizedMultiplier (TFLite built with
 * TFLITE_SINGLE_ROUNDING, and ruy): round(x * mult / 2^(31 - shift)) in one step,
 * ties toward +infinity. The interpreter's int8 FULLY_CONNECTED rounds this way
 * (measured against it, see tests/kernels and ts_fc_requant.h). */
static inline int32_t ts_mbqm_single(int32_t x, int32_t mult, int shift)
{
    const int total = 31 - shift;
    const int64_t v = (int64_t)x * (int64_t)mult + ((int64_t)1 << (total - 1));
    return (int32_t)(v >> total);
}

/* Accumulator -> int8 output: requantize, add output zero point, clamp to the
 * fused activation range (which already includes the int8 limits). */
static inline int8_t ts_requant(int32_t acc, int32_t mult, int shift, int32_t out_zp,
                                int32_t act_min, int32_t act_max)
{
    int32_t v = ts_mbqm(acc, mult, shift) + out_zp;
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
    return (int8_t)v;
}

/* ts_requant with the single-rounding multiply. */
static inline int8_t ts_requant_single(int32_t acc, int32_t mult, int shift, int32_t out_zp,
                                       int32_t act_min, int32_t act_max)
{
    int32_t v = ts_mbqm_single(acc, mult, shift) + out_zp;
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
    return (int8_t)v;
}

/* ts_mbqm for shift <= -2 (every multiplier below 1/4, the usual case in conv
 * layers) in one multiply. With r = -shift, TFLite's two roundings
 *   t = floor((x*m + 2^30) / 2^31), y = t / 2^r rounded half away from zero
 * equal (floors nest over integer offsets)
 *   y = floor((x*m + 2^30 + 2^(30+r) - [x < 0] * 2^31) / 2^(31+r))
 * for every int32 x when m == 0 or m >= 2^30, true of every quantized multiplier
 * ([t < 0] and [x < 0] then agree, or both sides are 0). With p = x*m +- 2^30 that
 * is the high word of p, rounded by a 32-bit shift that cannot overflow (|p| < 2^62).
 * tests/kernels/test_quant_arith.py checks it against the two-step form. */
static inline int32_t ts_mbqm_r2(int32_t x, int32_t mult, int shift)
{
    const int32_t sign_bias = (int32_t)((uint32_t)((x >> 31) | 1) << 30);   /* +-2^30 */
    const int64_t p = (int64_t)x * (int64_t)mult + (int64_t)sign_bias;
    const int32_t h = (int32_t)(p >> 32);
    return (h + (1 << (-shift - 2))) >> (-shift - 1);
}

/* ts_requant with ts_mbqm_r2 (shift <= -2). */
static inline int8_t ts_requant_r2(int32_t acc, int32_t mult, int shift, int32_t out_zp,
                                   int32_t act_min, int32_t act_max)
{
    int32_t v = ts_mbqm_r2(acc, mult, shift) + out_zp;
    v = v < act_min ? act_min : v;
    v = v > act_max ? act_max : v;
    return (int8_t)v;
}

/* 1 if every channel's shift allows ts_requant_r2. */
static inline int ts_all_shifts_r2(const int8_t *shift, int n)
{
    for (int i = 0; i < n; i++) {
        if (shift[i] > -2) {
            return 0;
        }
    }
    return 1;
}

#endif /* TS_QUANT_H */
