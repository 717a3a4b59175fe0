"""Per-core timing presets, by name: `get_preset("cortex-m4")`. Each preset (`preset.py`) turns a
decoded block into term histograms and a cycle vector; the tables live per core (`cortex_m4.py`,
`cortex_m33.py`, `riscv.py`) with their sources."""

from __future__ import annotations

from ...registry import Registry
from ..classify import Insn
from . import cortex_m4, cortex_m7, cortex_m33, riscv
from .preset import TimingPreset, empty_terms

PRESETS: Registry[TimingPreset] = Registry("timing preset")
for _preset in (*cortex_m4.PRESETS, *cortex_m7.PRESETS, *cortex_m33.PRESETS, *riscv.PRESETS):
    PRESETS.add(_preset.name, _preset)


def get_preset(name: str) -> TimingPreset:
    return PRESETS.get(name)


__all__ = ["TimingPreset", "get_preset", "PRESETS", "empty_terms", "Insn"]
