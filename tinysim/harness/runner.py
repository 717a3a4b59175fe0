"""The MLPerf Tiny run rules on the host side, over any Transport (emulated board or serial port).

Performance mode (research notes 2.1 / 2.2; EEMBC EnergyRunner README, MLCommons runner
`script.py`): 5 windows, each on its own input file (the first 5 entries of the dataset); a window
is `db load` + `infer N W`, timed by the DUT's two `m-lap-us-` lines, and must last at least 10 s
of DEVICE time and at least 10 inferences. Throughput per window = N / (t2 - t1); the score is the
median throughput, latency = 1 / median. N comes from a calibration `infer 1 0`; a window that
still comes out short is re-run with a larger N.

Accuracy mode: every input (every window of an AD file), `infer 1 0`, scored as the runner does.

Energy in simulation: the emulated board snapshots its counters whenever the firmware reads its
cycle counter, so the two `th_timestamp()` reads of a window bound exactly the timed inferences;
the difference of those snapshots is an ExecutionProfile that the cost model turns into joules.
On hardware, energy needs a power monitor, which this runner does not drive: it is reported null.
"""

from __future__ import annotations

import math
import statistics
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional, Sequence, Tuple

import numpy as np

from ..errors import ProtocolError, TinysimError
from .. import workloads
from . import datasets

MIN_WINDOW_S = 10.0        # EnergyRunner / MLCommons rule: each window >= 10 s ...
MIN_INFERENCES = 10        # ... and >= 10 inferences
PERFORMANCE_WINDOWS = 5    # median over 5 input files
RERUN_MARGIN = 1.05        # a re-run aims 5 % past the minimum so jitter does not force another
FIRST_MARGIN = 1.01        # the first N aims 1 % past it: the calibrating inference runs cold
MAX_ATTEMPTS = 5           # calibration is within a few % in simulation; 5 tries is plenty
LAP_WRAP = 1 << 32         # m-lap-us is an unsigned 32-bit microsecond counter
QUICK_INFERENCES = 3       # --quick: one short window, for CI; not valid for submission
DEFAULT_SEED = 20240601

# Bytes one performance-mode input sends with `db` (research notes 2.3): a whole file for the
# classifiers, the first 2560-byte window (640 float32) of an AD file.
INPUT_BYTES = {w: workloads.get(w).dataset.payload_bytes for w in workloads.ids()}


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
                     avg_power_w=m.avg_power_w)
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


# ---------------------------------------------------------------- pure rules

def lap_elapsed_us(t1: int, t2: int) -> int:
    """t2 - t1 of the DUT's microsecond counter, across one 32-bit wrap-around."""
    return (t2 - t1) % LAP_WRAP


def choose_n(latency_s: float, min_window_s: float = MIN_WINDOW_S,
             min_inferences: int = MIN_INFERENCES) -> int:
    """Inferences for one window: enough for min_window_s at the estimated latency, and at
    least min_inferences. A zero latency (timer too coarse) falls back to the minimum count."""
    if latency_s <= 0 or not math.isfinite(latency_s):
        return min_inferences
    return max(min_inferences, math.ceil(min_window_s * FIRST_MARGIN / latency_s))


def rerun_n(n: int, elapsed_s: float, min_window_s: float = MIN_WINDOW_S,
            min_inferences: int = MIN_INFERENCES) -> int:
    """A larger N for a window that came out short (aims RERUN_MARGIN past the minimum)."""
    if elapsed_s <= 0:
        return max(min_inferences, n * 10)
    want = math.ceil(n * min_window_s * RERUN_MARGIN / elapsed_s)
    return max(n + 1, min_inferences, want)


def window_is_short(n: int, elapsed_s: float, min_window_s: float = MIN_WINDOW_S,
                    min_inferences: int = MIN_INFERENCES) -> bool:
    return elapsed_s < min_window_s or n < min_inferences


# ---------------------------------------------------------------- inputs

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


# ---------------------------------------------------------------- progress

