/* DEPTHWISE_CONV_2D, int8, per-channel weights: Cortex-M4 DSP port.
 *
 * Covers depth multiplier 1 with up to TS_DW_MAX_TAPS kernel taps and a scratch of
 * in_c bytes (the compiler provides it); anything else goes to the reference.
 * Requantization is ts_rq_fast (ts_rq_dsp.h) when it applies (real models), else
 * ts_requant.
 *
 * Channels go in blocks that fit a stack buffer of the block's weights, unpacked
 * once per call: for each group of four channels and each tap, SXTB16 (bytes 0, 2)
 * and SXTB16 ROR 8 (bytes 1, 3) of the weight word, so the inner loop loads them
 * from SRAM ready to multiply instead of unpacking flash words at every pixel.
 * Per tap and four channels: one input word, two weight words, two SXTB16 and four
 * SMLABB/SMLATT. Interior pixels of a 3x3 kernel address their taps directly with
 * the loop unrolled; a 3x3 border pixel first copies its window into a patch (the
 * padding taps from the scratch, filled with the input zero point) and takes the
 * same loop; other kernel sizes resolve each tap's input row once per pixel.
 */
#include <stddef.h>

/* GCC's pre-allocation scheduler hoists the loads and unpacks of all nine taps
 * ahead of the multiplies and then spills them to the stack; the source order
 * already interleaves them, so keep it. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"
#include "ts_rq_dsp.h"

#define ts_depthwise_conv2d ts_depthwise_conv2d_reference
#include "../reference/depthwise_conv.c"
#undef ts_depthwise_conv2d

#define TS_DW_MAX_TAPS 64
/* Stack for one channel block: unpacked weights (two words per four channels per
 * tap) and the per-channel requantization. 4.5 KB of weights is 256 channels of a
 * 3x3 kernel; the firmware's stack is 32 KB (boards' linker.ld). */
#define TS_DW_WORDS 1152
#define TS_DW_BLOCK_CHANNELS 256

/* Four channels' accumulators a0..a3 += one tap: xp the input bytes, w[0], w[1]
 * the unpacked weights (channels c, c+2 and c+1, c+3). The three loads come first
 * so they pipeline (LDR;LDR;LDR is 4 cycles, not 6). */
#define TS_DW_TAP(xp, w)                                   \
    do {                                                   \
        const uint32_t xv_ = ts_load4(xp);                 \
        const uint32_t we_ = (w)[0], wo_ = (w)[1];         \
        const uint32_t xe_ = ts_sxtb16(xv_);               \
        a0 = ts_smlabb(we_, xe_, a0);                      \
        a2 = ts_smlatt(we_, xe_, a2);                      \
        const uint32_t xo_ = ts_sxtb16_odd(xv_);           \
        a1 = ts_smlabb(wo_, xo_, a1);                      \
        a3 = ts_smlatt(wo_, xo_, a3);                      \
    } while (0)

/* Shared by the per-pixel helpers: the call's constants. */
typedef struct {
    const uint32_t *wu;     /* unpacked weights of the block */
    const ts_rq_ch *rq;     /* requantization of the block's channels */
    int cb;                 /* channels in the block, a multiple of 4 */
    int c_n, rs;            /* channels of the tensor, bytes per input row */
    int32_t zp2p1, lo, hi;
    int fast;               /* ts_rq_fast applies; rq[].shr is -shift - 1, else shift */
} ts_dw_ctx;

#if defined(__ARM_FEATURE_DSP)
/* The nine taps of one group of four channels, as TS_DW_TAP computes them, in one
 * asm block: GCC (12.2, -O2) otherwise turns the three tap offsets of each row into
 * nine precomputed addresses, spills them and pairs the weight loads into LDRD,
 * which does not pipeline; here each tap is LDR x; LDR we; LDR wo (4 cycles),
 * two SXTB16 and four SMLAxy. x: top-left tap, c_n: bytes per pixel, rs: bytes
 * per input row, w: 18 unpacked weight words. */
