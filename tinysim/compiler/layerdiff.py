"""Layer-by-layer comparison of the compiled C model with the TFLite interpreter.

Runs one input through the interpreter (reference kernels, all intermediate
tensors kept) and through the host-built C model with per-op tracing, and
reports, op by op, how many output bytes differ; `first` is the first op
that differs (None when the model is bit-exact).

    python -m tinysim.compiler.layerdiff model.tflite [--port arm_dsp] [--seed 0]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tinysim.errors import TinysimError
from tinysim.compiler.compile import CompiledModel, compile_model
from tinysim.compiler.hostrun import HostModel
from tinysim.compiler.interp import make_interpreter
from tinysim.compiler.reader import read_tflite


@dataclass
class LayerResult:
    index: int
    name: str
    summary: str
    mismatches: int
    size: int
    max_abs_diff: int


@dataclass
class LayerDiff:
    layers: list[LayerResult]
    output_equal: bool

    @property
    def first(self) -> LayerResult | None:
        return next((r for r in self.layers if r.mismatches), None)

    def text(self) -> str:
        lines = [f"{'op':>4}  {'name':<20}{'differ':>10}{'max|d|':>8}  shape"]
        for r in self.layers:
            lines.append(f"{r.index:>4}  {r.name:<20}{r.mismatches:>6}/{r.size:<5}{r.max_abs_diff:>6}  {r.summary}")
        f = self.first
        lines.append("bit-exact: every op matches" if f is None
                     else f"first difference: op {f.index} {f.name} ({f.mismatches} of {f.size} bytes)")
        return "\n".join(lines)


def interpreter_tensors(tflite_path, one_input: np.ndarray):
    """Run the interpreter (reference kernels) keeping every intermediate tensor;
    returns the interpreter, to read tensors by index."""
    it = make_interpreter(tflite_path, reference=True, preserve_all=True)
    inp = it.get_input_details()[0]
    it.set_tensor(inp["index"], np.asarray(one_input, np.int8).reshape(inp["shape"]))
    it.invoke()
    return it


def compare(model: CompiledModel, c_outputs: dict, interpreter) -> LayerDiff:
    """c_outputs: HostModel.trace() result; interpreter: from interpreter_tensors()."""
    results = []
    for layer in model.layers:
        ref = interpreter.get_tensor(layer["output"]).reshape(-1).astype(np.int8)
        got = c_outputs.get(layer["index"])
        if got is None or got.size != ref.size:
            raise TinysimError(f"op {layer['index']}: the C model traced no output of {ref.size} bytes")
        d = np.abs(got.astype(np.int16) - ref.astype(np.int16))
        results.append(LayerResult(layer["index"], layer["name"], layer["summary"],
                                   int(np.count_nonzero(d)), int(ref.size), int(d.max(initial=0))))
    out_idx = interpreter.get_output_details()[0]["index"]
    last = c_outputs[model.layers[-1]["index"]]
    equal = bool(np.array_equal(interpreter.get_tensor(out_idx).reshape(-1).astype(np.int8), last))
    return LayerDiff(results, equal)


def layer_diff(tflite_path, one_input: np.ndarray, port: str = "reference", work_dir=None) -> LayerDiff:
    """Compile, build for the host, run one input both ways and compare op by op."""
    with tempfile.TemporaryDirectory() as tmp:
        model = compile_model(tflite_path, Path(work_dir or tmp))
        c_outputs = HostModel(model, port).trace(one_input)
    return compare(model, c_outputs, interpreter_tensors(tflite_path, one_input))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="python -m tinysim.compiler.layerdiff", description=__doc__.split("\n")[0])
    ap.add_argument("model", help=".tflite file")
    ap.add_argument("--port", default="reference", choices=["reference", "arm_dsp"])
    ap.add_argument("--seed", type=int, default=0, help="seed of the random int8 input")
    ap.add_argument("--input", help="raw int8 input file instead of a random input")
    args = ap.parse_args(argv)
    try:
        g = read_tflite(args.model)
        size = g.tensors[g.inputs[0]].size
        if args.input:
            x = np.fromfile(args.input, np.int8)
            if x.size != size:
                raise TinysimError(f"{args.input}: {x.size} bytes, the model input needs {size}")
        else:
            x = np.random.default_rng(args.seed).integers(-128, 128, size, dtype=np.int8)
        diff = layer_diff(args.model, x, args.port)
    except TinysimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(diff.text())
    return 0 if diff.first is None else 1


if __name__ == "__main__":
    sys.exit(main())
