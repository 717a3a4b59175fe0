"""Result tables for the terminal (rich) and the compact JSON summary `--json` prints.

`bench_table`  one line per workload: our latency / energy / power / cycles / instructions /
               cycles per MAC / bit-exactness, beside the published NUCLEO-L4R5ZI figures
               (tinysim.workloads.published) and the ratio to the v0.5 reference.
`compare_table` two runs side by side with deltas (`tinysim compare A B`).
`hw_table`     measured on a board vs simulated, with the error (`tinysim hw`).
"""

from __future__ import annotations

import math
import re
from pathlib import Path
from typing import Any, Dict, Iterable, List, Optional, Sequence

from rich import box
from rich.console import Console
from rich.table import Table

from .workloads import published as reference
from .harness.results import ResultRow
from .units import micro

SUMMARY_KEYS = ("latency_ms", "throughput_ips", "energy_uj", "avg_power_mw", "cycles", "instructions",
                "cycles_per_mac", "bit_exact", "wall_s", "device_s", "sim_speed", "accuracy")


def fmt(value: Optional[float], digits: int = 3) -> str:
    """A number in a table cell: `-` for missing, thousands separators for big counts."""
    if value is None:
        return "-"
    if isinstance(value, bool):
        return "yes" if value else "NO"
    v = float(value)
    if abs(v) >= 1e3:
        return f"{v:,.0f}"
    if abs(v) >= 100:
        return f"{v:,.1f}"
    return f"{v:.{digits}g}" if abs(v) < 1 else f"{v:.{digits}f}".rstrip("0").rstrip(".")


def uj() -> str:
    """The energy unit of every CLI table: µJ (uJ where the terminal cannot show µ)."""
    return f"{micro()}J"


def units(label: str) -> str:
    """A column label with `uJ` shown as µJ where the terminal can (see `uj`)."""
    return label.replace("uJ", uj())


def column(values: Sequence[Optional[float]], digits: int = 4, most: int = 3) -> List[str]:
    """One column's cells at one precision: enough decimals for `digits` significant digits in
    the column's smallest non-zero value (at most `most`), thousands separators, `-` for None."""
    nonzero = [abs(float(v)) for v in values if v is not None and float(v) != 0]
    smallest = min(nonzero) if nonzero else 1.0
    decimals = max(0, min(most, digits - 1 - math.floor(math.log10(smallest))))
    return ["-" if v is None else f"{float(v):,.{decimals}f}" for v in values]


def text_table(headers: Sequence[str], columns: Sequence[Sequence[str]], left=0) -> List[str]:
    """Plain text lines for a terminal or a log: a header, a rule, the rows. `left`: the first
    `left` columns (an int) or the columns at these indexes (a collection) are left-aligned
    (names), the rest right-aligned (numbers)."""
    widths = [max([len(h)] + [len(c) for c in col]) for h, col in zip(headers, columns)]
    lefts = set(range(left)) if isinstance(left, int) else {i % len(headers) for i in left}

    def line(cells) -> str:
        return "  ".join(c.ljust(w) if i in lefts else c.rjust(w)
                         for i, (c, w) in enumerate(zip(cells, widths))).rstrip()
    out = [line(headers), "-" * len(line(headers))]
    out += [line(row) for row in zip(*columns)]
    return out


def workload_of(meta: Dict[str, Any], elf: Optional[str] = None) -> str:
    """What a profile measured, for titles: the workload of an inference window (`kws01`), else
    the ELF's name, else the window's own description."""
    m = re.search(r"\((\w+),", str(meta.get("window", "")))
    if m:
        return m.group(1)
    elf = elf or meta.get("elf")   # recorded by the meter in bench's window profiles
    if elf:
        return Path(str(elf)).stem
    return str(meta.get("window") or "run")


def fmt_count(value: Optional[float]) -> str:
    """A large count, short: 12.35M, 640.2k (the JSON and CSV keep every digit)."""
    if value is None:
        return "-"
    v = float(value)
    if abs(v) >= 1e6:
        return f"{v / 1e6:.2f}M"
    if abs(v) >= 1e4:
        return f"{v / 1e3:.1f}k"
    return fmt(v)


def fmt_bit_exact(row: ResultRow) -> str:
    be = row.metrics.bit_exact
    if be is None:
        return "n/a"
    return "[green]yes[/]" if be else "[red]NO[/]"


def summary(rows: Iterable[ResultRow]) -> Dict[str, Dict[str, Any]]:
    """workload -> the headline metrics plus provenance flags (what `bench --json` prints)."""
    out: Dict[str, Dict[str, Any]] = {}
    for row in rows:
        m = row.metrics
        entry = {k: getattr(m, k) for k in SUMMARY_KEYS}
        entry.update(platform=row.identity.platform, engine=row.identity.engine,
                     elf=row.identity.elf, elf_sha256=row.identity.elf_sha256,
                     macs=m.macs, energy_reason=m.energy_reason, bit_exact_reason=m.bit_exact_reason,
                     quick=row.provenance.quick, valid_for_submission=row.provenance.valid_for_submission,
                     seed=row.provenance.seed)
        ref = reference.BASELINE.latency(row.workload) if row.identity.platform == \
            reference.REFERENCE_PLATFORM else None
        entry["ratio_vs_v05_reference"] = (m.latency_ms / ref) if ref and m.latency_ms else None
        key = row.workload if row.identity.mode == "performance" else f"{row.workload}:{row.identity.mode}"
        if row.identity.engine != "unicorn":
            key += f"@{row.identity.engine}"
        out[key] = entry
    return out


