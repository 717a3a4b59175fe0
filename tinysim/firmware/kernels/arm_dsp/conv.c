/* CONV_2D, int8, per-channel weights: Cortex-M4 DSP port.
 *
 * Output pixels go in pairs through a 2x2 register-blocked matrix product: the
 * two pixels' receptive fields (k_h x k_w x in_c int8s each, contiguous in NHWC for a
 * 1x1 stride-1 conv, else gathered into the arena scratch with padding taps set
 * to the input zero point) against two output channels' OHWI weight rows at a
 * time, with SMLAD. Same arithmetic as kernels/reference/conv.c: integer sums are exact,
 * so the order of the products does not change the result.
 */
/* Keep the source order of the unrolled multiply-accumulates: GCC's pre-allocation
 * scheduler otherwise hoists loads and unpacks ahead and spills them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif
#include <stddef.h>
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"
#include "ts_rq_dsp.h"

/* the reference handles what this port does not (no scratch given) */
#define ts_conv2d ts_conv2d_reference
#include "../reference/conv.c"
#undef ts_conv2d

/* Copy n bytes: four words per pass, then words, then bytes (the firmware's memcpy
 * goes byte by byte). Unaligned words are fine on the M4 (LDR/STR). */
static inline void ts_copy(int8_t *dst, const int8_t *src, int n)
{
    for (; n >= 16; n -= 16, src += 16, dst += 16) {
        const uint32_t v0 = ts_load4(src), v1 = ts_load4(src + 4);
        const uint32_t v2 = ts_load4(src + 8), v3 = ts_load4(src + 12);
        __builtin_memcpy(dst, &v0, 4);
        __builtin_memcpy(dst + 4, &v1, 4);
        __builtin_memcpy(dst + 8, &v2, 4);
        __builtin_memcpy(dst + 12, &v3, 4);
    }
    for (; n >= 4; n -= 4, src += 4, dst += 4) {
        const uint32_t v = ts_load4(src);
        __builtin_memcpy(dst, &v, 4);
    }
    for (; n > 0; n--) {
        *dst++ = *src++;
    }
}

/* Copy the receptive field of output pixel (oy, ox) to dst, padding with the
 * input zero point. */
static void ts_conv_gather(const ts_conv_params *p, const int8_t *in, int oy, int ox, int8_t *dst)
{
    const int in_c = p->in_c;
    const int iy0 = oy * p->stride_h - p->pad_top;
    const int ix0 = ox * p->stride_w - p->pad_left;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky;
        if (iy < 0 || iy >= p->in_h) {
            __builtin_memset(dst, p->pad_value, (size_t)(p->k_w * in_c));
            dst += p->k_w * in_c;
            continue;
        }
        int kx = 0;
        /* left padding, valid run, right padding */
        for (; kx < p->k_w && ix0 + kx < 0; kx++, dst += in_c) {
            __builtin_memset(dst, p->pad_value, (size_t)in_c);
        }
        int run = p->k_w - kx;
        if (ix0 + kx + run > p->in_w) {
            run = p->in_w - (ix0 + kx);
        }
        if (run > 0) {
            ts_copy(dst, in + (iy * p->in_w + ix0 + kx) * in_c, run * in_c);
            dst += run * in_c;
            kx += run;
        }
        for (; kx < p->k_w; kx++, dst += in_c) {
            __builtin_memset(dst, p->pad_value, (size_t)in_c);
        }
    }
}

/* Requantize one output with the channel's hoisted parameters; r2: every shift of
 * the op is <= -2, so the one-multiply form applies (a branch predicted the same way
 * for the whole call). */
#define TS_RQ(acc, m, s) (r2 ? ts_requant_r2((acc), (m), (s), zp, lo, hi) \
                             : ts_requant((acc), (m), (s), zp, lo, hi))

/* Requantize the accumulators of channel oc for output pixels at out and out + out_c. */
static inline void ts_conv_store(const ts_conv_params *p, int8_t *out, int oc, int32_t a,
                                 int32_t b, int two_pixels, int r2)
{
    const int32_t mult = p->mult[oc], shift = p->shift[oc];
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int8_t ya = TS_RQ(a, mult, shift);
    const int8_t yb = TS_RQ(b, mult, shift);
    out[0] = ya;
    if (two_pixels) {
        out[p->out_c] = yb;
    }
}