static inline __attribute__((always_inline)) void ts_dw3x3_asm(const int8_t *x, int c_n, int rs,
                                                               const uint32_t *w, int32_t *p0,
                                                               int32_t *p1, int32_t *p2, int32_t *p3)
{
    int32_t a0 = *p0, a1 = *p1, a2 = *p2, a3 = *p3;
    uint32_t xv, xe, we, wo;
    const int c_n2 = 2 * c_n;
#define TS_DW_ASM_TAP(addr, off)                     \
    "ldr %[xv], " addr "\n\t"                        \
    "ldr %[we], [%[w], #" #off "]\n\t"               \
    "ldr %[wo], [%[w], #" #off "+4]\n\t"             \
    "sxtb16 %[xe], %[xv]\n\t"                        \
    "sxtb16 %[xv], %[xv], ror #8\n\t"                \
    "smlabb %[a0], %[we], %[xe], %[a0]\n\t"          \
    "smlatt %[a2], %[we], %[xe], %[a2]\n\t"          \
    "smlabb %[a1], %[wo], %[xv], %[a1]\n\t"          \
    "smlatt %[a3], %[wo], %[xv], %[a3]\n\t"
    __asm__(TS_DW_ASM_TAP("[%[x]]", 0)
            TS_DW_ASM_TAP("[%[x], %[cn]]", 8)
            TS_DW_ASM_TAP("[%[x], %[cn2]]", 16)
            "add %[x], %[x], %[rs]\n\t"
            TS_DW_ASM_TAP("[%[x]]", 24)
            TS_DW_ASM_TAP("[%[x], %[cn]]", 32)
            TS_DW_ASM_TAP("[%[x], %[cn2]]", 40)
            "add %[x], %[x], %[rs]\n\t"
            TS_DW_ASM_TAP("[%[x]]", 48)
            TS_DW_ASM_TAP("[%[x], %[cn]]", 56)
            TS_DW_ASM_TAP("[%[x], %[cn2]]", 64)
            : [a0] "+r"(a0), [a1] "+r"(a1), [a2] "+r"(a2), [a3] "+r"(a3), [x] "+r"(x),
              [xv] "=&r"(xv), [xe] "=&r"(xe), [we] "=&r"(we), [wo] "=&r"(wo)
            : [cn] "r"(c_n), [cn2] "r"(c_n2), [rs] "r"(rs), [w] "r"(w)
            : "memory");
#undef TS_DW_ASM_TAP
    *p0 = a0;
    *p1 = a1;
    *p2 = a2;
    *p3 = a3;
}
#endif

/* Requantize the block's accumulators of one pixel. A separate loop, so that with
 * the unrolled 3x3 loop it fits the 512-byte ART instruction cache (32 lines of 16
 * bytes, RM0432 3.3.4): a loop body larger than the cache refetches every line of
 * it from flash on every pass. */
static inline __attribute__((always_inline)) void ts_dw_requant_loop(const ts_dw_ctx *k,
                                                                       const int32_t *acc, int8_t *y,
                                                                       int full)
{
    const int32_t zp2p1 = k->zp2p1, lo = k->lo, hi = k->hi;
    const ts_rq_ch *q = k->rq;
    /* four outputs per pass; the twelve loads in an order GCC cannot pair into LDRD
     * (not pipelined), so they issue back to back */
    for (int c = k->cb; c > 0; c -= 4, q += 4, acc += 4, y += 4) {
        const int32_t x0 = acc[0], m0 = q[0].mult, x1 = acc[1], m1 = q[1].mult;
        const int32_t r0 = q[0].shr, r1 = q[1].shr, x2 = acc[2], m2 = q[2].mult;
        const int32_t x3 = acc[3], m3 = q[3].mult, r2 = q[2].shr, r3 = q[3].shr;
        y[0] = ts_clamp8(ts_rq_fast(x0, m0, r0, zp2p1), lo, hi, full);
        y[1] = ts_clamp8(ts_rq_fast(x1, m1, r1, zp2p1), lo, hi, full);
        y[2] = ts_clamp8(ts_rq_fast(x2, m2, r2, zp2p1), lo, hi, full);
        y[3] = ts_clamp8(ts_rq_fast(x3, m3, r3, zp2p1), lo, hi, full);
    }
}

static void __attribute__((noinline)) ts_dw_requant(const ts_dw_ctx *k, const int32_t *acc, int8_t *y)
{
    if (!k->fast) {
        /* multipliers of 1/2 or more, or huge biases: the general arithmetic */
        const int32_t zp = (k->zp2p1 - 1) / 2;
        for (int c = 0; c < k->cb; c++) {
            y[c] = ts_requant(acc[c], k->rq[c].mult, k->rq[c].shr, zp, k->lo, k->hi);
        }
        return;
    }
    if (ts_full_range(k->lo, k->hi)) {
        ts_dw_requant_loop(k, acc, y, 1);
    } else {
        ts_dw_requant_loop(k, acc, y, 0);
    }
}

