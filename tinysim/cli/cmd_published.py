"""`tinysim published`: list the catalogue of published measurements, fetch its firmware files."""

from __future__ import annotations

import json
from pathlib import Path

from ..published import load_catalogue
from ..published.fetch import FetchError, cache_dir, fetch, find_cached

NAME = "published"
HELP = "list published measurements (the validate catalogue) and fetch their firmware files"


def add_arguments(p) -> None:
    p.add_argument("action", choices=("list", "fetch"), help="list the entries, or fetch their files")
    p.add_argument("--filter", nargs="+", default=(), metavar="GLOB",
                   help="entries whose id, workload, mode, board or platform match (default: all)")
    p.add_argument("--from", dest="from_dir", type=Path, default=None, metavar="DIR",
                   help="take the files from a local copy under DIR instead of downloading")
    p.add_argument("--catalogue", type=Path, default=None, help="another catalogue file (same format)")
    p.add_argument("--json", action="store_true", help="print JSON")


def run(args) -> int:
    cat = load_catalogue(args.catalogue)
    entries = [e for e in cat.select(args.filter)]
    rows, failed = [], 0
    for e in entries:
        row = {"id": e.id, "kind": e.kind, "workload": e.workload, "mode": e.mode,
               "board": e.board, "platform": e.platform or None, "measured": dict(e.measured)}
        if e.kind == "published":
            row["url"] = cat.url(e)
            if args.action == "fetch":
                try:
                    row["file"] = str(fetch(cat, e, from_dir=args.from_dir))
                except FetchError as err:
                    row["error"] = str(err)
                    failed += 1
            else:
                hit = find_cached(e)
                row["file"] = str(hit) if hit else None
        rows.append(row)
    if args.json:
        print(json.dumps({"catalogue": str(cat.path), "cache": str(cache_dir()), "entries": rows},
                         indent=1))
    else:
        for r in rows:
            state = r.get("error") or (r.get("file") and f"cached {r['file']}") or \
                ("not fetched" if r["kind"] == "published" else "tinysim image")
            figures = ", ".join(f"{k} {v:g}" for k, v in r["measured"].items())
            print(f"{r['id']:<48} {figures:<58} {state}")
    return 1 if failed else 0
