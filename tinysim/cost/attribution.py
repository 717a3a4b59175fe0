"""Cycles, instructions and energy per function: blocks mapped to ELF symbols (pyelftools).

Per block: cycles = executions x static + taken exits x taken extra + flash fetch penalties, with
the same weights `estimate` uses, so the function rows add up to the window total (flash data
misses are counted per memory region, not per block, and get their own row).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Optional, Tuple

import numpy as np

from ..errors import FirmwareError
from .classes import InsnClass
from .energy import EnergyModel
from .evaluate import Estimate, estimate, split_params, term_weights
from .flash import penalties_for_ws

UNKNOWN = "<no symbol>"
DATA_MISSES = "<flash data misses>"


@dataclass(frozen=True)
class FunctionCost:
    name: str
    cycles: float
    instructions: int
    executions: int  # block executions
    joules: float


def function_symbols(elf_path) -> Tuple[np.ndarray, np.ndarray, List[str]]:
    """Sorted (start, end, name) of the ELF's function symbols (Thumb bit cleared)."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.elffile import ELFFile
    from elftools.elf.sections import SymbolTableSection

    rows = []
    try:
        with open(elf_path, "rb") as fh:
            elf = ELFFile(fh)
            thumb = elf["e_machine"] == "EM_ARM"
            for sec in elf.iter_sections():
                if not isinstance(sec, SymbolTableSection):
                    continue
                for sym in sec.iter_symbols():
                    if sym["st_info"]["type"] != "STT_FUNC" or not sym.name:
                        continue
                    start = sym["st_value"] & ~1 if thumb else sym["st_value"]
                    rows.append((start, start + max(sym["st_size"], 1), sym.name))
    except FileNotFoundError:
        raise FirmwareError(f"{elf_path}: ELF file not found") from None
    except ELFError as err:
        raise FirmwareError(f"{elf_path}: not an ELF file ({err})") from None
    rows.sort()
    return (np.array([r[0] for r in rows], dtype=np.int64),
            np.array([r[1] for r in rows], dtype=np.int64), [r[2] for r in rows])


def block_functions(addrs: np.ndarray, symbols) -> List[str]:
    starts, ends, names = symbols
    idx = np.searchsorted(starts, addrs.astype(np.int64), side="right") - 1
    out = []
    for a, i in zip(addrs.astype(np.int64), idx):
        out.append(names[i] if i >= 0 and a < ends[i] else UNKNOWN)
    return out


def block_costs(profile, platform, params=None, clock_hz: Optional[float] = None):
    """(cycles, joules) per block, consistent with `estimate`."""
    _, flash_params, energy_params = split_params(params)
    clock = float(platform.clock_hz) if clock_hz is None else clock_hz
    w = term_weights(profile, platform, params)
    counts = profile.blocks["count"].astype(np.float64)
    taken = profile.taken_counts.astype(np.float64)
    ws = platform.wait_states_at(clock)
    pi, pp, _, _ = (float(x) for x in penalties_for_ws(
        ws, platform.flash.line_bytes, platform.flash.prefetch, flash_params,
        platform.flash.refill_reads))
    imiss = profile.blocks["imiss"].astype(np.float64)
    ipre = profile.blocks["iprefetch"].astype(np.float64)
    cycles = counts * (profile.static_hist @ w) + taken * (profile.taken_hist @ w) \
        + imiss * pi + ipre * pp
    model = EnergyModel.from_platform(platform, energy_params)
    dvec = model.delta_vector()
    per_cycle = float(model.base_joules(1.0, clock))
    joules = cycles * per_cycle + counts * (profile.static_hist @ dvec) \
        + taken * (profile.taken_hist @ dvec) + model.event_joules(imiss + ipre, 0.0)
    return cycles, joules


def block_names(profile, elf_path) -> List[str]:
    """The function of each block (its address when there is no ELF)."""
    if elf_path:
        return block_functions(profile.blocks["addr"], function_symbols(elf_path))
    return [f"0x{a:08x}" for a in profile.blocks["addr"]]


