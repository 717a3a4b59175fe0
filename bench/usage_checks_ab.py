"""CPU cost of the Cortex-M UsageFault checks (tinysim/emu/usage_checks.py): one `infer N 0`
window of each benchmark image on a seeded random input, with the checks on and off, each window
in a fresh process (a process that already ran windows runs the next one at a different speed),
on and off alternated; prints the median and the best CPU time of each, their ratios, whether the
outputs are the same, and how many checks were registered, executed, and how often they ran.

    python bench/usage_checks_ab.py firmware_images/nucleo-l4r5zi/kws01.elf [more.elf ...]
        [--infer 1] [--repeat 5] [--off-python PYTHON] [--json]

The engine is the one the running Python imports (its build is printed); the machine's load
average is printed beside the figures, since other work on the machine moves them. On an engine
that raises the alignment faults itself (third_party/unicorn/0007-*.patch) "off" only turns off
tinysim's side; `--off-python` runs the checks-off windows with another interpreter, e.g. one
with the 0001-0005 build, so "on" vs "off" is that engine's whole cost.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def child(elf: str, n: int, on: bool) -> dict:
    """One window in this process: its CPU seconds, outputs and check counts."""
    import numpy as np

    import tinysim.emu.usage_checks as checks
    from tinysim.harness.datasets import random_window
    from tinysim.pipeline.emulated_dut import open_emulated

    if not on:
        checks.UsageChecks.inspect = lambda self, addr, size: False
    transport, client, _meter = open_emulated("nucleo-l4r5zi", Path(elf))
    try:
        client.load(random_window(client.profile(), np.random.default_rng(0)))
        t0 = time.process_time()
        result = client.infer(n, 0)
        cpu = time.process_time() - t0
        c = transport.machine.checks
        calls = c.executions()
        return {"cpu": cpu, "results": repr(result.results), "registered": c.n_hooks,
                "executed": sum(1 for v in calls.values() if v), "calls": sum(calls.values())}
    finally:
        transport.close()


def run_child(elf: str, n: int, on: bool, python: str) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))}
    out = subprocess.run([python, __file__, "--child", "on" if on else "off", "--infer", str(n), elf],
                         capture_output=True, text=True, env=env, check=False)
    if out.returncode != 0:
        raise SystemExit(f"usage_checks_ab: the window of {elf} failed:\n{out.stderr[-2000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(elf: str, n: int, repeat: int, off_python: str) -> dict:
    runs = {False: [], True: []}
    for _ in range(repeat):
        for on in (False, True):
            runs[on].append(run_child(elf, n, on, sys.executable if on else off_python))
    off = [r["cpu"] for r in runs[False]]
    on = [r["cpu"] for r in runs[True]]
    last = runs[True][-1]
    return {"image": Path(elf).name, "infer": n, "repeat": repeat,
            "off_median_s": round(statistics.median(off), 4), "on_median_s": round(statistics.median(on), 4),
            "off_best_s": round(min(off), 4), "on_best_s": round(min(on), 4),
            "ratio_median": round(statistics.median(on) / statistics.median(off), 3),
            "ratio_best": round(min(on) / min(off), 3),
            "same_outputs": len({r["results"] for r in runs[True] + runs[False]}) == 1,
            "registered": last["registered"], "executed": last["executed"], "calls": last["calls"]}


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("elf", nargs="+")
    ap.add_argument("--infer", type=int, default=1)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--off-python", default=sys.executable,
                    help="interpreter of the checks-off windows (default: this one)")
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--child", choices=("on", "off"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.elf[0], args.infer, args.child == "on")))
        return 0
    from tinysim.emu.engine_info import unicorn_build

    load0 = os.getloadavg()
    rows = [measure(e, args.infer, args.repeat, args.off_python) for e in args.elf]
    off_engine = subprocess.run([args.off_python, "-c", "from tinysim.emu.engine_info import unicorn_build; "
                                 "print(unicorn_build())"], capture_output=True, text=True, cwd=ROOT,
                                check=False).stdout.strip() or "?"
    head = {"engine": unicorn_build(), "off_engine": off_engine, "load_before": [round(x, 2) for x in load0],
            "load_after": [round(x, 2) for x in os.getloadavg()]}
    if args.json:
        print(json.dumps({**head, "rows": rows}, indent=1))
        return 0
    print(f"engine: {head['engine']} (checks off: {head['off_engine']})   load average before {head['load_before']}, after {head['load_after']}")
    for r in rows:
        print(f"{r['image']}: infer {r['infer']}, {r['repeat']} windows each in fresh processes: "
              f"checks off {r['off_median_s']:.3f} s CPU (best {r['off_best_s']:.3f}), on "
              f"{r['on_median_s']:.3f} s (best {r['on_best_s']:.3f}); ratio {r['ratio_median']:.3f} "
              f"(best/best {r['ratio_best']:.3f}); checks registered {r['registered']}, executed "
              f"{r['executed']}, {r['calls']} calls; same outputs: {r['same_outputs']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
