#!/usr/bin/env python3
"""Where `tinysim bench` spends its time: CPU and wall seconds in the input loads and the infer
commands, and sim_speed by wall time (what bench reports) and by CPU time.

    python3 bench/bench_phases.py [bench arguments, e.g. --workload ad01 --quick]

Runs `tinysim bench --json <arguments> --jobs 1` in this process with the runner's `_load` and `_infer`
wrapped to add up time.process_time() and time.perf_counter() around each call. sim_speed is
device seconds inside the infer commands (the firmware's m-lap-us spans) per second; `bench`
divides by wall time, which on a shared machine mostly measures the neighbours, so the CPU
figure (this process's CPU seconds) is printed beside it. Prints one JSON object on stderr
after bench's own JSON on stdout: per workload {load_cpu_s, load_wall_s, infer_cpu_s,
infer_wall_s, device_s, total_cpu_s, total_wall_s, other_cpu_s, sim_speed_wall, sim_speed_cpu,
load_engine_starts, load_uart_in_bytes, load_engine_starts_per_char, infer_engine_starts,
infer_uart_in_bytes} and the host's load average; `other` is the rest of the workload's run
(booting the image, the protocol's other commands, the bit-exactness check against TFLite,
saving the window profiles). The engine starts per character of the loads do not depend on the
machine's load: each is a round trip through the run loop (Machine.run), most of a load's time.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinysim.cli import cmd_bench  # noqa: E402
from tinysim.cli import main as tinysim_main  # noqa: E402
from tinysim.harness.runner import Runner  # noqa: E402

PHASES: dict = {}


def _timed(name: str, phase: str):
    original = getattr(Runner, name)

    def wrapper(self, *args):
        workload = getattr(self, "_phase_workload", "?")
        acc = PHASES.setdefault(workload, {"load_cpu_s": 0.0, "load_wall_s": 0.0, "infer_cpu_s": 0.0,
                                           "infer_wall_s": 0.0, "device_s": 0.0})
        cpu, wall, dev = time.process_time(), time.perf_counter(), self.infer_device_s
        counts = dict(COUNTS)
        try:
            return original(self, *args)
        finally:
            acc[f"{phase}_cpu_s"] += time.process_time() - cpu
            acc[f"{phase}_wall_s"] += time.perf_counter() - wall
            acc["device_s"] += self.infer_device_s - dev
            for name, n in COUNTS.items():
                key = f"{phase}_{name}"
                acc[key] = acc.get(key, 0) + n - counts[name]
    setattr(Runner, name, wrapper)


COUNTS = {"engine_starts": 0, "uart_in_bytes": 0}


def _counted_engine():
    """Engine starts (each a round trip through the run loop) and bytes the host put on a UART
    RX line: their ratio over the input loads is how often the run loop takes over per character
    (deterministic, unlike the times; a call layer per engine start is all it adds)."""
    from unicorn import Uc

    from tinysim.emu.peripherals.uart.base import Uart

    start, inject = Uc.emu_start, Uart.inject

    def emu_start(self, *args, **kwargs):
        COUNTS["engine_starts"] += 1
        return start(self, *args, **kwargs)

    def counted_inject(self, data, *args, **kwargs):
        COUNTS["uart_in_bytes"] += len(data)
        return inject(self, data, *args, **kwargs)
    Uc.emu_start, Uart.inject = emu_start, counted_inject


def _named_performance():
    original = Runner.performance

    def performance(self, workload: str, *args, **kwargs):
        self._phase_workload = workload
        return original(self, workload, *args, **kwargs)
    Runner.performance = performance


def _whole_workload():
    """Wall and CPU seconds of each workload from start to its recorded row (booting the image,
    the runner's protocol, the bit-exactness check against TFLite, the window profiles saved)."""
    original = cmd_bench.bench_workload

    def bench_workload(platform, workload, *args, **kwargs):
        cpu, wall = time.process_time(), time.perf_counter()
        try:
            return original(platform, workload, *args, **kwargs)
        finally:
            acc = PHASES.setdefault(workload, {})
            acc["total_cpu_s"] = time.process_time() - cpu
            acc["total_wall_s"] = time.perf_counter() - wall
    cmd_bench.bench_workload = bench_workload


def main(argv=None) -> int:
    _counted_engine()
    _timed("_load", "load")
    _timed("_infer", "infer")
    _named_performance()
    _whole_workload()
    # --jobs 1: the workloads in this process, where the wrappers above can time them
    rc = tinysim_main(["bench", "--json", *(sys.argv[1:] if argv is None else argv), "--jobs", "1"])
    for acc in PHASES.values():
        acc["other_cpu_s"] = acc["total_cpu_s"] - acc["load_cpu_s"] - acc["infer_cpu_s"]
        acc["sim_speed_wall"] = acc["device_s"] / acc["infer_wall_s"] if acc["infer_wall_s"] else None
        acc["sim_speed_cpu"] = acc["device_s"] / acc["infer_cpu_s"] if acc["infer_cpu_s"] else None
        chars = acc.get("load_uart_in_bytes")
        acc["load_engine_starts_per_char"] = acc["load_engine_starts"] / chars if chars else None
        for k, v in acc.items():
            acc[k] = round(v, 3) if v is not None else None
    print(json.dumps({"phases": PHASES, "load_average": os.getloadavg()}, indent=1), file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
