"""How long does re-costing one profile at 100 clock points take? (target: well under 1 s)

    python bench/sweep_speed.py [--profile FILE.npz] [--blocks 5000] [--json]

Without --profile it uses a synthetic ~5k-block profile (tinysim.cost.synthetic). Two figures:
`seconds` for 100 full `estimate()` calls (one per variant, as `tinysim sweep` does) and
`vectorised_seconds` for one `sweep_clocks()` call over the same 100 clocks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinysim.cost import ExecutionProfile, estimate, sweep_clocks  # noqa: E402
from tinysim.cost.flash import STM32L4R5_RANGE1_WS  # noqa: E402
from tinysim.cost.synthetic import synthetic_profile  # noqa: E402


@dataclass(frozen=True)
class _Platform:  # the fields the cost model reads; the bench must not depend on board files
    name: str = "bench-l4r5"
    core: object = field(default_factory=lambda: type("Core", (), {
        "arch": "armv7m", "cpu": "cortex-m4f", "timing": "cortex-m4"})())
    clock_hz: float = 120e6
    flash: object = field(default_factory=lambda: type("Flash", (), {
        "wait_states": STM32L4R5_RANGE1_WS, "prefetch": True, "line_bytes": 8})())
    energy: object = field(default_factory=lambda: type("Energy", (), {
        "vdd_v": 3.3, "run_ua_per_mhz": 110.0, "class_pj": {}, "sources": ()})())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", help="a saved profile (.npz); default: synthetic")
    ap.add_argument("--blocks", type=int, default=5000)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    prof = (ExecutionProfile.load(args.profile) if args.profile
            else synthetic_profile(args.blocks, seed=1))
    platform = _Platform()
    clocks = np.linspace(4e6, 120e6, args.points)

    t0 = time.perf_counter()
    results = [estimate(prof, replace(platform, clock_hz=f)) for f in clocks]
    t1 = time.perf_counter()
    sweep_clocks(prof, platform, clocks)
    t2 = time.perf_counter()
    out = {"points": len(results), "blocks": int(len(prof.blocks)), "seconds": round(t1 - t0, 4),
           "vectorised_seconds": round(t2 - t1, 5),
           "cycles_at_120MHz": results[-1].cycles}
    if args.json:
        print(json.dumps(out))
    else:
        for k, v in out.items():
            print(f"{k:>20}: {v}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
