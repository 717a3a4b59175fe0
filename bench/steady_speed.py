#!/usr/bin/env python3
"""Steady-state emulation speed of one workload, and why the run loop comes back to Python.

    python3 bench/steady_speed.py [--workload kws01] [--window-s 3] [--platform nucleo-l4r5zi]

Runs `tinysim bench` in this process with one performance window of about `--window-s` device
seconds (after the one-inference calibration that ends the exact data-cache phase), so a figure
comes in seconds instead of the minutes of a full run while measuring the same learned-phase
emulation the full run spends most of its time in. Prints one JSON object:

- `infer`: CPU and wall seconds inside the infer commands, device seconds, sim_speed by CPU
  and by wall time (the CPU figure is the one to compare on a shared machine), and the CPU
  seconds inside Unicorn's emu_start (the rest is Python between slices);
- `slices`: how often `Machine.run` called `emu_start` during the infer commands, per device
  second, by the reason the slice ended (`deadline`: a timer fell due, `unmask`: a block that
  may have lifted the mask of a waiting interrupt ran, `heartbeat`: the deadline was the heartbeat, `python`: a peripheral's Python stop such as an
  idle UART, `clean`: emu_start returned by itself, e.g. WFI), and the deadline's source
  (the peripheral whose next_event was the earliest);
- `icache`: the I-cache model's line accesses, misses and prefetch hits over the whole run,
  and the block executions by number of lines fetched;
- the host's load average.
Counts are exact and reproducible; the times are not (run A/B back to back under the same load).
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import io
import json
import os
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinysim.cli import cmd_bench  # noqa: E402
from tinysim.cli import main as tinysim_main  # noqa: E402
from tinysim.emu import machine as machine_mod  # noqa: E402
from tinysim.emu.counter.native import _NATIVE_FETCH  # noqa: E402
from tinysim.harness.runner import Runner  # noqa: E402

STATE = {"in_infer": False, "machine": None}
INFER = {"cpu_s": 0.0, "wall_s": 0.0, "device_s": 0.0, "emu_start_cpu_s": 0.0}
SLICES: collections.Counter = collections.Counter()
SOURCES: collections.Counter = collections.Counter()


def _wrap_infer() -> None:
    original = Runner._infer

    def infer(self, *args):
        cpu, wall, dev = time.process_time(), time.perf_counter(), self.infer_device_s
        STATE["in_infer"] = True
        try:
            return original(self, *args)
        finally:
            STATE["in_infer"] = False
            if STATE["machine"] is not None:   # the counter is closed when bench ends
                STATE["icache"] = _icache(STATE["machine"])
            INFER["cpu_s"] += time.process_time() - cpu
            INFER["wall_s"] += time.perf_counter() - wall
            INFER["device_s"] += self.infer_device_s - dev
    Runner._infer = infer


def _wrap_engine() -> None:
    """CPU seconds inside Unicorn's emu_start during the infer commands (the emulation with the
    native hooks, and the Python peripheral callbacks it makes); the rest of the infer commands'
    CPU is Python between slices: the run loop, the emulated transport, the DUT protocol."""
    from unicorn import Uc
    original = Uc.emu_start

    def emu_start(self, *a, **k):
        if not STATE["in_infer"]:
            return original(self, *a, **k)
        cpu = time.process_time()
        try:
            return original(self, *a, **k)
        finally:
            INFER["emu_start_cpu_s"] += time.process_time() - cpu
    Uc.emu_start = emu_start


def _wrap_machine() -> None:
    """Count emu_start slices and what ended each (only inside the infer commands)."""
    Machine = machine_mod.Machine
    run, counter_stop, dispatch, clean = (Machine.run, Machine._counter_stop, Machine._dispatch_stop,
                                          Machine.handle_clean_return)

    def wrapped_run(self, *a, **k):
        STATE["machine"] = self
        return run(self, *a, **k)

    def wrapped_counter_stop(self, reason):
        if STATE["in_infer"]:
            heartbeat = self._deadline is None
            SLICES["heartbeat" if heartbeat and reason == "deadline" else reason] += 1
            if reason == "deadline" and not heartbeat:
                SOURCES[_deadline_source(self)] += 1
        return counter_stop(self, reason)

    def wrapped_dispatch(self, reason):
        if STATE["in_infer"]:
            SLICES[f"python:{reason}"] += 1
        return dispatch(self, reason)

    def wrapped_clean(self):
        if STATE["in_infer"]:
            SLICES["clean"] += 1
        return clean(self)
    Machine.run, Machine._counter_stop = wrapped_run, wrapped_counter_stop
    Machine._dispatch_stop, Machine.handle_clean_return = wrapped_dispatch, wrapped_clean


def _deadline_source(m) -> str:
    """Which timed peripheral's next event was the deadline that just fell due."""
    now = m.now()
    for p in (*m._timed(), m.wires):
        # the deadline was set before the slice; an event at or before now is the one that fired
        e = p.next_event(now)
        if e is not None and e <= now:
            return getattr(p, "name", type(p).__name__)
    return "other"


