"""`manifest.json` next to model files: what each .tflite is (sha256, size, graph figures).

Written by `tinysim models generate` (models/) and `tinysim models fetch` (models/pretrained/);
read by `tinysim models list` and by whoever needs a model's quantization without parsing it.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from tinysim.errors import ModelError
from tinysim.models.graph import describe, read_graph

MANIFEST = "manifest.json"


def default_models_dir() -> Path:
    """The repository's models/ when running from a checkout, else ./models."""
    checkout = Path(__file__).resolve().parents[2] / "models"
    return checkout if checkout.is_dir() else Path("models")


def model_path(model_id: str, directory: str | Path | None = None) -> Path:
    """Path of `<directory>/<model_id>.tflite` (default: the synthetic-weight models), or a
    ModelError saying how to get it (`models/pretrained` holds the fetched official ones)."""
    directory = Path(directory) if directory is not None else default_models_dir()
    path = directory / f"{model_id}.tflite"
    if not path.is_file():
        hint = ("tinysim models fetch --dest " + str(directory) if directory.name == "pretrained"
                else "tinysim models generate --out " + str(directory))
        raise ModelError(f"{path}: no such model file; create it with `{hint}`")
    return path


def sha256_of(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def model_entry(path: Path) -> dict:
    """Manifest entry of one .tflite: file, sha256, size, params, MACs, op set, I/O quantization."""
    data = Path(path).read_bytes()
    info = describe(read_graph(data, label=str(path)))
    return {"file": Path(path).name, "sha256": sha256_of(data), "size": len(data), **info}


def write_manifest(directory: Path, models: dict[str, dict], **extra) -> Path:
    """Write `<directory>/manifest.json` deterministically (sorted keys, fixed layout)."""
    path = Path(directory) / MANIFEST
    doc = {**extra, "models": models}
    path.write_text(json.dumps(doc, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return path


def load_manifest(directory: str | Path) -> dict:
    """Read `<directory>/manifest.json`; ModelError naming the file when missing or malformed."""
    path = Path(directory) / MANIFEST
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ModelError(f"{path}: no manifest; run `tinysim models generate --out {Path(directory)}`"
                         " (or `tinysim models fetch` for the pretrained models)") from None
    except (OSError, ValueError) as exc:
        raise ModelError(f"{path}: unreadable manifest ({exc})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("models"), dict):
        raise ModelError(f"{path}: malformed manifest (no 'models' table)")
    return doc


def verify_files(directory: str | Path) -> list[str]:
    """Problems (empty if none) between the manifest and the .tflite files beside it."""
    directory = Path(directory)
    problems = []
    for model_id, entry in load_manifest(directory)["models"].items():
        path = directory / entry.get("file", f"{model_id}.tflite")
        if not path.is_file():
            problems.append(f"{path}: listed in {MANIFEST} but missing")
            continue
        digest = sha256_of(path.read_bytes())
        if digest != entry.get("sha256"):
            problems.append(f"{path}: sha256 {digest[:12]}... differs from {MANIFEST} "
                            f"({str(entry.get('sha256'))[:12]}...)")
    return problems
