"""The profile a cost command works on: a saved one (--profile), or one recorded now by emulating
the ELF, either the whole run or one timed inference window of a benchmark image."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import Dict, Optional, Tuple

from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from ..image import is_elf_file
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
    profile.meta.setdefault("elf", str(Path(args.elf).resolve()))
    return profile


_INFER_WINDOW = re.compile(r"infer (\d+) ")


def inferences_in(profile: ExecutionProfile) -> int:
    """How many inferences the profile's window covers (1 for a whole run): recorded by the meter
    as `meta["inferences"]`, or read from an older profile's window name `infer N W`."""
    n = profile.meta.get("inferences")
    if isinstance(n, int) and not isinstance(n, bool) and n >= 1:
        return n
    m = _INFER_WINDOW.match(str(profile.meta.get("window", "")) + " ")
    return max(int(m.group(1)), 1) if m else 1


def profile_elf(args, profile: ExecutionProfile) -> Tuple[Optional[str], str]:
    """(the ELF whose symbols name the profile's blocks, a note for the user). The ELF given on
    the command line; else the one the profile recorded, when it is still there with the same
    sha256; else None (addresses), with the note saying why."""
    if getattr(args, "elf", None):
        if not is_elf_file(Path(args.elf)):
            return None, (f"{args.elf} carries no symbols (Intel HEX or raw binary): blocks are "
                          "named by address")
        return str(args.elf), ""
    recorded = profile.meta.get("elf")
    if not recorded:
        return None, "the profile does not record its ELF: give the ELF for function names"
    path = Path(recorded)
    if not path.is_file():
        return None, f"the profile's ELF {path} is gone: give the ELF for function names"
    want = profile.meta.get("elf_sha256")
    if want and hashlib.sha256(path.read_bytes()).hexdigest() != want:
        return None, (f"the profile's ELF {path} was rebuilt since (sha256 differs): give the "
                      "ELF it was recorded from for function names")
    if not is_elf_file(path):
        return None, (f"the profile's image {path} carries no symbols (Intel HEX or raw binary): "
                      "blocks are named by address")
    return str(path), f"symbols from {path} (recorded in the profile)"
