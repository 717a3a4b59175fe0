"""The inputs of the performance windows: the dataset's first files, or seeded random stand-ins."""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

import numpy as np

from .. import workloads
from ..errors import TinysimError
from . import datasets
from .runs import InputFile

# Bytes one performance-mode input sends with `db` (research notes 2.3): a whole file for the
# classifiers, the first 2560-byte window (640 float32) of an AD file.
INPUT_BYTES = {w: workloads.get(w).dataset.payload_bytes for w in workloads.ids()}


def random_inputs(workload: str, count: int, seed: int) -> List[InputFile]:
    """Deterministic stand-ins for the dataset's first files when no dataset is given.

    Classifiers get uniform random bytes (int8 MFCC codes / uint8 pixels); AD gets float32 values
    from a normal distribution (log-mel magnitudes are finite floats; random bytes could be NaN)."""
    if workload not in INPUT_BYTES:
        raise TinysimError(f"unknown workload {workload!r}: expected one of {', '.join(INPUT_BYTES)}")
    rng = np.random.default_rng(seed)
    return [InputFile(f"random-{seed}-{i}", datasets.random_window(workload, rng)) for i in range(count)]


def performance_inputs(workload: str, count: int, dataset_dir: Optional[Path],
                       seed: int) -> Tuple[List[InputFile], str]:
    """The inputs of the performance windows and a description of where they came from."""
    if dataset_dir is None:
        return random_inputs(workload, count, seed), f"random (seed {seed})"
    ds = datasets.load_dataset(workload, dataset_dir, limit=count)
    if len(ds) < count:
        raise TinysimError(f"{Path(dataset_dir) / datasets.LABELS_FILE}: {len(ds)} entries, performance "
                           f"mode needs {count} (one per window)")
    # Performance mode sends only the first window of an AD file (research notes 2.3).
    return [InputFile(e.file, e.windows[0], e.label) for e in ds.entries], str(dataset_dir)
