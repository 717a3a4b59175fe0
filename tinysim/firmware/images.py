"""Benchmark firmware images: model -> C -> ELF for a platform, and the prebuilt set with its manifest.

`firmware_images/<platform>/<workload>.elf` are built from `models/<workload>.tflite` with the
project's compiler, harness, kernels and the platform's board port. The manifest records what a
reader needs to trust and use an image: sha256, toolchain version, kernels, MACs, flash/SRAM use.
A workload that does not fit a platform is recorded as such (needed vs available), not silently
skipped.

    python -m tinysim.firmware.images [--platform P ...] [--workload W ...]   rebuild
    python -m tinysim.firmware.images --check                                 rebuild to a temp
                                                                              dir, compare sha256
    python -m tinysim.firmware.images --official DIR [--platform P ...]      the official models'
                                                                              images

The official MLPerf Tiny models (fetched to models/pretrained/, never committed) have their own
images, `<platform>/<workload>_official.elf`, whose manifest entries give the model's pinned
SHA-256; rebuilding the synthetic-weight images keeps those entries.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
import tempfile
from pathlib import Path
from typing import Iterable, Optional

from ..atomic import write_atomic
from ..compiler.compile import compile_model
from ..errors import TinysimError
from ..models.fetch import official_model, reference_expectations
from ..platform import Platform, available_platforms, load_platform
from ..workloads import ids as registered_workloads
from . import build

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
IMAGES_DIR = REPO_ROOT / "firmware_images"
MODELS_DIR = REPO_ROOT / "models"
PRETRAINED_DIR = MODELS_DIR / "pretrained"     # where `tinysim models fetch` puts them
OFFICIAL = "_official"                          # image / manifest key suffix: <workload>_official
WORKLOADS = registered_workloads()
# Every shipped board (a folder in platforms/boards/): adding a board folder adds its images.
# The boards tinysim builds images for (a board file with `[firmware] build = false` runs
# only prebuilt or vendor images and has none here).
DEFAULT_PLATFORMS = tuple(n for n in available_platforms() if load_platform(n).firmware is not None)


# Optimized kernel ports and the core they need: (architecture, declared `[core] features`).
# A core without them builds the portable `reference` port.
KERNEL_PORTS = (("arm_dsp", "armv7m", ("dsp",)),)   # SMLAD/SXTB16/SSAT: the Arm DSP extension


def kernels_for(platform: Platform) -> str:
    """The kernel port a platform's firmware uses, chosen by what its SoC file says the core can
    do (`[core] features`), not by the core's name."""
    for port, arch, features in KERNEL_PORTS:
        if platform.core.arch == arch and set(features) <= set(platform.core.features):
            return port
    return "reference"


def image_path(platform: str, workload: str) -> Path:
    return IMAGES_DIR / platform / f"{workload}.elf"


def prebuilt_image(platform: Platform, workload: str) -> Path:
    """The committed image for (platform, workload), or a clear error saying how to get one."""
    path = image_path(platform.name, workload)
    if path.is_file():
        return path
    manifest = load_manifest(platform.name)
    entry = manifest.get("images", {}).get(workload, {})
    if entry.get("fits") is False:
        raise TinysimError(f"{workload} does not fit {platform.name}: {entry.get('why')}")
    raise TinysimError(f"no prebuilt image {path}; build it with: "
                       f"tinysim build --model models/{workload}.tflite --platform {platform.name}")


def load_manifest(platform: str) -> dict:
    path = IMAGES_DIR / platform / "manifest.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


def build_model_image(model: Path, platform: Platform, out: Path,
                      work_dir: Optional[Path] = None, model_id: Optional[str] = None) -> dict:
    """Compile `model` and link it with the harness, kernels and board port. Returns a manifest entry."""
    # The generated C goes to a fixed place under the repository: its path reaches the debug
    # information, and a fixed path (prefix-mapped to ".") keeps rebuilt images byte-identical.
    cdir = Path(work_dir) if work_dir else REPO_ROOT / "build" / "model-c" / platform.name / model.stem
    cdir.mkdir(parents=True, exist_ok=True)
    compiled = compile_model(model, cdir, model_id=model_id)
    kernels = kernels_for(platform)
    entry = {
        "model": os.path.relpath(model, REPO_ROOT) if model.resolve().is_relative_to(REPO_ROOT) else str(model),
        "model_id": compiled.model_id,
        "macs": compiled.macs,
        "kernels": kernels,
        "flash_model_bytes": sum(compiled.flash.values()),
        "arena_bytes": compiled.arena_bytes,
    }
    try:
        elf = build.build_benchmark(cdir, platform, out, kernels=kernels)
    except build.BuildError as err:
        if "overflowed" in str(err) or "will not fit" in str(err):
            entry.update(fits=False, why=_overflow_summary(str(err), platform))
            return entry
        raise
    sizes = build.elf_sizes(elf)
    entry.update(
        fits=True,
        sha256=build.sha256_file(elf),
        toolchain=build.toolchain_for(platform).version,
        flash_bytes=sizes["text"] + sizes["data"],
        sram_static_bytes=sizes["data"] + sizes["bss"],
        sizes=sizes,
    )
    return entry


_OVERFLOW = re.compile(r"region `(\w+)' overflowed by (\d+) bytes")
_WONT_FIT = re.compile(r"section `([\w.]+)' will not fit in region `(\w+)'")


