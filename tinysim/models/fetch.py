"""`tinysim models fetch`: the official pretrained MLPerf Tiny int8 models, verified.

Downloads each reference .tflite from the mlcommons/tiny repository over HTTPS (urllib) at a pinned
commit (`tinysim.workloads.mlperf_tiny.UPSTREAM_COMMIT`, in the URL: never a moving branch), checks
size, full SHA-256 and graph shape (input/output shapes and op set, parsed with the `tflite` schema
package), and stores it (atomically) as `<dest>/<id>.tflite` with its sha256 in
`<dest>/manifest.json`. Files already in `<dest>` (as `<id>.tflite` or under their upstream name,
e.g. copied by hand on an offline machine) are verified and used instead of downloading.
`from_dir` (`models fetch --from DIR`) takes every model from a local copy instead (a CI cache, a
mirror on disk; any of the names above or `<id>_official.tflite`), checked against the same
pinned size, SHA-256 and graph as a download; nothing is fetched over the network then.
"""

from __future__ import annotations

import hashlib
import os
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from tinysim import workloads
from tinysim.atomic import write_atomic
from tinysim.workloads.mlperf_tiny import UPSTREAM_COMMIT
from tinysim.errors import ModelError
from tinysim.models.graph import read_graph
from tinysim.models.manifest import MANIFEST, load_manifest, model_entry, write_manifest

# Raw-file URL prefix of the mlcommons/tiny repository at the pinned commit. Overridable for
# mirrors (a mirror's files must still hash to the pinned SHA-256).
DEFAULT_BASE_URL = f"https://raw.githubusercontent.com/mlcommons/tiny/{UPSTREAM_COMMIT}/"
BASE_URL_ENV = "TINYSIM_MODELS_BASE_URL"
DEFAULT_DEST = Path("models/pretrained")


@dataclass(frozen=True)
class Expected:
    """What a fetched file must be."""

    size: int
    sha256: str  # full hex digest
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    ops: dict  # op name -> count


def reference_expectations() -> dict[str, Expected]:
    """Expectation table of the registered workloads' official pretrained models."""
    entries = [workloads.get(w) for w in workloads.ids()]
    return {w.id: Expected(w.pretrained.size, w.pretrained.sha256, w.input_shape,
                           w.output_shape, dict(w.ops)) for w in entries if w.pretrained}


def verify_model(data: bytes, where: str, expected: Expected) -> None:
    """Raise ModelError naming `where` and every way `data` differs from `expected`."""
    problems = []
    if len(data) != expected.size:
        problems.append(f"size {len(data)} bytes, expected {expected.size}")
    sha = hashlib.sha256(data).hexdigest()
    if sha != expected.sha256:
        problems.append(f"sha256 {sha}, expected {expected.sha256}")
    try:
        graph = read_graph(data, label=where)
    except ModelError as exc:
        problems.append(f"graph unreadable ({exc})")
    else:
        if graph.input.shape != tuple(expected.input_shape):
            problems.append(f"input shape {list(graph.input.shape)}, expected {list(expected.input_shape)}")
        if graph.output.shape != tuple(expected.output_shape):
            problems.append(f"output shape {list(graph.output.shape)}, "
                            f"expected {list(expected.output_shape)}")
        ops = graph.op_set()
        if ops != dict(sorted(expected.ops.items())):
            problems.append(f"op set {ops}, expected {dict(sorted(expected.ops.items()))}")
    if problems:
        raise ModelError(f"{where}: not the expected model: " + "; ".join(problems))


def _download(url: str, limit: int, timeout: float) -> bytes:
    request = urllib.request.Request(url, headers={"User-Agent": "tinysim-models-fetch"})
    with urllib.request.urlopen(request, timeout=timeout) as response:  # noqa: S310 (https only)
        return response.read(limit + 1)  # one extra byte reveals an oversized file


def _offline_message(model_id: str, url: str, reason, dest: Path) -> str:
    w = workloads.get(model_id)
    return (f"cannot download {model_id} from {url} ({reason}). `tinysim models fetch` needs "
            f"network access to GitHub. Offline, copy mlcommons/tiny "
            f"{w.pretrained.repo_path} by hand to {dest / (model_id + '.tflite')} (or keep its "
            f"name {Path(w.pretrained.repo_path).name} in {dest}) and run the fetch again: "
            f"files already there are verified instead of downloaded.")


