"""`tinysim compare A B`: two result directories side by side, with the relative change."""

from __future__ import annotations

import json
from pathlib import Path

from .. import report
from ..harness.results import load_results

NAME = "compare"
HELP = "compare two result directories (results/<timestamp>) workload by workload"


def add_arguments(p) -> None:
    p.add_argument("a", type=Path, help="baseline result directory (or its results.json)")
    p.add_argument("b", type=Path, help="result directory to compare against the baseline")
    p.add_argument("--json", action="store_true", help="print the comparison as JSON")


def run(args) -> int:
    a, b = load_results(args.a), load_results(args.b)
    if args.json:
        print(json.dumps({"a": str(a.directory), "b": str(b.directory),
                          "a_run": _run(a.rows), "b_run": _run(b.rows),
                          "workloads": report.compare_rows(a.rows, b.rows)}, indent=2))
        return 0
    report.console().print(report.compare_table(a.rows, b.rows, str(a.directory), str(b.directory)))
    return 0


def _run(rows) -> dict:
    """What the header says about a run: its boards and whether it was --quick."""
    return {"platforms": list(dict.fromkeys(r.identity.platform for r in rows)),
            "quick": sorted({r.provenance.quick for r in rows})}