def by_function(profile, platform, elf_path, params=None) -> Tuple[List[FunctionCost], Estimate]:
    total = estimate(profile, platform, params)
    cycles, joules = block_costs(profile, platform, params)
    names = block_names(profile, elf_path)
    agg = {}
    n_ins = profile.blocks["count"].astype(np.int64) * profile.blocks["n_insns"].astype(np.int64)
    for k, name in enumerate(names):
        c, j, i, e = agg.get(name, (0.0, 0.0, 0, 0))
        agg[name] = (c + cycles[k], j + joules[k], i + int(n_ins[k]),
                     e + int(profile.blocks["count"][k]))
    if profile.dmiss or profile.dprefetch:
        dm = total.breakdown["flash_dmiss_cycles"] + total.breakdown["flash_dprefetch_cycles"]
        agg[DATA_MISSES] = (dm, total.joules - float(joules.sum()), 0, 0)
    rows = [FunctionCost(n, c, i, e, j) for n, (c, j, i, e) in agg.items()]
    rows.sort(key=lambda r: (-r.cycles, r.name))
    return rows, total


def call_graph(profile, names: List[str]) -> Dict[str, Dict[str, int]]:
    """callee -> {caller: calls}, from taken edges leaving a block that ends in a call
    (TAKEN_CALL / TAKEN_CALL_INDIRECT in its taken histogram: BL, BLX Rm, JAL ra, JALR ra)."""
    calls = (profile.taken_hist[:, InsnClass.TAKEN_CALL]
             + profile.taken_hist[:, InsnClass.TAKEN_CALL_INDIRECT]) > 0
    graph: Dict[str, Dict[str, int]] = {}
    for src, dst, count, taken in profile.edges.tolist():
        if taken and calls[src] and count:
            callers = graph.setdefault(names[dst], {})
            callers[names[src]] = callers.get(names[src], 0) + int(count)
    return graph


def _stacks_of(func: str, graph, memo, visiting, max_depth: int = 48, max_paths: int = 256):
    """[(stack tuple root..func, fraction)]: func's time split over its callers by call counts
    (the gprof assumption: every call of a function costs the same)."""
    if func in memo:
        return memo[func]
    callers = graph.get(func)
    if not callers or func in visiting or len(visiting) >= max_depth:
        return [((func,), 1.0)]  # a root, recursion or too deep: the stack starts here
    visiting = visiting | {func}
    total = sum(callers.values())
    out = []
    for caller, n in sorted(callers.items()):
        for stack, frac in _stacks_of(caller, graph, memo, visiting, max_depth, max_paths):
            out.append((stack + (func,), frac * n / total))
    if len(out) > max_paths:  # keep the heaviest paths; the rest is shown without callers
        out.sort(key=lambda sf: -sf[1])
        rest = sum(frac for _, frac in out[max_paths:])
        out = out[:max_paths] + [((func,), rest)]
    memo[func] = out
    return out


def collapsed_stacks(rows: List[FunctionCost], graph: Optional[Dict] = None) -> List[str]:
    """flamegraph.pl / speedscope "collapsed" lines (`root;caller;func cycles`), weight = cycles
    of the function itself. Without a call graph: one frame per function."""
    def frame(name: str) -> str:
        return name.replace(";", ":").replace(" ", "_")

    weights: Dict[Tuple[str, ...], float] = {}
    memo: Dict[str, list] = {}
    for r in rows:
        if r.cycles <= 0:
            continue
        paths = _stacks_of(r.name, graph, memo, frozenset()) if graph else [((r.name,), 1.0)]
        for stack, frac in paths:
            weights[stack] = weights.get(stack, 0.0) + r.cycles * frac
    lines = [(";".join(frame(f) for f in stack), int(round(w))) for stack, w in weights.items()]
    return [f"{s} {w}" for s, w in sorted(lines, key=lambda sw: (-sw[1], sw[0])) if w > 0]
