"""Which operating point(s) a profiled window ran under, recorded in the profile's metadata.

A window normally runs at one operating point (clock, FLASH_ACR wait states, prefetch, caches:
tinysim/emu/operating_point.py): its profile carries `meta["operating_point"]` and is costed at
it (`tinysim.cost.flash.window_flash_setting`). When the firmware changed its set-up inside the
window (a whole-run profile crosses the boot-time switch from the 4 MHz reset clock to the
firmware's PLL clock), the profile records the segments instead, `meta["segments"]`: per
segment the point and the counter's totals over it (cycles, outside-block cycles, flash events:
I-fetch misses and prefetch hits, D-cache misses and prefetch hits). The estimate then charges
each segment's flash events at its own wait states and converts each segment at its own clock
(`tinysim.cost.segments`), so a recorded profile still re-costs to the counter's cycles.
"""

from __future__ import annotations

from typing import List, Optional

FIELDS = ("cycles", "outside_cycles", "imiss", "iprefetch", "dmiss", "dprefetch")


def snapshot_totals(snap) -> tuple:
    """A counter Snapshot (or None: the reset state) as `Counter.flash_event_totals` fields."""
    if snap is None:
        return (0, 0, 0, 0, 0, 0)
    ic = tuple(getattr(snap, "icache", (0, 0, 0)) or (0, 0, 0))
    dc = tuple(getattr(snap, "dcache", (0, 0, 0)) or (0, 0, 0))
    return (int(snap.cycles), int(getattr(snap, "outside_cycles", 0)), int(ic[1]), int(ic[2]),
            int(dc[1]), int(dc[2]))


def window_points(machine, before, after) -> dict:
    """Metadata for the window between counter snapshots `before` (None: from reset) and
    `after`: {"operating_point": point} or {"segments": [...]}, or {} when the machine does
    not follow an operating point (no flash controller model)."""
    marks = getattr(machine, "op_marks", None)
    if not marks or marks[-1][1].latency is None:
        return {}
    start, end = snapshot_totals(before), snapshot_totals(after)
    current = marks[0][1]
    inner: List[tuple] = []
    for totals, point in marks:
        if totals[0] <= start[0]:
            current = point
        elif totals[0] < end[0]:
            inner.append((totals, point))
    if not inner:
        return {"operating_point": current.as_dict()}
    bounds = [(start, current)] + inner + [(end, None)]
    segments = []
    for (a, point), (b, _) in zip(bounds, bounds[1:]):
        if point is None:
            continue
        seg = {name: int(y) - int(x) for name, x, y in zip(FIELDS, a, b)}
        seg["point"] = point.as_dict()
        segments.append(seg)
    merged = _merge(segments)
    if len(merged) == 1:
        return {"operating_point": merged[0]["point"]}
    return {"segments": merged}


def _merge(segments: List[dict]) -> List[dict]:
    """Empty segments (two changes at one cycle) drop out; adjacent segments at the same point
    (a change and its undoing) fold together."""
    live = [seg for seg in segments if seg["cycles"]] or segments[:1]
    out: List[dict] = []
    for seg in live:
        if out and out[-1]["point"] == seg["point"]:
            for name in FIELDS:
                out[-1][name] += seg[name]
        else:
            out.append(dict(seg))
    return out


def window_clock_hz(machine) -> Optional[float]:
    return float(machine.clock_hz()) if hasattr(machine, "clock_hz") else None
