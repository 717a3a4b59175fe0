"""Read a .tflite flatbuffer into plain Python objects (no TensorFlow needed).

Uses the `tflite` package (the generated flatbuffer schema bindings). Only the
first subgraph is read; constant tensors get their buffer as a numpy array.
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

# TensorType enum values of the TFLite schema -> numpy dtype
_DTYPES = {
    0: np.float32, 1: np.float16, 2: np.int32, 3: np.uint8, 4: np.int64,
    6: np.bool_, 7: np.int16, 9: np.int8, 10: np.float64,
}
_DTYPE_NAMES = {
    0: "float32", 1: "float16", 2: "int32", 3: "uint8", 4: "int64", 5: "string",
    6: "bool", 7: "int16", 8: "complex64", 9: "int8", 10: "float64",
}


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
    name: str                        # builtin name, e.g. "CONV_2D"
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


def _opcode_names() -> dict[int, str]:
    ops = tflite.BuiltinOperator
    return {getattr(ops, n): n for n in dir(ops) if not n.startswith("_") and n.isupper()}


def read_tflite(path: str | Path) -> Graph:
    """Parse `path`; raise ModelError if it is missing or not a TFLite flatbuffer."""
    if tflite is None:
        raise ModelError(f"cannot read {path}: the 'tflite' package is missing "
                         f"({_IMPORT_ERROR}); install it with: pip install tflite flatbuffers")
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ModelError(f"cannot read model {path}: {exc.strerror}") from exc
    if len(raw) < 8 or raw[4:8] != b"TFL3":
        raise ModelError(f"{path} is not a TFLite model (no 'TFL3' file identifier at byte 4)")
    try:
        model = tflite.Model.GetRootAsModel(raw, 0)
        return _convert(path, raw, model)
    except ModelError:
        raise
    except Exception as exc:  # a corrupt flatbuffer raises anything from struct/IndexError
        raise ModelError(f"{path}: malformed TFLite flatbuffer ({type(exc).__name__}: {exc})") from exc


def _buffer_data(raw: bytes, model, index: int) -> bytes | None:
    if index <= 0 or index >= model.BuffersLength():
        return None
    buf = model.Buffers(index)
    if buf.Offset() > 1:  # large models keep tensor data after the flatbuffer
        return raw[buf.Offset(): buf.Offset() + buf.Size()]
    if buf.DataLength() == 0:
        return None
    return buf.DataAsNumpy().tobytes()


def _convert(path: Path, raw: bytes, model) -> Graph:
    if model.SubgraphsLength() < 1:
        raise ModelError(f"{path}: the model has no subgraph")
    names = _opcode_names()
    sg = model.Subgraphs(0)
    tensors = []
    for i in range(sg.TensorsLength()):
        t = sg.Tensors(i)
        ttype = t.Type()
        shape = tuple(int(d) for d in t.ShapeAsNumpy()) if t.ShapeLength() else ()
        q = t.Quantization()
        scales = np.zeros(0, np.float32)
        zps = np.zeros(0, np.int64)
        qdim = 0
        if q is not None and q.ScaleLength():
            scales = q.ScaleAsNumpy().astype(np.float32)
            zps = q.ZeroPointAsNumpy().astype(np.int64) if q.ZeroPointLength() else np.zeros(len(scales), np.int64)
            qdim = q.QuantizedDimension()
        data = _buffer_data(raw, model, t.Buffer())
        arr = None
        if data is not None and ttype in _DTYPES:
            arr = np.frombuffer(data, dtype=_DTYPES[ttype]).copy()
            if shape and arr.size == int(np.prod(shape)):
                arr = arr.reshape(shape)
        tensors.append(Tensor(
            index=i, name=(t.Name() or b"").decode("utf-8", "replace"), shape=shape,
            dtype=_DTYPE_NAMES.get(ttype, f"type{ttype}"), scales=scales,
            zero_points=zps, quantized_dimension=qdim, data=arr))
    operators = []
    for i in range(sg.OperatorsLength()):
        op = sg.Operators(i)
        code = model.OperatorCodes(op.OpcodeIndex())
        builtin = max(code.BuiltinCode(), code.DeprecatedBuiltinCode())
        name = names.get(builtin, f"BUILTIN_{builtin}")
        if name == "CUSTOM":
            name = f"CUSTOM({(code.CustomCode() or b'?').decode()})"
        options = None
        cls_name = _OPTION_CLASSES.get(name)
        table = op.BuiltinOptions()
        if cls_name and table is not None:
            options = getattr(tflite, cls_name)()
            options.Init(table.Bytes, table.Pos)
        operators.append(Operator(
            index=i, name=name,
            inputs=[int(x) for x in op.InputsAsNumpy()] if op.InputsLength() else [],
            outputs=[int(x) for x in op.OutputsAsNumpy()] if op.OutputsLength() else [],
            options=options, version=code.Version()))
    return Graph(
        path=path, tensors=tensors, operators=operators,
        inputs=[int(x) for x in sg.InputsAsNumpy()] if sg.InputsLength() else [],
        outputs=[int(x) for x in sg.OutputsAsNumpy()] if sg.OutputsLength() else [],
        description=(model.Description() or b"").decode("utf-8", "replace"),
    )
