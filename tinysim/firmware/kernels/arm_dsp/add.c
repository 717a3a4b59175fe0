/* ADD, int8, same-shape inputs: Cortex-M4 port.
 *
 * Each input's rescale, ((x - zp) << 20) * multiplier, depends on one int8 value,
 * so it is tabulated once per call (2 x 256 entries in the arena scratch) with the
 * very same arithmetic; per element only the output stage remains. Falls back to
 * the reference for small tensors, where the tables would cost more than they save.
 */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"

#define ts_add ts_add_reference
#include "../reference/add.c"
#undef ts_add

void ts_add(const ts_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out)
{
    if (p->scratch == 0 || p->size < 512) {
        ts_add_reference(p, in1, in2, out);
        return;
    }
    int32_t *t1 = (int32_t *)(void *)p->scratch;
    int32_t *t2 = t1 + 256;
    const int ls = p->left_shift;
    for (int v = -128; v < 128; v++) {
        t1[v + 128] = ts_mbqm(ts_shl(p->in1_offset + v, ls), p->in1_mult, p->in1_shift);
        t2[v + 128] = ts_mbqm(ts_shl(p->in2_offset + v, ls), p->in2_mult, p->in2_shift);
    }
    const int32_t mult = p->out_mult, shift = p->out_shift, zp = p->out_zp;
    const int32_t lo = p->act_min, hi = p->act_max;
    const uint32_t n = p->size;
    for (uint32_t i = 0; i < n; i++) {
        out[i] = ts_requant(t1[in1[i] + 128] + t2[in2[i] + 128], mult, shift, zp, lo, hi);
    }
}