def bench_table(rows: Sequence[ResultRow], title: str = "tinysim bench") -> Table:
    """Our figures, one line per workload (fits an 80-column terminal)."""
    table = Table(title=title, title_justify="left")
    for name in ("workload", "latency\nms", "energy\nuJ", "power\nmW", "cycles\n/inf", "instr\n/inf",
                 "cycles\n/MAC", "bit-\nexact"):
        table.add_column(units(name), justify="left" if name == "workload" else "right")
    ms, uj_, mw, cpm = (column([getattr(r.metrics, k) for r in rows], digits)
                        for k, digits in (("latency_ms", 4), ("energy_uj", 4), ("avg_power_mw", 3),
                                          ("cycles_per_mac", 3)))
    for i, row in enumerate(rows):   # one precision per column (see `column`)
        m = row.metrics
        table.add_row(row.workload + (" (quick)" if row.provenance.quick else ""),
                      ms[i], uj_[i], mw[i], fmt_count(m.cycles),
                      fmt_count(m.instructions), cpm[i], fmt_bit_exact(row))
    return table


def reference_table(rows: Sequence[ResultRow]) -> Optional[Table]:
    """The published NUCLEO-L4R5ZI figures beside ours, and our figure over the v0.5 reference's.
    None unless every row is for the reference board (other boards have no published figures)."""
    if not rows or {r.identity.platform for r in rows} != {reference.REFERENCE_PLATFORM}:
        return None
    table = Table(title="published MLPerf Tiny results on NUCLEO-L4R5ZI", title_justify="left",
                  box=box.SIMPLE_HEAD)
    table.add_column("workload", no_wrap=True)
    table.add_column("", no_wrap=True)
    table.add_column("tinysim", justify="right", no_wrap=True)
    for s in reference.STACKS:
        table.add_column(s.key, justify="right", style="dim", no_wrap=True)
    table.add_column(f"x {reference.BASELINE.key}", justify="right", no_wrap=True)
    for row in rows:
        m = row.metrics
        for label, ours, published in (("ms", m.latency_ms, lambda s: s.latency(row.workload)),
                                       ("uJ", m.energy_uj, lambda s: s.energy(row.workload))):
            base = published(reference.BASELINE)
            ratio = f"{ours / base:.2f}" if ours is not None and base else "-"
            table.add_row(row.workload if label == "ms" else "", units(label), fmt(ours),
                          *[fmt(published(s)) for s in reference.STACKS], ratio)
    table.caption = ("; ".join(f"{s.key}: {s.version} {s.stack}" for s in reference.STACKS) +
                     f". Last column: tinysim / {reference.BASELINE.key}.")
    return table


def beside_table(beside: Dict[str, Dict[str, Any]]) -> Optional[Table]:
    """Published firmware simulated on the same board settings beside ours (bench's
    `published_beside`: tinysim.pipeline.published_side), with our latency over theirs."""
    if not beside:
        return None
    table = Table(title="published firmware in the same simulation (same board settings)",
                  title_justify="left", box=box.SIMPLE_HEAD)
    for name, justify in (("workload", "left"), ("ours ms", "right"), ("theirs ms", "right"),
                          ("ours/theirs", "right"), ("theirs on silicon ms", "right"),
                          ("published build", "left")):
        table.add_column(name, justify=justify, no_wrap=name != "published build")
    notes = ["theirs: one timed window each (`tinysim validate` runs the full rules)"]
    unfetched: List[str] = []
    for w, b in beside.items():
        ours, theirs = b.get("ours_latency_ms"), b.get("simulated_latency_ms")
        ratio = f"{ours / theirs:.2f}" if ours and theirs else "-"
        table.add_row(w, fmt(ours), fmt(theirs), ratio, fmt(b.get("measured_latency_ms")),
                      b.get("entry_id") or "-")
        if b.get("note", "").startswith("not fetched"):
            unfetched.append(b["entry_id"])
        elif b.get("note") and b["note"] != "one timed window":
            notes.append(f"{w}: {b['note']}")
    if unfetched:
        notes.append(f"not fetched yet: tinysim published fetch --filter {' '.join(unfetched)}")
    table.caption = "; ".join(notes)
    return table


def print_bench(con: Console, rows: Sequence[ResultRow], title: str,
                beside: Optional[Dict[str, Dict[str, Any]]] = None) -> None:
    con.print(bench_table(rows, title))
    ref = reference_table(rows)
    if ref is not None:
        con.print(ref)
    side = beside_table(beside or {})
    if side is not None:
        con.print(side)


