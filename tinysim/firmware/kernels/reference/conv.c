/* CONV_2D, int8, per-channel weights: portable reference.
 * Matches tflite::reference_integer_ops::ConvPerChannel (dilation 1). */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"

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
            const int8_t *w = p->weights;
            for (int oc = 0; oc < p->out_c; oc++, w += patch) {
                int32_t acc = p->bias[oc];
                for (int ky = 0; ky < k_h; ky++) {
                    const int iy = iy0 + ky;
                    for (int kx = 0; kx < k_w; kx++) {
                        const int ix = ix0 + kx;
                        const int8_t *wt = w + (ky * k_w + kx) * in_c;
                        if (iy < 0 || iy >= in_h || ix < 0 || ix >= in_w) {
                            /* outside the image: the folded bias expects x = zero point */
                            for (int ic = 0; ic < in_c; ic++) {
                                acc += wt[ic] * pad;
                            }
                            continue;
                        }
                        const int8_t *x = in + (iy * in_w + ix) * in_c;
                        for (int ic = 0; ic < in_c; ic++) {
                            acc += wt[ic] * x[ic];
                        }
                    }
                }
                *out++ = ts_requant(acc, p->mult[oc], p->shift[oc], p->out_zp,
                                    p->act_min, p->act_max);
            }
        }
    }
}
