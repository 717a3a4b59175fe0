"""The MLPerf Tiny procedure on the host side, over any Transport (emulated board or serial port).

The rules' numbers are in `rules.py`, the run's records in `runs.py`, the window inputs in
`inputs.py`; this module drives the DUT through them.

Performance mode (research notes 2.1 / 2.2; EEMBC EnergyRunner README, MLCommons runner
`script.py`): 5 windows, each on its own input file (the first 5 entries of the dataset); a window
is `db load` + `infer N W`, timed by the DUT's two `m-lap-us-` lines, and must last at least 10 s
of DEVICE time and at least 10 inferences. Throughput per window = N / (t2 - t1); the score is the
median throughput, latency = 1 / median. N comes from a calibration `infer 1 0`; a window that
still comes out short is re-run with a larger N.

Accuracy mode: every input (every window of an AD file), `infer 1 0`, scored as the runner does.

Energy in simulation: the emulated board snapshots its counters whenever the firmware reads its
cycle counter, so the two `th_timestamp()` reads of a window bound exactly the timed inferences;
the difference of those snapshots is an ExecutionProfile that the cost model turns into joules
(`tinysim.pipeline.meter.SimulationMeter`, passed to `Runner` as its `meter`).
On hardware, energy needs a power monitor, which this runner does not drive: it is reported null.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable, Dict, List, Optional

from .. import workloads
from ..errors import ProtocolError, TinysimError
from . import datasets, scoring
from .inputs import performance_inputs
from .progress import Progress
from .rules import choose_n, lap_elapsed_us, rerun_n, window_is_short
from .runs import AccuracyRun, InputFile, PerformanceRun, RunnerOptions, Window, WindowMeasure


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
