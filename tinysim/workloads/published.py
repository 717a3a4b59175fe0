"""Published MLPerf Tiny results a tinysim estimate is held against: which stacks, on which board.

Each stack is one submission round on the reference board, NUCLEO-L4R5ZI (Cortex-M4F @ 120 MHz).
Its per-workload figures live in the workload entries (`Workload.published[stack.key]`, e.g.
tinysim/workloads/mlperf_tiny.py); latency is 1000 / median throughput (performance mode), energy
the "Median energy cost" (energy mode), as published in the MLCommons results repositories
(mlcommons/tiny_results_v0.5, _v1.0, _v1.3: results/<system>/<bench>/{performance,energy}/
results.txt), collected in steering research notes `mlperf-tiny.md` section 5.1 and DESIGN.md's
reference table. None of these were measured by tinysim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, Optional

from .registry import WORKLOADS


@dataclass(frozen=True)
class ReferenceStack:
    key: str          # short column name used in tables and JSON; keys Workload.published
    version: str      # MLPerf Tiny round
    stack: str        # software stack as the submission describes it
    source: str       # where the numbers come from

    def latency(self, workload: str) -> Optional[float]:
        figures = _figures(workload, self.key)
        return figures.latency_ms if figures else None

    def energy(self, workload: str) -> Optional[float]:
        figures = _figures(workload, self.key)
        return figures.energy_uj if figures else None

    @property
    def latency_ms(self) -> Dict[str, float]:
        """Workload id -> published latency, for every registered workload this stack ran."""
        return {w: self.latency(w) for w in WORKLOADS if self.latency(w) is not None}

    @property
    def energy_uj(self) -> Dict[str, Optional[float]]:
        return {w: self.energy(w) for w in WORKLOADS if _figures(w, self.key) is not None}


def _figures(workload: str, key: str):
    if workload not in WORKLOADS:
        return None
    return WORKLOADS.get(workload).published.get(key)


V05_REFERENCE = ReferenceStack(
    key="v0.5-ref",
    version="v0.5",
    stack="reference: TFLM 2.3.1 + CMSIS-NN, Mbed OS",
    source="mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI (research 5.1)",
)

V10_MICROTVM = ReferenceStack(
    key="v1.0-utvm",
    version="v1.0",
    stack="OctoML microTVM + CMSIS-NN, Zephyr",
    source="mlcommons/tiny_results_v1.0 closed/OctoML (research 5.1)",
)

V13_XCUBEAI = ReferenceStack(
    key="v1.3-xcube",
    version="v1.3",
    stack="ST X-CUBE-AI 10.2, IAR (L4R5ZI-P, 3 V external SMPS)",
    source="mlcommons/tiny_results_v1.3 closed/STMicroelectronics (research 5.1)",
)

# The published figures are for this board only; other platforms show no reference columns.
REFERENCE_PLATFORM = "nucleo-l4r5zi"
STACKS = (V05_REFERENCE, V10_MICROTVM, V13_XCUBEAI)
BASELINE = V05_REFERENCE   # the ratio column of the report is "ours / v0.5 reference"


def stacks_for(platform: str) -> tuple:
    """The published stacks comparable to a run on `platform` (none unless it is the reference board)."""
    return STACKS if platform == REFERENCE_PLATFORM else ()


def ratio_to_baseline(workload: str, latency_ms: Optional[float]) -> Optional[float]:
    """Our latency divided by the v0.5 reference latency (<1 means faster than the reference)."""
    ref = BASELINE.latency(workload)
    if latency_ms is None or not ref:
        return None
    return latency_ms / ref


def reference_macs(workload: str) -> Optional[int]:
    """MACs per inference as the published figures' sources give them (used when an image
    manifest does not carry its own count), or None for a workload without published figures."""
    return WORKLOADS.get(workload).published_macs if workload in WORKLOADS else None
