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
    from ..firmware.images import REPO_ROOT, load_manifest  # deferred: `tinysim --help` start-up speed
    try:
        entry = load_manifest(platform_name).get("images", {}).get(workload, {})
    except ValueError:   # an unreadable manifest: no prebuilt image can be trusted
        return None
    model = entry.get("model") if isinstance(entry, dict) else None
    path = REPO_ROOT / model if isinstance(model, str) else None
    return path if path is not None and path.is_file() else None


def resolve_image(model: Path, platform, elf) -> Path:
    """The ELF to run: the one given, the prebuilt one for a shipped workload, or a fresh build."""
    from ..firmware.images import WORKLOADS, build_model_image, image_path  # deferred: `tinysim --help` start-up speed
    if elf is not None:
        if not elf.is_file():
            raise TinysimError(f"{elf}: no such firmware image")
        return elf
    if model.stem in WORKLOADS and image_path(platform.name, model.stem).is_file():
        built_from = prebuilt_model(platform.name, model.stem)
        if built_from is not None and _sha256(built_from) == _sha256(model):
            return image_path(platform.name, model.stem)
        print(f"{model}: not the model the prebuilt {image_path(platform.name, model.stem)} was "
              f"built from ({built_from or 'no manifest entry'}: its sha256 differs); "
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
