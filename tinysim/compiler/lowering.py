"""Turn each supported TFLite operator into one kernel call with precomputed parameters.

A handler checks everything the kernels assume (dtypes, shapes, options) and
refuses the rest with a ModelError naming the op, its index and the reason.
It returns a LoweredOp: the kernel function, its parameter block (C field ->
value), the constant arrays that go to flash, the scratch bytes it needs in
the arena and its multiply-accumulate count.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from tinysim.errors import ModelError
from tinysim.compiler import quant
from tinysim.compiler.reader import Graph, Operator, Tensor, op_macs

INT32_MIN, INT32_MAX = -(1 << 31), (1 << 31) - 1


@dataclass
class ConstArray:
    """A constant array emitted to flash; `kind` groups it in the memory report."""
    suffix: str          # C name is op<N>_<suffix>
    ctype: str           # "int8_t" | "uint8_t" | "int32_t"
    values: np.ndarray
    kind: str            # "weights" | "bias" | "requant"

    @property
    def nbytes(self) -> int:
        return int(self.values.size) * (4 if self.ctype == "int32_t" else 1)


@dataclass
class LoweredOp:
    index: int
    name: str                          # TFLite builtin name
    func: str | None                   # C kernel, None for a no-op (RESHAPE alias)
    params_type: str | None
    fields: dict = field(default_factory=dict)   # C field -> int | "@array_suffix" | "@scratch" | dict (nested struct)
    consts: list[ConstArray] = field(default_factory=list)
    inputs: list[int] = field(default_factory=list)    # activation tensors read
    outputs: list[int] = field(default_factory=list)
    scratch_bytes: int = 0
    macs: int = 0
    alias: tuple[int, int] | None = None   # (output tensor, input tensor) sharing memory
    kernel_file: str | None = None
    extra_kernel_files: tuple[str, ...] = ()   # further kernel sources the call needs
    summary: str = ""


# Size of each parameter block on a 32-bit target (layout of ts_kernels.h), for the flash report.
PARAMS_BYTES = {"ts_conv_params": 52, "ts_conv_const_params": 64, "ts_fc_params": 28, "ts_pool_params": 24,
                "ts_add_params": 40, "ts_softmax_params": 16}


# TFLite Micro built without TFLITE_SINGLE_ROUNDING would round FC twice; the LiteRT /
# tf.lite interpreter (the reference here) rounds it once.
FC_SINGLE_ROUNDING = 1
ADD_TABLE_BYTES = 2 * 256 * 4


class _Ctx:
    def __init__(self, graph: Graph, op: Operator):
        self.graph, self.op = graph, op

    def fail(self, why: str) -> ModelError:
        return ModelError(f"{self.graph.path.name}: operator #{self.op.index} {self.op.name}: {why}")

    def tensor(self, slot: int, role: str, *, const: bool = False, optional: bool = False) -> Tensor | None:
        ids = self.op.inputs
        if slot >= len(ids) or ids[slot] < 0:
            if optional:
                return None
            raise self.fail(f"missing {role} input")
        t = self.graph.tensors[ids[slot]]
        if const and t.data is None:
            raise self.fail(f"{role} tensor '{t.name}' must be a constant (weights computed at run time are not supported)")
        if not const and t.data is not None:
            raise self.fail(f"{role} tensor '{t.name}' is a constant; only run-time activations are supported here")
        return t

    def output(self) -> Tensor:
        if len(self.op.outputs) != 1:
            raise self.fail(f"expected one output, got {len(self.op.outputs)}")
        return self.graph.tensors[self.op.outputs[0]]

    def int8_act(self, t: Tensor, role: str) -> None:
        if t.dtype != "int8":
            raise self.fail(f"{role} tensor '{t.name}' is {t.dtype}; only int8 full-integer models "
                            f"are supported (convert with inference_input_type=tf.int8 and "
                            f"supported_ops=[TFLITE_BUILTINS_INT8])")
        if not t.is_quantized or len(t.scales) != 1:
            raise self.fail(f"{role} tensor '{t.name}' needs one per-tensor scale and zero point")

    def nhwc(self, t: Tensor, role: str) -> tuple[int, int, int]:
        if len(t.shape) != 4 or t.shape[0] != 1:
            raise self.fail(f"{role} tensor '{t.name}' has shape {list(t.shape)}; expected [1, H, W, C]")
        _, h, w, c = t.shape
        if max(h, w, c) > 0xFFFF:
            raise self.fail(f"{role} tensor '{t.name}' dimension above 65535")
        return h, w, c

    def activation(self, options, out: Tensor) -> tuple[int, int]:
        act = options.FusedActivationFunction() if options is not None else 0
        if act not in (0, 1, 2, 3):
            raise self.fail(f"fused activation {act} is not supported (only NONE, RELU, RELU_N1_TO_1, RELU6)")
        return quant.activation_range(act, out.scale, out.zero_point)

    def window(self, options, in_h, in_w, k_h, k_w, out_h, out_w) -> tuple[int, int, int, int]:
        """Strides and leading padding; checks the output size TFLite would compute."""
        sh, sw = options.StrideH(), options.StrideW()
        if sh < 1 or sw < 1:
            raise self.fail(f"stride {sh}x{sw} is invalid")
        if options.Padding() == 0:  # SAME
            eh, pt = quant.same_padding(in_h, k_h, sh)
            ew, pl = quant.same_padding(in_w, k_w, sw)
        else:
            eh, ew = quant.valid_out(in_h, k_h, sh), quant.valid_out(in_w, k_w, sw)
            pt = pl = 0
        if (eh, ew) != (out_h, out_w):
            raise self.fail(f"output is {out_h}x{out_w} but the window gives {eh}x{ew}")
        return sh, sw, pt, pl

    def no_dilation(self, options) -> None:
        dh, dw = options.DilationHFactor(), options.DilationWFactor()
        if (dh, dw) != (1, 1):
            raise self.fail(f"dilation {dh}x{dw} is not supported (only 1x1)")


def _weights_zero(ctx: _Ctx, w: Tensor) -> None:
    if w.dtype != "int8":
        raise ctx.fail(f"weights '{w.name}' are {w.dtype}; only int8 weights are supported")
    if not w.is_quantized:
        raise ctx.fail(f"weights '{w.name}' carry no quantization parameters")
    if np.any(w.zero_points != 0):
        raise ctx.fail(f"weights '{w.name}' have a non-zero zero point (the int8 spec requires 0)")


def _bias(ctx: _Ctx, slot: int, channels: int) -> np.ndarray:
    b = ctx.tensor(slot, "bias", const=True, optional=True)
    if b is None:
        return np.zeros(channels, np.int64)
    if b.dtype != "int32":
        raise ctx.fail(f"bias '{b.name}' is {b.dtype}; only int32 bias is supported")
    if b.data.size != channels:
        raise ctx.fail(f"bias '{b.name}' has {b.data.size} values for {channels} channels")
    return b.data.reshape(-1).astype(np.int64)


def _effective_bias(ctx: _Ctx, bias: np.ndarray, weight_sums: np.ndarray, in_zp: int) -> np.ndarray:
    """bias - in_zp * sum(w): folds the input offset out of the inner loop."""
    eff = bias - in_zp * weight_sums.astype(np.int64)
    if eff.min(initial=0) < INT32_MIN or eff.max(initial=0) > INT32_MAX:
        raise ctx.fail("bias plus input-offset term overflows int32")
    return eff.astype(np.int32)


def _requant_arrays(mults, shifts) -> list[ConstArray]:
    return [ConstArray("mult", "int32_t", np.array(mults, np.int64).astype(np.int32), "requant"),
            ConstArray("shift", "int8_t", np.array(shifts, np.int8), "requant")]


def _check_filter_scales(ctx: _Ctx, w: Tensor, channels: int, qdim: int) -> None:
    if len(w.scales) not in (1, channels):
        raise ctx.fail(f"weights '{w.name}' have {len(w.scales)} scales for {channels} channels")
    if len(w.scales) > 1 and w.quantized_dimension != qdim:
        raise ctx.fail(f"weights '{w.name}' are quantized along dimension "
                       f"{w.quantized_dimension}; expected {qdim}")


def lower_conv(ctx: _Ctx) -> LoweredOp:
    o = ctx.op.options
    x = ctx.tensor(0, "input")
    w = ctx.tensor(1, "filter", const=True)
    y = ctx.output()
    ctx.int8_act(x, "input")
    ctx.int8_act(y, "output")
    _weights_zero(ctx, w)
    ctx.no_dilation(o)
    in_h, in_w, in_c = ctx.nhwc(x, "input")
    out_h, out_w, out_c = ctx.nhwc(y, "output")
    if len(w.shape) != 4 or w.shape[0] != out_c or w.shape[3] != in_c:
        raise ctx.fail(f"filter shape {list(w.shape)} does not match [out_c={out_c}, kh, kw, in_c={in_c}] "
                       f"(grouped convolution is not supported)")
    k_h, k_w = w.shape[1], w.shape[2]
    sh, sw, pt, pl = ctx.window(o, in_h, in_w, k_h, k_w, out_h, out_w)
    _check_filter_scales(ctx, w, out_c, 0)
    wd = w.data.astype(np.int8).reshape(out_c, -1)
    bias = _effective_bias(ctx, _bias(ctx, 2, out_c), wd.astype(np.int64).sum(axis=1), x.zero_point)
    mults, shifts = quant.conv_multipliers(x.scale, w.scales, y.scale, out_c)
    act_min, act_max = ctx.activation(o, y)
    pointwise = k_h == 1 and k_w == 1 and sh == 1 and sw == 1 and pt == 0 and pl == 0
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_conv2d", "ts_conv_params",
                   inputs=[x.index], outputs=[y.index], kernel_file="conv.c",
                   # two receptive fields: the DSP port gathers output pixels in pairs
                   scratch_bytes=0 if pointwise else 2 * k_h * k_w * in_c,
                   macs=op_macs(ctx.graph, ctx.op))
    _fill_conv_params(lo, x, y, (in_h, in_w, in_c), (out_h, out_w, out_c), (k_h, k_w),
                      (sh, sw, pt, pl), 1, (act_min, act_max), wd, bias, mults, shifts,
                      scratch="@scratch" if lo.scratch_bytes else 0)
    lo.summary = f"{in_h}x{in_w}x{in_c} -> {out_h}x{out_w}x{out_c}, k{k_h}x{k_w} s{sh}"
    _constant_channels(lo, wd, bias, mults, shifts, y.zero_point, (act_min, act_max))
    return lo


def _constant_channels(lo: LoweredOp, wd: np.ndarray, bias, mults, shifts, out_zp: int, act) -> None:
    """Channels whose weights are all zero output their requantized bias at every pixel: the
    constant is computed here, the conv runs on the other channels only (ts_conv2d_const).
    Their requantization parameters no longer count for the kernel's fast-path check: in the
    official vww01 they have |bias| ~2^30 and shift 0 or -25..-31, which sent whole layers to
    the slow path."""
    zero = ~wd.any(axis=1)
    if not zero.any():
        return
    live = ~zero
    fill = np.array([quant.requantize(b, m, s, out_zp, *act) if z else 0
                     for b, m, s, z in zip(bias, mults, shifts, zero)], np.int8)
    conv = dict(lo.fields, out_c=int(live.sum()))
    by_suffix = {a.suffix: a for a in lo.consts}
    packed = {"weights": wd[live].reshape(-1), "bias": np.asarray(bias)[live],
              "mult": by_suffix["mult"].values[live], "shift": by_suffix["shift"].values[live]}
    consts = []
    for suffix, values in packed.items():
        if values.size:
            consts.append(ConstArray(suffix, by_suffix[suffix].ctype, values, by_suffix[suffix].kind))
        else:
            conv[suffix] = 0          # no live channel: ts_conv2d_const skips the conv
    lo.consts = consts + [ConstArray("live", "uint8_t", live.astype(np.uint8), "requant"),
                          ConstArray("fill", "int8_t", fill, "bias")]
    lo.func, lo.params_type = "ts_conv2d_const", "ts_conv_const_params"
    lo.fields = dict(conv=conv, out_c=len(live), live="@live", fill="@fill")
    lo.extra_kernel_files = ("conv_const.c",)
    lo.summary += f", {int(zero.sum())} of {len(live)} channels constant (all-zero weights)"


def _fill_conv_params(lo: LoweredOp, x: Tensor, y: Tensor, in_shape, out_shape, kernel, window,
                      depth_mult: int, act, wd: np.ndarray, bias, mults, shifts, scratch) -> None:
    """The ts_conv_params fields and constant arrays CONV_2D and DEPTHWISE_CONV_2D share."""
    (in_h, in_w, in_c), (out_h, out_w, out_c), (k_h, k_w) = in_shape, out_shape, kernel
    sh, sw, pt, pl = window
    lo.fields = dict(in_h=in_h, in_w=in_w, in_c=in_c, out_h=out_h, out_w=out_w, out_c=out_c,
                     k_h=k_h, k_w=k_w, stride_h=sh, stride_w=sw, pad_top=pt, pad_left=pl,
                     depth_mult=depth_mult, pad_value=x.zero_point, out_zp=y.zero_point,
                     act_min=act[0], act_max=act[1], weights="@weights", bias="@bias",
                     mult="@mult", shift="@shift", scratch=scratch)
    lo.consts = [ConstArray("weights", "int8_t", wd.reshape(-1), "weights"),
                 ConstArray("bias", "int32_t", bias, "bias")] + _requant_arrays(mults, shifts)


def lower_depthwise(ctx: _Ctx) -> LoweredOp:
    o = ctx.op.options
    x = ctx.tensor(0, "input")
    w = ctx.tensor(1, "filter", const=True)
    y = ctx.output()
    ctx.int8_act(x, "input")
    ctx.int8_act(y, "output")
    _weights_zero(ctx, w)
    ctx.no_dilation(o)
    in_h, in_w, in_c = ctx.nhwc(x, "input")
    out_h, out_w, out_c = ctx.nhwc(y, "output")
    if len(w.shape) != 4 or w.shape[0] != 1 or w.shape[3] != out_c:
        raise ctx.fail(f"filter shape {list(w.shape)} does not match [1, kh, kw, out_c={out_c}]")
    if out_c % in_c:
        raise ctx.fail(f"output channels {out_c} are not a multiple of input channels {in_c}")
    dm = out_c // in_c
    if o.DepthMultiplier() not in (0, dm):
        raise ctx.fail(f"depth_multiplier {o.DepthMultiplier()} disagrees with the shapes ({dm})")
    k_h, k_w = w.shape[1], w.shape[2]
    sh, sw, pt, pl = ctx.window(o, in_h, in_w, k_h, k_w, out_h, out_w)
    _check_filter_scales(ctx, w, out_c, 3)
    wd = w.data.astype(np.int8).reshape(k_h * k_w, out_c)
    bias = _effective_bias(ctx, _bias(ctx, 2, out_c), wd.astype(np.int64).sum(axis=0), x.zero_point)
    mults, shifts = quant.conv_multipliers(x.scale, w.scales, y.scale, out_c)
    act_min, act_max = ctx.activation(o, y)
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_depthwise_conv2d", "ts_conv_params",
                   inputs=[x.index], outputs=[y.index], kernel_file="depthwise_conv.c",
                   scratch_bytes=in_c, macs=op_macs(ctx.graph, ctx.op))
    _fill_conv_params(lo, x, y, (in_h, in_w, in_c), (out_h, out_w, out_c), (k_h, k_w),
                      (sh, sw, pt, pl), dm, (act_min, act_max), wd, bias, mults, shifts,
                      scratch="@scratch")
    lo.summary = f"{in_h}x{in_w}x{in_c} -> {out_h}x{out_w}x{out_c}, k{k_h}x{k_w} s{sh} dm{dm}"
    return lo


def lower_fc(ctx: _Ctx) -> LoweredOp:
    o = ctx.op.options
    x = ctx.tensor(0, "input")
    w = ctx.tensor(1, "weights", const=True)
    y = ctx.output()
    ctx.int8_act(x, "input")
    ctx.int8_act(y, "output")
    _weights_zero(ctx, w)
    if o is not None and o.WeightsFormat() != 0:
        raise ctx.fail("shuffled weights format is not supported (only DEFAULT)")
    if len(w.shape) != 2:
        raise ctx.fail(f"weights shape {list(w.shape)} is not [units, depth]")
    units, depth = w.shape
    if x.size % depth:
        raise ctx.fail(f"input size {x.size} is not a multiple of the weights' depth {depth}")
    batches = x.size // depth
    if y.size != batches * units:
        raise ctx.fail(f"output size {y.size} is not batches*units = {batches * units}")
    if max(batches, units, depth) > 0xFFFF:
        raise ctx.fail("a dimension is above 65535")
    _check_filter_scales(ctx, w, units, 0)
    wd = w.data.astype(np.int8).reshape(units, depth)
    bias = _effective_bias(ctx, _bias(ctx, 2, units), wd.astype(np.int64).sum(axis=1), x.zero_point)
    # The interpreter's int8 FULLY_CONNECTED requantizes with single rounding (CONV_2D
    # and DEPTHWISE_CONV_2D with double rounding): measured, see tests/kernels fc_*.
    if len(w.scales) == 1:
        m, s = quant.fc_per_tensor_multiplier(x.scale, w.scale, y.scale)
        mults, shifts = [m] * units, [s] * units
    else:
        mults, shifts = quant.conv_multipliers(x.scale, w.scales, y.scale, units)
    act_min, act_max = ctx.activation(o, y)
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_fully_connected", "ts_fc_params",
                   inputs=[x.index], outputs=[y.index], kernel_file="fully_connected.c",
                   macs=op_macs(ctx.graph, ctx.op))
    lo.fields = dict(batches=batches, in_depth=depth, out_depth=units, out_zp=y.zero_point,
                     act_min=act_min, act_max=act_max, single_rounding=FC_SINGLE_ROUNDING,
                     weights="@weights", bias="@bias",
                     mult="@mult", shift="@shift")
    lo.consts = [ConstArray("weights", "int8_t", wd.reshape(-1), "weights"),
                 ConstArray("bias", "int32_t", bias, "bias")] + _requant_arrays(mults, shifts)
    lo.summary = f"{batches}x{depth} -> {batches}x{units}"
    return lo


def lower_pool(ctx: _Ctx) -> LoweredOp:
    o = ctx.op.options
    x = ctx.tensor(0, "input")
    y = ctx.output()
    ctx.int8_act(x, "input")
    ctx.int8_act(y, "output")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise ctx.fail("input and output quantization differ (TFLite int8 pooling requires them equal)")
    in_h, in_w, c = ctx.nhwc(x, "input")
    out_h, out_w, out_c = ctx.nhwc(y, "output")
    if out_c != c:
        raise ctx.fail(f"channels change from {c} to {out_c}")
    k_h, k_w = o.FilterHeight(), o.FilterWidth()
    sh, sw, pt, pl = ctx.window(o, in_h, in_w, k_h, k_w, out_h, out_w)
    act_min, act_max = ctx.activation(o, y)
    avg = ctx.op.name == "AVERAGE_POOL_2D"
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_avg_pool" if avg else "ts_max_pool",
                   "ts_pool_params", inputs=[x.index], outputs=[y.index], kernel_file="pooling.c")
    lo.fields = dict(in_h=in_h, in_w=in_w, c=c, out_h=out_h, out_w=out_w, k_h=k_h, k_w=k_w,
                     stride_h=sh, stride_w=sw, pad_top=pt, pad_left=pl,
                     act_min=act_min, act_max=act_max)
    lo.summary = f"{in_h}x{in_w}x{c} -> {out_h}x{out_w}x{c}, k{k_h}x{k_w} s{sh}"
    return lo


def lower_add(ctx: _Ctx) -> LoweredOp:
    a = ctx.tensor(0, "input 1")
    b = ctx.tensor(1, "input 2")
    y = ctx.output()
    for t, role in ((a, "input 1"), (b, "input 2"), (y, "output")):
        ctx.int8_act(t, role)
    if a.shape != b.shape or a.size != y.size:
        raise ctx.fail(f"broadcasting ADD is not supported (shapes {list(a.shape)} + {list(b.shape)})")
    p = quant.add_params(a.scale, b.scale, y.scale)
    act_min, act_max = ctx.activation(ctx.op.options, y)
    # scratch: the DSP port tabulates each input's rescale (256 int32 per input)
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_add", "ts_add_params",
                   inputs=[a.index, b.index], outputs=[y.index], kernel_file="add.c",
                   scratch_bytes=ADD_TABLE_BYTES)
    lo.fields = dict(size=y.size, in1_offset=-a.zero_point, in2_offset=-b.zero_point,
                     in1_mult=p["in1_mult"], in2_mult=p["in2_mult"], out_mult=p["out_mult"],
                     in1_shift=p["in1_shift"], in2_shift=p["in2_shift"], out_shift=p["out_shift"],
                     left_shift=p["left_shift"], out_zp=y.zero_point,
                     act_min=act_min, act_max=act_max, scratch="@scratch")
    lo.summary = f"{y.size} elements"
    return lo


def lower_softmax(ctx: _Ctx) -> LoweredOp:
    x = ctx.tensor(0, "input")
    y = ctx.output()
    ctx.int8_act(x, "input")
    ctx.int8_act(y, "output")
    if abs(y.scale - 1.0 / 256) > 0.001 / 256 or y.zero_point != -128:
        raise ctx.fail(f"output scale {y.scale} / zero point {y.zero_point}; int8 softmax "
                       f"requires 1/256 and -128")
    depth = x.shape[-1] if x.shape else 1
    outer = x.size // depth
    if max(depth, outer) > 0xFFFF:
        raise ctx.fail("a dimension is above 65535")
    beta = ctx.op.options.Beta() if ctx.op.options is not None else 1.0
    p = quant.softmax_params(beta, x.scale)
    lo = LoweredOp(ctx.op.index, ctx.op.name, "ts_softmax", "ts_softmax_params",
                   inputs=[x.index], outputs=[y.index], kernel_file="softmax.c")
    lo.fields = dict(outer=outer, depth=depth, **p)
    lo.summary = f"{outer}x{depth}"
    return lo


def lower_reshape(ctx: _Ctx) -> LoweredOp:
    x = ctx.tensor(0, "input")
    y = ctx.output()
    if x.dtype != y.dtype or x.size != y.size:
        raise ctx.fail(f"reshape changes size or type ({x.dtype}{list(x.shape)} -> {y.dtype}{list(y.shape)})")
    ctx.int8_act(x, "input")
    if x.scale != y.scale or x.zero_point != y.zero_point:
        raise ctx.fail("reshape changes quantization parameters")
    lo = LoweredOp(ctx.op.index, ctx.op.name, None, None, inputs=[x.index], outputs=[y.index],
                   alias=(y.index, x.index))
    lo.summary = f"{list(x.shape)} -> {list(y.shape)} (no copy: output aliases input)"
    return lo


HANDLERS = {
    "CONV_2D": lower_conv,
    "DEPTHWISE_CONV_2D": lower_depthwise,
    "FULLY_CONNECTED": lower_fc,
    "AVERAGE_POOL_2D": lower_pool,
    "MAX_POOL_2D": lower_pool,
    "ADD": lower_add,
    "SOFTMAX": lower_softmax,
    "RESHAPE": lower_reshape,
    "SQUEEZE": lower_reshape,
}


def lower(graph: Graph, op: Operator) -> LoweredOp:
    ctx = _Ctx(graph, op)
    handler = HANDLERS.get(op.name)
    if handler is None:
        raise ctx.fail(f"operator is not supported by tinysim's kernels "
                       f"(supported: {', '.join(sorted(HANDLERS))})")
    return handler(ctx)
