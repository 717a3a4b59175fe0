"""`tinysim calibrate`: fit branch refill, flash penalty scale and run current to measurements:
board measurements in a JSON file, or (`--catalogue`) the published catalogue entries that
`tinysim validate --profiles DIR` ran, inside documented ranges, with leave-one-out errors."""

from __future__ import annotations

import json
from pathlib import Path

from ..cost.calibrate import fit, load_measurements
from ..cost.overlay import write_overlay
from ..errors import TinysimError
from ..published import load_catalogue
from .options import load_platform_arg

NAME = "calibrate"
HELP = "fit cost-model parameters to board measurements and write a TOML overlay"


def add_arguments(p) -> None:
    p.add_argument("measurements", metavar="MEASUREMENTS.json", nargs="?",
                   help='[{"profile": "run.npz", "cycles": N, "joules": J, "clock_hz": F}, ...]')
    p.add_argument("--platform", help="board name or path to a board TOML (with MEASUREMENTS.json)")
    p.add_argument("-o", "--output", metavar="OVERLAY.toml", help="write the fitted parameters")
    p.add_argument("--catalogue", nargs="?", const="", default=None, metavar="FILE",
                   help="fit to the published catalogue (default: the shipped one) instead of a file")
    p.add_argument("--validated", type=Path, default=None, metavar="DIR",
                   help="with --catalogue: the directory `tinysim validate --profiles DIR` wrote")
    p.add_argument("--json", action="store_true", help="print parameters and residuals as JSON")


def run(args) -> int:
    if args.catalogue is not None:
        return run_catalogue(args)
    if not args.measurements or not args.platform or not args.output:
        raise TinysimError("calibrate needs MEASUREMENTS.json, --platform and -o OVERLAY.toml "
                           "(or --catalogue --validated DIR to fit the published catalogue)")
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


def run_catalogue(args) -> int:
    from ..pipeline.calibrate_catalogue import calibrate  # deferred: `tinysim --help` speed
    if args.validated is None:
        raise TinysimError("--catalogue needs --validated DIR: run `tinysim validate --profiles DIR` "
                           "first, then `tinysim calibrate --catalogue --validated DIR`")
    cat = load_catalogue(Path(args.catalogue) if args.catalogue else None)
    result = calibrate(cat, args.validated)
    if args.output:
        if len(result) != 1:
            raise TinysimError(f"-o writes one platform's overlay; the catalogue fit covers "
                               f"{', '.join(result)}: use --json and write them one by one")
        (name, r), = result.items()
        write_overlay(args.output, r["fitted"], header=[
            f"tinysim calibrate --catalogue: platform {name}, {len(r['in_sample'])} entries "
            f"from {args.validated}",
            *[f"{k}: {r['marks'][k]} (shipped {r['documented'][k]:g}; {r['sources'][k]})"
              for k in r["documented"]]])
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    for name, r in result.items():
        print(f"platform {name}")
        for k, doc in r["documented"].items():
            value = r["fitted"].get(k, doc)
            lo, hi = r["ranges"][k]
            rng = f"[{lo:g}, {hi:g}]" if lo is not None else "(no documented range)"
            print(f"  {k:<20} {value:10.4g}  {r['marks'][k]:<18} shipped {doc:g} {rng}")
        print(f"  {'entry':<46} {'in-sample cyc':>13} {'energy':>8} {'LOO cyc':>9} {'energy':>8}"
              f" {'LWO cyc':>9} {'energy':>8}")
        for a, b, w in zip(r["in_sample"], r["leave_one_out"], r["leave_workload_out"]):
            f = lambda v: "-" if v is None else f"{v:+.2%}"  # noqa: E731
            print(f"  {a['label']:<46} {f(a['cycle_error']):>13} {f(a['energy_error']):>8} "
                  f"{f(b['cycle_error']):>9} {f(b['energy_error']):>8} "
                  f"{f(w['cycle_error']):>9} {f(w['energy_error']):>8}")
        print("  LOO: each entry predicted by a fit without it; LWO: without every entry of its "
              "workload (its performance / energy twin too)")
    if args.output:
        print(f"wrote {args.output}")
    return 0