def _delta(a: Optional[float], b: Optional[float]) -> str:
    if a is None or b is None or isinstance(a, bool) or isinstance(b, bool):
        return "-"
    if a == 0:
        return "-" if b == 0 else "new"
    pct = 100.0 * (b - a) / a
    return f"{pct:+.1f}%"


COMPARE_METRICS = (("latency_ms", "latency ms"), ("energy_uj", "energy uJ"),
                   ("cycles", "cycles/inf"), ("instructions", "instr/inf"),
                   ("cycles_per_mac", "cyc/MAC"))


def compare_rows(a: Sequence[ResultRow], b: Sequence[ResultRow]) -> List[Dict[str, Any]]:
    """Per workload present in either run: each metric in A and B and the relative change."""
    ra = {(r.workload, r.identity.mode, r.identity.engine): r for r in a}
    rb = {(r.workload, r.identity.mode, r.identity.engine): r for r in b}
    keys = list(dict.fromkeys(list(ra) + list(rb)))
    out = []
    for key in keys:
        x, y = ra.get(key), rb.get(key)
        entry: Dict[str, Any] = {"workload": key[0], "mode": key[1], "engine": key[2]}
        for attr, _ in COMPARE_METRICS + (("bit_exact", ""),):
            va = getattr(x.metrics, attr) if x else None
            vb = getattr(y.metrics, attr) if y else None
            entry[attr] = {"a": va, "b": vb}
            if attr != "bit_exact" and va is not None and vb is not None and va != 0:
                entry[attr]["delta_pct"] = 100.0 * (vb - va) / va
        entry["elf_changed"] = bool(x and y and x.identity.elf_sha256 != y.identity.elf_sha256)
        out.append(entry)
    return out


def run_label(rows: Sequence[ResultRow], label: str) -> str:
    """A run for a header: its directory, then the boards it ran on and whether it was --quick
    (a quick run's windows are short, so its figures are not comparable with a full run's)."""
    boards = ", ".join(dict.fromkeys(r.identity.platform for r in rows)) or "no rows"
    quick = {r.provenance.quick for r in rows}
    mode = "--quick" if quick == {True} else "full run" if quick == {False} else "partly --quick"
    return f"{label} ({boards}; {mode})"


def compare_table(a: Sequence[ResultRow], b: Sequence[ResultRow], label_a: str = "A",
                  label_b: str = "B") -> Table:
    """One line per workload and metric: A, B, and the change (narrow enough for a terminal).
    The header names each run's board(s) and whether it was --quick."""
    table = Table(title=f"A = {run_label(a, label_a)}\nB = {run_label(b, label_b)}",
                  title_justify="left")
    for name in ("workload", "metric", "A", "B", "delta"):
        table.add_column(name, justify="left" if name in ("workload", "metric") else "right")
    for entry in compare_rows(a, b):
        name = entry["workload"] + ("" if entry["mode"] == "performance" else f" ({entry['mode']})") + \
            ("" if entry["engine"] == "unicorn" else f" [{entry['engine']}]")
        if entry["elf_changed"]:
            name += " *"
        first = True
        for attr, label in COMPARE_METRICS + (("bit_exact", "bit-exact"),):
            va, vb = entry[attr]["a"], entry[attr]["b"]
            if va is None and vb is None:
                continue
            table.add_row(name if first else "", units(label), fmt(va), fmt(vb),
                          "" if attr == "bit_exact" else _delta(va, vb))
            first = False
        table.add_section()
    table.caption = "delta = (B - A) / A; * = different ELF sha256"
    return table


def hw_table(measured: ResultRow, simulated: ResultRow) -> Table:
    table = Table(title=f"{measured.workload} on {measured.identity.platform}: board vs simulation",
                  title_justify="left")
    for name in ("", "measured (board)", "simulated", "error"):
        table.add_column(name, justify="left" if not name else "right")
    for attr, name in (("latency_ms", "latency ms"), ("throughput_ips", "throughput inf/s"),
                       ("cycles", "cycles/inf"), ("energy_uj", "energy uJ")):
        a, b = getattr(measured.metrics, attr), getattr(simulated.metrics, attr)
        table.add_row(units(name), fmt(a), fmt(b), _delta(a, b))
    return table


def error_pct(measured: Optional[float], simulated: Optional[float]) -> Optional[float]:
    """(simulated - measured) / measured in percent; None when either is missing."""
    if measured in (None, 0) or simulated is None:
        return None
    return 100.0 * (simulated - measured) / measured


def console(stderr: bool = False) -> Console:
    """A console for the tables; when output is not a terminal (a pipe, a CI log) it is wide
    enough that the bench table is not squeezed into 80 columns."""
    con = Console(stderr=stderr)
    if not con.is_terminal:
        con = Console(stderr=stderr, width=200)
    return con
