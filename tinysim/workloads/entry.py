"""What a workload is: the one description every other module reads (`tinysim.workloads`).

A `Workload` holds the facts of one benchmark workload that more than one module needs: the model
(file, shapes, size, op set), how its quality is judged, how its dataset is laid out on disk and
turned into the model's input tensor, the official pretrained model and the published figures
it is held against. Entries live in their own modules (`mlperf_tiny.py`) with their sources.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from math import prod
from typing import Mapping, Optional


@dataclass(frozen=True)
class Pretrained:
    """The official pretrained int8 model of a workload (for `tinysim models fetch`)."""

    repo_path: str  # path inside the upstream repository (mlcommons/tiny) at `commit`
    size: int  # bytes
    sha256: str  # the file's full SHA-256: what a download must hash to
    commit: str  # the upstream commit the file is fetched from (never a moving branch)


@dataclass(frozen=True)
class DatasetLayout:
    """How the workload's input files look in the runner's dataset directory.

    `<dir>/y_labels.csv` names the files. A plain layout has lines `file.bin,num_classes,label`
    and one inference per file. A windowed layout (window_bytes set) has lines
    `file.bin,num_classes,label,window_bytes,stride_bytes` and cuts each file into windows, one
    inference each (the values on the line are what the loader uses; these are the defaults
    `make_dataset` writes and the size a performance-mode input sends).
    """

    file_bytes: int  # size of one .bin file
    file_format: str  # what the bytes are, for error messages and docs
    window_bytes: Optional[int] = None  # windowed layouts only
    stride_bytes: Optional[int] = None
    # How make_dataset names file `index`: fields index, label and label_name (label_names[label]).
    file_name: str = "tst_{index:06d}_{label}.bin"
    label_names: tuple[str, ...] = ()

    @property
    def windowed(self) -> bool:
        return self.window_bytes is not None

    @property
    def payload_bytes(self) -> int:
        """Bytes the host sends with `db` for one inference (a whole file, or one window)."""
        return self.window_bytes if self.window_bytes is not None else self.file_bytes


@dataclass(frozen=True)
class Published:
    """One published result of a workload, keyed in `Workload.published` by the stack's key
    (`tinysim.workloads.published.STACKS` says which stack, round and board)."""

    latency_ms: float
    energy_uj: Optional[float] = None


@dataclass(frozen=True)
class Workload:
    id: str  # model id the DUT reports (`m-model-[...]`), dataset directory and .tflite stem
    task: str
    model_file: str  # file name under models/
    input_shape: tuple[int, ...]
    output_shape: tuple[int, ...]
    num_classes: int  # a detector: 2 (normal / anomaly), as written in y_labels.csv
    params: int  # int8 constants with BN folded (weights + biases)
    macs: int
    ops: Mapping[str, int]  # TFLite builtin op -> count in the reference graph
    metric: str  # scoring rule in tinysim.workloads.scoring.RULES: "top1" or "auc"
    target: float  # quality target (a fraction for top-1)
    conversion: str  # tinysim.workloads.conversion.CONVERSIONS: `db` bytes -> int8 model input
    dataset: DatasetLayout
    pretrained: Optional[Pretrained] = None
    published: Mapping[str, Published] = field(default_factory=dict)  # stack key -> figures
    published_macs: Optional[int] = None  # MACs as the published figures' sources round them
    sources: tuple[str, ...] = ()  # where the figures above come from

    @property
    def input_elements(self) -> int:
        return prod(self.input_shape)

    @property
    def input_bytes(self) -> int:
        """Bytes of the int8 model input tensor."""
        return self.input_elements

    @property
    def output_elements(self) -> int:
        return prod(self.output_shape)
