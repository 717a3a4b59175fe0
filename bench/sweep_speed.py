"""How long does re-costing one profile at 100 clock points take? (target: well under 1 s)

    python bench/sweep_speed.py [--profile FILE.npz] [--blocks 5000] [--platform P] [--json]

Without --profile it uses a synthetic ~5k-block profile (tinysim.cost.synthetic). Two figures:
`seconds` for 100 `with_overrides()` + `estimate()` calls (as `tinysim sweep` does) and
`vectorised_seconds` for one `sweep_clocks()` call over the same 100 clocks.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinysim.cost import ExecutionProfile, estimate, sweep_clocks  # noqa: E402
from tinysim.cost.synthetic import synthetic_profile  # noqa: E402
from tinysim.platform import load_platform  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--profile", help="a saved profile (.npz); default: synthetic")
    ap.add_argument("--blocks", type=int, default=5000)
    ap.add_argument("--points", type=int, default=100)
    ap.add_argument("--platform", default="nucleo-l4r5zi")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    prof = (ExecutionProfile.load(args.profile) if args.profile
            else synthetic_profile(args.blocks, seed=1))
    platform = load_platform(args.platform)
    clocks = np.linspace(4e6, platform.clock_hz, args.points).round()

    t0 = time.perf_counter()
    results = [estimate(prof, platform.with_overrides(clock_hz=int(f))) for f in clocks]
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
