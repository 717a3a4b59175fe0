"""The workload registry: one description of each benchmark workload that every module reads.

    from tinysim import workloads
    workloads.get("kws01").macs            # one entry (ModelError for an unknown id)
    workloads.ids()                        # registered ids, in registration order
    workloads.WORKLOADS.entry(Workload(...))   # add one (duplicate ids refused)

Layer 1 (docs/ARCHITECTURE.md): imports only tinysim.errors, tinysim.registry and numpy.
Entries: mlperf_tiny.py (the four MLPerf Tiny workloads). Also here: the input conversions
(conversion.py), the scoring rules (scoring.py) and the published stacks (published.py).
"""

from __future__ import annotations

import numpy as np

from tinysim.errors import ModelError

from . import mlperf_tiny  # noqa: F401  (registers the four MLPerf Tiny workloads)
from .conversion import CONVERSIONS, Conversion, Quant
from .entry import DatasetLayout, Pretrained, Published, Workload
from .registry import WORKLOADS, WorkloadRegistry

__all__ = ["CONVERSIONS", "Conversion", "DatasetLayout", "Pretrained", "Published", "Workload",
           "WORKLOADS", "WorkloadRegistry", "get", "ids", "conversion_of", "input_to_model_tensor",
           "random_payload"]


def get(workload_id: str) -> Workload:
    return WORKLOADS.get(workload_id)


def ids() -> tuple[str, ...]:
    return tuple(WORKLOADS)


def conversion_of(workload_id: str) -> Conversion:
    return CONVERSIONS.get(get(workload_id).conversion)


def input_to_model_tensor(workload_id: str, window: bytes, input_quant: Quant = None) -> np.ndarray:
    """The int8 model input (flat) the firmware's th_load_tensor makes of one `db` payload."""
    conv = conversion_of(workload_id)
    if conv.needs_quant and input_quant is None:
        raise ModelError(f"{workload_id} input needs the model's input (scale, zero_point) to "
                         "quantize floats")
    return conv.to_tensor(window, input_quant)


def random_payload(workload_id: str, rng: np.random.Generator, input_quant: Quant = None) -> bytes:
    """One random `db` payload in the workload's format, for runs without a dataset (see each
    conversion's random_payload for the distribution)."""
    w = get(workload_id)
    return CONVERSIONS.get(w.conversion).random_payload(rng, w.dataset.payload_bytes, input_quant)
