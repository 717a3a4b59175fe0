/* CONV_2D, int8, per-channel weights: Cortex-M4 DSP port.
 *
 * Output pixels go in pairs through a 2x2 register-blocked matrix product: the
 * two pixels' receptive fields (k_h x k_w x in_c int8s each, contiguous in NHWC for a
 * 1x1 stride-1 conv, else gathered into the arena scratch with padding taps set
 * to the input zero point) against two output channels' OHWI weight rows at a
 * time, with SMLAD. Same arithmetic as kernels/reference/conv.c: integer sums are exact,
 * so the order of the products does not change the result.
 */
#include <stddef.h>
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"

/* the reference handles what this port does not (no scratch given) */
#define ts_conv2d ts_conv2d_reference
#include "../reference/conv.c"
#undef ts_conv2d

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
            __builtin_memcpy(dst, in + (iy * p->in_w + ix0 + kx) * in_c, (size_t)(run * in_c));
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
