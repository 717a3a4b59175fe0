/* Output stage of FULLY_CONNECTED, shared by the ports. The TFLite interpreter
 * (LiteRT 2.3, TF 2.21, reference and optimized resolvers alike) requantizes FC
 * with the single-rounding multiply, per-tensor and per-channel weights alike,
 * while its CONV_2D / DEPTHWISE_CONV_2D round twice; measured on the test models
 * in tests/kernels. The compiler sets single_rounding accordingly. */
#ifndef TS_FC_REQUANT_H
#define TS_FC_REQUANT_H

#include "ts_kernels.h"
#include "ts_quant.h"

static inline int8_t ts_fc_requant(const ts_fc_params *p, int32_t acc, int o)
{
    if (p->single_rounding) {
        return ts_requant_single(acc, p->mult[o], p->shift[o], p->out_zp, p->act_min, p->act_max);
    }
    return ts_requant(acc, p->mult[o], p->shift[o], p->out_zp, p->act_min, p->act_max);
}

#endif /* TS_FC_REQUANT_H */
