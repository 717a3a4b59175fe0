/* DEPTHWISE_CONV_2D, int8, per-channel weights: Cortex-M4 DSP port.
 *
 * Covers depth multiplier 1 with up to TS_DW_MAX_TAPS kernel taps and a
 * scratch of in_c bytes (the compiler provides it); anything else goes to the
 * reference. For each output pixel the taps' input rows are resolved once
 * (a padding tap points at the scratch, filled with the input zero point), then
 * four channels at a time accumulate in registers: one word of inputs and one
 * of weights per tap, unpacked with SXTB16 and multiplied with SMLABB/SMLATT.
 */
#include <stddef.h>
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"

#define ts_depthwise_conv2d ts_depthwise_conv2d_reference
#include "../reference/depthwise_conv.c"
#undef ts_depthwise_conv2d

#define TS_DW_MAX_TAPS 64

#define TS_DW_RQ(acc, ch) (r2 ? ts_requant_r2((acc), mult[ch], shift[ch], zp, lo, hi) \
                              : ts_requant((acc), mult[ch], shift[ch], zp, lo, hi))

void ts_depthwise_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out)
{
    const int taps = p->k_h * p->k_w;
    if (p->depth_mult != 1 || taps > TS_DW_MAX_TAPS || p->scratch == 0) {
        ts_depthwise_conv2d_reference(p, in, out);
        return;
    }
    /* locals: the int8 stores to out could alias *p, which would reload it */
    const int c_n = p->in_c, in_h = p->in_h, in_w = p->in_w;
    const int32_t zp = p->out_zp, lo = p->act_min, hi = p->act_max;
    const int32_t *bias = p->bias, *mult = p->mult;
    const int8_t *shift = p->shift, *weights = p->weights;
    const int8_t *pad = p->scratch;
    const int r2 = ts_all_shifts_r2(shift, c_n);   /* one-multiply requantization applies */
    const int8_t *rows[TS_DW_MAX_TAPS];
    __builtin_memset(p->scratch, p->pad_value, (size_t)c_n);

    for (int oy = 0; oy < p->out_h; oy++) {
        const int iy0 = oy * p->stride_h - p->pad_top;
        for (int ox = 0; ox < p->out_w; ox++) {
            const int ix0 = ox * p->stride_w - p->pad_left;
            for (int ky = 0, t = 0; ky < p->k_h; ky++) {
                const int iy = iy0 + ky;
                for (int kx = 0; kx < p->k_w; kx++, t++) {
                    const int ix = ix0 + kx;
                    const int inside = iy >= 0 && iy < in_h && ix >= 0 && ix < in_w;
                    rows[t] = inside ? in + (iy * in_w + ix) * c_n : pad;
                }
            }
            int c = 0;
            for (; c + 3 < c_n; c += 4) {
                int32_t a0 = bias[c], a1 = bias[c + 1], a2 = bias[c + 2], a3 = bias[c + 3];
                const int8_t *w = weights + c;
                for (int t = 0; t < taps; t++, w += c_n) {
                    const uint32_t xv = ts_load4(rows[t] + c);
                    const uint32_t wv = ts_load4(w);
                    const uint32_t xe = ts_sxtb16(xv), xo = ts_sxtb16_odd(xv);
                    const uint32_t we = ts_sxtb16(wv), wo = ts_sxtb16_odd(wv);
                    a0 = ts_smlabb(we, xe, a0); /* channel c   (byte 0) */
                    a2 = ts_smlatt(we, xe, a2); /* channel c+2 (byte 2) */
                    a1 = ts_smlabb(wo, xo, a1); /* channel c+1 (byte 1) */
                    a3 = ts_smlatt(wo, xo, a3); /* channel c+3 (byte 3) */
                }
                out[c] = TS_DW_RQ(a0, c);
                out[c + 1] = TS_DW_RQ(a1, c + 1);
                out[c + 2] = TS_DW_RQ(a2, c + 2);
                out[c + 3] = TS_DW_RQ(a3, c + 3);
            }
            for (; c < c_n; c++) {
                int32_t a = bias[c];
                const int8_t *w = weights + c;
                for (int t = 0; t < taps; t++, w += c_n) {
                    a += *w * rows[t][c];
                }
                out[c] = TS_DW_RQ(a, c);
            }
            out += c_n;
        }
    }
}
