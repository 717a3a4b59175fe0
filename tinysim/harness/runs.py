"""What a run of the MLPerf Tiny procedure produces: its options, its input files, each timed
window (with the meter's measure in simulation), and the performance / accuracy results with the
figures derived from them (median throughput, latency, energy per inference).
"""

from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .rules import (DEFAULT_SEED, MAX_ATTEMPTS, MIN_INFERENCES, MIN_WINDOW_S, PERFORMANCE_WINDOWS,
                    QUICK_INFERENCES, lap_elapsed_us)


@dataclass
class RunnerOptions:
    quick: bool = False
    windows: int = PERFORMANCE_WINDOWS
    min_window_s: float = MIN_WINDOW_S
    min_inferences: int = MIN_INFERENCES
    warmup: int = 1                 # untimed warm-up inferences per window (outside t1..t2)
    quick_inferences: int = QUICK_INFERENCES
    calibrate: bool = True          # False: start every workload from min_inferences
    max_attempts: int = MAX_ATTEMPTS
    seed: int = DEFAULT_SEED
    dataset_dir: Optional[Path] = None
    progress: bool = False


@dataclass
class InputFile:
    name: str
    data: bytes
    label: Optional[int] = None


@dataclass
class WindowMeasure:
    """What the device did between the two timestamps of one window (simulation only)."""
    cycles: float
    instructions: float
    energy_j: Optional[float]
    avg_power_w: Optional[float]
    profile: Any = None
    # Block executions the learned flash D-cache model had no rate for (first run after it was
    # frozen): their flash data stalls are missing from `cycles`. 0 when the model was exact.
    unlearned_block_executions: int = 0


@dataclass
class Window:
    index: int
    file: str
    n: int
    warmup: int
    t1_us: int
    t2_us: int
    attempts: List[Dict[str, float]] = field(default_factory=list)   # every try: n, elapsed_s
    results: List[float] = field(default_factory=list)
    raw: Optional[List[int]] = None
    measure: Optional[WindowMeasure] = None
    input_data: bytes = b""

    @property
    def elapsed_s(self) -> float:
        return lap_elapsed_us(self.t1_us, self.t2_us) / 1e6

    @property
    def throughput(self) -> float:
        return self.n / self.elapsed_s if self.elapsed_s > 0 else math.inf

    def to_dict(self) -> Dict[str, Any]:
        d = {"index": self.index, "file": self.file, "inferences": self.n, "warmup": self.warmup,
             "t1_us": self.t1_us, "t2_us": self.t2_us, "elapsed_s": self.elapsed_s,
             "throughput_ips": self.throughput, "attempts": self.attempts,
             "results": self.results, "raw": self.raw}
        if self.measure is not None:
            m = self.measure
            d.update(cycles=m.cycles, instructions=m.instructions, energy_j=m.energy_j,
                     avg_power_w=m.avg_power_w, unlearned_block_executions=m.unlearned_block_executions)
        return d


@dataclass
class PerformanceRun:
    workload: str
    windows: List[Window]
    quick: bool
    seed: Optional[int]
    inputs_source: str
    calibration_latency_s: Optional[float]
    wall_s: float              # the whole workload: boot check, loads, calibration, windows
    device_s: float            # DUT time inside the infer commands (sum of their m-lap-us spans)
    infer_wall_s: float        # host wall time spent inside those infer commands
    log: List[str]

    @property
    def sim_speed(self) -> Optional[float]:
        """Device seconds per wall second while inferring (<1: slower than the real board)."""
        return self.device_s / self.infer_wall_s if self.infer_wall_s > 0 else None

    @property
    def median_throughput(self) -> float:
        return statistics.median(w.throughput for w in self.windows)

    @property
    def latency_s(self) -> float:
        return 1.0 / self.median_throughput

    @property
    def valid_for_submission(self) -> bool:
        """The MLPerf Tiny rules: 5 windows on the dataset's first 5 files (not random stand-ins),
        each >= 10 s and >= 10 inferences."""
        return (not self.quick and self.seed is None and len(self.windows) == PERFORMANCE_WINDOWS and
                all(w.elapsed_s >= MIN_WINDOW_S and w.n >= MIN_INFERENCES for w in self.windows))

    def _median_of(self, get: Callable[[Window], Optional[float]]) -> Optional[float]:
        values = [get(w) for w in self.windows]
        if not values or any(v is None for v in values):
            return None
        return float(statistics.median(values))

    @property
    def energy_per_inference_j(self) -> Optional[float]:
        """Median over windows of the window energy / N (as the MLCommons runner reports energy)."""
        return self._median_of(lambda w: w.measure.energy_j / w.n
                               if w.measure and w.measure.energy_j is not None else None)

    @property
    def avg_power_w(self) -> Optional[float]:
        return self._median_of(lambda w: w.measure.avg_power_w if w.measure else None)

    @property
    def cycles_per_inference(self) -> Optional[float]:
        return self._median_of(lambda w: w.measure.cycles / w.n if w.measure else None)

    @property
    def instructions_per_inference(self) -> Optional[float]:
        return self._median_of(lambda w: w.measure.instructions / w.n if w.measure else None)


@dataclass
class AccuracyRun:
    workload: str
    score: Any                                   # scoring.Score
    results: Dict[str, list]                     # file -> per-inference results as scored
    raw: Dict[str, List[List[int]]]              # file -> int8 outputs per inference
    wall_s: float
    log: List[str]
