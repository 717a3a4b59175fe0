"""Cycles per model layer: one inference of a benchmark image, timed at each kernel call.

The compiler's generated `ts_model_invoke()` calls one kernel per layer, in the model's op order
(`tinysim/compiler/emit.py`: `ts_conv2d(&op3_params, ...); /* op 3: CONV_2D */`), and the same
kernel serves several layers, so a block profile cannot split them. Instead the emulator reads
its counter at every call instruction of `ts_model_invoke` (a layer starts) and at the
instruction after it (it ends); a tail call (`b.w` / `j` to the last kernel) ends where
`ts_model_invoke` returns to its caller. The layers' names and MACs come from compiling the
image's model again and reading the calls in the generated C; the call targets in the ELF must
name the same kernels in the same order, or the layers are named by kernel only.

Cycles are the counter's (the cost model at the board's operating point, as `bench` reports);
the timed window of that `infer 1 0` is the total, and what lies outside the layers (the
harness, invoke's own instructions) is its own row, so the rows add up to the inference.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import capstone
from unicorn import arm_const, riscv_const

from ..compiler.compile import compile_model
from ..errors import TinysimError
from .emulated_dut import load_random_input, open_emulated

INVOKE = "ts_model_invoke"
# A kernel call in the generated ts_model_invoke: `    ts_conv2d(&op3_params, ts_arena + 0, ...);`
_C_CALL = re.compile(r"^\s+(\w+)\(&op(\d+)_params,", re.MULTILINE)


@dataclass(frozen=True)
class CallSite:
    addr: int        # the call (or tail jump) instruction
    size: int
    target: int
    tail: bool       # a tail call: the layer ends where ts_model_invoke returns


@dataclass
class LayerCost:
    label: str       # "op 3 CONV_2D 1x25x5x64 ..." or the kernel's name
    kernel: str
    cycles: int
    instructions: int
    macs: Optional[int] = None


@dataclass
class LayerReport:
    workload: str
    clock_hz: float
    model: Optional[str]           # the .tflite the names come from, None: kernel names only
    window_cycles: int
    window_instructions: int
    layers: List[LayerCost] = field(default_factory=list)
    note: str = ""

    @property
    def other_cycles(self) -> int:
        return self.window_cycles - sum(layer.cycles for layer in self.layers)

    @property
    def other_instructions(self) -> int:
        return self.window_instructions - sum(layer.instructions for layer in self.layers)

    def as_dict(self) -> Dict[str, Any]:
        return {"workload": self.workload, "clock_hz": self.clock_hz, "model": self.model,
                "window_cycles": self.window_cycles, "window_instructions": self.window_instructions,
                "outside_layers_cycles": self.other_cycles,
                "outside_layers_instructions": self.other_instructions, "note": self.note,
                "layers": [asdict(layer) for layer in self.layers]}


def call_sites(machine) -> List[CallSite]:
    """The calls ts_model_invoke makes, in order (capstone over its bytes in the emulator)."""
    fw = machine.firmware
    sym = fw.symbols.get(INVOKE)
    if sym is None or not sym.size:
        raise TinysimError(f"{fw.path}: no {INVOKE} symbol with a size: --layers needs a benchmark "
                           "image built from tinysim's compiler (tinysim build --model ...)")
    arm = machine.ARCH == "armv7m"
    start = sym.addr & ~1 if arm else sym.addr
    code = bytes(machine.uc.mem_read(start, sym.size))
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS) if arm \
        else capstone.Cs(capstone.CS_ARCH_RISCV, capstone.CS_MODE_RISCV32 | capstone.CS_MODE_RISCVC)
    sites = []
    for ins in md.disasm(code, start):
        target = _target(ins, arm)
        if target is None:
            continue
        tail = ins.mnemonic in ("b.w", "b", "j")
        if tail and start <= target < start + sym.size:
            continue   # a branch inside invoke itself
        sites.append(CallSite(ins.address, ins.size, target, tail))
    return sites


def _target(ins, arm: bool) -> Optional[int]:
    """The absolute target of a direct call or tail jump, else None."""
    names = ("bl", "b.w", "b") if arm else ("jal", "j")
    if ins.mnemonic not in names:
        return None
    text = ins.op_str.split(",")[-1].strip().lstrip("#")
    if not arm and ins.mnemonic == "jal" and "," in ins.op_str and not ins.op_str.startswith("ra"):
        return None   # jal with another link register: not a call
    try:
        value = int(text, 0)
    except ValueError:
        return None
    # capstone prints Thumb targets absolute, RISC-V jal/j offsets relative to the instruction
    return value if arm else (ins.address + value) & 0xFFFFFFFF


def model_layers(model: Path) -> List[Tuple[str, int, str, int]]:
    """(kernel, op index, label, MACs) of each kernel call the compiler emits for `model`, in
    order: read from the generated ts_model_invoke, named from the compiler's layer list."""
    with tempfile.TemporaryDirectory(prefix="tinysim-layers-") as tmp:
        compiled = compile_model(model, tmp)
        text = compiled.c_path.read_text()
    body = text[text.index(f"void {INVOKE}(void)"):]
    info = {layer["index"]: layer for layer in compiled.layers}
    out = []
    for func, index in _C_CALL.findall(body):
        layer = info.get(int(index), {})
        label = f"op {index} {layer.get('name', '?')} {layer.get('summary', '')}".strip()
        out.append((func, int(index), label, int(layer.get("macs", 0)) or None))
    return out


