"""Costing a window that ran under several operating points (`meta["segments"]`, recorded by
tinysim/pipeline/segments.py): each segment's flash events at its own wait states and prefetch,
each segment's cycles converted to time at its own clock.

The core (pipeline) cycles come from the whole window's histogram with the timing parameters in
use; they are shared out among the segments in the proportion the recording charged them (the
segment's counter cycles minus its flash penalties and outside-block cycles at the recorded
set-up), so at the recorded parameters the total equals the counter's cycles exactly.
"""

from __future__ import annotations

from typing import Mapping, NamedTuple, Optional, Sequence

from .flash import penalties_for_ws


class SegmentCost(NamedTuple):
    flash_cycles: float
    outside_cycles: int
    seconds: float
    clock_hz: float           # effective: total cycles / seconds
    wait_states: int          # of the last segment
    penalties: tuple          # (imiss, iprefetch, dmiss, dprefetch) cycles, summed over segments


def _pens(point: Mapping, line_bytes: int, params, reads: int = 1) -> list:
    return [float(x) for x in penalties_for_ws(int(point["latency"]), line_bytes,
                                               bool(point.get("prefetch")), params, reads)]


def cost_segments(segments: Sequence[Mapping], core_cycles: float, line_bytes: int,
                  flash_params: Optional[Mapping[str, float]] = None,
                  reads: int = 1) -> SegmentCost:
    flash_total, outside_total = 0.0, 0
    by_kind = [0.0, 0.0, 0.0, 0.0]
    recorded_core, parts = 0.0, []
    for seg in segments:
        point = seg["point"]
        events = (seg["imiss"], seg["iprefetch"], seg["dmiss"], seg["dprefetch"])
        charged = sum(n * p for n, p in zip(events, _pens(point, line_bytes, None, reads)))
        pens = _pens(point, line_bytes, flash_params, reads)
        flash = [n * p for n, p in zip(events, pens)]
        for k in range(4):
            by_kind[k] += flash[k]
        core_rec = max(0.0, float(seg["cycles"]) - charged - float(seg["outside_cycles"]))
        recorded_core += core_rec
        parts.append((core_rec, sum(flash), int(seg["outside_cycles"]), float(point["clock_hz"])))
        flash_total += sum(flash)
        outside_total += int(seg["outside_cycles"])
    scale = float(core_cycles) / recorded_core if recorded_core else 0.0
    seconds = sum((core * scale + flash + outside) / hz for core, flash, outside, hz in parts if hz)
    total = float(core_cycles) + flash_total + outside_total
    flash_out = int(round(flash_total)) if flash_total == round(flash_total) else flash_total
    return SegmentCost(flash_cycles=flash_out, outside_cycles=outside_total, seconds=seconds,
                       clock_hz=total / seconds if seconds else float(parts[-1][3]),
                       wait_states=int(segments[-1]["point"]["latency"]),
                       penalties=tuple(by_kind))