def _local_names(model_id: str) -> tuple[str, ...]:
    """The names a local copy of a pretrained model may have: its id, its upstream file name,
    or `<id>_official.tflite` (how the steering repository keeps them)."""
    upstream = Path(workloads.get(model_id).pretrained.repo_path).name
    return (f"{model_id}.tflite", upstream, f"{model_id}_official.tflite")


def _local_candidate(model_id: str, dest: Path) -> Path | None:
    for name in _local_names(model_id):
        if (dest / name).is_file():
            return dest / name
    return None


def official_model(model_id: str, directory: str | Path) -> Path:
    """The verified official model of `model_id` in `directory` (fetched, or a local copy under
    any of its names); a ModelError saying what is missing or wrong otherwise."""
    directory = Path(directory)
    found = _local_candidate(model_id, directory)
    if found is None:
        raise ModelError(f"no official {model_id} model in {directory} (get it with `tinysim models "
                         f"fetch`, or `tinysim models fetch --from DIR` from a local copy)")
    verify_model(found.read_bytes(), str(found), reference_expectations()[model_id])
    return found


def _from_copy(model_id: str, from_dir: Path) -> Path:
    """The model's file in `--from DIR`, or a ModelError naming the names looked for."""
    if not from_dir.is_dir():
        raise ModelError(f"--from {from_dir}: no such directory; give the folder holding the "
                         f"official .tflite files")
    found = _local_candidate(model_id, from_dir)
    if found is None:
        names = ", ".join(_local_names(model_id))
        raise ModelError(f"--from {from_dir}: no {model_id} model there (looked for {names}); "
                         f"copy it there or leave {model_id} out with --only")
    return found


def fetch(dest: str | Path = DEFAULT_DEST, model_ids=None, base_url: str | None = None,
          expectations: dict[str, Expected] | None = None, timeout: float = 30.0,
          log=print, from_dir: str | Path | None = None) -> Path:
    """Fetch (or verify in place, or take from `from_dir`) the pretrained models; returns the
    manifest path."""
    dest = Path(dest)
    from_dir = Path(from_dir) if from_dir is not None else None
    expectations = expectations or reference_expectations()
    model_ids = list(model_ids or expectations)
    base_url = base_url or os.environ.get(BASE_URL_ENV) or DEFAULT_BASE_URL
    if not base_url.endswith("/"):
        base_url += "/"
    dest.mkdir(parents=True, exist_ok=True)
    entries = {}
    if (dest / MANIFEST).is_file():  # keep what an earlier fetch of other models recorded
        try:
            entries = dict(load_manifest(dest)["models"])
        except ModelError:
            entries = {}
    for model_id in model_ids:
        if model_id not in workloads.WORKLOADS or model_id not in expectations:
            raise ModelError(f"unknown model '{model_id}': expected one of {', '.join(expectations)}")
        expected = expectations[model_id]
        url = base_url + workloads.get(model_id).pretrained.repo_path
        target = dest / f"{model_id}.tflite"
        local = _from_copy(model_id, from_dir) if from_dir else _local_candidate(model_id, dest)
        if local is not None:
            data = local.read_bytes()
            verify_model(data, str(local), expected)
            source = (f"local copy {local}" if from_dir else f"local file {local.name}") + f" (upstream {url})"
            log(f"{model_id}: verified {local}")
        else:
            if not url.startswith("https://"):
                raise ModelError(f"refusing to download {url}: only https:// URLs are used")
            try:
                data = _download(url, expected.size, timeout)
            except urllib.error.HTTPError as exc:  # reached the server: not a network problem
                raise ModelError(
                    f"{url}: server answered HTTP {exc.code} {exc.reason}. The file may have moved "
                    f"upstream: pass --base-url of a mirror, or copy it by hand to "
                    f"{target} and run the fetch again to verify it.") from None
            except (urllib.error.URLError, OSError, TimeoutError) as exc:
                reason = getattr(exc, "reason", None) or exc
                raise ModelError(_offline_message(model_id, url, reason, dest)) from None
            verify_model(data, url, expected)
            source = url
            log(f"{model_id}: downloaded and verified {len(data)} bytes")
        if local != target:
            write_atomic(target, data, "model", "free some space or choose another --dest")
        entries[model_id] = {**model_entry(target), "source": source}
    return write_manifest(dest, dict(sorted(entries.items())),
                          weights="official MLPerf Tiny pretrained int8 models (mlcommons/tiny)")
