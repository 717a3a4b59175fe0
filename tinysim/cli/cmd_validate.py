"""`tinysim validate`: run catalogue entries in simulation, measured vs simulated, error %.

The catalogue is tinysim/published/catalogue.toml (`tinysim published list`); entries whose
firmware is not fetched, whose board tinysim lacks, or whose firmware format tinysim cannot load
yet are reported as not runnable, with the reason, never silently skipped.
"""

from __future__ import annotations

import csv
import importlib
import json
from pathlib import Path
from typing import Any, Dict

from ..errors import TinysimError
from ..report import uj
from ..harness.rules import DEFAULT_SEED
from ..published import load_catalogue
from .options import wrote

NAME = "validate"
HELP = "simulate published MLPerf Tiny firmware and compare latency and energy with the silicon figures"

CSV_COLUMNS = ("id", "workload", "mode", "board", "platform", "status", "measured_latency_ms",
               "simulated_latency_ms", "latency_error_pct", "measured_energy_uj",
               "simulated_energy_uj", "energy_error_pct", "reason")


def add_arguments(p) -> None:
    p.add_argument("--filter", nargs="+", default=(), metavar="GLOB",
                   help="entries whose id, workload, mode, board or platform match (default: all)")
    p.add_argument("--catalogue", type=Path, default=None, help="another catalogue file (same format)")
    p.add_argument("--json", action="store_true", help="print one JSON document")
    p.add_argument("--csv", type=Path, default=None, metavar="F", help="also write the rows as CSV")
    p.add_argument("--plot", type=Path, default=None, metavar="F.png",
                   help="also plot simulated vs measured (log-log, +/-5%% band); needs matplotlib")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="entries run in parallel, one process each (default: one per core; 1 = serial)")
    p.add_argument("--executor", default=None, metavar="MODULE:FACTORY",
                   help="an external executor with map(fn, items), e.g. ray.util.multiprocessing:Pool "
                        "(called with no arguments; replaces the process pool)")
    p.add_argument("--quick", action="store_true",
                   help="one short window per entry instead of the full run rules (smoke test)")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the random inputs")
    p.add_argument("--profiles", type=Path, default=None, metavar="DIR",
                   help="save each entry's first timed-window profile as DIR/<id>.npz and the rows "
                        "as DIR/validate.json, for `tinysim calibrate --catalogue --validated DIR`")


def load_executor(spec: str):
    module, _, factory = spec.partition(":")
    if not module or not factory:
        raise TinysimError(f"--executor {spec!r}: write MODULE:FACTORY, e.g. ray.util.multiprocessing:Pool")
    try:
        obj = getattr(importlib.import_module(module), factory)
    except (ImportError, AttributeError) as err:
        raise TinysimError(f"--executor {spec!r}: cannot load it ({err}); is the package installed?") from None
    executor = obj()
    if not callable(getattr(executor, "map", None)):
        raise TinysimError(f"--executor {spec!r}: {type(executor).__name__} has no map(fn, items)")
    return executor


def _fmt(v, spec: str) -> str:
    return "-" if v is None else format(v, spec)


def print_table(rows, header: Dict[str, Any]) -> None:
    print(f"tinysim {header['tinysim_version']} validate: {header['catalogue']}")
    for name, p in header["platforms"].items():
        if "error" in p:
            print(f"  platform {name}: {p['error']}")
            continue
        t, f, e = p["timing"], p["flash"], p["energy"]
        print(f"  platform {name}: {p['clock_hz'] / 1e6:g} MHz {p['voltage_range']}, {p['wait_states']} WS, "
              f"flash line {f['line_bytes']} B"
              + (f" ({f['refill_reads']} reads)" if f.get("refill_reads", 1) > 1 else "") + ", "
              + (f"I+D$ {f['icache_lines']} lines shared, " if f.get("shared_cache")
                 else f"I$ {f['icache_lines']} / D$ {f['dcache_lines']} lines, ")
              + f"prefetch {'on' if f['prefetch'] else 'off'}; {e['vdd_v']:g} V, "
              f"{e.get('regulator') or 'supply'} {e['run_ua_per_mhz']:g} uA/MHz + {e['static_ua']:g} uA"
              + (f" (sleep {e['sleep_ua_per_mhz']:g} uA/MHz)" if e.get('sleep_ua_per_mhz') is not None
                 else "") + f"; timing {t['preset']} "
              + ", ".join(f"{k}={v:g}" for k, v in t.items() if k != "preset"))
    print(f"{'entry':<46} {'lat meas ms':>11} {'sim ms':>9} {'err %':>7} {'E meas ' + uj():>10} "
          f"{'sim ' + uj():>9} {'err %':>7}")
    for r in rows:
        if r.status != "ok":
            word = "not runnable yet" if r.status == "not runnable" else "FAILED"
            print(f"{r.id:<46} {word}: {r.reason}")
            continue
        print(f"{r.id:<46} {_fmt(r.measured_latency_ms, '11.3f')} {_fmt(r.simulated_latency_ms, '9.3f')} "
              f"{_fmt(r.latency_error_pct, '+7.1f')} {_fmt(r.measured_energy_uj, '10.2f')} "
              f"{_fmt(r.simulated_energy_uj, '9.2f')} {_fmt(r.energy_error_pct, '+7.1f')}")
        for note in r.notes:
            print(f"{'':<46} note: {note}")


