"""`tinysim calibrate`: fit branch refill, flash penalty scale and run current to measurements."""

from __future__ import annotations

import json

from ..cost.calibrate import fit, load_measurements
from ..cost.overlay import write_overlay
from .options import load_platform_arg

NAME = "calibrate"
HELP = "fit cost-model parameters to board measurements and write a TOML overlay"


def add_arguments(p) -> None:
    p.add_argument("measurements", metavar="MEASUREMENTS.json",
                   help='[{"profile": "run.npz", "cycles": N, "joules": J, "clock_hz": F}, ...]')
    p.add_argument("--platform", required=True, help="board name or path to a board TOML")
    p.add_argument("-o", "--output", required=True, metavar="OVERLAY.toml")
    p.add_argument("--json", action="store_true", help="print parameters and residuals as JSON")


def run(args) -> int:
    platform = load_platform_arg(args.platform)
    result = fit(load_measurements(args.measurements), platform)
    write_overlay(args.output, result.params, header=[
        f"tinysim calibrate: platform {getattr(platform, 'name', '?')}, "
        f"{len(result.residuals)} measurement(s) from {args.measurements}",
        *result.notes])
    if args.json:
        print(json.dumps({"params": result.params, "residuals": result.residuals,
                          "notes": result.notes}, indent=2))
        return 0
    for k, v in result.params.items():
        print(f"{k} = {v:.4g}")
    print(f"{'measurement':<24} {'cycles err before':>18} {'after':>8} {'energy err before':>18} "
          f"{'after':>8}")
    for r in result.residuals:
        eb = f"{r['energy_error_before']:+.2%}" if "energy_error_before" in r else "-"
        ea = f"{r['energy_error_after']:+.2%}" if "energy_error_after" in r else "-"
        print(f"{r['label']:<24} {r['cycle_error_before']:>+18.2%} {r['cycle_error_after']:>+8.2%} "
              f"{eb:>18} {ea:>8}")
    for note in result.notes:
        print(f"note: {note}")
    print(f"wrote {args.output}")
    return 0
