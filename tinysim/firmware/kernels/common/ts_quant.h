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

/* gemmlowp SaturatingRoundingDoublingHighMul: round(a*b / 2^31), ties away from
 * zero, where the reference truncates (ab + nudge) / 2^31 toward zero. The
 * "+ 2^31 - 1 when negative" turns the arithmetic shift into that truncation. */
static inline int32_t ts_srdhm(int32_t a, int32_t b)
{
    if (a == INT32_MIN && b == INT32_MIN) {
        return INT32_MAX;
    }
    int64_t ab = (int64_t)a * (int64_t)b;
    int64_t v = ab + (ab >= 0 ? (int64_t)(1 << 30) : (int64_t)(1 - (1 << 30)));
    if (v < 0) {
        v += ((int64_t)1 << 31) - 1;
    }
    return (int32_t)(v >> 31);
}

/* gemmlowp RoundingDivideByPOT: x / 2^exponent, round half away from zero.
 * exponent in [0, 31]. */
static inline int32_t ts_rdbpot(int32_t x, int exponent)
{
    const int32_t mask = (int32_t)((1u << exponent) - 1u);
    const int32_t remainder = x & mask;
    const int32_t threshold = (mask >> 1) + (x < 0 ? 1 : 0);
    return (x >> exponent) + (remainder > threshold ? 1 : 0);
}

/* Left shift with the wrap-around of the reference's int32 multiply by 2^n. */
static inline int32_t ts_shl(int32_t x, int n)
{
    return (int32_t)((uint32_t)x << n);
}

/* TFLite MultiplyByQuantizedMultiplier (double rounding): x * mult * 2^shift
 * with mult a Q31 fixed-point number in [0.5, 1) and shift in [-31, 30]. */
static inline int32_t ts_mbqm(int32_t x, int32_t mult, int shift)
{
    const int left = shift > 0 ? shift : 0;
    const int right = shift > 0 ? 0 : -shift;
    return ts_rdbpot(ts_srdhm(ts_shl(x, left), mult), right);
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

#endif /* TS_QUANT_H */
