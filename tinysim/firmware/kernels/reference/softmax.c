/* SOFTMAX, int8 in, int8 out (scale 1/256, zero point -128): portable reference.
 * Matches tflite::reference_ops::Softmax for quantized types, the gemmlowp
 * fixed-point path TFLite Micro also uses: differences to the row maximum are
 * scaled to Q5, exponentiated in Q0, summed in Q12, and normalised by a
 * fixed-point reciprocal. */
#include "../common/ts_kernels.h"
#include "../common/ts_fixedpoint.h"

enum { TS_SOFTMAX_ACCUM_INT_BITS = 12 };

static int32_t ts_softmax_scaled_diff(const ts_softmax_params *p, int32_t diff)
{
    /* MultiplyByQuantizedMultiplierGreaterThanOne */
    return ts_srdhm(ts_shl(diff, p->in_left_shift), p->in_mult);
}

void ts_softmax(const ts_softmax_params *p, const int8_t *in, int8_t *out)
{
    const int depth = p->depth;
    for (int r = 0; r < p->outer; r++, in += depth, out += depth) {
        int32_t max_in = -128;
        for (int c = 0; c < depth; c++) {
            max_in = in[c] > max_in ? in[c] : max_in;
        }
        int32_t sum_of_exps = 0; /* Q12 */
        for (int c = 0; c < depth; c++) {
            const int32_t diff = in[c] - max_in;
            if (diff >= p->diff_min) {
                const int32_t e = ts_exp_on_negative_values_q5(ts_softmax_scaled_diff(p, diff));
                sum_of_exps += ts_rdbpot(e, TS_SOFTMAX_ACCUM_INT_BITS);
            }
        }
        int num_bits_over_unit;
        const int32_t scale = ts_reciprocal(sum_of_exps, TS_SOFTMAX_ACCUM_INT_BITS,
                                            &num_bits_over_unit);
        for (int c = 0; c < depth; c++) {
            const int32_t diff = in[c] - max_in;
            int32_t v = -128;
            if (diff >= p->diff_min) {
                const int32_t e = ts_exp_on_negative_values_q5(ts_softmax_scaled_diff(p, diff));
                v = ts_rdbpot(ts_srdhm(scale, e), num_bits_over_unit + 31 - 8) - 128;
                v = v > 127 ? 127 : v;
                v = v < -128 ? -128 : v;
            }
            out[c] = (int8_t)v;
        }
    }
}
