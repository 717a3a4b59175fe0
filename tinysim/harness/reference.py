"""Published MLPerf Tiny figures for the reference board, NUCLEO-L4R5ZI (Cortex-M4F @ 120 MHz).

What a tinysim estimate is held against. Latency is 1000 / median throughput (performance mode),
energy the "Median energy cost" (energy mode), as published in the MLCommons results repositories
(mlcommons/tiny_results_v0.5, _v1.0, _v1.3: results/<system>/<bench>/{performance,energy}/
results.txt), collected in steering research notes `mlperf-tiny.md` section 5.1 and DESIGN.md's
reference table. None of these were measured by tinysim.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Mapping, Optional

WORKLOADS = ("kws01", "vww01", "ic01", "ad01")

# Multiply-accumulates per inference of the reference models (research notes section 0 / 3.1,
# derived from the .tflite flatbuffers). Used when an image manifest does not carry its own count.
REFERENCE_MACS = {"kws01": 2_660_000, "vww01": 7_490_000, "ic01": 12_500_000, "ad01": 264_000}


@dataclass(frozen=True)
class ReferenceStack:
    key: str          # short column name used in tables and JSON
    version: str      # MLPerf Tiny round
    stack: str        # software stack as the submission describes it
    source: str       # where the numbers come from
    latency_ms: Mapping[str, float]
    energy_uj: Mapping[str, Optional[float]]

    def latency(self, workload: str) -> Optional[float]:
        return self.latency_ms.get(workload)

    def energy(self, workload: str) -> Optional[float]:
        return self.energy_uj.get(workload)


V05_REFERENCE = ReferenceStack(
    key="v0.5-ref",
    version="v0.5",
    stack="reference: TFLM 2.3.1 + CMSIS-NN, Mbed OS",
    source="mlcommons/tiny_results_v0.5 closed/reference/results/Nucleo-L4R5ZI (research 5.1)",
    latency_ms={"kws01": 181.92, "vww01": 600.60, "ic01": 704.23, "ad01": 10.05},
    energy_uj={"kws01": 7374.0, "vww01": 24313.0, "ic01": 29207.0, "ad01": 416.3},
)

V10_MICROTVM = ReferenceStack(
    key="v1.0-utvm",
    version="v1.0",
    stack="OctoML microTVM + CMSIS-NN, Zephyr",
    source="mlcommons/tiny_results_v1.0 closed/OctoML (research 5.1)",
    latency_ms={"kws01": 99.81, "vww01": 301.20, "ic01": 389.56, "ad01": 8.60},
    energy_uj={"kws01": 5230.0, "vww01": 15531.0, "ic01": 20236.0, "ad01": 443.2},
)

V13_XCUBEAI = ReferenceStack(
    key="v1.3-xcube",
    version="v1.3",
    stack="ST X-CUBE-AI 10.2, IAR (L4R5ZI-P, 3 V external SMPS)",
    source="mlcommons/tiny_results_v1.3 closed/STMicroelectronics (research 5.1)",
    latency_ms={"kws01": 43.42, "vww01": 89.44, "ic01": 165.67, "ad01": 4.79},
    energy_uj={"kws01": 1431.0, "vww01": 3030.0, "ic01": 5496.0, "ad01": 160.4},
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
