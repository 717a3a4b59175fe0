"""What the flash fetch events cost: penalties of the ART-style fetch model, from wait states.

The native counter decides, per block, which instruction-fetch lines miss the flash prefetch
buffer / I-cache and which are served by a prefetch, and which data reads from flash miss the
D-cache; this module says what each of those events costs in cycles at a given clock. The wait
states themselves come from the platform (`Platform.wait_states_at(clock)`, the one lookup of the
SoC file's table; for the STM32L4R5, RM0432 rev 9 section 3.3.3 Table 12).
"""

from __future__ import annotations

from typing import Mapping, Optional, Tuple

import numpy as np

FLASH_DEFAULTS = {
    # Multiplies all three flash penalties; 1.0 = the wait-state count itself. Calibrated by
    # `tinysim calibrate` (the ART's real behaviour hides part of the latency).
    "flash_penalty_scale": 1.0,
}


def wait_states(platform, clock_hz: Optional[float] = None) -> int:
    """Flash wait states of `platform` at its clock (or at `clock_hz`)."""
    return platform.wait_states_at(float(platform.clock_hz) if clock_hz is None else clock_hz)


def penalties_for_ws(ws, line_bytes: int, prefetch: bool,
                     params: Optional[Mapping[str, float]] = None, reads: int = 1):
    """(imiss, iprefetch, dmiss, dprefetch) penalty cycles for wait states `ws` (scalar or array).

    - I-fetch line miss: the CPU waits the full WS cycles for the line (RM0432 3.3.3: an access
      takes WS+1 HCLK cycles instead of 1). A line wider than one flash read (`reads` =
      `FlashTiming.refill_reads`, line_bytes / `[flash] read_bytes`: the STM32U3 ICACHE's
      16-byte line on its 64-bit flash word) is refilled by that many reads back to back, each
      WS+1 cycles: the missed word comes with the first, the rest of the line (what sequential
      code and streamed weights use next) after the last, so a miss costs reads x WS. This
      two-reads rule is an INFERENCE from the line and word widths: no manual text on the
      ICACHE's refill of a line wider than the flash word was found.
    - Prefetch hit: the prefetcher started the sequential line while the previous one executed,
      so only what is left of the latency shows: WS minus the cycles the previous line keeps
      the core busy, estimated as line_bytes/4 (a guess: ~one cycle per 4 bytes of mixed 16/32-bit
      Thumb code), never below 0. Without prefetch there are no prefetch hits.
    - D-cache miss on a data read from flash: WS extra cycles on that load; a data prefetch hit
      (only if a platform enables data prefetch; the STM32 ART prefetches instructions only)
      is charged like an instruction prefetch hit.
    """
    scale = float((params or {}).get("flash_penalty_scale", FLASH_DEFAULTS["flash_penalty_scale"]))
    ws = np.asarray(ws, dtype=np.float64)
    lead = max(1, line_bytes // 4)
    refill = ws * max(1, int(reads))
    imiss = refill * scale
    iprefetch = np.maximum(refill - lead, 0) * scale if prefetch else np.zeros_like(ws)
    dmiss = refill * scale
    dprefetch = np.maximum(refill - lead, 0) * scale
    return imiss, iprefetch, dmiss, dprefetch


def flash_penalties(platform, params: Optional[Mapping[str, float]] = None,
                    clock_hz: Optional[float] = None) -> Tuple[int, int, int]:
    """Integer (imiss, iprefetch, dmiss) penalties for the native counter at the platform clock."""
    ws = wait_states(platform, clock_hz)
    pens = penalties_for_ws(ws, platform.flash.line_bytes, platform.flash.prefetch, params,
                            platform.flash.refill_reads)
    return tuple(int(round(float(x))) for x in pens[:3])


def counter_caches(platform, params: Optional[Mapping[str, float]] = None,
                   clock_hz: Optional[float] = None) -> dict:
    """`icache=`/`dcache=` (and `shared_caches=`) keyword arguments for
    `tinysim.emu.counter.Counter`: the platform's flash-side cache geometry (flash.line_bytes,
    icache/dcache lines and ways, prefetch) with penalties from its wait states. Ways 0 = fully
    associative (the ART's few lines, where the SoC file gives no associativity). A cache with 0
    lines is left out (no flash model). `shared_caches`: one cache seen from both sides (the
    STM32U5 ICACHE, `[flash] shared_cache`)."""
    ws = wait_states(platform, clock_hz)
    line = platform.flash.line_bytes
    prefetch = platform.flash.prefetch
    imiss, ipre, dmiss, dpre = (int(round(float(x)))
                                for x in penalties_for_ws(ws, line, prefetch, params,
                                                          platform.flash.refill_reads))
    f = platform.flash
    out = {}
    if f.icache_lines:
        out["icache"] = dict(line_bytes=line, lines=f.icache_lines, miss_penalty=imiss,
                             ways=f.icache_ways, prefetch=prefetch, prefetch_penalty=ipre)
    if f.dcache_lines:
        out["dcache"] = dict(line_bytes=line, lines=f.dcache_lines, miss_penalty=dmiss,
                             ways=f.dcache_ways, prefetch=False, prefetch_penalty=dpre)
    if f.shared_cache and "icache" in out and "dcache" in out:
        out["shared_caches"] = True
    return out


def window_flash_setting(profile, platform, clock_hz: Optional[float] = None):
    """(clock_hz, wait_states, prefetch, recorded_clock_hz) to cost `profile` with.

    A profile recorded by the emulator carries the operating point the firmware had configured
    during its window (`meta["operating_point"]`: clock, FLASH_ACR LATENCY and PRFTEN; see
    tinysim/emu/operating_point.py): it is costed at that point. A what-if clock (`clock_hz`, or
    a platform variant with a clock override) overrides it: that clock, the platform table's
    wait states and the platform's prefetch, as before the firmware's set-up was followed. A
    profile without a recorded point (or from a platform with no flash controller model) is
    costed at the platform's clock and table. `recorded_clock_hz` is the clock the window's
    outside-block cycles were counted at."""
    point = (getattr(profile, "meta", None) or {}).get("operating_point") or {}
    recorded = float(point.get("clock_hz") or platform.clock_hz)
    overridden = clock_hz is not None or "clock_hz" in (getattr(platform, "overrides", None) or {})
    if overridden or point.get("latency") is None:
        clock = float(platform.clock_hz) if clock_hz is None else clock_hz
        return clock, wait_states(platform, clock), bool(platform.flash.prefetch), recorded
    return recorded, int(point["latency"]), bool(point.get("prefetch")), recorded


def window_segments(profile, platform, clock_hz: Optional[float] = None):
    """The operating-point segments a profile recorded (tinysim/pipeline/segments.py), or None
    when it ran at one point or a what-if clock overrides what the firmware set."""
    overridden = clock_hz is not None or "clock_hz" in (getattr(platform, "overrides", None) or {})
    segments = (getattr(profile, "meta", None) or {}).get("segments")
    return None if overridden or not segments else segments
