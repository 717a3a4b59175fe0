"""Read a .tflite flatbuffer into a small summary: ops, tensor shapes, quantization, params, MACs.

Uses the PyPI `tflite` schema package (pure Python, no TensorFlow), so manifests, tests and the
fetch verifier run on a machine without the TFLite interpreter.

Counting conventions follow the research notes' Appendix A (so figures compare with the
published ones): params = elements of the constant weight and bias inputs of CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED (BatchNorm is folded into them by the converter);
MACs = output elements x kernel taps (conv: kh*kw*in_ch, depthwise: kh*kw), weight elements (FC).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tinysim.errors import ModelError

# TensorType enum values of the TFLite schema (schema.fbs `enum TensorType`).
_TENSOR_TYPES = {0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 6: "bool",
                 7: "int16", 9: "int8"}

_WEIGHTED_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


@dataclass(frozen=True)
class TensorInfo:
    name: str
    shape: tuple[int, ...]
    dtype: str
    scale: tuple[float, ...]  # empty when the tensor is not quantized
    zero_point: tuple[int, ...]
    quantized_dimension: int
    is_const: bool

    @property
    def size(self) -> int:
        n = 1
        for d in self.shape:
            n *= d
        return n

    def quant(self) -> dict:
        """Per-tensor quantization as a plain dict (the I/O tensors are always per-tensor)."""
        return {"scale": self.scale[0] if self.scale else None,
                "zero_point": self.zero_point[0] if self.zero_point else None}


@dataclass(frozen=True)
class OpInfo:
    index: int
    name: str
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    params: int
    macs: int


@dataclass(frozen=True)
class GraphSummary:
    path: str
    tensors: tuple[TensorInfo, ...]
    ops: tuple[OpInfo, ...]
    inputs: tuple[int, ...]
    outputs: tuple[int, ...]
    op_counts: dict = field(default_factory=dict)

    @property
    def params(self) -> int:
        return sum(op.params for op in self.ops)

    @property
    def macs(self) -> int:
        return sum(op.macs for op in self.ops)

    @property
    def input(self) -> TensorInfo:
        return self.tensors[self.inputs[0]]

    @property
    def output(self) -> TensorInfo:
        return self.tensors[self.outputs[0]]

    def op_set(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for op in self.ops:
            counts[op.name] = counts.get(op.name, 0) + 1
        return dict(sorted(counts.items()))


def _op_name(model, opcode_index: int) -> str:
    import tflite

    code = model.OperatorCodes(opcode_index)
    # Schema v3a: builtin codes above 127 live in BuiltinCode(); older files only set the
    # deprecated int8 field. The larger of the two is the real code.
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    if builtin == tflite.BuiltinOperator.CUSTOM:
        custom = code.CustomCode()
        return "CUSTOM:" + (custom.decode() if custom else "?")
    try:
        return tflite.utils.opcode2name(builtin)
    except ValueError:
        return f"BUILTIN_{builtin}"


def _tensor(model, t) -> TensorInfo:
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    q = t.Quantization()
    scale: tuple[float, ...] = ()
    zp: tuple[int, ...] = ()
    qdim = 0
    if q is not None and q.ScaleLength():
        scale = tuple(float(s) for s in q.ScaleAsNumpy())
        zp = tuple(int(z) for z in q.ZeroPointAsNumpy()) if q.ZeroPointLength() else (0,) * len(scale)
        qdim = int(q.QuantizedDimension())
    buf = model.Buffers(t.Buffer())
    is_const = buf is not None and (buf.DataLength() > 0 or buf.Size() > 0)
    return TensorInfo(name=(t.Name() or b"").decode(errors="replace"), shape=shape,
                      dtype=_TENSOR_TYPES.get(t.Type(), f"type{t.Type()}"), scale=scale,
                      zero_point=zp, quantized_dimension=qdim, is_const=is_const)


def _count(name: str, ins: tuple[int, ...], outs: tuple[int, ...], tensors) -> tuple[int, int]:
    if name not in _WEIGHTED_OPS:
        return 0, 0
    consts = [tensors[i] for i in ins[1:3] if i >= 0 and tensors[i].is_const]
    params = sum(t.size for t in consts)
    weights = tensors[ins[1]]
    out = tensors[outs[0]]
    if name == "FULLY_CONNECTED":
        macs = weights.size
    elif name == "CONV_2D":  # weights [out_ch, kh, kw, in_ch]
        macs = out.size * (weights.size // weights.shape[0])
    else:  # DEPTHWISE_CONV_2D weights [1, kh, kw, out_ch]
        macs = out.size * weights.shape[1] * weights.shape[2]
    return params, macs


def read_graph(source: str | Path | bytes, label: str | None = None) -> GraphSummary:
    """Parse a .tflite file (path or bytes). Raises ModelError naming the file if it is not one."""
    import tflite

    if isinstance(source, (bytes, bytearray)):
        data, where = bytes(source), label or "<bytes>"
    else:
        where = str(source)
        try:
            data = Path(source).read_bytes()
        except OSError as exc:
            raise ModelError(f"{where}: cannot read model file ({exc.strerror})") from None
    # A TFLite flatbuffer carries the file identifier "TFL3" at bytes 4..8.
    if len(data) < 8 or data[4:8] != b"TFL3":
        raise ModelError(f"{where}: not a TFLite flatbuffer (no 'TFL3' identifier at byte 4)")
    try:
        model = tflite.Model.GetRootAsModel(data, 0)
        if model.SubgraphsLength() != 1:
            raise ModelError(f"{where}: expected 1 subgraph, found {model.SubgraphsLength()}")
        sg = model.Subgraphs(0)
        tensors = tuple(_tensor(model, sg.Tensors(i)) for i in range(sg.TensorsLength()))
        ops = []
        for i in range(sg.OperatorsLength()):
            op = sg.Operators(i)
            name = _op_name(model, op.OpcodeIndex())
            ins = tuple(int(x) for x in op.InputsAsNumpy()) if op.InputsLength() else ()
            outs = tuple(int(x) for x in op.OutputsAsNumpy()) if op.OutputsLength() else ()
            params, macs = _count(name, ins, outs, tensors)
            ops.append(OpInfo(i, name, ins, outs, params, macs))
        inputs = tuple(int(x) for x in sg.InputsAsNumpy())
        outputs = tuple(int(x) for x in sg.OutputsAsNumpy())
    except ModelError:
        raise
    except Exception as exc:  # a truncated/corrupted flatbuffer fails somewhere in the accessors
        raise ModelError(f"{where}: corrupted TFLite flatbuffer ({type(exc).__name__}: {exc})") from None
    return GraphSummary(path=where, tensors=tensors, ops=tuple(ops), inputs=inputs, outputs=outputs)


def describe(summary: GraphSummary) -> dict:
    """The manifest/verification view of a graph: shapes, dtypes, quantization, op set, counts."""
    i, o = summary.input, summary.output
    return {
        "input": {"shape": list(i.shape), "dtype": i.dtype, **i.quant()},
        "output": {"shape": list(o.shape), "dtype": o.dtype, **o.quant()},
        "ops": summary.op_set(),
        "params": summary.params,
        "macs": summary.macs,
    }
