"""MLPerf Tiny input sets in the runner's directory layout, and what the DUT makes of them.

Layout (mlcommons/tiny `benchmark/evaluation/datasets/<id>/`, research notes section 2.3): one
directory per workload holding `y_labels.csv` and the `.bin` inputs it names.
  kws01/vww01/ic01  line `file.bin,num_classes,label`
  ad01              line `file.bin,2,label,window_bytes,stride_bytes` (label 0 normal, 1 anomaly)
.bin formats: KWS 490 B int8 MFCC (49x10, already quantized); VWW 27648 B uint8 RGB HWC 96x96;
IC 3072 B uint8 RGB HWC 32x32; AD 102400 B float32 LE, 200 frames x 128 mel, cut into 196 windows
of 2560 B (640 floats) every 512 B.

`Entry.windows` are the byte strings the host sends with `db` for one inference each (one for the
classifiers, 196 for AD). `input_to_model_tensor` reproduces the firmware's `th_load_tensor`, so a
TFLite interpreter can be fed exactly what the DUT feeds its model.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from tinysim.errors import ModelError

# Bytes of one .bin input file per workload (research notes section 2.3).
FILE_BYTES = {"kws01": 490, "vww01": 96 * 96 * 3, "ic01": 32 * 32 * 3, "ad01": 200 * 128 * 4}
NUM_CLASSES = {"kws01": 12, "vww01": 2, "ic01": 10, "ad01": 2}
AD_WINDOW_BYTES = 640 * 4  # 5 frames x 128 mel bins of float32
AD_STRIDE_BYTES = 128 * 4  # one frame
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


def _check_workload(workload: str) -> None:
    if workload not in FILE_BYTES:
        raise ModelError(f"unknown workload '{workload}': expected one of {', '.join(FILE_BYTES)}")


def _int_field(value: str, where: str, name: str) -> int:
    try:
        return int(value.strip())
    except ValueError:
        raise ModelError(f"{where}: {name} '{value.strip()}' is not an integer") from None


def _split_windows(data: bytes, window: int, stride: int) -> tuple[bytes, ...]:
    return tuple(data[i:i + window] for i in range(0, len(data) - window + 1, stride))


def _parse_line(workload: str, row: list[str], where: str, directory: Path) -> Entry:
    ad = workload == "ad01"
    want = 5 if ad else 3
    if len(row) < 3:
        form = "file.bin,2,label,window_bytes,stride_bytes" if ad else "file.bin,num_classes,label"
        raise ModelError(f"{where}: expected '{form}', found {len(row)} field(s) (missing label?)")
    if len(row) != want:
        raise ModelError(f"{where}: expected {want} comma-separated fields for {workload}, found {len(row)}")
    name = row[0].strip()
    classes = _int_field(row[1], where, "num_classes")
    label = _int_field(row[2], where, "label")
    if classes != NUM_CLASSES[workload]:
        raise ModelError(f"{where}: num_classes {classes} but {workload} has {NUM_CLASSES[workload]}")
    if not 0 <= label < classes:
        raise ModelError(f"{where}: label {label} outside 0..{classes - 1}")
    path = directory / name
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise ModelError(f"{where}: input file {path} does not exist") from None
    except OSError as exc:
        raise ModelError(f"{where}: cannot read {path} ({exc.strerror})") from None
    if len(data) != FILE_BYTES[workload]:
        raise ModelError(f"{path}: {len(data)} bytes, a {workload} input has {FILE_BYTES[workload]}"
                         f" ({where})")
    if not ad:
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
    _check_workload(workload)
    directory = Path(directory)
    labels_path = directory / LABELS_FILE
    try:
        text = labels_path.read_text(encoding="utf-8")
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


def input_to_model_tensor(workload: str, window: bytes, input_quant: tuple[float, int] | None = None
                          ) -> np.ndarray:
    """The int8 model input the firmware's th_load_tensor makes of one `db` payload (flat array).

    KWS: bytes are already int8 codes. VWW/IC: uint8 pixel - 128 (exact because the models'
    input quantization is scale 1/255 resp. 1.0 with zero point -128). AD: float32 quantized with
    the model input (scale, zero_point) as round(x / scale) + zp, clamped to int8 (the reference's
    QuantizeFloatToInt8; round half away from zero like C's roundf).
    """
    _check_workload(workload)
    if workload == "kws01":
        return np.frombuffer(window, np.int8).copy()
    if workload in ("vww01", "ic01"):
        return (np.frombuffer(window, np.uint8).astype(np.int16) - 128).astype(np.int8)
    if input_quant is None:
        raise ModelError("ad01 input needs the model's input (scale, zero_point) to quantize floats")
    scale, zero_point = input_quant
    # value / scale in single precision, as the C helper divides two floats.
    x = (np.frombuffer(window, "<f4") / np.float32(scale)).astype(np.float64)
    q = np.sign(x) * np.floor(np.abs(x) + 0.5) + int(zero_point)
    return np.clip(q, -128, 127).astype(np.int8)


def random_window(workload: str, rng: np.random.Generator,
                  input_quant: tuple[float, int] | None = None) -> bytes:
    """One random `db` payload in the workload's format, for runs without a dataset.

    Classifiers: uniform random bytes (int8 MFCC codes / uint8 pixels). AD: finite float32 (random
    bytes could be NaN); with the model's input (scale, zero_point) the values span its whole
    representable range plus 5% either side, so the firmware's saturating quantization is
    exercised too; without it, a unit normal.
    """
    _check_workload(workload)
    if workload != "ad01":
        return rng.integers(0, 256, FILE_BYTES[workload], dtype=np.uint8).tobytes()
    n = AD_WINDOW_BYTES // 4
    if input_quant is None:
        return rng.normal(0.0, 1.0, n).astype("<f4").tobytes()
    scale, zp = input_quant
    lo, hi = (-128 - zp) * scale, (127 - zp) * scale
    margin = 0.05 * (hi - lo)
    return rng.uniform(lo - margin, hi + margin, n).astype("<f4").tobytes()


def make_dataset(workload: str, directory: str | Path, n: int, seed: int) -> Dataset:
    """Write an n-entry dataset of the project's synthetic distribution in the runner layout.

    Classifiers get labels cycling through all classes; AD gets alternating normal / anomalous
    clips (label 0 / 1). Names follow the reference style (`tst_000000_<label>.bin`,
    `normal_id_00_00000000.bin`). Same arguments -> byte-identical files.
    """
    from tinysim.models import synthetic

    _check_workload(workload)
    if n <= 0:
        raise ModelError(f"make_dataset: n must be positive, got {n}")
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    lines = []
    if workload == "ad01":
        for i in range(n):
            label = i % 2
            spec = synthetic.ad_spectrogram(rng, anomalous=bool(label))
            name = f"{'anomaly' if label else 'normal'}_id_00_{i:08d}.bin"
            (directory / name).write_bytes(spec.astype("<f4").tobytes())
            lines.append(f"{name},2,{label},{AD_WINDOW_BYTES},{AD_STRIDE_BYTES}")
    else:
        classes = NUM_CLASSES[workload]
        labels = np.arange(n) % classes
        raw, labels = synthetic.SAMPLERS[workload](n, rng, labels=labels)
        for i, (sample, label) in enumerate(zip(raw, labels)):
            name = f"tst_{i:06d}_{int(label)}.bin"
            (directory / name).write_bytes(sample.tobytes())
            lines.append(f"{name},{classes},{int(label)}")
    (directory / LABELS_FILE).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return load_dataset(workload, directory)
