"""A .tflite model as a small summary: ops, tensor shapes, quantization, params, MACs.

The flatbuffer is decoded by tinysim.compiler.reader (pure Python through the `tflite` schema
package, no TensorFlow), so manifests, tests and the fetch verifier run on a machine without
the TFLite interpreter; this module only condenses that Graph into frozen, comparable records.

Counting conventions follow the research notes' Appendix A (so figures compare with the
published ones): params = elements of the constant weight and bias inputs of CONV_2D,
DEPTHWISE_CONV_2D and FULLY_CONNECTED (BatchNorm is folded into them by the converter);
MACs = reader.op_macs, the count the compiler also reports per layer.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from tinysim.compiler.reader import MAC_OPS, Graph, Operator, Tensor, op_macs, read_tflite
from tinysim.errors import ModelError


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


def read_graph(source: str | Path | bytes, label: str | None = None) -> GraphSummary:
    """Parse a .tflite file (path or bytes). Raises ModelError naming the file if it is not one."""
    graph = read_tflite(source, label)
    where = graph.label
    # A summary of subgraph 0 alone would silently under-count a control-flow model.
    if graph.subgraph_count != 1:
        raise ModelError(f"{where}: expected 1 subgraph, found {graph.subgraph_count}")
    if not graph.inputs or not graph.outputs:
        raise ModelError(f"{where}: the subgraph declares no input or no output tensor")
    return GraphSummary(path=where, tensors=tuple(_tensor_info(t) for t in graph.tensors),
                        ops=tuple(_op_info(graph, op) for op in graph.operators),
                        inputs=tuple(graph.inputs), outputs=tuple(graph.outputs))


def _tensor_info(t: Tensor) -> TensorInfo:
    return TensorInfo(name=t.name, shape=t.shape, dtype=t.dtype,
                      scale=tuple(float(s) for s in t.scales),
                      zero_point=tuple(int(z) for z in t.zero_points),
                      quantized_dimension=int(t.quantized_dimension), is_const=t.is_const)


def _op_info(graph: Graph, op: Operator) -> OpInfo:
    params = 0
    if op.name in MAC_OPS:  # constant weights (input 1) and bias (input 2)
        params = sum(graph.tensors[i].size for i in op.inputs[1:3] if i >= 0 and graph.tensors[i].is_const)
    return OpInfo(op.index, op.name, tuple(op.inputs), tuple(op.outputs), params, op_macs(graph, op))


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
