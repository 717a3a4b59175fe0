"""Command-line options several subcommands share: the cost commands' ELF / platform / profile /
overlay group, and reading the platform and the overlay they name."""

from __future__ import annotations

import argparse
from typing import Dict

from ..cost.overlay import read_overlay
from ..errors import TinysimError
from ..image import load_image
from ..platform import load_platform


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
    return load_platform(name)


def overlay_params(args) -> Dict[str, float]:
    return read_overlay(args.overlay) if getattr(args, "overlay", None) else {}


def add_image_arguments(p: argparse.ArgumentParser) -> None:
    """--base and --symbols: how to read a firmware image that is not an ELF."""
    p.add_argument("--base", default=None, metavar="ADDR",
                   help="load address of a raw binary image (default: the platform's boot flash)")
    p.add_argument("--symbols", default=None, metavar="FILE",
                   help="names for an image without symbols: an ELF of the same build, or a GNU ld "
                        "/ IAR linker map")


def image_arg(path, platform, args):
    """The Firmware in `path` (ELF, Intel HEX or raw binary, by content) with --base / --symbols."""
    base = getattr(args, "base", None)
    if base is not None:
        try:
            base = int(str(base), 0)
        except ValueError:
            raise TinysimError(f"--base {base!r}: expected an address such as 0x08000000") from None
    return load_image(path, platform, base=base, symbols=getattr(args, "symbols", None))
