/* The Armv7E-M DSP instructions the arm_dsp kernels use, as ACLE intrinsics.
 *
 * On a DSP-capable core (__ARM_FEATURE_DSP, e.g. -mcpu=cortex-m4) they come
 * from <arm_acle.h> and compile to single instructions. Elsewhere (the host,
 * in the tests) each is a portable C definition of the instruction's
 * architectural behaviour (Armv7-M ARM, A7.7 SXTB16, SMLAD, SMLABB/SMLATT),
 * so the same kernel source can be checked bit for bit against TFLite on the
 * host.
 */
#ifndef TS_SIMD_H
#define TS_SIMD_H

#include <stdint.h>
#include <string.h>

#if defined(__ARM_FEATURE_DSP)
#include <arm_acle.h>

/* bytes 0 and 2, sign-extended to two halfwords */
static inline uint32_t ts_sxtb16(uint32_t x) { return (uint32_t)__sxtb16(x); }
/* bytes 1 and 3: SXTB16 Rd, Rm, ROR #8. ACLE's __sxtb16 has no rotate operand and
 * GCC 12 emits a separate ROR for __sxtb16((x >> 8) | (x << 24)), so this one
 * instruction is written out. */
static inline uint32_t ts_sxtb16_odd(uint32_t x)
{
    uint32_t r;
    __asm__("sxtb16 %0, %1, ror #8" : "=r"(r) : "r"(x));
    return r;
}
/* acc + lo(a)*lo(b) + hi(a)*hi(b) */
static inline int32_t ts_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlad((int32_t)a, (int32_t)b, acc);
}
/* acc + lo(a)*lo(b) and acc + hi(a)*hi(b) */
static inline int32_t ts_smlabb(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlabb((int32_t)a, (int32_t)b, acc);
}
static inline int32_t ts_smlatt(uint32_t a, uint32_t b, int32_t acc)
{
    return __smlatt((int32_t)a, (int32_t)b, acc);
}
/* saturate to int8 (SSAT #8) */
static inline int32_t ts_ssat8(int32_t x) { return __ssat(x, 8); }
/* high word of a*b + 2^31 (SMMULR; ACLE has no intrinsic for it) */
static inline int32_t ts_smmulr(int32_t a, int32_t b)
{
    int32_t r;
    __asm__("smmulr %0, %1, %2" : "=r"(r) : "r"(a), "r"(b));
    return r;
}

#else /* portable emulation, for host tests */

static inline uint32_t ts_sxtb16(uint32_t x)
{
    const uint32_t lo = (uint32_t)(uint16_t)(int16_t)(int8_t)(x & 0xffu);
    const uint32_t hi = (uint32_t)(uint16_t)(int16_t)(int8_t)((x >> 16) & 0xffu);
    return lo | (hi << 16);
}
static inline uint32_t ts_sxtb16_odd(uint32_t x)
{
    return ts_sxtb16((x >> 8) | (x << 24));
}
static inline int32_t ts_lo16(uint32_t x) { return (int16_t)(x & 0xffffu); }
static inline int32_t ts_hi16(uint32_t x) { return (int16_t)(x >> 16); }
static inline int32_t ts_smlad(uint32_t a, uint32_t b, int32_t acc)
{
    /* the architectural sum wraps modulo 2^32 */
    return (int32_t)((uint32_t)acc + (uint32_t)(ts_lo16(a) * ts_lo16(b))
                     + (uint32_t)(ts_hi16(a) * ts_hi16(b)));
}
static inline int32_t ts_smlabb(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(ts_lo16(a) * ts_lo16(b)));
}
static inline int32_t ts_smlatt(uint32_t a, uint32_t b, int32_t acc)
{
    return (int32_t)((uint32_t)acc + (uint32_t)(ts_hi16(a) * ts_hi16(b)));
}
static inline int32_t ts_smmulr(int32_t a, int32_t b)
{
    return (int32_t)(((int64_t)a * (int64_t)b + ((int64_t)1 << 31)) >> 32);
}
static inline int32_t ts_ssat8(int32_t x) { return x < -128 ? -128 : (x > 127 ? 127 : x); }
#endif

/* 4 int8s as one word; Cortex-M4 LDR allows unaligned addresses and GCC emits
 * a single LDR for this copy. __builtin_memcpy, not memcpy: the firmware is built
 * with -ffreestanding, which would otherwise turn it into a library call. */
static inline uint32_t ts_load4(const int8_t *p)
{
    uint32_t v;
    __builtin_memcpy(&v, p, 4);
    return v;
}

/* Two dot products sharing one input vector:
 *   *a0 += w0 . x,  *a1 += w1 . x  over n int8 elements.
 * Each input word is unpacked once (even and odd bytes) and used for both rows:
 * 8 MACs per 2 input/weight loads, 6 SXTB16 and 4 SMLAD. */
