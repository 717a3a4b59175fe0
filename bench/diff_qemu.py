#!/usr/bin/env python3
"""Differential test of tinysim's Unicorn emulation against QEMU (issue 10).

    python3 bench/diff_qemu.py [--isa thumb|rv32|all] [--count N] [--seed S] [--json]

Generates N random but valid sequences per ISA (seeded, deterministic), runs each under QEMU
(gdbstub) and under Unicorn in every tinysim hook mode (raw, counted, exact D-cache with memory
hooks, count_data, learned), and prints per-mode divergences (each shrunk to a minimal
sequence), the modes covered and the wall time. Exit status 0 even with divergences (it is a
benchmark); the test suite asserts on them (tests/difftest)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tinysim.difftest.common import tools_missing  # noqa: E402
from tinysim.difftest.compare import run_campaign  # noqa: E402
from tinysim.difftest.qemu import QemuRunner  # noqa: E402
from tinysim.difftest.unicorn_modes import MODES  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--isa", choices=["thumb", "rv32", "all"], default="all")
    ap.add_argument("--count", type=int, default=10_000, help="sequences per ISA")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated Unicorn hook modes")
    ap.add_argument("--batch", type=int, default=2000, help="sequences per assembled batch")
    ap.add_argument("--examples", type=int, default=3, help="divergences shrunk per mode")
    ap.add_argument("--fault-probes", action="store_true",
                    help="also run the Thumb fault probes (accesses ARMv7-M always faults on)")
    ap.add_argument("--json", action="store_true", help="print one JSON document")
    args = ap.parse_args(argv)
    isas = ["thumb", "rv32"] if args.isa == "all" else [args.isa]
    modes = [m for m in args.modes.split(",") if m]
    out = {"seed": args.seed, "modes": modes, "isas": {}}
    for isa in isas:
        missing = tools_missing(isa) or QemuRunner.missing(isa)
        if missing:
            out["isas"][isa] = {"skipped": f"{missing} not installed"}
            if not args.json:
                print(f"{isa}: skipped, {missing} not installed")
            continue
        log = None if args.json else (lambda m: print("  " + m, flush=True))
        camp = run_campaign(isa, args.count, args.seed, modes, batch=args.batch,
                            shrink_examples=args.examples, log=log)
        out["isas"][isa] = camp.to_json()
        if not args.json:
            print(f"{isa}: {camp.count} sequences ({camp.rejected} rejected by the assembler), "
                  f"{camp.wall_s:.1f} s, QEMU faults {camp.qemu_faults}, restarts {camp.qemu_restarts}")
            for m in modes:
                print(f"  {m:<11} divergences {camp.divergences[m]}")
            for dv in camp.examples:
                print(dv.format())
    if args.fault_probes and not (tools_missing("thumb") or QemuRunner.missing("thumb")):
        from tinysim.difftest.compare import probe_faults
        rows = probe_faults("thumb", modes)
        out["fault_probes"] = rows
        if not args.json:
            print("fault probes (thumb): probe | ARMv7-M faults | QEMU | " + " | ".join(modes))
            for r in rows:
                print(f"  {r['probe']:<30} {r['architecture_faults']!s:<6} {r['qemu_faults']!s:<6} "
                      + " ".join(f"{r[f'unicorn_{m}_faults']!s:<6}" for m in modes))
    if args.json:
        print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
