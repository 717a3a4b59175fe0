/* DEPTHWISE_CONV_2D, int8, per-channel weights: portable reference.
 * Matches tflite::reference_integer_ops::DepthwiseConvPerChannel (dilation 1).
 *
 * Output channel oc = ic * depth_mult + m reads input channel ic; weights are
 * [k_h][k_w][out_c]. Taps outside the image read the input zero point (pad_value),
 * which the compiler's folded bias expects; pixels whose window lies inside the
 * image skip that test. */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"

void ts_depthwise_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out)
{
    const int in_w = p->in_w, in_h = p->in_h, in_c = p->in_c;
    const int out_c = p->out_c, dm = p->depth_mult;
    const int k_h = p->k_h, k_w = p->k_w;
    const int32_t pad = p->pad_value;

    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            const int interior = iy0 >= 0 && iy0 + k_h <= in_h && ix0 >= 0 && ix0 + k_w <= in_w;
            const int8_t *x0 = interior ? in + (iy0 * in_w + ix0) * in_c : in;
            for (int ic = 0; ic < in_c; ic++) {
                for (int m = 0; m < dm; m++) {
                    const int oc = ic * dm + m;
                    const int8_t *w = p->weights + oc;
                    int32_t acc = p->bias[oc];
                    if (interior) {
                        for (int ky = 0; ky < k_h; ky++) {
                            const int8_t *x = x0 + ky * in_w * in_c + ic;
                            for (int kx = 0; kx < k_w; kx++, w += out_c, x += in_c) {
                                acc += *w * *x;
                            }
                        }
                    } else {
                        for (int ky = 0; ky < k_h; ky++) {
                            const int iy = iy0 + ky;
                            for (int kx = 0; kx < k_w; kx++, w += out_c) {
                                const int ix = ix0 + kx;
                                const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                                acc += *w * (inside ? in[(iy * in_w + ix) * in_c + ic] : pad);
                            }
                        }
                    }
                    *out++ = ts_requant(acc, p->mult[oc], p->shift[oc], p->out_zp,
                                        p->act_min, p->act_max);
                }
            }
        }
    }
}
