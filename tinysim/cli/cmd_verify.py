"""`tinysim verify`: the emulated firmware's outputs against the TFLite interpreter, bit for bit."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Optional

from ..errors import TinysimError
from ..platform import load_platform

NAME = "verify"
HELP = "run random inputs through the emulated firmware and the TFLite interpreter; report mismatches"


def add_arguments(p) -> None:
    p.add_argument("--model", required=True, type=Path, help="the .tflite model (models/kws01.tflite ...)")
    p.add_argument("--platform", default="nucleo-l4r5zi", help="platform name (default: nucleo-l4r5zi)")
    p.add_argument("--elf", type=Path, help="firmware image (default: the prebuilt one for the model, "
                                            "else built now)")
    p.add_argument("--inputs", type=int, default=10, help="number of random inputs (default: 10)")
    p.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    p.add_argument("--json", action="store_true", help="print one JSON object")


def _sha256(path: Path) -> str:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError as err:
        raise TinysimError(f"{path}: cannot read ({err.strerror})") from None


def prebuilt_model(platform_name: str, workload: str) -> Optional[Path]:
    """The .tflite a prebuilt image was compiled from, as its platform manifest records it."""
    from ..firmware.images import REPO_ROOT  # deferred: `tinysim --help` start-up speed
    model = _entry(platform_name, workload).get("model")
    path = REPO_ROOT / model if isinstance(model, str) else None
    return path if path is not None and path.is_file() else None


def _entry(platform_name: str, key: str) -> dict:
    from ..firmware.images import load_manifest  # deferred: `tinysim --help` start-up speed
    try:
        entry = load_manifest(platform_name).get("images", {}).get(key, {})
    except ValueError:   # an unreadable manifest: no prebuilt image can be trusted
        return {}
    return entry if isinstance(entry, dict) else {}


def _built_from_sha256(platform_name: str, key: str) -> Optional[str]:
    """The sha256 of the model image `key` was compiled from: the pinned hash an official-model
    entry records, else the hash of the model file the entry names."""
    pinned = _entry(platform_name, key).get("model_sha256")
    if isinstance(pinned, str):
        return pinned
    path = prebuilt_model(platform_name, key)
    return _sha256(path) if path is not None else None


def resolve_image(model: Path, platform, elf) -> Path:
    """The ELF to run: the one given, the prebuilt one built from this very model (the workload's
    image, or its `<workload>_official` image for the official model, by the model's sha256),
    or a fresh build."""
    from ..firmware.images import OFFICIAL, WORKLOADS, build_model_image, image_path  # deferred: `tinysim --help` start-up speed
    if elf is not None:
        if not elf.is_file():
            raise TinysimError(f"{elf}: no such firmware image")
        return elf
    workload = model.stem[: -len(OFFICIAL)] if model.stem.endswith(OFFICIAL) else model.stem
    if workload in WORKLOADS:
        keys = [k for k in (workload, workload + OFFICIAL) if image_path(platform.name, k).is_file()]
        sha = _sha256(model)
        for key in keys:
            if _built_from_sha256(platform.name, key) == sha:
                return image_path(platform.name, key)
        if keys:
            print(f"{model}: not the model the prebuilt {' or '.join(str(image_path(platform.name, k)) for k in keys)} "
                  f"{'was' if len(keys) == 1 else 'were'} built from (its sha256 differs); "
                  "building an image from this model", file=sys.stderr)
    out = Path("build") / platform.name / f"{model.stem}.elf"
    out.parent.mkdir(parents=True, exist_ok=True)
    entry = build_model_image(model, platform, out)
    if not entry["fits"]:
        raise TinysimError(f"{model.stem} does not fit {platform.name}: {entry['why']}")
    return out


def run(args) -> int:
    from ..pipeline.verify import verify  # deferred: `tinysim --help` start-up speed
    if args.model.is_dir():
        raise TinysimError(f"{args.model}: is a directory; give the .tflite file "
                           "(e.g. models/kws01.tflite)")
    if not args.model.is_file():
        raise TinysimError(f"{args.model}: no such model file")
    if args.inputs < 1:
        raise TinysimError("--inputs must be at least 1")
    platform = load_platform(args.platform)
    elf = resolve_image(args.model, platform, args.elf)
    report = verify(args.model, platform, elf, args.inputs, args.seed)
    if args.json:
        print(json.dumps(report.as_dict()))
    else:
        verdict = "bit-exact" if report.mismatches == 0 else f"{report.mismatches} MISMATCHES"
        print(f"{args.model.name} on {platform.name} ({elf}): {report.inputs} inputs, {verdict}, "
              f"max |diff| {report.max_abs_diff}")
        for m in report.details[:3]:
            print(f"  input {m.input_index}: firmware {m.firmware[:12]} vs TFLite {m.reference[:12]}")
    return 0 if report.mismatches == 0 else 1