class Progress:
    """rich progress on stderr, or nothing (JSON output, not a terminal)."""

    def __init__(self, enabled: bool):
        self._p = None
        if enabled:
            from rich.console import Console
            from rich.progress import (BarColumn, Progress as RichProgress, TextColumn,
                                       TimeElapsedColumn)
            self._p = RichProgress(TextColumn("{task.description}"), BarColumn(),
                                   TextColumn("{task.completed}/{task.total}"), TimeElapsedColumn(),
                                   console=Console(stderr=True), transient=True)

    def __enter__(self):
        if self._p:
            self._p.start()
        return self

    def __exit__(self, *exc):
        if self._p:
            self._p.stop()

    def task(self, description: str, total: int):
        return self._p.add_task(description, total=total) if self._p else None

    def advance(self, task, n: int = 1, description: Optional[str] = None) -> None:
        if self._p is not None and task is not None:
            kw = {"description": description} if description else {}
            self._p.update(task, advance=n, **kw)


def progress_wanted(json_output: bool) -> bool:
    return not json_output and sys.stderr.isatty()


# ---------------------------------------------------------------- the runner

class Runner:
    """Drives one DUT through the MLPerf Tiny procedure.

    `meter(infer_result) -> WindowMeasure | None` is called after each timed window: in
    simulation it costs the emulator's counter snapshots of the window (`InferResult.timestamps`);
    on hardware there is none.
    """

    def __init__(self, client, options: Optional[RunnerOptions] = None,
                 meter: Optional[Callable[[Any], Optional[WindowMeasure]]] = None):
        self.client = client
        self.options = options or RunnerOptions()
        self.meter = meter
        self.log: List[str] = []
        self.infer_wall_s = 0.0
        self.infer_device_s = 0.0

    # -- protocol steps, logged

    def _note(self, text: str) -> None:
        self.log.append(f"# {text}")

    def check_model(self, workload: str) -> None:
        self.log.append("> profile%")
        model = self.client.profile()
        self.log.append(f"< m-model-[{model}]")
        if model != workload:
            raise ProtocolError(f"the DUT reports model {model!r} but workload {workload!r} was asked "
                                "(wrong ELF for this workload?)")

    def _load(self, item: InputFile) -> None:
        self.log.append(f"> db load {len(item.data)}%  ({item.name})")
        self.client.load(item.data)

    def _infer(self, n: int, warmup: int):
        self.log.append(f"> infer {n} {warmup}%")
        start = time.perf_counter()
        res = self.client.infer(n, warmup)
        self.infer_wall_s += time.perf_counter() - start
        self.infer_device_s += lap_elapsed_us(res.t1_us, res.t2_us) / 1e6
        self.log.extend(f"< {line}" for line in (res.lines or ()))
        return res

    # -- performance mode

    def performance(self, workload: str) -> PerformanceRun:
        o = self.options
        start = time.perf_counter()
        dev0, wall0 = self.infer_device_s, self.infer_wall_s
        self.check_model(workload)
        count = 1 if o.quick else o.windows
        seed = o.seed if o.dataset_dir is None else None
        inputs, source = performance_inputs(workload, count, o.dataset_dir, o.seed)
        windows: List[Window] = []
        calib: Optional[float] = None
        with Progress(o.progress) as prog:
            task = prog.task(f"{workload} performance", len(inputs))
            for index, item in enumerate(inputs):
                self._load(item)
                if o.quick:
                    n, warmup = o.quick_inferences, 0
                else:
                    if calib is None:
                        if o.calibrate:
                            res = self._infer(1, 0)
                            calib = lap_elapsed_us(res.t1_us, res.t2_us) / 1e6
                            self._note(f"calibration: 1 inference in {calib * 1e3:.3f} ms")
                        else:
                            calib = 0.0
                    n, warmup = choose_n(calib, o.min_window_s, o.min_inferences), o.warmup
                attempts = []
                while True:
                    if self.meter is not None and hasattr(self.meter, "arm"):
                        self.meter.arm()
                    res = self._infer(n, warmup)
                    elapsed = lap_elapsed_us(res.t1_us, res.t2_us) / 1e6
                    attempts.append({"inferences": n, "elapsed_s": elapsed})
                    measure = self.meter(res) if self.meter else None
                    if o.quick or not window_is_short(n, elapsed, o.min_window_s, o.min_inferences):
                        break
                    if len(attempts) >= o.max_attempts:
                        raise TinysimError(
                            f"{workload} window {index + 1}: still shorter than {o.min_window_s:g} s after "
                            f"{len(attempts)} tries (last: {n} inferences in {elapsed:.3f} s device time); "
                            "the DUT's m-lap-us timer may be broken")
                    self._note(f"window {index + 1}: {n} inferences took {elapsed:.3f} s < "
                               f"{o.min_window_s:g} s, re-running longer")
                    n = rerun_n(n, elapsed, o.min_window_s, o.min_inferences)
                if elapsed > 0 and not o.quick:
                    calib = elapsed / n     # the accepted window is the best estimate for the next
                windows.append(Window(index, item.name, n, warmup, res.t1_us, res.t2_us, attempts,
                                      list(res.results or ()), list(res.raw) if res.raw is not None else None,
                                      measure, item.data))
                prog.advance(task)
        wall = time.perf_counter() - start
        return PerformanceRun(workload, windows, o.quick, seed, source, calib, wall,
                              self.infer_device_s - dev0, self.infer_wall_s - wall0, list(self.log))

    # -- accuracy mode

    def accuracy(self, workload: str, dataset_dir: Path, limit: Optional[int] = None) -> AccuracyRun:
        from . import scoring

        start = time.perf_counter()
        self.check_model(workload)
        ds = datasets.load_dataset(workload, dataset_dir, limit)
        results: Dict[str, list] = {}
        raw: Dict[str, List[List[int]]] = {}
        total = sum(len(e.windows) for e in ds.entries)
        with Progress(self.options.progress) as prog:
            task = prog.task(f"{workload} accuracy", total)
            for entry in ds.entries:
                per_file, per_raw = [], []
                for w in entry.windows:
                    self._load(InputFile(entry.file, w, entry.label))
                    res = self._infer(1, 0)
                    if not res.results:
                        raise ProtocolError(f"{workload} {entry.file}: infer 1 0 printed no m-results values")
                    if workloads.get(workload).metric == "auc":  # the DUT prints the window MSE
                        per_file.append(float(res.results[0]))
                    else:
                        per_file.append([float(v) for v in res.results])
                    per_raw.append(list(res.raw) if res.raw is not None else [])
                    prog.advance(task)
                results[entry.file] = per_file
                raw[entry.file] = per_raw
        labels = {e.file: e.label for e in ds.entries}
        score = scoring.score(workload, results, labels)
        return AccuracyRun(workload, score, results, raw, time.perf_counter() - start, list(self.log))