def _icache(m) -> dict:
    c = m.counter
    s = c._synced()
    blocks = c._native_rows(s.blocks, s.n_blocks, _NATIVE_FETCH)   # with n_lines
    by = collections.Counter()
    for n, count in zip(blocks["n_lines"], blocks["count"]):
        by[int(n)] += int(count)
    stats = c.cache_stats().get("icache", {})
    return {"accesses": int(sum(stats.values())), "misses": int(stats.get("misses", 0)),
            "prefetch_hits": int(stats.get("prefetch_hits", 0)),
            "block_executions": int(blocks["count"].sum()),
            "executions_by_lines": dict(sorted(by.items())),
            "self_loop_executions_by_lines": _self_loops(c, blocks)}


def _self_loops(c, blocks) -> dict:
    """Executions of fetch-modelled blocks entered from themselves (a one-block loop), by lines."""
    edges = c.edges()
    by = collections.Counter()
    for src, dst, count in zip(edges["src"], edges["dst"], edges["count"]):
        if src == dst:
            by[int(blocks["n_lines"][src])] += int(count)
    return dict(sorted(by.items()))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workload", default="kws01")
    ap.add_argument("--platform", default="nucleo-l4r5zi")
    ap.add_argument("--window-s", type=float, default=3.0, help="device seconds of the one timed window")
    args = ap.parse_args()

    original_options = cmd_bench.runner_options

    def runner_options(a, workload):
        o = original_options(a, workload)
        o.windows, o.min_window_s = 1, args.window_s
        return o
    cmd_bench.runner_options = runner_options
    _wrap_infer()
    _wrap_engine()
    _wrap_machine()
    out_dir = Path(os.environ.get("TMPDIR", "/tmp")) / "tinysim-steady-speed"
    with contextlib.redirect_stdout(io.StringIO()):
        rc = tinysim_main(["bench", "--json", "--no-published", "--workload", args.workload,
                           "--platform", args.platform, "--out", str(out_dir)])
    dev = INFER["device_s"]
    result = {
        "workload": args.workload, "platform": args.platform, "rc": rc,
        "infer": {**{k: round(v, 3) for k, v in INFER.items()},
                  "sim_speed_cpu": round(dev / INFER["cpu_s"], 3) if INFER["cpu_s"] else None,
                  "sim_speed_wall": round(dev / INFER["wall_s"], 3) if INFER["wall_s"] else None},
        "slices": {"total": sum(SLICES.values()), "per_device_s": round(sum(SLICES.values()) / dev, 1) if dev else None,
                   "by_reason": dict(SLICES), "deadline_sources": dict(SOURCES)},
        "icache": STATE.get("icache"),
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    print(json.dumps(result, indent=1))
    return rc


if __name__ == "__main__":
    sys.exit(main())