def write_csv(path: Path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=CSV_COLUMNS, extrasaction="ignore")
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if v is None else v) for k, v in r.to_dict().items()})


def write_plot(path: Path, rows) -> int:
    """Simulated vs measured, log-log, the y = x line with a +/-5% band; returns points drawn."""
    import matplotlib  # deferred: heavy optional dependency
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 2, figsize=(10, 4.5))
    drawn = 0
    for ax, key, unit in ((axes[0], "latency", "ms"), (axes[1], "energy", "uJ")):
        pts = [(getattr(r, f"measured_{key}_{unit.lower()}"), getattr(r, f"simulated_{key}_{unit.lower()}"), r)
               for r in rows if r.status == "ok"]
        pts = [(m, s, r) for m, s, r in pts if m and s]
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_title(f"{key} per inference")
        ax.set_xlabel(f"measured ({unit})")
        ax.set_ylabel(f"simulated ({unit})")
        if pts:
            lo = min(min(m, s) for m, s, _ in pts) / 1.5
            hi = max(max(m, s) for m, s, _ in pts) * 1.5
            xs = [lo, hi]
            ax.plot(xs, xs, "k-", lw=0.8, label="simulated = measured")
            ax.fill_between(xs, [x * 0.95 for x in xs], [x * 1.05 for x in xs], color="0.85",
                            label="+/-5%")
            for m, s, r in pts:
                ax.plot([m], [s], "o", label=f"{r.workload} {r.mode} ({r.kind})")
                drawn += 1
            ax.set_xlim(lo, hi)
            ax.set_ylim(lo, hi)
            ax.legend(fontsize=7)
        else:
            ax.text(0.5, 0.5, "no simulated entries", ha="center", va="center", transform=ax.transAxes)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return drawn


def run(args) -> int:
    from ..pipeline.validate import model_parameters, validate  # deferred: `tinysim --help` speed
    if args.jobs < 0:
        raise TinysimError(f"--jobs {args.jobs}: give 0 (one per core) or a positive number")
    cat = load_catalogue(args.catalogue)
    entries = cat.select(args.filter)
    executor = load_executor(args.executor) if args.executor else None
    rows = validate(cat, entries, executor=executor, jobs=args.jobs, quick=args.quick, seed=args.seed,
                    profile_dir=args.profiles)
    header = {"catalogue": str(cat.path), "source": dict(cat.source), "quick": args.quick,
              **model_parameters(e.platform for e in entries)}
    if args.profiles:
        (args.profiles / "validate.json").write_text(
            json.dumps({**header, "entries": [r.to_dict() for r in rows]}, indent=1), encoding="utf-8")
        wrote(args.profiles / "validate.json", "entries; window profiles beside it")
    if args.csv:
        write_csv(args.csv, rows)
        wrote(args.csv, "csv")
    if args.plot:
        write_plot(args.plot, rows)
        wrote(args.plot, "plot")
    if args.json:
        print(json.dumps({**header, "entries": [r.to_dict() for r in rows]}, indent=1))
    else:
        print_table(rows, header)
    return 1 if any(r.status == "failed" for r in rows) else 0