def _overflow_summary(message: str, platform: Platform) -> str:
    """"needs N more bytes of FLASH (.rodata, .text)" from the linker's complaint."""
    sections: dict[str, list[str]] = {}
    for section, region in _WONT_FIT.findall(message):
        sections.setdefault(region, []).append(section)
    parts = [f"{region} overflows by {int(n):,} bytes ({', '.join(sections.get(region, [])) or 'sections'})"
             for region, n in _OVERFLOW.findall(message)]
    have = f"the platform has {platform.flash_bytes // 1024} KiB flash and {platform.sram_bytes // 1024} KiB SRAM"
    return f"{'; '.join(parts) or message.splitlines()[0]}; {have}"


def build_images(platforms: Iterable[str], workloads: Iterable[str], out_root: Path = IMAGES_DIR,
                 log=print) -> dict:
    """Build every (platform, workload) image under `out_root` and write each platform's manifest."""
    manifests = {}
    for name in platforms:
        platform = load_platform(name)
        folder = out_root / name
        folder.mkdir(parents=True, exist_ok=True)
        manifest = {"platform": name, "images": _official_entries(folder)}
        for workload in workloads:
            entry = build_model_image(MODELS_DIR / f"{workload}.tflite", platform, folder / f"{workload}.elf")
            manifest["images"][workload] = entry
            log(f"{name}/{workload}: " + (f"{entry['flash_bytes']} B flash, sha256 {entry['sha256'][:12]}"
                                         if entry["fits"] else f"does not fit: {entry['why']}"))
        write_atomic(folder / "manifest.json", (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode(),
                     "image manifest")
        manifests[name] = manifest
    return manifests


def _official_entries(folder: Path) -> dict:
    """The official-model entries of the manifest in `folder` (kept when the others are rebuilt)."""
    path = folder / "manifest.json"
    images = json.loads(path.read_text()).get("images", {}) if path.is_file() else {}
    return {k: v for k, v in images.items() if k.endswith(OFFICIAL)}


def build_official_image(workload: str, models_dir: Path, platform: Platform, out: Path) -> dict:
    """`<workload>_official.elf` from the verified official model in `models_dir`. The generated
    C goes to a fixed folder named by the workload, not by the file, so the image is the same
    whichever copy (models/pretrained/<id>.tflite, <id>_official.tflite) it was built from."""
    model = official_model(workload, models_dir)
    key = workload + OFFICIAL
    entry = build_model_image(model, platform, out,
                              work_dir=REPO_ROOT / "build" / "model-c" / platform.name / key,
                              model_id=workload)
    entry.update(model=os.path.relpath(PRETRAINED_DIR / f"{workload}.tflite", REPO_ROOT),
                 model_sha256=reference_expectations()[workload].sha256,
                 weights="official MLPerf Tiny pretrained int8 model (mlcommons/tiny)")
    return entry


def build_official_images(platforms: Iterable[str], workloads: Iterable[str], models_dir: Path,
                          out_root: Path = IMAGES_DIR, log=print) -> dict:
    """Build every (platform, workload) official-model image and merge its entry into the
    platform's manifest."""
    manifests = {}
    for name in platforms:
        platform = load_platform(name)
        folder = out_root / name
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / "manifest.json"
        manifest = json.loads(path.read_text()) if path.is_file() else {"platform": name, "images": {}}
        for workload in workloads:
            key = workload + OFFICIAL
            entry = build_official_image(workload, models_dir, platform, folder / f"{key}.elf")
            manifest["images"][key] = entry
            log(f"{name}/{key}: " + (f"{entry['flash_bytes']} B flash, sha256 {entry['sha256'][:12]}"
                                     if entry["fits"] else f"does not fit: {entry['why']}"))
        manifest["images"] = dict(sorted(manifest["images"].items()))
        write_atomic(path, (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode(), "image manifest")
        manifests[name] = manifest
    return manifests


def check_images(platforms: Iterable[str], workloads: Iterable[str], log=print) -> list[str]:
    """Rebuild into a scratch directory; return the differences from the committed manifests."""
    problems = []
    with tempfile.TemporaryDirectory(prefix="tinysim-check-") as tmp:
        rebuilt = build_images(platforms, workloads, Path(tmp), log=log)
        for name, manifest in rebuilt.items():
            committed = load_manifest(name).get("images", {})
            for workload, entry in manifest["images"].items():
                old = committed.get(workload)
                if old is None:
                    problems.append(f"{name}/{workload}: not in the committed manifest")
                elif entry.get("sha256") != old.get("sha256"):
                    problems.append(f"{name}/{workload}: rebuilt sha256 {entry.get('sha256')} "
                                    f"!= committed {old.get('sha256')} (toolchain {entry.get('toolchain')} "
                                    f"vs {old.get('toolchain')})")
    return problems


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinysim.firmware.images", description=__doc__.split("\n")[0])
    parser.add_argument("--platform", action="append", help="platform(s) to build (default: all shipped)")
    parser.add_argument("--workload", action="append", choices=WORKLOADS, help="workload(s) (default: all)")
    parser.add_argument("--check", action="store_true", help="rebuild in a temp dir and compare sha256")
    parser.add_argument("--official", type=Path, metavar="DIR",
                        help="build <workload>_official.elf from the official models in DIR "
                             "(models/pretrained, or a local copy) instead")
    args = parser.parse_args(argv)
    platforms = args.platform or DEFAULT_PLATFORMS
    workloads = args.workload or WORKLOADS
    try:
        if args.official is not None:
            build_official_images(platforms, workloads, args.official)
            return 0
        if args.check:
            problems = check_images(platforms, workloads)
            for p in problems:
                print(p, file=sys.stderr)
            return 1 if problems else 0
        build_images(platforms, workloads)
        return 0
    except TinysimError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
