/* Exports arm_dsp/ts_rq_dsp.h (host build: portable SMMULR) for ctypes tests. */
#include "ts_quant.h"
#include "ts_rq_dsp.h"

/* For each i: out_fast[i] = ts_rq_fast(x, m, -s-1, 2zp+1), out_ref[i] = ts_mbqm(x, m, s) + zp. */
void shim_rq_both(const int32_t *x, const int32_t *m, const int32_t *s, const int32_t *zp, int n,
                  int32_t *out_fast, int32_t *out_ref)
{
    for (int i = 0; i < n; i++) {
        out_fast[i] = ts_rq_fast(x[i], m[i], -s[i] - 1, 2 * zp[i] + 1);
        out_ref[i] = ts_mbqm(x[i], m[i], s[i]) + zp[i];
    }
}

int shim_rq_fast_ok(const int32_t *bias, const int8_t *shift, int channels, int products)
{
    return ts_rq_fast_ok(bias, shift, channels, products);
}
