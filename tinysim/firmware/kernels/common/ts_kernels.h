/* int8 kernel API shared by every port (kernels/reference, kernels/arm_dsp).
 *
 * Tensors are NHWC with batch 1 (fully connected: [batches, depth]).
 * Each op takes a const parameter block written by the tinysim compiler
 * (tinysim/compiler), which precomputes everything that does not depend on
 * the input: requantization multipliers as int32 mantissa + shift, the fused
 * activation range, and an "effective bias" per output channel
 *     bias_eff[c] = bias[c] - in_zp * sum(weights of channel c)
 * so the inner loops are a plain sum of int8 x int8 products. Padding taps
 * read the input zero point (pad_value), which makes the folded term exact at
 * the borders too.
 */
#ifndef TS_KERNELS_H
#define TS_KERNELS_H

#include <stdint.h>

/* CONV_2D (weights OHWI) and DEPTHWISE_CONV_2D (weights 1HWC, out_c = in_c * depth_mult). */
typedef struct {
    uint16_t in_h, in_w, in_c;
    uint16_t out_h, out_w, out_c;
    uint16_t k_h, k_w;
    uint16_t stride_h, stride_w;
    uint16_t pad_top, pad_left;
    uint16_t depth_mult;          /* depthwise only */
    int8_t pad_value;             /* input zero point */
    int8_t out_zp;
    int8_t act_min, act_max;
    const int8_t *weights;
    const int32_t *bias;          /* effective bias, one per output channel */
    const int32_t *mult;          /* per output channel */
    const int8_t *shift;          /* per output channel */
    int8_t *scratch;              /* arena scratch (see ts_conv2d_scratch_bytes in the compiler), may be 0 */
} ts_conv_params;

/* FULLY_CONNECTED, weights [out_depth][in_depth]. */
typedef struct {
    uint16_t batches, in_depth, out_depth;
    int8_t out_zp;
    int8_t act_min, act_max;
    uint8_t single_rounding;      /* 1: ts_mbqm_single (what the interpreter does), 0: ts_mbqm */
    const int8_t *weights;
    const int32_t *bias;          /* effective bias */
    const int32_t *mult;          /* per output unit (per-tensor models repeat one value) */
    const int8_t *shift;
} ts_fc_params;

/* AVERAGE_POOL_2D, MAX_POOL_2D (input and output share scale and zero point). */
typedef struct {
    uint16_t in_h, in_w, c;
    uint16_t out_h, out_w;
    uint16_t k_h, k_w;
    uint16_t stride_h, stride_w;
    uint16_t pad_top, pad_left;
    int8_t act_min, act_max;
} ts_pool_params;

/* ADD of two same-shape tensors, TFLite's two-input rescale with left_shift 20. */
typedef struct {
    uint32_t size;
    int32_t in1_offset, in2_offset;   /* -zero points */
    int32_t in1_mult, in2_mult, out_mult;
    int8_t in1_shift, in2_shift, out_shift;
    uint8_t left_shift;
    int32_t out_zp;
    int8_t act_min, act_max;
    int8_t *scratch;              /* 2 KB, word aligned: per-input lookup tables (arm_dsp) */
} ts_add_params;

/* SOFTMAX, int8 in, int8 out with scale 1/256 and zero point -128. */
typedef struct {
    uint16_t outer, depth;
    int32_t in_mult;              /* beta * in_scale in Q(31-5), mantissa */
    int32_t in_left_shift;
    int32_t diff_min;             /* differences below this give exp = 0 */
} ts_softmax_params;

void ts_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out);
void ts_depthwise_conv2d(const ts_conv_params *p, const int8_t *in, int8_t *out);
void ts_fully_connected(const ts_fc_params *p, const int8_t *in, int8_t *out);
void ts_avg_pool(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_max_pool(const ts_pool_params *p, const int8_t *in, int8_t *out);
void ts_add(const ts_add_params *p, const int8_t *in1, const int8_t *in2, int8_t *out);
void ts_softmax(const ts_softmax_params *p, const int8_t *in, int8_t *out);

/* CONV_2D with output channels whose weights are all zero (the official MLPerf Tiny vww01 has
 * 4 to 234 per pointwise layer). Such a channel's output is the same at every pixel: its
 * requantized bias, computed by the compiler. `conv` covers only the other ("live") channels,
 * their arrays compacted and conv.out_c their count (0: none); ts_conv2d_const runs it, writing
 * the live outputs packed (pixel stride conv.out_c), then spreads them in place to their channels
 * and writes the constants. */
typedef struct {
    ts_conv_params conv;
    uint16_t out_c;               /* all output channels */
    const uint8_t *live;          /* per output channel: 1 computed by conv, 0 constant */
    const int8_t *fill;           /* per output channel: the constant output (0 where live) */
} ts_conv_const_params;

void ts_conv2d_const(const ts_conv_const_params *p, const int8_t *in, int8_t *out);

#endif /* TS_KERNELS_H */
