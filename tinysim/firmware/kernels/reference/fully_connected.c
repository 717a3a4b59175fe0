/* FULLY_CONNECTED, int8: portable reference.
 * Matches the TFLite interpreter's FullyConnected (weight zero point 0); the
 * rounding of the output stage depends on per-tensor vs per-channel weights. */
#include "../common/ts_kernels.h"
#include "../common/ts_fc_requant.h"
#include "../common/ts_dot.h"

void ts_fully_connected(const ts_fc_params *p, const int8_t *in, int8_t *out)
{
    const int depth = p->in_depth;
    for (int b = 0; b < p->batches; b++, in += depth) {
        const int8_t *w = p->weights;
        for (int o = 0; o < p->out_depth; o++, w += depth) {
            const int32_t acc = p->bias[o] + ts_dot_s8(w, in, depth);
            *out++ = ts_fc_requant(p, acc, o);
        }
    }
}
