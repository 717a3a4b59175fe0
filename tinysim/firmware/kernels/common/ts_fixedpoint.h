/* Fixed-point exp and reciprocal used by the int8 softmax.
 *
 * Re-implements, in plain C, the gemmlowp fixedpoint.h functions the TFLite
 * reference softmax relies on (exp_on_negative_values, one_over_one_plus_x_for_x_in_0_1,
 * Rescale, SaturatingRoundingMultiplyByPOT) and tflite::GetReciprocal, for int32 raw values.
 * A value "Qn" below has n integer bits: real = raw / 2^(31 - n).
 * Constants are the ones gemmlowp documents next to their real values.
 */
#ifndef TS_FIXEDPOINT_H
#define TS_FIXEDPOINT_H

#include <stdint.h>
#include "ts_quant.h"

/* x * 2^exponent with saturation (exponent > 0) or rounding (exponent < 0). */
static inline int32_t ts_sat_rounding_mul_pot(int32_t x, int exponent)
{
    if (exponent > 0) {
        const int32_t threshold = (int32_t)((1u << (31 - exponent)) - 1u);
        if (x > threshold) {
            return INT32_MAX;
        }
        if (x < -threshold) {
            return INT32_MIN;
        }
        return ts_shl(x, exponent);
    }
    if (exponent < 0) {
        return ts_rdbpot(x, -exponent);
    }
    return x;
}

/* exp(a) for a Q0 value a in [-1/4, 0): Taylor series around -1/8. Returns Q0. */
static inline int32_t ts_exp_neg_quarter(int32_t a)
{
    const int32_t exp_minus_one_eighth = 1895147668; /* exp(-1/8) in Q0 */
    const int32_t one_third = 715827883;             /* 1/3 in Q0 */
    const int32_t x = a + (1 << 28);                 /* a + 1/8 */
    const int32_t x2 = ts_srdhm(x, x);
    const int32_t x3 = ts_srdhm(x2, x);
    const int32_t x4 = ts_srdhm(x2, x2);
    const int32_t x4_over_4 = ts_sat_rounding_mul_pot(x4, -2);
    const int32_t poly = ts_sat_rounding_mul_pot(
        ts_srdhm(x4_over_4 + x3, one_third) + x2, -1);
    return exp_minus_one_eighth + ts_srdhm(exp_minus_one_eighth, x + poly);
}

/* exp(a) for a Q5 value a <= 0. Returns Q0. */
static inline int32_t ts_exp_on_negative_values_q5(int32_t a)
{
    enum { frac_bits = 26 }; /* 31 - 5 integer bits */
    static const int32_t barrel[7] = {
        1672461947, /* exp(-1/4) */
        1302514674, /* exp(-1/2) */
        790015084,  /* exp(-1)   */
        290630308,  /* exp(-2)   */
        39332535,   /* exp(-4)   */
        720401,     /* exp(-8)   */
        242,        /* exp(-16)  */
    };
    const int32_t one_quarter = 1 << (frac_bits - 2);
    const int32_t mask = one_quarter - 1;
    const int32_t a_mod_quarter_minus_quarter = (a & mask) - one_quarter;
    int32_t result = ts_exp_neg_quarter(ts_sat_rounding_mul_pot(a_mod_quarter_minus_quarter, 5));
    const int32_t remainder = a_mod_quarter_minus_quarter - a;
    for (int i = 0; i < 7; i++) {
        /* exponent -2 .. +4 -> bit frac_bits - 2 .. frac_bits + 4 */
        if (remainder & (int32_t)(1u << (frac_bits - 2 + i))) {
            result = ts_srdhm(result, barrel[i]);
        }
    }
    return a == 0 ? INT32_MAX : result;
}

/* 1 / (1 + x) for a Q0 x in [0, 1): Newton-Raphson in Q2. Returns Q0. */
static inline int32_t ts_one_over_one_plus_x(int32_t a)
{
    /* RoundingHalfSum(a, one) with one = INT32_MAX */
    const int64_t sum = (int64_t)a + INT32_MAX;
    const int32_t half_denominator = (int32_t)((sum + (sum >= 0 ? 1 : -1)) / 2);
    const int32_t c48_over_17 = 1515870810;      /* 48/17 in Q2 */
    const int32_t cneg32_over_17 = -1010580540;  /* -32/17 in Q2 */
    const int32_t one_q2 = 1 << 29;
    int32_t x = c48_over_17 + ts_srdhm(half_denominator, cneg32_over_17);
    for (int i = 0; i < 3; i++) {
        const int32_t hd_x = ts_srdhm(half_denominator, x);            /* Q2 */
        const int32_t one_minus = one_q2 - hd_x;                         /* Q2 */
        x = x + ts_sat_rounding_mul_pot(ts_srdhm(x, one_minus), 2);      /* Q4 -> Q2 */
    }
    /* ExactMulByPot<-1> reinterprets Q2 as Q1; Rescale<0> shifts Q1 -> Q0 */
    return ts_sat_rounding_mul_pot(x, 1);
}

static inline int ts_clz32(uint32_t x)
{
    int n = 0;
    if (x == 0) {
        return 32;
    }
    while (!(x & 0x80000000u)) {
        x <<= 1;
        n++;
    }
    return n;
}

/* tflite::GetReciprocal: 1/x for x with x_integer_digits integer bits, as a Q0
 * mantissa and the number of bits the true value sits above unit. */
static inline int32_t ts_reciprocal(int32_t x, int x_integer_digits, int *num_bits_over_unit)
{
    const int headroom_plus_one = ts_clz32((uint32_t)x);
    *num_bits_over_unit = x_integer_digits - headroom_plus_one;
    const int32_t shifted_minus_one =
        (int32_t)(((uint32_t)x << headroom_plus_one) - (1u << 31));
    return ts_one_over_one_plus_x(shifted_minus_one);
}

#endif /* TS_FIXEDPOINT_H */
