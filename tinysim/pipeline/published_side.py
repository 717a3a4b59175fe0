"""Published firmware beside tinysim's own, in the same simulation (issue 12: a fair comparison).

`bench` measures tinysim's firmware on a board; the catalogue (tinysim/published) holds other
people's builds of the same workloads, with their silicon figures. `side_by_side(platform,
workloads)` runs, for each workload, the catalogue's performance build whose board has the same
settings as `platform` (same SoC, core clock and flash geometry: e.g. ST's NUCLEO-L4R5ZI-P builds
beside tinysim's nucleo-l4r5zi) through the same runner, cost model and board settings, and
returns its simulated latency, so the ratio of ours to theirs is a like-for-like comparison that
no silicon figure can give (the silicon figure is there too, for reference).

Only files already fetched are used (`tinysim published fetch`); a workload with none gets a row
saying what to fetch. One timed window per build unless `quick=False` (the full run rules).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, Iterable, List, Optional

from ..errors import TinysimError
from ..platform import load_platform
from ..published.catalogue import Catalogue, Entry, board_ref, load_catalogue
from ..published.fetch import find_cached
from .validate import Job, run_job


@dataclass(frozen=True)
class SideRow:
    workload: str
    entry_id: str = ""                        # the catalogue entry run ("" when none matches)
    simulated_latency_ms: Optional[float] = None
    measured_latency_ms: Optional[float] = None
    note: str = ""


def _same_settings(a, b) -> bool:
    return (a.soc == b.soc and float(a.clock_hz) == float(b.clock_hz)
            and a.flash.line_bytes == b.flash.line_bytes
            and a.flash.icache_lines == b.flash.icache_lines
            and a.flash.dcache_lines == b.flash.dcache_lines)


def matching_entries(catalogue: Catalogue, platform, workload: str) -> List[Entry]:
    """Published performance builds of `workload` whose board has `platform`'s settings."""
    out = []
    for e in catalogue.entries:
        if e.kind != "published" or e.mode != "performance" or e.workload != workload or not e.platform:
            continue
        try:
            theirs = load_platform(board_ref(e.platform))
        except TinysimError:
            continue
        if _same_settings(theirs, platform):
            out.append(e)
    return out


def side_by_side(platform, workloads: Iterable[str], *, quick: bool = True, seed: int = 0,
                 cache: Optional[Path] = None, catalogue: Optional[Catalogue] = None) -> Dict[str, SideRow]:
    """{workload: SideRow} for `platform` (a Platform or board name)."""
    plat = load_platform(platform) if isinstance(platform, str) else platform
    cat = catalogue or load_catalogue()
    rows: Dict[str, SideRow] = {}
    for w in workloads:
        entries = matching_entries(cat, plat, w)
        if not entries:
            rows[w] = SideRow(w, note=f"no published {w} build for a board with {plat.name}'s settings")
            continue
        fetched = [(e, find_cached(e, cache)) for e in entries]
        fetched = [(e, path) for e, path in fetched if path is not None]
        if not fetched:
            rows[w] = SideRow(w, entry_id=entries[0].id, measured_latency_ms=entries[0].latency_ms,
                              note=f"not fetched: tinysim published fetch --filter {entries[0].id}")
            continue
        entry, path = fetched[0]
        res = run_job(Job(entry_id=entry.id, workload=w, platform=entry.platform, firmware=str(path),
                          format=entry.format, quick=quick, seed=seed))
        if res.get("status") != "ok":
            rows[w] = SideRow(w, entry_id=entry.id, measured_latency_ms=entry.latency_ms,
                              note=f"{res.get('status')}: {res.get('reason', '')}")
            continue
        rows[w] = SideRow(w, entry_id=entry.id, simulated_latency_ms=float(res["latency_ms"]),
                          measured_latency_ms=entry.latency_ms,
                          note="one timed window" if quick else "")
    return rows