def layer_costs(platform, elf: Path, model: Optional[Path] = None, seed: int = 0) -> LayerReport:
    """One `infer 1 0` on a random input of the image's workload (after one untimed inference
    that finds where ts_model_invoke returns), timed per layer."""
    transport, client, meter = open_emulated(platform, elf)
    try:
        machine = transport.machine
        sites = call_sites(machine)
        if not sites:
            raise TinysimError(f"{elf}: {INVOKE} calls no kernel")
        names = [machine.firmware.symbolize(s.target) for s in sites]
        workload = load_random_input(client, elf, seed)
        counter = machine.counter
        returns: List[int] = []
        invoke = machine.firmware.symbols[INVOKE].addr
        machine.on_execute(invoke, lambda a: returns.append(_link_register(machine)))
        client.infer(1, 0)   # untimed: learns the caller's return address
        marks: List[Tuple[str, int, int, int]] = []   # (what, site index, cycles, instructions)

        def mark(what: str, k: int):
            return lambda a: marks.append((what, k, counter.cycles, counter.instructions))
        for k, s in enumerate(sites):
            machine.on_execute(s.addr, mark("start", k))
            if not s.tail:
                machine.on_execute(s.addr + s.size, mark("end", k))
        if returns:
            machine.on_execute(returns[-1], mark("return", -1))
        meter.arm()
        measure = meter(client.infer(1, 0))
    finally:
        transport.close()
    layers = _pair(marks, sites, names)
    report = LayerReport(workload=workload, clock_hz=float(measure.profile.meta.get(
        "operating_point", {}).get("clock_hz", platform.clock_hz)),
        model=None, window_cycles=int(round(measure.cycles)),
        window_instructions=int(measure.instructions), layers=layers)
    _name_layers(report, names, model)
    return report


def _link_register(machine) -> int:
    reg = arm_const.UC_ARM_REG_LR if machine.ARCH == "armv7m" else riscv_const.UC_RISCV_REG_RA
    return int(machine.uc.reg_read(reg)) & (~1 if machine.ARCH == "armv7m" else ~0)


def _pair(marks, sites: List[CallSite], names: List[str]) -> List[LayerCost]:
    """Each call's cycles and instructions: from its start mark to its end (or, for a tail
    call, to ts_model_invoke's return)."""
    open_: Dict[int, Tuple[int, int]] = {}
    done: Dict[int, Tuple[int, int]] = {}
    tail_open: Optional[int] = None
    for what, k, cycles, insns in marks:
        if what == "start":
            open_[k] = (cycles, insns)
            if sites[k].tail:
                tail_open = k
        elif what == "end" and k in open_:
            c0, i0 = open_.pop(k)
            done[k] = (cycles - c0, insns - i0)
        elif what == "return" and tail_open is not None and tail_open in open_:
            c0, i0 = open_.pop(tail_open)
            done[tail_open] = (cycles - c0, insns - i0)
            tail_open = None
    missing = [names[k] for k in range(len(sites)) if k not in done]
    if missing:
        raise TinysimError(f"layer timing: {len(missing)} kernel call(s) of {INVOKE} never "
                           f"completed in the timed inference ({', '.join(missing[:3])})")
    return [LayerCost(label=names[k], kernel=names[k], cycles=done[k][0], instructions=done[k][1])
            for k in range(len(sites))]


def _name_layers(report: LayerReport, kernels: List[str], model: Optional[Path]) -> None:
    """Op names and MACs from the model when its generated calls match the ELF's, in order."""
    if model is None or not Path(model).is_file():
        report.note = "no model for the image: layers named by kernel"
        return
    try:
        emitted = model_layers(Path(model))
    except TinysimError as err:
        report.note = f"{model}: cannot compile it to name the layers ({err}); named by kernel"
        return
    if [func for func, _, _, _ in emitted] != kernels:
        report.note = (f"{model} does not compile to the kernel calls in the image (rebuilt "
                       "since?): layers named by kernel")
        return
    report.model = str(model)
    for layer, (_, _, label, macs) in zip(report.layers, emitted):
        layer.label, layer.macs = label, macs
