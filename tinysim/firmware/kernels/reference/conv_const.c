/* CONV_2D with constant (all-zero-weight) output channels: every port's ts_conv2d on the live
 * channels, then the spread to the full channel layout (see ts_conv_const_params).
 *
 * ts_conv2d writes pixel p's live outputs at out[p * live_c ...]; their place is
 * out[p * out_c + c]. Walking backwards (last pixel, last channel first), each write lands at
 * an index at least as high as every packed value still to be read, so the spread is in place:
 * no extra arena buffer. */
#include "../common/ts_kernels.h"

void ts_conv2d_const(const ts_conv_const_params *p, const int8_t *in, int8_t *out)
{
    const int live_c = p->conv.out_c, out_c = p->out_c;
    const int pixels = p->conv.out_h * p->conv.out_w;
    if (live_c > 0) {
        ts_conv2d(&p->conv, in, out);
    }
    const int8_t *src = out + pixels * live_c;
    int8_t *dst = out + pixels * out_c;
    for (int px = pixels; px > 0; px--) {
        for (int c = out_c - 1; c >= 0; c--) {
            *--dst = p->live[c] ? *--src : p->fill[c];
        }
    }
}
