"""A per-core timing preset: cycles per cost term, named free parameters, pipeline rules.

A preset turns a decoded block into two term histograms (`block_terms`): the terms paid every time
the block runs, and the terms paid only when it is left by a taken branch. Multiplying them with
the preset's cycle vector gives the block's static cycles and taken extra, the two numbers the
native counter needs. The free parameters (divide latency, branch refill, ...) are what a what-if
or a calibration changes; the cycle vector is rebuilt from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable, Dict, FrozenSet, Mapping, Optional, Tuple

import numpy as np

from ...errors import PlatformError
from ..classes import N_TERMS, InsnClass
from ..classify import BLOCKING, CALL, CALL_INDIRECT, COND, INDIRECT, JUMP, RETURN

BlockRules = Callable[[list], Tuple[np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class TimingPreset:
    name: str
    arch: str  # "armv7m" | "rv32"
    defaults: Mapping[str, float]  # free parameters and their documented default
    table: Callable[[Mapping[str, float]], Dict[InsnClass, float]]  # params -> cycles per term
    rules: BlockRules  # decoded instructions -> (static terms, taken terms)
    unsupported: FrozenSet[InsnClass] = field(default_factory=frozenset)
    source: str = ""

    def params(self, overrides: Optional[Mapping[str, float]] = None) -> Dict[str, float]:
        merged = dict(self.defaults)
        for key, value in (overrides or {}).items():
            if key not in merged:
                raise PlatformError(
                    f"timing preset {self.name!r} has no parameter {key!r} "
                    f"(known: {', '.join(sorted(merged))})")
            merged[key] = float(value)
        return merged

    def cycles(self, overrides: Optional[Mapping[str, float]] = None) -> np.ndarray:
        """Cycles per cost term as a vector indexed by `InsnClass`."""
        table = self.table(self.params(overrides))
        vec = np.zeros(N_TERMS, dtype=np.float64)
        for cls, value in table.items():
            vec[int(cls)] = value
        return vec

    def block_terms(self, insns: list) -> Tuple[np.ndarray, np.ndarray]:
        return self.rules(insns)



def empty_terms() -> Tuple[np.ndarray, np.ndarray]:
    return np.zeros(N_TERMS, dtype=np.int32), np.zeros(N_TERMS, dtype=np.int32)


_TAKEN_TERM = {JUMP: InsnClass.TAKEN_JUMP, RETURN: InsnClass.TAKEN_RETURN,
               INDIRECT: InsnClass.TAKEN_INDIRECT, BLOCKING: InsnClass.TAKEN_BLOCKING,
               CALL: InsnClass.TAKEN_CALL, CALL_INDIRECT: InsnClass.TAKEN_CALL_INDIRECT}


def count_taken_exit(insns: list, taken: np.ndarray) -> None:
    """The taken-exit term of a block left by its last instruction (every core's rule): a
    conditional branch backward (a loop) or forward, else the kind of jump, call or return."""
    if insns and insns[-1].exit:
        last = insns[-1]
        if last.exit == COND:
            back = last.target is not None and last.target <= last.addr
            taken[InsnClass.TAKEN_BRANCH_BACK if back else InsnClass.TAKEN_BRANCH_FWD] += 1
        else:
            taken[_TAKEN_TERM[last.exit]] += 1
