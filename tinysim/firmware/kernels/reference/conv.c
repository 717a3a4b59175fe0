/* CONV_2D, int8, per-channel weights: portable reference.
 * Matches tflite::reference_integer_ops::ConvPerChannel (dilation 1).
 *
 * The input offset is folded into the bias by the compiler, so each output is the
 * bias plus a sum of w * x over the receptive field, where taps outside the image
 * read the input zero point (pad_value). Within one kernel row the valid taps are
 * contiguous in both the NHWC input and the OHWI weights, so each row is one dot
 * product. */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "../common/ts_dot.h"

void ts_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out)
{
    const int in_w = p->in_w, in_h = p->in_h, in_c = p->in_c;
    const int k_h = p->k_h, k_w = p->k_w;
    const int32_t pad = p->pad_value;
    const int patch = k_h * k_w * in_c;

    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            /* kernel columns [kx0, kx1) fall inside the image */
            const int kx0 = ix0 < 0 ? -ix0 : 0;
            const int kx1 = ix0 + k_w > in_w ? in_w - ix0 : k_w;
            const int8_t *w = p->weights;
            for (int oc = 0; oc < p->out_c; oc++, w += patch) {
                int32_t acc = p->bias[oc];
                for (int ky = 0; ky < k_h; ky++) {
                    const int iy = iy0 + ky;
                    const int8_t *wrow = w + ky * k_w * in_c;
                    if (iy < 0 || iy >= in_h || kx1 <= kx0) {
                        acc += pad * ts_sum_s8(wrow, k_w * in_c);
                        continue;
                    }
                    acc += pad * ts_sum_s8(wrow, kx0 * in_c);
                    acc += ts_dot_s8(wrow + kx0 * in_c, in + (iy * in_w + ix0 + kx0) * in_c,
                                     (kx1 - kx0) * in_c);
                    acc += pad * ts_sum_s8(wrow + kx1 * in_c, (k_w - kx1) * in_c);
                }
                *out++ = ts_requant(acc, p->mult[oc], p->shift[oc], p->out_zp,
                                    p->act_min, p->act_max);
            }
        }
    }
}
