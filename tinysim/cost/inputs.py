"""What the cost CLI commands share: loading the platform, an overlay, and a profile."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Dict, Optional

from ..errors import TinysimError
from .overlay import read_overlay
from .profile import ExecutionProfile


def add_common_arguments(p: argparse.ArgumentParser, elf_required: bool = False) -> None:
    p.add_argument("elf", nargs=None if elf_required else "?", help="firmware ELF")
    p.add_argument("--platform", required=True, help="board name or path to a board TOML")
    p.add_argument("--profile", metavar="FILE.npz",
                   help="re-cost a saved profile instead of emulating the ELF")
    p.add_argument("--overlay", metavar="FILE.toml",
                   help="calibrated cost parameters (written by `tinysim calibrate`)")
    p.add_argument("--max-instructions", type=int, default=None,
                   help="instruction budget when emulating (default: run until the firmware stops)")
    p.add_argument("--window", choices=("auto", "infer", "run"), default="auto",
                   help="what to profile: 'infer' = one timed inference window of a benchmark image "
                        "(EEMBC DUT firmware), 'run' = the whole run until the firmware stops or waits; "
                        "'auto' (default) picks 'infer' for firmware that speaks the DUT protocol")
    p.add_argument("--infer", type=int, default=1, metavar="N",
                   help="inferences in the timed window with --window infer (default 1)")


def load_platform_arg(name: str):
    try:
        from ..platform import load_platform
    except ImportError as err:
        raise TinysimError(f"platform loader unavailable ({err})") from None
    return load_platform(name)


def overlay_params(args) -> Dict[str, float]:
    return read_overlay(args.overlay) if getattr(args, "overlay", None) else {}


def obtain_profile(args, platform, params: Optional[Dict[str, float]] = None) -> ExecutionProfile:
    """The profile named by --profile, or one recorded now by emulating the ELF."""
    if args.profile:
        return ExecutionProfile.load(args.profile)
    if not args.elf:
        raise TinysimError("give a firmware ELF to emulate, or --profile FILE.npz to re-cost")
    if not Path(args.elf).exists():
        raise TinysimError(f"{args.elf}: ELF file not found")
    try:
        from ..emu.session import record_profile
    except ImportError:
        raise TinysimError("emulation is not available in this build (tinysim.emu.session); "
                           "re-cost a saved profile with --profile FILE.npz") from None
    window = getattr(args, "window", "run")
    if window != "run":
        from ..harness.emulated import record_inference_window, speaks_dut_protocol
        if window == "infer" or speaks_dut_protocol(platform, Path(args.elf)):
            return record_inference_window(platform, Path(args.elf), inferences=args.infer)
    recorded = record_profile(args.elf, platform, max_instructions=args.max_instructions)
    profile = recorded[0] if isinstance(recorded, tuple) else recorded
    profile.meta.setdefault("window", "whole run")
    return profile