# ---------------------------------------------------------------- bit-exactness vs TFLite

def tflite_interpreter(model_path: Path):
    """TFLite's reference kernels (BUILTIN_REF, the arithmetic TFLite Micro runs) for
    `model_path`, or None when no interpreter package is installed. The default resolver's
    optimized kernels (XNNPACK) may differ in the last bit, so they are not the reference."""
    from ..compiler.interp import make_interpreter
    from ..errors import ModelError

    try:
        return make_interpreter(model_path, reference=True)
    except ModelError as err:
        if "no TFLite interpreter" in str(err):
            return None
        raise
    except (ValueError, RuntimeError) as err:
        raise TinysimError(f"{model_path}: the TFLite interpreter cannot load it ({err})") from None


def tflite_int8_outputs(interp, workload: str, window: bytes) -> np.ndarray:
    """The model's int8 output for one `db` payload, fed exactly as the firmware's th_load_tensor."""
    inp = interp.get_input_details()[0]
    scale, zp = inp["quantization"]
    tensor = datasets.input_to_model_tensor(workload, window, (scale, zp))
    interp.set_tensor(inp["index"], tensor.reshape(inp["shape"]).astype(inp["dtype"]))
    interp.invoke()
    return interp.get_tensor(interp.get_output_details()[0]["index"]).reshape(-1).astype(np.int8)


