"""MLPerf Tiny input sets in the runner's directory layout: loading them, and making synthetic ones.

Layout (mlcommons/tiny `benchmark/evaluation/datasets/<id>/`, research notes section 2.3): one
directory per workload holding `y_labels.csv` and the `.bin` inputs it names. What a workload's
files look like (size, format, whether a file is cut into windows) is its registry entry's
`dataset` (tinysim.workloads): a plain layout has lines `file.bin,num_classes,label`, a windowed
one (AD) `file.bin,2,label,window_bytes,stride_bytes` (label 0 normal, 1 anomaly).

`Entry.windows` are the byte strings the host sends with `db` for one inference each (one per file,
or one per window). `input_to_model_tensor` (from tinysim.workloads) reproduces the firmware's
`th_load_tensor`, so a TFLite interpreter can be fed exactly what the DUT feeds its model.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysim import workloads
from tinysim.errors import ModelError
from tinysim.models import synthetic
from tinysim.workloads import input_to_model_tensor, random_payload  # noqa: F401  (host-side API)

LABELS_FILE = "y_labels.csv"


@dataclass(frozen=True)
class Entry:
    file: str  # name as written in y_labels.csv
    label: int
    windows: tuple[bytes, ...]  # what the host sends per inference (`db load` + `db <hex>`)


@dataclass(frozen=True)
class Dataset:
    workload: str
    directory: Path
    entries: tuple[Entry, ...] = field(default_factory=tuple)

    def __len__(self) -> int:
        return len(self.entries)

    @property
    def labels(self) -> list[int]:
        return [e.label for e in self.entries]


def _int_field(value: str, where: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ModelError(f"{where}: {name} '{value.strip()}' is not an integer") from None


def _split_windows(data: bytes, window: int, stride: int) -> tuple[bytes, ...]:
    return tuple(data[i:i + window] for i in range(0, len(data) - window + 1, stride))


def _parse_line(workload: str, row: list[str], where: str, directory: Path) -> Entry:
    entry = workloads.get(workload)
    layout = entry.dataset
    want = 5 if layout.windowed else 3
    if len(row) < 3:
        form = (f"file.bin,{entry.num_classes},label,window_bytes,stride_bytes" if layout.windowed
                else "file.bin,num_classes,label")
        raise ModelError(f"{where}: expected '{form}', found {len(row)} field(s) (missing label?)")
    if len(row) != want:
        raise ModelError(f"{where}: expected {want} comma-separated fields for {workload}, found {len(row)}")
    name = row[0].strip()
    classes = _int_field(row[1], where, "num_classes")
    label = _int_field(row[2], where, "label")
    if classes != entry.num_classes:
        raise ModelError(f"{where}: num_classes {classes} but {workload} has {entry.num_classes}")
    if not 0 <= label < classes:
        raise ModelError(f"{where}: label {label} outside 0..{classes - 1}")
    path = directory / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{where}: input file {path} does not exist") from None
    except OSError as exc:
        raise ModelError(f"{where}: cannot read {path} ({exc.strerror})") from None
    if len(data) != layout.file_bytes:
        raise ModelError(f"{path}: {len(data)} bytes, a {workload} input has {layout.file_bytes}"
                         f" ({where})")
    if entry.conversion == "float32_quantize":
        values = np.frombuffer(data, "<f4")
        bad = np.flatnonzero(~np.isfinite(values))
        if bad.size:
            raise ModelError(f"{path}: float32 value {bad[0]} (byte offset {4 * int(bad[0])}) is "
                             f"{values[bad[0]]}; {bad.size} value(s) are NaN or infinite, which no "
                             f"sensor gives: regenerate the file ({where})")
    if not layout.windowed:
        return Entry(name, label, (data,))
    window = _int_field(row[3], where, "window_bytes")
    stride = _int_field(row[4], where, "stride_bytes")
    if window <= 0 or stride <= 0 or window % 4 or stride % 4 or window > len(data):
        raise ModelError(f"{where}: window_bytes {window} / stride_bytes {stride} must be positive "
                         f"multiples of 4 (float32) and the window at most {len(data)} bytes")
    return Entry(name, label, _split_windows(data, window, stride))


def load_dataset(workload: str, directory: str | Path, limit: int | None = None) -> Dataset:
    """Read `<directory>/y_labels.csv` and its .bin files (the first `limit` lines if given).

    Every problem raises ModelError naming the file and line: missing or unreadable CSV, a line
    with missing fields, a label out of range, a missing .bin, a .bin of the wrong size.
    """
    workloads.get(workload)  # an unknown id fails here, before any file is read
    directory = Path(directory)
    labels_path = directory / LABELS_FILE
    try:
        text = labels_path.read_text(encoding="utf-8-sig")   # a spreadsheet's BOM is not a file name
    except FileNotFoundError:
        raise ModelError(f"{labels_path}: no {LABELS_FILE} here; a {workload} dataset directory holds "
                         f"{LABELS_FILE} and the .bin files it lists (generate one with "
                         f"tinysim.harness.datasets.make_dataset)") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ModelError(f"{labels_path}: cannot read ({exc})") from None
    entries = []
    for lineno, row in enumerate(csv.reader(text.splitlines()), start=1):
        if not row or all(not cell.strip() for cell in row):
            continue
        if limit is not None and len(entries) >= limit:
            break
        entries.append(_parse_line(workload, row, f"{labels_path}:{lineno}", directory))
    if not entries:
        raise ModelError(f"{labels_path}: no entries")
    return Dataset(workload, directory, tuple(entries))


def random_window(workload: str, rng: np.random.Generator,
                  input_quant: tuple[float, int] | None = None) -> bytes:
    """One random `db` payload in the workload's format, for runs without a dataset."""
    return random_payload(workload, rng, input_quant)


def make_dataset(workload: str, directory: str | Path, n: int, seed: int) -> Dataset:
    """Write an n-entry dataset of the project's synthetic distribution in the runner layout.

    Classifiers get labels cycling through all classes; AD gets alternating normal / anomalous
    clips (label 0 / 1). Names follow the reference style (`tst_000000_<label>.bin`,
    `normal_id_00_00000000.bin`). Same arguments -> byte-identical files.
    """
    entry = workloads.get(workload)
    layout = entry.dataset
    if n <= 0:
        raise ModelError(f"make_dataset: n must be positive, got {n}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % entry.num_classes
    raw, labels = synthetic.SAMPLERS.get(workload)(n, rng, labels=labels)
    lines = []
    for i, (sample, label) in enumerate(zip(raw, labels)):
        label = int(label)
        name = layout.file_name.format(index=i, label=label,
                                       label_name=layout.label_names[label] if layout.label_names else "")
        (directory / name).write_bytes(sample.tobytes())
        window = f",{layout.window_bytes},{layout.stride_bytes}" if layout.windowed else ""
        lines.append(f"{name},{entry.num_classes},{label}{window}")
    (directory / LABELS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_dataset(workload, directory)
