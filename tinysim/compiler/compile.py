"""compile_model(): .tflite -> model.c + model.h, with a memory report."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from tinysim import workloads
from tinysim.errors import ModelError
from tinysim.compiler import arena, emit
from tinysim.compiler.lowering import PARAMS_BYTES, LoweredOp, lower
from tinysim.compiler.reader import Graph, read_tflite

FIRMWARE_DIR = Path(__file__).resolve().parent.parent / "firmware"
KERNELS_DIR = FIRMWARE_DIR / "kernels"
PORTS = ("reference", "arm_dsp")


@dataclass
class CompiledModel:
    model_id: str
    source: Path
    c_path: Path
    h_path: Path
    macs: int
    ops_used: list[str]                  # TFLite builtin names, sorted
    kernel_files: list[str]              # e.g. ["conv.c", "softmax.c"], sorted
    flash: dict[str, int]                # section -> bytes (weights, bias, requant, op params)
    sram: dict[str, int]                 # "activations", "scratch": bytes before reuse; arena_bytes after
    arena_bytes: int
    input_size: int
    output_size: int
    input_scale: float
    input_zero_point: int
    output_scale: float
    output_zero_point: int
    layers: list[dict] = field(default_factory=list)   # per op: index, name, summary, macs, output
    ops_dropped: list[str] = field(default_factory=list)  # shape-only ops removed as dead code

    @property
    def flash_bytes(self) -> int:
        return sum(self.flash.values())

    @property
    def sram_bytes(self) -> int:
        return self.arena_bytes

    def kernel_sources(self, port: str = "reference") -> list[Path]:
        """The kernel .c files this model needs, from one port directory."""
        if port not in PORTS:
            raise ModelError(f"unknown kernel port '{port}' (choose from {', '.join(PORTS)})")
        return [KERNELS_DIR / port / f for f in self.kernel_files]

    @staticmethod
    def include_dirs() -> list[Path]:
        return [KERNELS_DIR / "common", FIRMWARE_DIR / "include"]

    def to_dict(self) -> dict:
        return dict(model_id=self.model_id, source=str(self.source), c_path=str(self.c_path),
                    h_path=str(self.h_path), macs=self.macs, ops_used=self.ops_used,
                    ops_dropped=self.ops_dropped, kernel_files=self.kernel_files,
                    flash=self.flash, flash_bytes=self.flash_bytes, sram=self.sram,
                    arena_bytes=self.arena_bytes, input_size=self.input_size,
                    output_size=self.output_size, input_scale=self.input_scale,
                    input_zero_point=self.input_zero_point, output_scale=self.output_scale,
                    output_zero_point=self.output_zero_point,
                    layers=list(self.layers))

    def layer_table(self) -> str:
        lines = [f"{'op':>4}  {'name':<20}{'MACs':>12}  shape"]
        for layer in self.layers:
            lines.append(f"{layer['index']:>4}  {layer['name']:<20}{layer['macs']:>12,}  {layer['summary']}")
        return "\n".join(lines)

    def report(self) -> str:
        lines = [f"model {self.model_id} ({self.source.name}): {len(self.layers)} ops, "
                 f"{self.macs:,} MACs; ops: {', '.join(self.ops_used)}",
                 "flash (const data):"]
        lines += [f"  {k:<12}{v:>10,} B" for k, v in self.flash.items()]
        lines.append(f"  {'total':<12}{self.flash_bytes:>10,} B")
        lines.append("sram (static arena):")
        lines.append(f"  {'tensors':<12}{self.sram['activations']:>10,} B  (sum of activation tensors, before reuse)")
        lines.append(f"  {'scratch':<12}{self.sram['scratch']:>10,} B  (per-op kernel scratch, before reuse)")
        lines.append(f"  {'arena':<12}{self.arena_bytes:>10,} B  (after reuse by liveness)")
        lines.append("(kernel code, stack and the harness are not included)")
        return "\n".join(lines)


def _io_tensor(graph: Graph, ids: list[int], role: str):
    if len(ids) != 1:
        raise ModelError(f"{graph.path.name}: the model has {len(ids)} {role}s; tinysim supports exactly one")
    t = graph.tensors[ids[0]]
    if t.dtype != "int8" or not t.is_quantized:
        raise ModelError(f"{graph.path.name}: model {role} '{t.name}' is {t.dtype}; tinysim needs an int8 "
                         f"{role} (convert with inference_{role}_type=tf.int8)")
    return t


def _plan(graph: Graph, ops: list[LoweredOp]) -> tuple[dict, dict, int, dict]:
    """Arena offsets for every activation tensor and op scratch."""
    root = {}                     # tensor -> tensor whose memory it shares (RESHAPE)

    def find(t):
        while t in root:
            t = root[t]
        return t

    for op in ops:
        if op.alias:
            root[op.alias[0]] = find(op.alias[1])
    end = len(ops)
    live: dict[int, list[int]] = {}

    def touch(t, pos):
        r = find(t)
        span = live.setdefault(r, [pos, pos])
        span[0], span[1] = min(span[0], pos), max(span[1], pos)

    # The model input stays untouched through the whole schedule: the harness loads
    # it once and runs the model N times (th_load_tensor, then th_infer N times).
    touch(graph.inputs[0], -1)
    touch(graph.inputs[0], end)
    for pos, op in enumerate(ops):
        for t in op.inputs + op.outputs:
            touch(t, pos)
    touch(graph.outputs[0], end)
    buffers = [arena.Buffer(t, graph.tensors[t].size, a, b) for t, (a, b) in live.items()]
    scratch_bufs = {op.index: arena.Buffer(("scratch", op.index), op.scratch_bytes, pos, pos)
                    for pos, op in enumerate(ops) if op.scratch_bytes}
    everything = buffers + list(scratch_bufs.values())
    total = arena.place(everything)
    arena.check(everything)
    offsets = {b.key: b.offset for b in buffers}
    for t in list(root):
        offsets[t] = offsets[find(t)]
    scratch = {k: b.offset for k, b in scratch_bufs.items()}
    sram = {"activations": sum(b.size for b in buffers),
            "scratch": sum(b.size for b in scratch_bufs.values())}
    return offsets, scratch, total, sram


# Ops whose non-first inputs only describe a shape: the compiler knows the static
# output shape, so the shape computation feeding them is dead code.
_SHAPE_ONLY_INPUTS = {"RESHAPE", "SQUEEZE"}


def _data_ops(graph: Graph):
    """Ops the output depends on through data, in order, and the ones dropped
    (e.g. SHAPE -> STRIDED_SLICE -> PACK chains that only compute a RESHAPE's
    target shape, as Keras' Flatten emits for a dynamic batch)."""
    needed = set(graph.outputs)
    kept = []
    for op in reversed(graph.operators):
        if not needed.intersection(op.outputs):
            continue
        kept.append(op)
        data_inputs = op.inputs[:1] if op.name in _SHAPE_ONLY_INPUTS else op.inputs
        needed.update(t for t in data_inputs if t >= 0 and graph.tensors[t].data is None)
    kept.reverse()
    dropped = [op for op in graph.operators if op not in kept]
    return kept, dropped


def _input_conversion(model_id: str) -> dict:
    """TS_INPUT_CONVERSION for model.h: the registered workload's conversion, or the plain int8
    copy for a model tinysim has no workload entry for (its `db` bytes are the input tensor)."""
    name = workloads.get(model_id).conversion if model_id in workloads.WORKLOADS else "int8"
    return dict(input_conversion=workloads.CONVERSIONS.get(name).c_value, input_conversion_name=name)


def compile_model(tflite_path, out_dir, model_id: str | None = None) -> CompiledModel:
    """Compile `tflite_path` into `out_dir`/model.c and model.h.

    Raises ModelError for anything the kernels cannot run exactly (float
    tensors, unsupported ops or options), naming the op and its index."""
    tflite_path = Path(tflite_path)
    graph = read_tflite(tflite_path)
    model_id = model_id or tflite_path.stem
    if not model_id.replace("_", "").replace("-", "").isascii() or \
            not model_id.replace("_", "").replace("-", "").isalnum():
        raise ModelError(f"model id '{model_id}' (TS_MODEL_ID) must be ASCII letters, digits, '_' "
                         f"or '-'; pass --model-id to choose one")
    x = _io_tensor(graph, graph.inputs, "input")
    y = _io_tensor(graph, graph.outputs, "output")
    if not graph.operators:
        raise ModelError(f"{tflite_path.name}: the model has no operators")
    kept, dropped = _data_ops(graph)
    ops = [lower(graph, op) for op in kept]
    offsets, scratch, arena_bytes, sram = _plan(graph, ops)

    ops_dropped: list[str] = []
    flash = {"weights": 0, "bias": 0, "requant": 0, "op params": 0}
    for op in ops:
        for arr in op.consts:
            flash[arr.kind] += arr.nbytes
        if op.params_type:
            flash["op params"] += PARAMS_BYTES[op.params_type]
    macs = sum(op.macs for op in ops)
    sizes = {t.index: t.size for t in graph.tensors}
    info = dict(source=tflite_path.name, sha256=hashlib.sha256(tflite_path.read_bytes()).hexdigest(),
                model_id=model_id, input_size=x.size, output_size=y.size,
                input_scale=x.scale, input_zero_point=x.zero_point,
                output_scale=y.scale, output_zero_point=y.zero_point,
                macs=macs, arena_bytes=arena_bytes, input_tensor=x.index,
                **_input_conversion(model_id),
                output_tensor=y.index, sizes=sizes)
    out_dir = Path(out_dir)
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        c_path, h_path = out_dir / "model.c", out_dir / "model.h"
        h_path.write_text(emit.model_h(info))
        c_path.write_text(emit.model_c(info, ops, offsets, scratch))
    except OSError as exc:
        raise ModelError(f"cannot write the generated model to {out_dir}: {exc.strerror}") from exc
    for op in dropped:
        ops_dropped.append(f"#{op.index} {op.name}")
    layers = [dict(index=op.index, name=op.name, summary=op.summary, macs=op.macs,
                   output=op.outputs[0], output_name=graph.tensors[op.outputs[0]].name,
                   output_size=sizes[op.outputs[0]])
              for op in ops]
    return CompiledModel(
        model_id=model_id, source=tflite_path, c_path=c_path, h_path=h_path, macs=macs,
        ops_used=sorted({op.name for op in ops}),
        kernel_files=sorted({f for op in ops for f in (op.kernel_file, *op.extra_kernel_files) if f}),
        flash=flash, sram=sram, arena_bytes=arena_bytes,
        input_size=x.size, output_size=y.size, input_scale=x.scale,
        input_zero_point=x.zero_point, output_scale=y.scale,
        output_zero_point=y.zero_point, layers=layers, ops_dropped=ops_dropped)