def compare_with_tflite(workload: str, model_path: Optional[Path],
                        cases: Sequence[Tuple[str, bytes, Optional[Sequence[int]]]]
                        ) -> Tuple[Optional[bool], str]:
    """(bit_exact, reason) for (name, input bytes, firmware int8 outputs) cases.

    None with a reason when nothing can be compared (no interpreter, no model file, firmware
    that prints no m-results-raw line)."""
    if model_path is None or not Path(model_path).is_file():
        return None, f"no TFLite model to compare with ({model_path or 'models/<workload>.tflite'} missing)"
    usable = [(n, d, r) for n, d, r in cases if r]
    if not usable:
        return None, "the firmware printed no m-results-raw-[...] line to compare"
    interp = tflite_interpreter(Path(model_path))
    if interp is None:
        return None, "no TFLite interpreter installed (pip install ai-edge-litert)"
    for name, data, raw in usable:
        want = tflite_int8_outputs(interp, workload, data)
        got = np.asarray(raw, dtype=np.int64)
        if got.shape != want.shape or not np.array_equal(got, want.astype(np.int64)):
            diff = int(np.count_nonzero(got != want)) if got.shape == want.shape else "shape"
            return False, (f"{name}: firmware output differs from the TFLite interpreter "
                           f"({diff} of {want.size} values; first firmware {got[:6].tolist()}, "
                           f"TFLite {want[:6].tolist()})")
    return True, f"{len(usable)} window input(s) identical to the TFLite interpreter ({Path(model_path).name})"


# ---------------------------------------------------------------- simulation meter

class SimulationMeter:
    """Cycles, instructions and energy of each timed window of an emulated DUT.

    The machine snapshots its counters whenever the firmware reads its cycle counter. Among the
    reads during one `infer` command are the two `th_timestamp()` calls that print t1 and t2; the
    firmware may read the counter at other times too (timer wake-ups while idle), so the pair is
    the earliest two snapshots whose cycle difference is the printed t2 - t1 (within the 1 us
    resolution of m-lap-us). Their difference is an ExecutionProfile, costed by
    `tinysim.cost.evaluate.estimate` for the platform. Snapshots are recorded only while a timed
    window runs (`arm`), so loading inputs costs no copies."""

    def __init__(self, machine, coster, platform):
        self.machine = machine
        self.coster = coster
        self.platform = platform

    def arm(self) -> None:
        self.machine.timestamps.clear()
        self.machine.record_timestamps = True

    def window_pair(self, stamps: Sequence[Any], elapsed_us: int) -> Optional[Tuple[Any, Any]]:
        per_us = self.platform.clock_hz / 1e6
        tolerance = 1.0 + 1e-6 * elapsed_us          # m-lap-us truncates to whole microseconds
        for i, a in enumerate(stamps):
            for b in stamps[i + 1:]:
                span_us = (int(b.cycles) - int(a.cycles)) / per_us
                if abs(span_us - elapsed_us) <= tolerance:
                    return a, b
                if span_us > elapsed_us + tolerance:
                    break
        return None

    def __call__(self, res) -> Optional[WindowMeasure]:
        from ..cost.evaluate import estimate
        from ..cost.profile import ExecutionProfile

        stamps = list(getattr(res, "timestamps", None) or ())
        self.machine.record_timestamps = False
        self.machine.timestamps.clear()
        pair = self.window_pair(stamps, lap_elapsed_us(res.t1_us, res.t2_us))
        if pair is None:
            raise TinysimError(
                f"infer {res.n} {res.warmup}: none of the {len(stamps)} counter snapshots of the window "
                f"spans the printed m-lap-us interval ({res.t2_us} - {res.t1_us} us); does the board port "
                "derive board_micros() from the cycle counter?")
        profile = ExecutionProfile.from_snapshots(pair[0], pair[1], self.coster,
                                                  window=f"infer {res.n} {res.warmup}",
                                                  platform=self.platform.name)
        est = estimate(profile, self.platform)
        return WindowMeasure(cycles=float(est.cycles), instructions=float(profile.instructions),
                             energy_j=float(est.joules), avg_power_w=float(est.avg_power_w),
                             profile=profile)
