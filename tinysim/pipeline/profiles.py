"""The profile a cost command works on: a saved one (--profile), or one recorded now by emulating
the ELF, either the whole run or one timed inference window of a benchmark image."""

from __future__ import annotations

from pathlib import Path
from typing import Dict, Optional

from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from .emulated_dut import record_inference_window, speaks_dut_protocol
from .session import record_profile


def obtain_profile(args, platform, params: Optional[Dict[str, float]] = None) -> ExecutionProfile:
    """The profile named by --profile, or one recorded now by emulating the ELF."""
    if args.profile:
        return ExecutionProfile.load(args.profile)
    if not args.elf:
        raise TinysimError("give a firmware ELF to emulate, or --profile FILE.npz to re-cost")
    if not Path(args.elf).exists():
        raise TinysimError(f"{args.elf}: ELF file not found")
    window = getattr(args, "window", "run")
    if window != "run":
        if window == "infer" or speaks_dut_protocol(platform, Path(args.elf)):
            return record_inference_window(platform, Path(args.elf), inferences=args.infer)
    recorded = record_profile(args.elf, platform, max_instructions=args.max_instructions)
    profile = recorded[0] if isinstance(recorded, tuple) else recorded
    profile.meta.setdefault("window", "whole run")
    return profile
