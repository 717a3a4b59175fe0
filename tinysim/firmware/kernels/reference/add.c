/* ADD, int8, same-shape inputs: portable reference.
 * Matches tflite::reference_integer_ops::AddElementwise: both inputs are
 * shifted left by left_shift (20), rescaled to a common scale, summed and
 * rescaled to the output. */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"

void ts_add(const ts_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    const int ls = p->left_shift;
    for (uint32_t i = 0; i < p->size; i++) {
        const int32_t a = ts_shl(p->in1_offset + in1[i], ls);
        const int32_t b = ts_shl(p->in2_offset + in2[i], ls);
        const int32_t sa = ts_mbqm(a, p->in1_mult, p->in1_shift);
        const int32_t sb = ts_mbqm(b, p->in2_mult, p->in2_shift);
        out[i] = ts_requant(sa + sb, p->out_mult, p->out_shift, p->out_zp,
                            p->act_min, p->act_max);
    }
}
