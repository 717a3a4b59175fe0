/* CONV_2D, int8, per-channel weights: Cortex-M4 DSP port.
 *
 * Every output pixel is a matrix-vector product: the pixel's receptive field
 * (k_h x k_w x in_c int8s, contiguous in NHWC for a 1x1 stride-1 conv, else
 * gathered into the arena scratch with padding taps set to the input zero point)
 * dotted with each output channel's OHWI weight row, two rows at a time with
 * SMLAD. Same arithmetic as kernels/reference/conv.c: integer sums are exact,
 * so the order of the products does not change the result.
 */
#include <string.h>
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"

/* the reference handles what this port does not (no scratch given) */
#define ts_conv2d ts_conv2d_reference
#include "../reference/conv.c"
#undef ts_conv2d

static const int8_t *ts_conv_gather(const ts_conv_params *p, const int8_t *in, int oy, int ox)
{
    const int in_c = p->in_c;
    const int iy0 = oy * p->stride_h - p->pad_top;
    const int ix0 = ox * p->stride_w - p->pad_left;
    int8_t *dst = p->scratch;
    for (int ky = 0; ky < p->k_h; ky++) {
        const int iy = iy0 + ky;
        if (iy < 0 || iy >= p->in_h) {
            memset(dst, p->pad_value, (size_t)(p->k_w * in_c));
            dst += p->k_w * in_c;
            continue;
        }
        int kx = 0;
        /* left padding, valid run, right padding */
        for (; kx < p->k_w && ix0 + kx < 0; kx++, dst += in_c) {
            memset(dst, p->pad_value, (size_t)in_c);
        }
        int run = p->k_w - kx;
        if (ix0 + kx + run > p->in_w) {
            run = p->in_w - (ix0 + kx);
        }
        if (run > 0) {
            memcpy(dst, in + (iy * p->in_w + ix0 + kx) * in_c, (size_t)(run * in_c));
            dst += run * in_c;
            kx += run;
        }
        for (; kx < p->k_w; kx++, dst += in_c) {
            memset(dst, p->pad_value, (size_t)in_c);
        }
    }
    return p->scratch;
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
    for (int oy = 0; oy < p->out_h; oy++) {
        for (int ox = 0; ox < p->out_w; ox++) {
            const int8_t *x = pointwise ? in + (oy * p->in_w + ox) * p->in_c
                                        : ts_conv_gather(p, in, oy, ox);
            const int8_t *w = p->weights;
            int oc = 0;
            for (; oc + 1 < out_c; oc += 2, w += 2 * n) {
                int32_t a0 = p->bias[oc], a1 = p->bias[oc + 1];
                ts_dot2(x, w, w + n, n, &a0, &a1);
                out[0] = ts_requant(a0, p->mult[oc], p->shift[oc], p->out_zp,
                                    p->act_min, p->act_max);
                out[1] = ts_requant(a1, p->mult[oc + 1], p->shift[oc + 1], p->out_zp,
                                    p->act_min, p->act_max);
                out += 2;
            }
            if (oc < out_c) {
                int32_t a0 = p->bias[oc];
                ts_dot1(x, w, n, &a0);
                *out++ = ts_requant(a0, p->mult[oc], p->shift[oc], p->out_zp,
                                    p->act_min, p->act_max);
            }
        }
    }
}
