"""Cost model: instruction classes, per-core timing, flash wait states, energy, profiles.

Recording: `BlockCoster(platform).describe(code, addr)` is called by the native counter once per
translation block; `ExecutionProfile.from_counts(...)` turns counter snapshots into a profile.
Re-costing: `estimate(profile, platform_variant)` and `sweep_clocks(...)`, numpy only.
"""

from .classes import InsnClass
from .coster import BlockCoster, BlockInfo, UnclassifiedInstructionError
from .evaluate import Estimate, estimate, sweep_clocks
from .flash import flash_penalties, wait_states
from .profile import ExecutionProfile

__all__ = ["InsnClass", "BlockCoster", "BlockInfo", "UnclassifiedInstructionError", "Estimate",
           "estimate", "sweep_clocks", "flash_penalties", "wait_states", "ExecutionProfile"]