static inline void ts_dot2(const int8_t *x, const int8_t *w0, const int8_t *w1, int n,
                           int32_t *a0, int32_t *a1)
{
    int32_t s0 = *a0, s1 = *a1;
    for (int k = n >> 2; k > 0; k--) {
        const uint32_t xv = ts_load4(x);
        const uint32_t xe = ts_sxtb16(xv), xo = ts_sxtb16_odd(xv);
        const uint32_t v0 = ts_load4(w0);
        const uint32_t v1 = ts_load4(w1);
        s0 = ts_smlad(ts_sxtb16(v0), xe, s0);
        s0 = ts_smlad(ts_sxtb16_odd(v0), xo, s0);
        s1 = ts_smlad(ts_sxtb16(v1), xe, s1);
        s1 = ts_smlad(ts_sxtb16_odd(v1), xo, s1);
        x += 4;
        w0 += 4;
        w1 += 4;
    }
    for (int k = n & 3; k > 0; k--) {
        const int32_t xv = *x++;
        s0 += *w0++ * xv;
        s1 += *w1++ * xv;
    }
    *a0 = s0;
    *a1 = s1;
}

/* Four dot products of two input vectors with two weight rows, the rows and the
 * inputs each `n` apart in memory:
 *   acc[0] += w.x   acc[1] += (w+n).x   acc[2] += w.(x+n)   acc[3] += (w+n).(x+n)
 * Every unpacked word serves two products: 16 MACs per 4 loads, 8 SXTB16 and
 * 8 SMLAD, and each weight is fetched (from flash) once per two pixels. The loop
 * takes 8 bytes per pass (half the loop overhead per MAC). */
#define TS_DOT2X2_STEP(o)                                            \
    do {                                                             \
        const uint32_t xa = ts_load4(x + (o)), xb = ts_load4(x + n + (o)); \
        const uint32_t wa = ts_load4(w + (o));                       \
        const uint32_t xae = ts_sxtb16(xa), xbe = ts_sxtb16(xb);     \
        const uint32_t wae = ts_sxtb16(wa);                          \
        s00 = ts_smlad(wae, xae, s00);                               \
        s10 = ts_smlad(wae, xbe, s10);                               \
        const uint32_t xao = ts_sxtb16_odd(xa), xbo = ts_sxtb16_odd(xb); \
        const uint32_t wao = ts_sxtb16_odd(wa);                      \
        s00 = ts_smlad(wao, xao, s00);                               \
        s10 = ts_smlad(wao, xbo, s10);                               \
        const uint32_t wb = ts_load4(w + n + (o));                   \
        const uint32_t wbe = ts_sxtb16(wb), wbo = ts_sxtb16_odd(wb); \
        s01 = ts_smlad(wbe, xae, s01);                               \
        s11 = ts_smlad(wbe, xbe, s11);                               \
        s01 = ts_smlad(wbo, xao, s01);                               \
        s11 = ts_smlad(wbo, xbo, s11);                               \
    } while (0)

static inline __attribute__((always_inline)) void ts_dot2x2(const int8_t *x, const int8_t *w, int n, int32_t acc[4])
{
    int32_t s00 = acc[0], s01 = acc[1], s10 = acc[2], s11 = acc[3];
    const int8_t *end = x + (n & ~7);
    while (x < end) {
        TS_DOT2X2_STEP(0);
        TS_DOT2X2_STEP(4);
        x += 8;
        w += 8;
    }
    if (n & 4) {
        TS_DOT2X2_STEP(0);
        x += 4;
        w += 4;
    }
    for (int k = n & 3; k > 0; k--, x++, w++) {
        const int32_t xa = x[0], xb = x[n], wa = w[0], wb = w[n];
        s00 += wa * xa;
        s01 += wb * xa;
        s10 += wa * xb;
        s11 += wb * xb;
    }
    acc[0] = s00;
    acc[1] = s01;
    acc[2] = s10;
    acc[3] = s11;
}

/* One dot product: *a0 += w0 . x. */
static inline void ts_dot1(const int8_t *x, const int8_t *w0, int n, int32_t *a0)
{
    int32_t s0 = *a0;
    for (int k = n >> 2; k > 0; k--) {
        const uint32_t xv = ts_load4(x);
        const uint32_t v0 = ts_load4(w0);
        s0 = ts_smlad(ts_sxtb16(v0), ts_sxtb16(xv), s0);
        s0 = ts_smlad(ts_sxtb16_odd(v0), ts_sxtb16_odd(xv), s0);
        x += 4;
        w0 += 4;
    }
    for (int k = n & 3; k > 0; k--) {
        s0 += *w0++ * *x++;
    }
    *a0 = s0;
}

#endif /* TS_SIMD_H */
