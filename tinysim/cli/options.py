"""Command-line options several subcommands share: the cost commands' ELF / platform / profile /
overlay group, reading the platform and the overlay they name, the platform an image's manifest
names when --platform is left out, and the one "wrote <path>" line every written file gets."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Dict, Optional

from ..cost.overlay import read_overlay
from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from ..image import load_image
from ..platform import load_platform


def add_common_arguments(p: argparse.ArgumentParser, elf_required: bool = False) -> None:
    p.add_argument("elf", nargs=None if elf_required else "?", help="firmware image: an ELF, or an Intel HEX or raw binary (no symbols: blocks are named by address)")
    add_platform_argument(p)
    p.add_argument("--profile", metavar="FILE.npz",
                   help="re-cost a saved profile instead of emulating the ELF (its ELF and "
                        "platform, recorded in the profile, are the defaults)")
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


PLATFORM_HELP = ("board name (platforms/boards/NAME/) or a path to a board TOML; optional for an "
                 "image under firmware_images/<board>/ (its manifest names the board)")


def add_platform_argument(p: argparse.ArgumentParser) -> None:
    p.add_argument("--platform", default=None, help=PLATFORM_HELP)


def load_platform_arg(name: str):
    return load_platform(name)


def load_manifest(directory: Path) -> Dict[str, Any]:
    """An image folder's manifest.json ({} when there is none)."""
    path = directory / "manifest.json"
    if not path.is_file():
        return {}
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as err:
        raise TinysimError(f"{path}: unreadable image manifest ({err})") from None
    return doc if isinstance(doc, dict) else {}


def manifest_entry(manifest: Dict[str, Any], workload: str, elf: Path) -> Dict[str, Any]:
    """The manifest's entry for one image: keyed by workload or by file name, under 'images'
    (or the top level); entries may also be a list with 'name'/'workload'/'file' fields."""
    for table in (manifest.get("images"), manifest.get("workloads"), manifest):
        if isinstance(table, dict):
            for key in (workload, elf.name, elf.stem, f"{elf.parent.name}/{elf.name}"):
                if isinstance(table.get(key), dict):
                    return table[key]
        if isinstance(table, list):
            for e in table:
                if isinstance(e, dict) and workload in (e.get("name"), e.get("workload"), e.get("model"),
                                                        Path(str(e.get("file", ""))).stem):
                    return e
    return {}


def manifest_platform(image: Path) -> Optional[str]:
    """The board an image was built for, from the manifest.json of its folder (prebuilt benchmark
    images: firmware_images/<board>/) or of the folder above (test images:
    firmware_images/tests/<board>/); None when no manifest names one."""
    image = Path(image)
    for directory in (image.parent, image.parent.parent):
        manifest = load_manifest(directory)
        if not manifest:
            continue
        entry = manifest_entry(manifest, image.stem, image)
        name = entry.get("platform") or (manifest.get("platform") if directory == image.parent else None)
        if isinstance(name, str) and name:
            return name
    return None


def platform_for(args, image: Optional[Path] = None, profile_meta: Optional[Dict[str, Any]] = None):
    """The Platform of --platform; without it, the one the image's manifest names (see
    `manifest_platform`), else the one a saved profile was recorded on. A clear error when none."""
    if getattr(args, "platform", None):
        return load_platform(args.platform)
    if image is not None:
        name = manifest_platform(Path(image))
        if name:
            return load_platform(name)
    if profile_meta and isinstance(profile_meta.get("platform"), str):
        return load_platform(profile_meta["platform"])
    what = f"{image}: no manifest.json beside it names its board" if image is not None else \
        "no firmware image given"
    raise TinysimError(f"--platform is needed ({what}); give --platform NAME, e.g. --platform "
                       "nucleo-l4r5zi (boards: platforms/boards/)")


def wrote(path, what: str = "") -> None:
    """The line every command prints for each file it writes (on stderr, so --json stays clean)."""
    sys.stdout.flush()   # after what the command printed before it
    print(f"wrote {path}" + (f" ({what})" if what else ""), file=sys.stderr)


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


def cost_inputs(args):
    """(platform, overlay params, profile) of a cost command (sweep, profile): the profile of
    --profile or one recorded now from the ELF; the platform of --platform, else the ELF's
    manifest, else the one the saved profile was recorded on."""
    from ..pipeline.profiles import obtain_profile  # deferred: `tinysim --help` start-up speed
    params = overlay_params(args)
    saved = ExecutionProfile.load(args.profile) if args.profile else None
    image = Path(args.elf) if getattr(args, "elf", None) else None
    if image is not None and not image.exists() and saved is None:
        raise TinysimError(f"{image}: ELF file not found")
    platform = platform_for(args, image, saved.meta if saved is not None else None)
    profile = saved if saved is not None else obtain_profile(args, platform, params)
    return platform, params, profile
