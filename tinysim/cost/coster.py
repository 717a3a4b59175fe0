"""`BlockCoster`: the callback the native counter calls once per translation block.

`describe(code, addr)` decodes the block, applies the core's pipeline rules and returns
`BlockInfo(n_insns, cycles, taken_extra)`; the term histograms behind those numbers are kept,
keyed by (addr, size), so a recorded profile can be re-costed later for another clock or table.
"""

from __future__ import annotations

import dataclasses
from typing import Callable, Dict, List, Mapping, NamedTuple, Optional, Tuple

import numpy as np

from ..errors import PlatformError, TinysimError
from .classes import InsnClass
from .classify import decode
from .timing import TimingPreset, get_preset


class BlockInfo(NamedTuple):
    n_insns: int
    cycles: int  # static cycles of one execution of the block
    taken_extra: int  # extra cycles when the block is left by a taken branch


class UnclassifiedInstructionError(TinysimError):
    """Strict mode: the firmware executed an instruction the cost model has no class for."""


class BlockCoster:
    def __init__(self, platform, params: Optional[Mapping[str, float]] = None,
                 strict: bool = False):
        self.platform = platform
        self.arch = platform.core.arch
        self.preset: TimingPreset = get_preset(platform.core.timing)
        if self.preset.arch != self.arch:
            raise PlatformError(
                f"platform {getattr(platform, 'name', '?')}: timing preset {self.preset.name!r} "
                f"is for {self.preset.arch}, but the core is {self.arch}")
        timing_keys = set(self.preset.defaults)
        self.params = self.preset.params({k: v for k, v in (params or {}).items()
                                          if k in timing_keys})
        self.weights = self.preset.cycles(self.params)
        self.strict = strict
        self._blocks: Dict[Tuple[int, int], Tuple[np.ndarray, np.ndarray, int]] = {}
        self.unclassified: Dict[Tuple[int, str], None] = {}  # ordered set of (addr, mnemonic)

    def describe(self, code: bytes, addr: int,
                 read_memory: Optional[Callable[[int, int], bytes]] = None) -> BlockInfo:
        """`read_memory(addr, size)`, when given, lets the rules see a direct branch's target."""
        addr &= ~1 if self.arch == "armv7m" else ~0
        decoded = decode(self.arch, code, addr)
        insns = decoded.insns
        if read_memory is not None and self.arch == "armv7m" and insns:
            insns[-1] = _mark_wide_odd_target(insns[-1], read_memory)
        unknown = list(decoded.unclassified)
        if self.preset.unsupported:
            for k, ins in enumerate(insns):
                if ins.cls in self.preset.unsupported:
                    unknown.append((ins.addr, f"{ins.mnemonic} (no {ins.cls.name} timing on "
                                               f"{self.preset.name})"))
                    insns[k] = dataclasses.replace(ins, cls=InsnClass.UNCLASSIFIED)
        for item in unknown:
            self.unclassified[item] = None
        if unknown and self.strict:
            where = ", ".join(f"{m} at 0x{a:08x}" for a, m in unknown)
            raise UnclassifiedInstructionError(
                f"cost model ({self.preset.name}) has no class for: {where}; add it to "
                "tinysim/cost/classify/ (cortex_m.py or riscv.py) or run without strict mode to cost "
                "it as 1 cycle")
        static, taken = self.preset.block_terms(insns)
        self._blocks[(addr, len(code))] = (static, taken, len(insns))
        return BlockInfo(len(insns), int(round(float(static @ self.weights))),
                         int(round(float(taken @ self.weights))))

    def describer(self, read_memory: Callable[[int, int], bytes]):
        """Adapter for the counter's `describe_block(addr, size)` callback."""
        def describe_block(addr: int, size: int) -> BlockInfo:
            return self.describe(bytes(read_memory(addr, size)), addr, read_memory)
        return describe_block

    def histogram(self, addr: int, size: int) -> Tuple[np.ndarray, np.ndarray]:
        """(static terms, taken terms) of a described block."""
        key = (addr & ~1 if self.arch == "armv7m" else addr, size)
        try:
            static, taken, _ = self._blocks[key]
        except KeyError:
            raise TinysimError(f"block 0x{addr:08x}+{size} was never described by this "
                               "BlockCoster; profiles must use the coster the counter called")
        return static, taken

    def histograms(self, addrs, sizes) -> Tuple[np.ndarray, np.ndarray]:
        """Stacked histograms for arrays of block addresses and sizes (profile construction)."""
        n = len(addrs)
        static = np.zeros((n, len(InsnClass)), dtype=np.int32)
        taken = np.zeros((n, len(InsnClass)), dtype=np.int32)
        for k, (a, s) in enumerate(zip(addrs, sizes)):
            static[k], taken[k] = self.histogram(int(a), int(s))
        return static, taken

    def unclassified_list(self) -> List[Tuple[int, str]]:
        return list(self.unclassified)


def _mark_wide_odd_target(last, read_memory):
    """`last` with target_wide_odd set when it is a direct branch to a 32-bit Thumb instruction at
    an odd halfword: the first halfword of a 32-bit encoding has bits [15:11] = 0b11101, 0b11110
    or 0b11111 (ARMv7-M ARM A5.1). An unreadable target (unmapped) leaves it unset."""
    target = last.target
    if not last.exit or target is None or target % 4 != 2:
        return last
    try:
        half = int.from_bytes(bytes(read_memory(target, 2)), "little")
    except Exception:   # noqa: BLE001 - the emulator's read error for an unmapped target
        return last
    if half >> 11 in (0b11101, 0b11110, 0b11111):
        return dataclasses.replace(last, target_wide_odd=True)
    return last
