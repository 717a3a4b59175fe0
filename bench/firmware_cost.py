"""What the benchmark firmware costs on the reference board: cycles per MAC and latency at 120 MHz.

    python bench/firmware_cost.py [--platform nucleo-l4r5zi] [--json]

Runs `tinysim bench --quick` (one timed window per workload on the prebuilt images, all costed by
the cycle model) and puts each workload beside the published NUCLEO-L4R5ZI figures: the v0.5
reference (TFLM + CMSIS-NN, the first target) and the v1.3 X-CUBE-AI 10.2 result (the best
published stack, the bar after that).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinysim.cli import main as tinysim_main  # noqa: E402
from tinysim.workloads.published import V05_REFERENCE, V13_XCUBEAI  # noqa: E402


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--platform", default="nucleo-l4r5zi")
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as out, contextlib.redirect_stdout(io.StringIO()) as captured:
        rc = tinysim_main(["bench", "--quick", "--json", "--platform", args.platform, "--out", out])
    if rc != 0:
        print(captured.getvalue(), file=sys.stderr)
        return rc
    workloads = {r["identity"]["workload"]: r["metrics"]      # the results.json schema
                 for r in json.loads(captured.getvalue())["results"]}
    ref, best = V05_REFERENCE, V13_XCUBEAI
    figures = {}
    for name, row in workloads.items():
        figures[name] = {
            "cycles_per_mac": round(row["cycles_per_mac"], 3),
            "latency_ms": round(row["latency_ms"], 3),
            "bit_exact": row["bit_exact"],
            "v05_reference_ms": ref.latency_ms[name],
            "faster_than_v05_reference": row["latency_ms"] < ref.latency_ms[name],
            "best_published_ms": best.latency_ms[name],
            "x_best_published": round(row["latency_ms"] / best.latency_ms[name], 3),
        }
    if args.json:
        print(json.dumps({"platform": args.platform, "workloads": figures}, indent=1))
    else:
        print(f"{'workload':8} {'cyc/MAC':>8} {'ms':>9} {'v0.5 ref ms':>12} {'best ms':>8} {'x best':>7}")
        for name, f in figures.items():
            print(f"{name:8} {f['cycles_per_mac']:8.2f} {f['latency_ms']:9.2f} {f['v05_reference_ms']:12.2f} "
                  f"{f['best_published_ms']:8.2f} {f['x_best_published']:7.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
