"""Compile-time quantization parameters, computed exactly as TFLite's Prepare() does.

Each function names the TFLite function it mirrors (tensorflow/lite/kernels/
internal/quantization_util.cc, kernels/kernel_util.cc) so the kernels' integer
arithmetic gets the same int32 multiplier and shift the interpreter uses.
Scales are float32 in the flatbuffer and are widened to double where TFLite does.
"""

from __future__ import annotations

import math

import numpy as np


def round_half_away(x: float) -> int:
    """std::round / TfLiteRound: halves go away from zero."""
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def quantize_multiplier(real: float) -> tuple[int, int]:
    """QuantizeMultiplier: real = mult * 2^(shift - 31), mult in [2^30, 2^31)."""
    if real == 0.0:
        return 0, 0
    q, shift = math.frexp(real)
    q_fixed = round_half_away(q * (1 << 31))
    if q_fixed == (1 << 31):
        q_fixed //= 2
        shift += 1
    if shift < -31:
        shift, q_fixed = 0, 0
    return int(q_fixed), int(shift)


def _wrap32(v: int) -> int:
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def multiply_by_quantized_multiplier(x: int, mult: int, shift: int) -> int:
    """MultiplyByQuantizedMultiplier with double rounding, as kernels/common/ts_quant.h's
    ts_mbqm computes it (the kernels' one copy of the rule, bit-exact with the interpreter):
    a left shift wrapping like int32 for shift > 0, else the rounding doubling high multiply
    then a division by 2^-shift rounded half away from zero."""
    if shift > 0:
        return _wrap32(((_wrap32(x << shift) * mult) + (1 << 30)) >> 31)
    hi = (x * mult + (1 << 30)) >> 31
    half = (1 << -shift) >> 1
    q = (abs(hi) + half) >> -shift
    return -q if hi < 0 else q


def requantize(acc: int, mult: int, shift: int, out_zp: int, act_min: int, act_max: int) -> int:
    """ts_requant: one int32 accumulator -> the int8 output (zero point added, clamped)."""
    v = multiply_by_quantized_multiplier(int(acc), int(mult), int(shift)) + int(out_zp)
    return min(max(v, act_min), act_max)


def conv_multipliers(in_scale: float, filter_scales: np.ndarray, out_scale: float,
                     channels: int) -> tuple[list[int], list[int]]:
    """PopulateConvolutionQuantizationParams: one multiplier per output channel
    (a per-tensor filter scale is broadcast)."""
    mults, shifts = [], []
    for c in range(channels):
        fs = filter_scales[c] if len(filter_scales) > 1 else filter_scales[0]
        real = float(np.float32(in_scale)) * float(np.float32(fs)) / float(np.float32(out_scale))
        m, s = quantize_multiplier(real)
        mults.append(m)
        shifts.append(s)
    return mults, shifts


def fc_per_tensor_multiplier(in_scale: float, filter_scale: float, out_scale: float) -> tuple[int, int]:
    """GetQuantizedConvolutionMultipler, used by FULLY_CONNECTED with one filter
    scale: the input x filter product is taken in float32, then widened."""
    product = float(np.float32(in_scale) * np.float32(filter_scale))
    return quantize_multiplier(product / float(np.float32(out_scale)))


def activation_range(activation: int, out_scale: float, out_zp: int) -> tuple[int, int]:
    """CalculateActivationRangeQuantized for int8; activation is the schema's
    ActivationFunctionType (0 NONE, 1 RELU, 2 RELU_N1_TO_1, 3 RELU6)."""
    scale = np.float32(out_scale)

    def quantize(f: float) -> int:
        return out_zp + round_half_away(float(np.float32(f) / scale))

    qmin, qmax = -128, 127
    if activation == 1:
        return max(qmin, quantize(0.0)), qmax
    if activation == 3:
        return max(qmin, quantize(0.0)), min(qmax, quantize(6.0))
    if activation == 2:
        return max(qmin, quantize(-1.0)), min(qmax, quantize(1.0))
    return qmin, qmax


ADD_LEFT_SHIFT = 20  # TFLite's int8 ADD: left_shift = 20 (15 for int16)


def add_params(s1: float, s2: float, s_out: float) -> dict:
    """Add Prepare for int8: two-input rescale to twice the larger input scale."""
    s1, s2, s_out = float(np.float32(s1)), float(np.float32(s2)), float(np.float32(s_out))
    twice_max = 2.0 * max(s1, s2)
    m1, sh1 = quantize_multiplier(s1 / twice_max)
    m2, sh2 = quantize_multiplier(s2 / twice_max)
    mo, sho = quantize_multiplier(twice_max / ((1 << ADD_LEFT_SHIFT) * s_out))
    return dict(in1_mult=m1, in1_shift=sh1, in2_mult=m2, in2_shift=sh2,
                out_mult=mo, out_shift=sho, left_shift=ADD_LEFT_SHIFT)


SOFTMAX_SCALED_DIFF_INT_BITS = 5


def softmax_params(beta: float, in_scale: float) -> dict:
    """PreprocessSoftmaxScaling + CalculateInputRadius (double rounding build)."""
    bits = SOFTMAX_SCALED_DIFF_INT_BITS
    real = min(float(np.float32(beta)) * float(np.float32(in_scale)) * (1 << (31 - bits)),
               float((1 << 31) - 1))
    mult, left_shift = quantize_multiplier(real)
    radius = math.floor(((1 << bits) - 1) * (1 << (31 - bits)) / (1 << left_shift))
    return dict(in_mult=mult, in_left_shift=left_shift, diff_min=-int(radius))


def same_padding(in_size: int, k: int, stride: int) -> tuple[int, int]:
    """ComputePaddingHeightWidth for SAME (dilation 1): (output size, leading pad)."""
    out = (in_size + stride - 1) // stride
    total = max(0, (out - 1) * stride + k - in_size)
    return out, total // 2


def valid_out(in_size: int, k: int, stride: int) -> int:
    return (in_size - k + stride) // stride