/* 1x1 stride-1 conv: channel pairs outermost, so inside the pixel loop the only
 * flash reads are that pair's two weight rows (2n bytes, which the ART data cache
 * can keep when small); the per-channel parameters are loaded once per pair. */
static void ts_conv_pointwise(const ts_conv_params *p, const int8_t *in, int8_t *out, int n,
                              int pixels)
{
    const int out_c = p->out_c;
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int r2 = ts_all_shifts_r2(p->shift, out_c);
    const int8_t *w = p->weights;
    for (int oc = 0; oc < out_c; oc += 2, w += 2 * n) {
        const int two_ch = oc + 1 < out_c;
        const int c1 = two_ch ? oc + 1 : oc;
        const int32_t b0 = p->bias[oc], b1 = p->bias[c1];
        const int32_t m0 = p->mult[oc], m1 = p->mult[c1];
        const int32_t s0 = p->shift[oc], s1 = p->shift[c1];
        const int8_t *x = in;
        int8_t *y = out + oc;
        int pix = 0;
        for (; pix + 1 < pixels; pix += 2, x += 2 * n, y += 2 * out_c) {
            int32_t acc[4] = {b0, b1, b0, b1};
            if (two_ch) {
                ts_dot2x2(x, w, n, acc);
                y[1] = TS_RQ(acc[1], m1, s1);
                y[out_c + 1] = TS_RQ(acc[3], m1, s1);
            } else {
                ts_dot1(x, w, n, &acc[0]);
                ts_dot1(x + n, w, n, &acc[2]);
            }
            y[0] = TS_RQ(acc[0], m0, s0);
            y[out_c] = TS_RQ(acc[2], m0, s0);
        }
        if (pix < pixels) {
            int32_t a0 = b0, a1 = b1;
            if (two_ch) {
                ts_dot2(x, w, w + n, n, &a0, &a1);
                y[1] = TS_RQ(a1, m1, s1);
            } else {
                ts_dot1(x, w, n, &a0);
            }
            y[0] = TS_RQ(a0, m0, s0);
        }
    }
}

/* ---- Expanded-input path: inputs unpacked to int16 once, weights once per use ----
 *
 * Output pixels go in blocks whose inputs, unpacked with SXTB16 / SXTB16 ROR 8 in
 * pairs of pixels, fit TS_CONV_XS_WORDS words of stack: for pixels a, b and each
 * 4 input bytes the group [a even, a odd, b even, b odd] (even = bytes 0 and 2 as two
 * halfwords). Every channel pair then runs over the block's pixel pairs with one
 * pointer walking the groups; per 4 bytes: four SRAM loads of ready inputs, two
 * weight words, four SXTB16 and eight SMLAD for 16 MACs (the direct path needs
 * eight SXTB16). The unpacking is paid once per pixel instead of once per channel
 * pair, and a channel pair's weight rows are reused by every pixel pair of the
 * block (from the ART data cache when they fit). The last 1..3 bytes of a row
 * (n % 4) form one more group with zero padding. */
#define TS_CONV_XS_WORDS 3072   /* 12 KB of the 32 KB stack (boards' linker.ld) */
/* A channel pair's weight rows unpacked the same way (4.5 KB: rows of up to 1152
 * bytes), when the block has enough pixel pairs to repay the unpacking. */
#define TS_CONV_WU_WORDS 1152
#define TS_CONV_ACC_PAIRS 32   /* accumulators held between the dot and requantization loops */
#define TS_CONV_UNPACK_MIN_PAIRS 5   /* unpacking a group costs about what 4 pairs save */

/* s00..s11 += one group at xs against weights w (row a) and w + n (row b). */
#define TS_X16_STEP(xs, wa, wb)                          \
    do {                                                 \
        const uint32_t wae_ = ts_sxtb16(wa), wao_ = ts_sxtb16_odd(wa); \
        s00 = ts_smlad(wae_, (xs)[0], s00);              \
        s00 = ts_smlad(wao_, (xs)[1], s00);              \
        s10 = ts_smlad(wae_, (xs)[2], s10);              \
        s10 = ts_smlad(wao_, (xs)[3], s10);              \
        const uint32_t wbe_ = ts_sxtb16(wb), wbo_ = ts_sxtb16_odd(wb); \
        s01 = ts_smlad(wbe_, (xs)[0], s01);              \
        s01 = ts_smlad(wbo_, (xs)[1], s01);              \
        s11 = ts_smlad(wbe_, (xs)[2], s11);              \
        s11 = ts_smlad(wbo_, (xs)[3], s11);              \
    } while (0)