/* 3x3 window: x = its top-left tap at the block's first channel, c_n bytes from
 * one tap to the next, rs from one kernel row to the next (the input tensor's pixel
 * and row strides, or a border pixel's patch); the accumulators go to acc (cb). */
static void __attribute__((noinline)) ts_dw_pixel3x3(const ts_dw_ctx *k, const int8_t *x, int c_n,
                                                     int rs, int32_t *acc)
{
    const uint32_t *w = k->wu;
    const ts_rq_ch *q = k->rq;
    for (int j = k->cb >> 2; j > 0; j--, x += 4, w += 18, q += 4, acc += 4) {
        int32_t a0 = q[0].bias, a1 = q[1].bias, a2 = q[2].bias, a3 = q[3].bias;
#if defined(__ARM_FEATURE_DSP)
        ts_dw3x3_asm(x, c_n, rs, w, &a0, &a1, &a2, &a3);
#else
        const int8_t *r = x;
        TS_DW_TAP(r, w);
        TS_DW_TAP(r + c_n, w + 2);
        TS_DW_TAP(r + 2 * c_n, w + 4);
        r += rs;
        TS_DW_TAP(r, w + 6);
        TS_DW_TAP(r + c_n, w + 8);
        TS_DW_TAP(r + 2 * c_n, w + 10);
        r += rs;
        TS_DW_TAP(r, w + 12);
        TS_DW_TAP(r + c_n, w + 14);
        TS_DW_TAP(r + 2 * c_n, w + 16);
#endif
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
    }
}

/* Any window: rows[t] = tap t's input at the block's first channel (or the padding row). */
static void __attribute__((noinline)) ts_dw_pixel_rows(const ts_dw_ctx *k, const int8_t *const *rows,
                                                       int taps, int32_t *acc)
{
    const uint32_t *w = k->wu;
    const ts_rq_ch *q = k->rq;
    for (int c = 0; c < k->cb; c += 4, q += 4, acc += 4) {
        int32_t a0 = q[0].bias, a1 = q[1].bias, a2 = q[2].bias, a3 = q[3].bias;
        for (int t = 0; t < taps; t++, w += 2) {
            TS_DW_TAP(rows[t] + c, w);
        }
        acc[0] = a0;
        acc[1] = a1;
        acc[2] = a2;
        acc[3] = a3;
    }
}

/* Copy n bytes, n a multiple of 4, dst word aligned (src need not be: LDR takes
 * unaligned addresses on the M4); four words per pass. */
static inline void ts_dw_copy(int8_t *dst, const int8_t *src, int n)
{
    uint32_t *d = (uint32_t *)(void *)dst;
    int k = n >> 2;
    for (; k >= 4; k -= 4, src += 16, d += 4) {
        const uint32_t v0 = ts_load4(src), v1 = ts_load4(src + 4);
        const uint32_t v2 = ts_load4(src + 8), v3 = ts_load4(src + 12);
        d[0] = v0;
        d[1] = v1;
        d[2] = v2;
        d[3] = v3;
    }
    for (; k > 0; k--, src += 4, d++) {
        *d = ts_load4(src);
    }
}

