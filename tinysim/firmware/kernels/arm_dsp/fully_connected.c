/* FULLY_CONNECTED, int8: Cortex-M4 DSP port. Two output units per pass share
 * each unpacked input word (see ts_dot2). Same arithmetic as the reference. */
/* Keep the source order of the unrolled multiply-accumulates: GCC's pre-allocation
 * scheduler otherwise hoists loads and unpacks ahead and spills them. */
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC optimize("no-schedule-insns")
#endif
#include "../common/ts_kernels.h"
#include "../common/ts_fc_requant.h"
#include "ts_simd.h"

void ts_fully_connected(const ts_fc_params *p, const int8_t *in, int8_t *out)
{
    const int n = p->in_depth;
    for (int b = 0; b < p->batches; b++, in += n) {
        const int8_t *w = p->weights;
        int o = 0;
        for (; o + 1 < p->out_depth; o += 2, w += 2 * n) {
            int32_t a0 = p->bias[o], a1 = p->bias[o + 1];
            ts_dot2(in, w, w + n, n, &a0, &a1);
            out[0] = ts_fc_requant(p, a0, o);
            out[1] = ts_fc_requant(p, a1, o + 1);
            out += 2;
        }
        if (o < p->out_depth) {
            int32_t a0 = p->bias[o];
            ts_dot1(in, w, n, &a0);
            *out++ = ts_fc_requant(p, a0, o);
        }
    }
}
