/* ADD, int8, same-shape inputs: Cortex-M4 port.
 *
 * Each input's rescale, ((x - zp) << 20) * multiplier, depends on one int8 value,
 * so it is tabulated once per call (2 x 256 entries in the arena scratch) with the
 * very same arithmetic; per element only the output stage remains, as ts_rq_fast
 * (one SMMULR, ts_rq_dsp.h) when the output shift is <= -1 and no sum of two table
 * entries reaches 2^30 (checked on the tables), else ts_requant. Falls back to the
 * reference for small tensors, where the tables would cost more than they save.
 */
#include "../common/ts_kernels.h"
#include "../common/ts_quant.h"
#include "ts_simd.h"
#include "ts_rq_dsp.h"

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
    uint32_t max1 = 0, max2 = 0;   /* largest |entry| of each table */
    for (int v = -128; v < 128; v++) {
        const int32_t a = ts_mbqm(ts_shl(p->in1_offset + v, ls), p->in1_mult, p->in1_shift);
        const int32_t b = ts_mbqm(ts_shl(p->in2_offset + v, ls), p->in2_mult, p->in2_shift);
        const uint32_t ua = a < 0 ? 0u - (uint32_t)a : (uint32_t)a;
        const uint32_t ub = b < 0 ? 0u - (uint32_t)b : (uint32_t)b;
        max1 = ua > max1 ? ua : max1;
        max2 = ub > max2 ? ub : max2;
        t1[v + 128] = a;
        t2[v + 128] = b;
    }
    const int32_t mult = p->out_mult, shift = p->out_shift, zp = p->out_zp;
    const int32_t lo = p->act_min, hi = p->act_max;
    const uint32_t n = p->size;
    const int32_t *c1 = t1 + 128, *c2 = t2 + 128;   /* indexed by the int8 value */
    if (shift <= -1 && max1 < (1u << 29) && max2 < (1u << 29)) {
        const int32_t shr = -shift - 1, zp2p1 = 2 * zp + 1;
        if (ts_full_range(lo, hi)) {
            for (uint32_t i = 0; i < n; i++) {
                out[i] = ts_clamp8(ts_rq_fast(c1[in1[i]] + c2[in2[i]], mult, shr, zp2p1), lo, hi, 1);
            }
        } else {
            for (uint32_t i = 0; i < n; i++) {
                out[i] = ts_clamp8(ts_rq_fast(c1[in1[i]] + c2[in2[i]], mult, shr, zp2p1), lo, hi, 0);
            }
        }
        return;
    }
    for (uint32_t i = 0; i < n; i++) {
        out[i] = ts_requant(c1[in1[i]] + c2[in2[i]], mult, shift, zp, lo, hi);
    }
}