/* One block of channels [c0, c0 + cb), cb a multiple of 4, over every output pixel. */
static void ts_dw_block(const ts_conv_params *p, const int8_t *in, int8_t *out, int c0, int cb,
                        const uint32_t *wu, const ts_rq_ch *rq, int fast)
{
    const int c_n = p->in_c, in_h = p->in_h, in_w = p->in_w;
    const int k_h = p->k_h, k_w = p->k_w, taps = k_h * k_w;
    const int is3x3 = k_h == 3 && k_w == 3;
    const ts_dw_ctx k = {wu, rq, cb, c_n, in_w * c_n, 2 * p->out_zp + 1, p->act_min, p->act_max,
                         fast};
    const int8_t *pad = p->scratch;
    const int8_t *rows[TS_DW_MAX_TAPS];
    int32_t acc[TS_DW_BLOCK_CHANNELS];
    int8_t patch[9 * TS_DW_BLOCK_CHANNELS] __attribute__((aligned(4)));
    int8_t *y = out + c0;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        const int rows_inside = iy0 >= 0 && iy0 + k_h <= in_h;
        for (int ox = 0; ox < p->out_w; ox++, y += c_n) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            if (is3x3 && rows_inside && ix0 >= 0 && ix0 + 3 <= in_w) {
                ts_dw_pixel3x3(&k, in + iy0 * k.rs + ix0 * c_n + c0, c_n, k.rs, acc);
                ts_dw_requant(&k, acc, y);
                continue;
            }
            if (is3x3) {
                /* border: copy the window, padding taps from the zero-point row, into a
                 * patch the unrolled kernel reads like an interior window */
                for (int ky = 0, t = 0; ky < 3; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < 3; kx++, t++) {
                        const int ix = ix0 + kx;
                        const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                        ts_dw_copy(patch + t * cb, inside ? in + (iy * in_w + ix) * c_n + c0 : pad, cb);
                    }
                }
                ts_dw_pixel3x3(&k, patch, cb, 3 * cb, acc);
                ts_dw_requant(&k, acc, y);
                continue;
            }
            for (int ky = 0, t = 0; ky < k_h; ky++) {
                const int iy = iy0 + ky;
                for (int kx = 0; kx < k_w; kx++, t++) {
                    const int ix = ix0 + kx;
                    const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                    rows[t] = (inside ? in + (iy * in_w + ix) * c_n : pad) + c0;
                }
            }
            ts_dw_pixel_rows(&k, rows, taps, acc);
            ts_dw_requant(&k, acc, y);
        }
    }
}

/* Channels [c0, c_n) that do not fill a group of four: plain C per pixel. */
static void ts_dw_tail(const ts_conv_params *p, const int8_t *in, int8_t *out, int c0, int fast)
{
    const int c_n = p->in_c;
    const int32_t zp2p1 = 2 * p->out_zp + 1, lo = p->act_min, hi = p->act_max;
    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        for (int ox = 0; ox < p->out_w; ox++, out += c_n) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            for (int c = c0; c < c_n; c++) {
                int32_t a = p->bias[c];
                for (int ky = 0; ky < p->k_h; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < p->k_w; kx++) {
                        const int ix = ix0 + kx;
                        const int inside = iy >= 0 && iy < p->in_h && ix >= 0 && ix < p->in_w;
                        const int32_t xv = inside ? in[(iy * p->in_w + ix) * c_n + c] : p->pad_value;
                        a += p->weights[(ky * p->k_w + kx) * c_n + c] * xv;
                    }
                }
                out[c] = fast ? ts_clamp8(ts_rq_fast(a, p->mult[c], -p->shift[c] - 1, zp2p1), lo, hi, 0)
                              : ts_requant(a, p->mult[c], p->shift[c], p->out_zp, lo, hi);
            }
        }
    }
}

void ts_depthwise_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out)
{
    const int taps = p->k_h * p->k_w;
    const int c_n = p->in_c;
    if (p->depth_mult != 1 || taps > TS_DW_MAX_TAPS || p->scratch == 0) {
        ts_depthwise_conv2d_reference(p, in, out);
        return;
    }
    const int fast = ts_rq_fast_ok(p->bias, p->shift, c_n, taps);
    uint32_t wu[TS_DW_WORDS];
    ts_rq_ch rq[TS_DW_BLOCK_CHANNELS];
    int block = (TS_DW_WORDS / (2 * taps)) * 4;   /* channels whose weights fit wu */
    if (block > TS_DW_BLOCK_CHANNELS) {
        block = TS_DW_BLOCK_CHANNELS;
    }
    __builtin_memset(p->scratch, p->pad_value, (size_t)c_n);
    const int c4 = c_n & ~3;
    for (int c0 = 0; c0 < c4; c0 += block) {
        const int cb = c4 - c0 < block ? c4 - c0 : block;
        uint32_t *w = wu;
        for (int c = c0; c < c0 + cb; c += 4) {
            const int8_t *src = p->weights + c;
            for (int t = 0; t < taps; t++, src += c_n, w += 2) {
                const uint32_t v = ts_load4(src);
                w[0] = ts_sxtb16(v);
                w[1] = ts_sxtb16_odd(v);
            }
        }
        for (int i = 0; i < cb; i++) {
            rq[i].bias = p->bias[c0 + i];
            rq[i].mult = p->mult[c0 + i];
            rq[i].shr = fast ? -p->shift[c0 + i] - 1 : p->shift[c0 + i];
        }
        ts_dw_block(p, in, out, c0, cb, wu, rq, fast);
    }
    if (c4 < c_n) {
        ts_dw_tail(p, in, out, c4, fast);
    }
}