#if defined(__ARM_FEATURE_DSP)
/* s[0..3] += 16 bytes at a time of rows wa, wb against the groups at x, `chunks`
 * times (>= 1), in asm: GCC peels and spills this loop; here each 4 bytes are
 * five back-to-back loads (6 cycles), one more weight load, four SXTB16 and eight
 * SMLAD, and the weight loads post-increment their pointers. */
static inline __attribute__((always_inline)) const uint32_t *
ts_x16_chunks(const uint32_t *x, const int8_t **pwa, const int8_t **pwb, int chunks, int32_t *s)
{
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
    const int8_t *wa = *pwa, *wb = *pwb;
    uint32_t t0, t1, t2, t3, t4, t5;
#define TS_X16_ASM_STEP(o0, o1, o2, o3)                          \
    "ldr %[t0], [%[x], #" #o0 "]\n\t"                             \
    "ldr %[t1], [%[x], #" #o1 "]\n\t"                             \
    "ldr %[t2], [%[x], #" #o2 "]\n\t"                             \
    "ldr %[t3], [%[x], #" #o3 "]\n\t"                             \
    "ldr %[t4], [%[wa]], #4\n\t"                                  \
    "sxtb16 %[t5], %[t4]\n\t"                                     \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                             \
    "smlad %[s00], %[t5], %[t0], %[s00]\n\t"                      \
    "smlad %[s00], %[t4], %[t1], %[s00]\n\t"                      \
    "smlad %[s10], %[t5], %[t2], %[s10]\n\t"                      \
    "smlad %[s10], %[t4], %[t3], %[s10]\n\t"                      \
    "ldr %[t4], [%[wb]], #4\n\t"                                  \
    "sxtb16 %[t5], %[t4]\n\t"                                     \
    "sxtb16 %[t4], %[t4], ror #8\n\t"                             \
    "smlad %[s01], %[t5], %[t0], %[s01]\n\t"                      \
    "smlad %[s01], %[t4], %[t1], %[s01]\n\t"                      \
    "smlad %[s11], %[t5], %[t2], %[s11]\n\t"                      \
    "smlad %[s11], %[t4], %[t3], %[s11]\n\t"
    __asm__("1:\n\t"
            TS_X16_ASM_STEP(0, 4, 8, 12)
            TS_X16_ASM_STEP(16, 20, 24, 28)
            TS_X16_ASM_STEP(32, 36, 40, 44)
            TS_X16_ASM_STEP(48, 52, 56, 60)
            "adds %[x], %[x], #64\n\t"
            "subs %[n], %[n], #1\n\t"
            "bne 1b\n\t"
            : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
              [x] "+r"(x), [wa] "+r"(wa), [wb] "+r"(wb), [n] "+r"(chunks),
              [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
              [t4] "=&r"(t4), [t5] "=&r"(t5)
            :
            : "cc", "memory");
#undef TS_X16_ASM_STEP
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
    *pwa = wa;
    *pwb = wb;
    return x;
}
#endif

/* s[0..3] += rows wa, wb (n4 bytes, then the tail words) against the groups at x;
 * returns the groups after them. */
static inline __attribute__((always_inline)) const uint32_t *
ts_x16_dot(const uint32_t *x, const int8_t *wa, const int8_t *wb, int n4, int tail, uint32_t wta,
           uint32_t wtb, int32_t *s)
{
    int rest = n4;
#if defined(__ARM_FEATURE_DSP)
    if (n4 >= 16) {
        x = ts_x16_chunks(x, &wa, &wb, n4 >> 4, s);
        rest = n4 & 12;
    }
#endif
    int32_t s00 = s[0], s01 = s[1], s10 = s[2], s11 = s[3];
    for (; rest > 0; rest -= 4, x += 4, wa += 4, wb += 4) {
        TS_X16_STEP(x, ts_load4(wa), ts_load4(wb));
    }
    if (tail) {
        TS_X16_STEP(x, wta, wtb);
        x += 4;
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
    return x;
}

/* s[0..3] = (b0, b1, b0, b1) + groups of unpacked inputs at x against groups of unpacked weights at
 * wu ([a even, a odd, b even, b odd] for rows a, b, as ts_expand_pair lays out
 * pixels): per group six back-to-back loads, two more, eight SMLAD and no
 * unpacking. `groups` >= 1. */
static inline __attribute__((always_inline)) void ts_x16_dot_unpacked(const uint32_t *x,
                                                                      const uint32_t *wu,
                                                                      int groups, int32_t b0,
                                                                      int32_t b1, int32_t *s)
{
    int32_t s00 = b0, s01 = b1, s10 = b0, s11 = b1;
#if defined(__ARM_FEATURE_DSP)
    int quads = groups >> 2;
    if (quads > 0) {
        uint32_t t0, t1, t2, t3, t4, t5;
#define TS_XW_ASM_STEP(o)                                        \
    "ldr %[t0], [%[x], #" #o "]\n\t"                              \
    "ldr %[t1], [%[x], #" #o "+4]\n\t"                            \
    "ldr %[t2], [%[x], #" #o "+8]\n\t"                            \
    "ldr %[t3], [%[x], #" #o "+12]\n\t"                           \
    "ldr %[t4], [%[w], #" #o "]\n\t"                              \
    "ldr %[t5], [%[w], #" #o "+4]\n\t"                            \
    "smlad %[s00], %[t4], %[t0], %[s00]\n\t"                      \
    "smlad %[s00], %[t5], %[t1], %[s00]\n\t"                      \
    "smlad %[s10], %[t4], %[t2], %[s10]\n\t"                      \
    "smlad %[s10], %[t5], %[t3], %[s10]\n\t"                      \
    "ldr %[t4], [%[w], #" #o "+8]\n\t"                            \
    "ldr %[t5], [%[w], #" #o "+12]\n\t"                           \
    "smlad %[s01], %[t4], %[t0], %[s01]\n\t"                      \
    "smlad %[s01], %[t5], %[t1], %[s01]\n\t"                      \
    "smlad %[s11], %[t4], %[t2], %[s11]\n\t"                      \
    "smlad %[s11], %[t5], %[t3], %[s11]\n\t"
        __asm__("1:\n\t"
                TS_XW_ASM_STEP(0)
                TS_XW_ASM_STEP(16)
                TS_XW_ASM_STEP(32)
                TS_XW_ASM_STEP(48)
                "adds %[x], %[x], #64\n\t"
                "adds %[w], %[w], #64\n\t"
                "subs %[n], %[n], #1\n\t"
                "bne 1b\n\t"
                : [s00] "+r"(s00), [s01] "+r"(s01), [s10] "+r"(s10), [s11] "+r"(s11),
                  [x] "+r"(x), [w] "+r"(wu), [n] "+r"(quads),
                  [t0] "=&r"(t0), [t1] "=&r"(t1), [t2] "=&r"(t2), [t3] "=&r"(t3),
                  [t4] "=&r"(t4), [t5] "=&r"(t5)
                :
                : "cc", "memory");
#undef TS_XW_ASM_STEP
        groups &= 3;
    }
#endif
    for (; groups > 0; groups--, x += 4, wu += 4) {
        s00 = ts_smlad(wu[0], x[0], s00);
        s00 = ts_smlad(wu[1], x[1], s00);
        s10 = ts_smlad(wu[0], x[2], s10);
        s10 = ts_smlad(wu[1], x[3], s10);
        s01 = ts_smlad(wu[2], x[0], s01);
        s01 = ts_smlad(wu[3], x[1], s01);
        s11 = ts_smlad(wu[2], x[2], s11);
        s11 = ts_smlad(wu[3], x[3], s11);
    }
    s[0] = s00;
    s[1] = s01;
    s[2] = s10;
    s[3] = s11;
}

/* Tail bytes [n4, n) of a row as a word, zero padded (no read past the row). */
static inline uint32_t ts_tail_word(const int8_t *row, int n4, int n)
{
    uint32_t v = 0;
    for (int i = n4; i < n; i++) {
        v |= (uint32_t)(uint8_t)row[i] << (8 * (i - n4));
    }
    return v;
}

/* Unpack pixels a and b (n int8s each) into groups at dst; returns the next group. */
static uint32_t *ts_expand_pair(const int8_t *a, const int8_t *b, int n, uint32_t *dst)
{
    const int n4 = n & ~3;
    int i = 0;
    for (; i + 8 <= n4; i += 8, dst += 8) {
        const uint32_t xa = ts_load4(a + i), xb = ts_load4(b + i);
        const uint32_t ya = ts_load4(a + i + 4), yb = ts_load4(b + i + 4);
        dst[0] = ts_sxtb16(xa);
        dst[1] = ts_sxtb16_odd(xa);
        dst[2] = ts_sxtb16(xb);
        dst[3] = ts_sxtb16_odd(xb);
        dst[4] = ts_sxtb16(ya);
        dst[5] = ts_sxtb16_odd(ya);
        dst[6] = ts_sxtb16(yb);
        dst[7] = ts_sxtb16_odd(yb);
    }
    for (; i < n4; i += 4, dst += 4) {
        const uint32_t xa = ts_load4(a + i), xb = ts_load4(b + i);
        dst[0] = ts_sxtb16(xa);
        dst[1] = ts_sxtb16_odd(xa);
        dst[2] = ts_sxtb16(xb);
        dst[3] = ts_sxtb16_odd(xb);
    }
    if (n4 < n) {
        const uint32_t xa = ts_tail_word(a, n4, n), xb = ts_tail_word(b, n4, n);
        dst[0] = ts_sxtb16(xa);
        dst[1] = ts_sxtb16_odd(xa);
        dst[2] = ts_sxtb16(xb);
        dst[3] = ts_sxtb16_odd(xb);
        dst += 4;
    }
    return dst;
}

/* The receptive fields of output pixels pa and pb unpacked into groups at dst, read
 * from the input (in_c a multiple of 4); taps outside the image read pad (in_c zero
 * points). A kernel row inside the image for both pixels is one contiguous run each. */
static uint32_t *ts_gather_expand_pair(const ts_conv_params *p, const int8_t *in, int pa, int pb,
                                       const int8_t *pad, uint32_t *dst)
{
    const int in_c = p->in_c, in_w = p->in_w, in_h = p->in_h, k_w = p->k_w;
    const int iya0 = (pa / p->out_w) * p->stride_h - p->pad_top;
    const int ixa0 = (pa % p->out_w) * p->stride_w - p->pad_left;
    const int iyb0 = (pb / p->out_w) * p->stride_h - p->pad_top;
    const int ixb0 = (pb % p->out_w) * p->stride_w - p->pad_left;
    const int cols_a = ixa0 >= 0 && ixa0 + k_w <= in_w, cols_b = ixb0 >= 0 && ixb0 + k_w <= in_w;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iya = iya0 + ky, iyb = iyb0 + ky;
        const int row_a = iya >= 0 && iya < in_h, row_b = iyb >= 0 && iyb < in_h;
        const int8_t *ra = in + (iya * in_w + ixa0) * in_c;
        const int8_t *rb = in + (iyb * in_w + ixb0) * in_c;
        if (row_a && row_b && cols_a && cols_b) {
            dst = ts_expand_pair(ra, rb, k_w * in_c, dst);
            continue;
        }
        for (int kx = 0; kx < k_w; kx++) {
            const int ixa = ixa0 + kx, ixb = ixb0 + kx;
            const int8_t *ta = row_a && ixa >= 0 && ixa < in_w ? ra + kx * in_c : pad;
            const int8_t *tb = row_b && ixb >= 0 && ixb < in_w ? rb + kx * in_c : pad;
            dst = ts_expand_pair(ta, tb, in_c, dst);
        }
    }
    return dst;
}

/* Returns 0 (and does nothing) when a pixel pair's groups do not fit the stack
 * buffer or ts_rq_fast does not apply; the caller then takes the direct path. */
static inline __attribute__((always_inline)) int ts_conv_expanded_body(
    const ts_conv_params *p, const int8_t *in, int8_t *out, int n, int pixels, int pointwise, int full)
{
    const int out_c = p->out_c;
    const int n4 = n & ~3, tail = n4 < n;
    const int pair_words = n4 + 4 * tail;           /* 4 words per 4 bytes (two pixels) */
    const int pairs_per_block = TS_CONV_XS_WORDS / pair_words;
    if (pairs_per_block < 1 || !ts_rq_fast_ok(p->bias, p->shift, out_c, n)) {
        return 0;
    }
    uint32_t xs[TS_CONV_XS_WORDS];
    uint32_t wu[TS_CONV_WU_WORDS];
    int32_t acc[4 * TS_CONV_ACC_PAIRS];
    const int32_t zp2p1 = 2 * p->out_zp + 1, lo = p->act_min, hi = p->act_max;
    /* in_c a multiple of 4: every tap is whole groups, so the two receptive fields
     * unpack straight from the input (no gather into the scratch); the scratch then
     * holds one padding pixel of in_c zero points */
    const int fused = !pointwise && (p->in_c & 3) == 0;
    if (fused) {
        __builtin_memset(p->scratch, p->pad_value, p->in_c);
    }
    for (int pix0 = 0; pix0 < pixels; pix0 += 2 * pairs_per_block) {
        int np = pixels - pix0;
        if (np > 2 * pairs_per_block) {
            np = 2 * pairs_per_block;
        }
        const int pairs = (np + 1) >> 1;
        /* unpack the block; an odd last pixel is paired with itself */
        uint32_t *dst = xs;
        for (int k = 0; k < pairs; k++) {
            const int pa = pix0 + 2 * k, pb = pa + 1 < pix0 + np ? pa + 1 : pa;
            if (pointwise) {
                dst = ts_expand_pair(in + pa * n, in + pb * n, n, dst);
            } else if (fused) {
                dst = ts_gather_expand_pair(p, in, pa, pb, p->scratch, dst);
            } else {
                ts_conv_gather(p, in, pa / p->out_w, pa % p->out_w, p->scratch);
                ts_conv_gather(p, in, pb / p->out_w, pb % p->out_w, p->scratch + n);
                dst = ts_expand_pair(p->scratch, p->scratch + n, n, dst);
            }
        }
        int8_t *yblock = out + pix0 * out_c;
        const int8_t *w = p->weights;
        const int full_pairs = np >> 1, odd_px = np & 1;
        for (int oc = 0; oc < out_c; oc += 2, w += 2 * n) {
            const int two_ch = oc + 1 < out_c;
            const int c1 = two_ch ? oc + 1 : oc;
            const int8_t *wb_row = two_ch ? w + n : w;   /* a lone last channel pairs with itself */
            const int32_t b0 = p->bias[oc], b1 = p->bias[c1];
            const int32_t m0 = p->mult[oc], m1 = p->mult[c1];
            const int32_t r0 = -p->shift[oc] - 1, r1 = -p->shift[c1] - 1;
            const uint32_t wta = tail ? ts_tail_word(w, n4, n) : 0;
            const uint32_t wtb = tail ? ts_tail_word(wb_row, n4, n) : 0;
            const uint32_t *x = xs;
            int8_t *y = yblock + oc;
            if (two_ch && full_pairs >= TS_CONV_UNPACK_MIN_PAIRS && pair_words <= TS_CONV_WU_WORDS) {
                /* the hot loop with the two weight rows unpacked to SRAM once: no
                 * flash reads (the rows outgrow the ART data cache) and no SXTB16 */
                ts_expand_pair(w, wb_row, n, wu);
                const int groups = pair_words >> 2;
                /* accumulators of up to TS_CONV_ACC_PAIRS pairs first, then their
                 * requantization in a tight loop with the channel parameters in registers */
                for (int k0 = 0; k0 < full_pairs; k0 += TS_CONV_ACC_PAIRS) {
                    const int kk = full_pairs - k0 < TS_CONV_ACC_PAIRS ? full_pairs - k0 : TS_CONV_ACC_PAIRS;
                    for (int k = 0; k < kk; k++, x += pair_words) {
                        ts_x16_dot_unpacked(x, wu, groups, b0, b1, acc + 4 * k);
                    }
                    const int32_t *a = acc;
                    for (int k = kk; k > 0; k--, y += 2 * out_c, a += 4) {
                        const int32_t a0 = a[0], a1 = a[1], a2 = a[2], a3 = a[3];
                        y[0] = ts_clamp8(ts_rq_fast(a0, m0, r0, zp2p1), lo, hi, full);
                        y[1] = ts_clamp8(ts_rq_fast(a1, m1, r1, zp2p1), lo, hi, full);
                        y[out_c] = ts_clamp8(ts_rq_fast(a2, m0, r0, zp2p1), lo, hi, full);
                        y[out_c + 1] = ts_clamp8(ts_rq_fast(a3, m1, r1, zp2p1), lo, hi, full);
                    }
                }
            } else if (two_ch) {
                /* the hot loop: two channels, two pixels, no per-output tests */
                for (int k = full_pairs; k > 0; k--, y += 2 * out_c) {
                    int32_t s[4] = {b0, b1, b0, b1};
                    x = ts_x16_dot(x, w, wb_row, n4, tail, wta, wtb, s);
                    y[0] = ts_clamp8(ts_rq_fast(s[0], m0, r0, zp2p1), lo, hi, full);
                    y[1] = ts_clamp8(ts_rq_fast(s[1], m1, r1, zp2p1), lo, hi, full);
                    y[out_c] = ts_clamp8(ts_rq_fast(s[2], m0, r0, zp2p1), lo, hi, full);
                    y[out_c + 1] = ts_clamp8(ts_rq_fast(s[3], m1, r1, zp2p1), lo, hi, full);
                }
            }
            /* what is left: a lone last channel (all pairs) and an odd last pixel */
            for (int k = two_ch ? full_pairs : 0; k < full_pairs + odd_px; k++, y += 2 * out_c) {
                int32_t s[4] = {b0, b1, b0, b1};
                x = ts_x16_dot(x, w, wb_row, n4, tail, wta, wtb, s);
                const int second_px = k < full_pairs;
                y[0] = ts_clamp8(ts_rq_fast(s[0], m0, r0, zp2p1), lo, hi, full);
                if (second_px) {
                    y[out_c] = ts_clamp8(ts_rq_fast(s[2], m0, r0, zp2p1), lo, hi, full);
                }
                if (two_ch) {
                    y[1] = ts_clamp8(ts_rq_fast(s[1], m1, r1, zp2p1), lo, hi, full);
                }
            }
        }
    }
    return 1;
}

/* One copy of the loops per clamp kind (see ts_clamp8). */
static int ts_conv_expanded(const ts_conv_params *p, const int8_t *in, int8_t *out, int n,
                            int pixels, int pointwise)
{
    if (ts_full_range(p->act_min, p->act_max)) {
        return ts_conv_expanded_body(p, in, out, n, pixels, pointwise, 1);
    }
    return ts_conv_expanded_body(p, in, out, n, pixels, pointwise, 0);
}

void ts_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out)
{
    const int pointwise = p->k_h == 1 && p->k_w == 1 && p->stride_h == 1 && p->stride_w == 1
                          && p->pad_top == 0 && p->pad_left == 0;
    if (!pointwise && p->scratch == 0) {
        ts_conv2d_reference(p, in, out);
        return;
    }
    const int n = p->k_h * p->k_w * p->in_c;
    const int out_c = p->out_c;
    const int pixels = p->out_h * p->out_w;
    if (ts_conv_expanded(p, in, out, n, pixels, pointwise)) {
        return;
    }
    const int r2 = ts_all_shifts_r2(p->shift, out_c);
    if (pointwise) {
        ts_conv_pointwise(p, in, out, n, pixels);
        return;
    }
    /* two output pixels per pass; their inputs must sit n bytes apart */
    for (int pix = 0; pix < pixels; pix += 2, out += 2 * out_c) {
        const int two = pix + 1 < pixels;
        ts_conv_gather(p, in, pix / p->out_w, pix % p->out_w, p->scratch);
        if (two) {
            ts_conv_gather(p, in, (pix + 1) / p->out_w, (pix + 1) % p->out_w, p->scratch + n);
        }
        const int8_t *x = p->scratch;
        const int8_t *w = p->weights;
        int oc = 0;
        for (; oc + 1 < out_c; oc += 2, w += 2 * n) {
            int32_t acc[4] = {p->bias[oc], p->bias[oc + 1], p->bias[oc], p->bias[oc + 1]};
            if (two) {
                ts_dot2x2(x, w, n, acc);
            } else {
                ts_dot2(x, w, w + n, n, &acc[0], &acc[1]);
            }
            ts_conv_store(p, out + oc, oc, acc[0], acc[2], two, r2);
            ts_conv_store(p, out + oc + 1, oc + 1, acc[1], acc[3], two, r2);
        }
        if (oc < out_c) {
            int32_t a0 = p->bias[oc], a1 = p->bias[oc];
            ts_dot1(x, w, n, &a0);
            if (two) {
                ts_dot1(x + n, w, n, &a1);
            }
            ts_conv_store(p, out + oc, oc, a0, a1, two, r2);
        }
    }
}
