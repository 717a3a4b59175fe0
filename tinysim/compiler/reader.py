"""Read a .tflite flatbuffer into plain Python objects (no TensorFlow needed).

The one place tinysim decodes the TFLite schema (through the `tflite` package's generated
flatbuffer bindings): opcode names, tensor shapes, types and quantization, constant buffers.
The compiler lowers the resulting Graph; tinysim.models.graph summarizes it (params, MACs,
op set). Only the first subgraph is read; constant tensors get their buffer as a numpy array.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysim.errors import ModelError

try:
    import tflite
except ImportError as exc:  # pragma: no cover - depends on the environment
    tflite = None
    _IMPORT_ERROR = exc

# TensorType enum of the TFLite schema (schema.fbs `enum TensorType`) -> (name, numpy dtype);
# None where numpy cannot hold the data, so such constants keep data=None.
_TENSOR_TYPES = {
    0: ("float32", np.float32), 1: ("float16", np.float16), 2: ("int32", np.int32),
    3: ("uint8", np.uint8), 4: ("int64", np.int64), 5: ("string", None), 6: ("bool", np.bool_),
    7: ("int16", np.int16), 8: ("complex64", None), 9: ("int8", np.int8),
    10: ("float64", np.float64),
}

# The operators whose work is multiply-accumulates over a constant weights input (input 1).
MAC_OPS = ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED")


@dataclass
class Tensor:
    index: int
    name: str
    shape: tuple[int, ...]
    dtype: str                       # "int8", "int32", "float32", ...
    scales: np.ndarray               # float32, empty when not quantized
    zero_points: np.ndarray          # int64
    quantized_dimension: int
    data: np.ndarray | None = None   # constant tensors only
    is_const: bool = False           # has a buffer (also when numpy cannot hold its dtype)

    @property
    def size(self) -> int:
        return int(np.prod(self.shape, dtype=np.int64)) if self.shape else 1

    @property
    def scale(self) -> float:
        return float(self.scales[0])

    @property
    def zero_point(self) -> int:
        return int(self.zero_points[0])

    @property
    def is_quantized(self) -> bool:
        return len(self.scales) > 0


@dataclass
class Operator:
    index: int
    name: str                        # builtin name, e.g. "CONV_2D"; "CUSTOM(<code>)" for custom ops
    inputs: list[int]                # -1 marks an omitted optional input
    outputs: list[int]
    options: object = None           # the tflite.*Options table, or None
    version: int = 1


@dataclass
class Graph:
    path: Path
    tensors: list[Tensor]
    operators: list[Operator]
    inputs: list[int]
    outputs: list[int]
    description: str = ""
    extra: dict = field(default_factory=dict)
    label: str = ""                  # how errors name the model: the path as given, or a bytes label
    subgraph_count: int = 1          # only subgraph 0 is read


_OPTION_CLASSES = {
    "CONV_2D": "Conv2DOptions",
    "DEPTHWISE_CONV_2D": "DepthwiseConv2DOptions",
    "FULLY_CONNECTED": "FullyConnectedOptions",
    "AVERAGE_POOL_2D": "Pool2DOptions",
    "MAX_POOL_2D": "Pool2DOptions",
    "ADD": "AddOptions",
    "SOFTMAX": "SoftmaxOptions",
    "RESHAPE": "ReshapeOptions",
}


def read_tflite(source: str | Path | bytes, label: str | None = None) -> Graph:
    """Parse a .tflite file, given as a path or as its bytes (named `label` in errors).

    Raises ModelError naming the file if it is missing, not a TFLite flatbuffer or corrupted."""
    where = label or ("<bytes>" if isinstance(source, (bytes, bytearray)) else str(source))
    if tflite is None:
        raise ModelError(f"cannot read {where}: the 'tflite' package is missing "
                         f"({_IMPORT_ERROR}); install it with: pip install tflite flatbuffers")
    if isinstance(source, (bytes, bytearray)):
        raw, path = bytes(source), Path(where)
    else:
        path = Path(source)
        try:
            raw = path.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read model {where}: {exc.strerror}") from exc
    # A TFLite flatbuffer carries the file identifier "TFL3" at bytes 4..8.
    if len(raw) < 8 or raw[4:8] != b"TFL3":
        raise ModelError(f"{where} is not a TFLite model (no 'TFL3' file identifier at byte 4); give a "
                         ".tflite flatbuffer, e.g. one written by tf.lite.TFLiteConverter or models/*.tflite")
    try:
        model = tflite.Model.GetRootAsModel(raw, 0)
        return _convert(path, where, raw, model)
    except ModelError:
        raise
    except Exception as exc:  # a corrupt flatbuffer raises anything from struct/IndexError
        raise ModelError(f"{where}: truncated or corrupt TFLite flatbuffer ({type(exc).__name__}: {exc}); "
                         "regenerate it or copy it again") from exc


def op_macs(graph: Graph, op: Operator) -> int:
    """Multiply-accumulates of one operator: output elements x weight taps per output element
    (CONV_2D kh*kw*in_ch, DEPTHWISE_CONV_2D kh*kw, FULLY_CONNECTED depth); 0 for other ops.

    This is the convention of the published MLPerf Tiny figures (research notes Appendix A),
    and the count the compiler reports per layer."""
    if op.name not in MAC_OPS:
        return 0
    if len(op.inputs) < 2 or op.inputs[1] < 0 or not op.outputs:
        raise ModelError(f"{graph.label}: operator #{op.index} {op.name} has no weights input or output")
    weights, out = graph.tensors[op.inputs[1]], graph.tensors[op.outputs[0]]
    rank = 2 if op.name == "FULLY_CONNECTED" else 4
    if len(weights.shape) != rank or 0 in weights.shape:
        raise ModelError(f"{graph.label}: operator #{op.index} {op.name}: weights shape "
                         f"{list(weights.shape)} is not {rank}-D")
    if op.name == "DEPTHWISE_CONV_2D":  # weights [1, kh, kw, out_ch]
        taps = weights.shape[1] * weights.shape[2]
    else:  # CONV_2D weights [out_ch, kh, kw, in_ch]; FULLY_CONNECTED [units, depth]
        taps = weights.size // weights.shape[0]
    return out.size * taps


def _buffer_data(raw: bytes, model, index: int) -> bytes | None:
    if index <= 0 or index >= model.BuffersLength():
        return None  # buffer 0 is the schema's empty sentinel
    buf = model.Buffers(index)
    if buf.Offset() > 1:  # large models keep tensor data after the flatbuffer
        return raw[buf.Offset(): buf.Offset() + buf.Size()]
    if buf.DataLength() == 0:
        return None
    return buf.DataAsNumpy().tobytes()


def _op_name(code) -> str:
    # Schema v3a: builtin codes above 127 live in BuiltinCode(); older files only set the
    # deprecated int8 field. The larger of the two is the real code.
    builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
    if builtin == tflite.BuiltinOperator.CUSTOM:
        return f"CUSTOM({(code.CustomCode() or b'?').decode('utf-8', 'replace')})"
    return tflite.utils.BUILTIN_OPCODE2NAME.get(builtin, f"BUILTIN_{builtin}")


def _tensor(raw: bytes, model, i: int, t) -> Tensor:
    ttype = t.Type()
    name, np_dtype = _TENSOR_TYPES.get(ttype, (f"type{ttype}", None))
    shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
    q = t.Quantization()
    scales = np.zeros(0, np.float32)
    zps = np.zeros(0, np.int64)
    qdim = 0
    if q is not None and q.ScaleLength():
        scales = q.ScaleAsNumpy().astype(np.float32)
        zps = (q.ZeroPointAsNumpy().astype(np.int64) if q.ZeroPointLength()
               else np.zeros(len(scales), np.int64))
        qdim = q.QuantizedDimension()
    data = _buffer_data(raw, model, t.Buffer())
    arr = None
    if data is not None and np_dtype is not None:
        arr = np.frombuffer(data, dtype=np_dtype).copy()
        if shape and arr.size == int(np.prod(shape)):
            arr = arr.reshape(shape)
    return Tensor(index=i, name=(t.Name() or b"").decode("utf-8", "replace"), shape=shape,
                  dtype=name, scales=scales, zero_points=zps, quantized_dimension=qdim,
                  data=arr, is_const=data is not None)


def _indices(where: str, what: str, values, n_tensors: int) -> list[int]:
    """Tensor indices of an operator or the subgraph, checked against the tensor table."""
    out = [int(x) for x in values]
    bad = [x for x in out if x < -1 or x >= n_tensors]
    if bad:
        raise ModelError(f"{where}: {what} refers to tensor {bad[0]}, but the subgraph has "
                         f"{n_tensors} tensors (corrupted model?)")
    return out


def _convert(path: Path, where: str, raw: bytes, model) -> Graph:
    if model.SubgraphsLength() < 1:
        raise ModelError(f"{where}: the model has no subgraph")
    sg = model.Subgraphs(0)
    n = sg.TensorsLength()
    tensors = [_tensor(raw, model, i, sg.Tensors(i)) for i in range(n)]
    operators = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        name = _op_name(code)
        options = None
        cls_name = _OPTION_CLASSES.get(name)
        table = op.BuiltinOptions()
        if cls_name and table is not None:
            options = getattr(tflite, cls_name)()
            options.Init(table.Bytes, table.Pos)
        what = f"operator #{i} {name}"
        operators.append(Operator(
            index=i, name=name,
            inputs=_indices(where, what, op.InputsAsNumpy(), n) if op.InputsLength() else [],
            outputs=_indices(where, what, op.OutputsAsNumpy(), n) if op.OutputsLength() else [],
            options=options, version=code.Version()))
    return Graph(
        path=path, tensors=tensors, operators=operators,
        inputs=_indices(where, "the subgraph input", sg.InputsAsNumpy(), n) if sg.InputsLength() else [],
        outputs=_indices(where, "the subgraph output", sg.OutputsAsNumpy(), n) if sg.OutputsLength() else [],
        description=(model.Description() or b"").decode("utf-8", "replace"),
        label=where, subgraph_count=model.SubgraphsLength(),
    )
