"""Flash wait states and the penalties of the ART-style fetch model.

The native counter decides, per block, which instruction-fetch lines miss the flash prefetch
buffer / I-cache and which are served by a prefetch, and which data reads from flash miss the
D-cache; this module says what each of those events costs in cycles at a given clock.

STM32L4R5 reference (RM0432 rev 9, section 3.3.3 "Read access latency", Table "Number of wait
states according to CPU clock (HCLK) frequency"; the same numbers are in STM32CubeL4
stm32l4xx_ll_utils.c for L4R5/L4R7/L4R9): Range 1 (normal and boost) 0 WS up to 20 MHz, one more
per 20 MHz, 5 WS from 100 to 120 MHz. Range 2: 0 WS <= 8, 1 <= 16, 2 <= 26 MHz.
"""

from __future__ import annotations

from typing import Mapping, Optional, Sequence, Tuple

import numpy as np

from ..errors import PlatformError
from . import platform_view as pv

#: RM0432 3.3.3, Range 1: (max HCLK in Hz, wait states). Boards carry this in their TOML.
STM32L4R5_RANGE1_WS: Tuple[Tuple[float, int], ...] = (
    (20e6, 0), (40e6, 1), (60e6, 2), (80e6, 3), (100e6, 4), (120e6, 5))

FLASH_DEFAULTS = {
    # Multiplies all three flash penalties; 1.0 = the wait-state count itself. Calibrated by
    # `tinysim calibrate` (the ART's real behaviour hides part of the latency).
    "flash_penalty_scale": 1.0,
}


def wait_states_for(table: Sequence[Tuple[float, int]], clock_hz, where: str = "flash"):
    """Wait states for one clock or an array of clocks (vectorised for sweeps)."""
    clocks = np.atleast_1d(np.asarray(clock_hz, dtype=np.float64))
    if not len(table):
        ws = np.zeros(clocks.shape, dtype=np.int64)
    else:
        limits = np.array([row[0] for row in table])
        states = np.array([row[1] for row in table], dtype=np.int64)
        idx = np.searchsorted(limits, clocks, side="left")  # first row with max_hz >= clock
        if np.any(idx >= len(limits)):
            bad = clocks[idx >= len(limits)][0]
            raise PlatformError(
                f"{where}: clock {bad / 1e6:g} MHz is above the highest row of the flash "
                f"wait-state table ({limits[-1] / 1e6:g} MHz); choose a lower clock or extend "
                "the board's wait-state table")
        ws = states[idx]
    return int(ws[0]) if np.ndim(clock_hz) == 0 else ws


def wait_states(platform, clock_hz: Optional[float] = None) -> int:
    clock = pv.clock_hz(platform) if clock_hz is None else clock_hz
    return wait_states_for(pv.wait_state_table(platform), clock,
                           f"platform {getattr(platform, 'name', '?')} [flash]")


def penalties_for_ws(ws, line_bytes: int, prefetch: bool,
                     params: Optional[Mapping[str, float]] = None):
    """(imiss, iprefetch, dmiss, dprefetch) penalty cycles for wait states `ws` (scalar or array).

    - I-fetch line miss: the CPU waits the full WS cycles for the line (RM0432 3.3.3: an access
      takes WS+1 HCLK cycles instead of 1).
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
    imiss = ws * scale
    iprefetch = np.maximum(ws - lead, 0) * scale if prefetch else np.zeros_like(ws)
    dmiss = ws * scale
    dprefetch = np.maximum(ws - lead, 0) * scale
    return imiss, iprefetch, dmiss, dprefetch


def flash_penalties(platform, params: Optional[Mapping[str, float]] = None,
                    clock_hz: Optional[float] = None) -> Tuple[int, int, int]:
    """Integer (imiss, iprefetch, dmiss) penalties for the native counter at the platform clock."""
    ws = wait_states(platform, clock_hz)
    pens = penalties_for_ws(ws, pv.flash_line_bytes(platform), pv.prefetch_enabled(platform),
                            params)
    return tuple(int(round(float(x))) for x in pens[:3])


def counter_caches(platform, params: Optional[Mapping[str, float]] = None,
                   clock_hz: Optional[float] = None) -> dict:
    """`icache=`/`dcache=` keyword arguments for `tinysim.emu.counter.Counter`: the platform's
    ART geometry (flash.line_bytes, icache_lines, dcache_lines, prefetch) with penalties from its
    wait states. Associativity is not in the platform files: fully associative (ways=0), a guess
    that suits caches of a few dozen lines. A cache with 0 lines is left out (no flash model)."""
    ws = wait_states(platform, clock_hz)
    line = pv.flash_line_bytes(platform)
    prefetch = pv.prefetch_enabled(platform)
    imiss, ipre, dmiss, dpre = (int(round(float(x)))
                                for x in penalties_for_ws(ws, line, prefetch, params))
    icache_lines, dcache_lines = pv.cache_lines(platform)
    out = {}
    if icache_lines:
        out["icache"] = dict(line_bytes=line, lines=icache_lines, miss_penalty=imiss, ways=0,
                             prefetch=prefetch, prefetch_penalty=ipre)
    if dcache_lines:
        out["dcache"] = dict(line_bytes=line, lines=dcache_lines, miss_penalty=dmiss, ways=0,
                             prefetch=False, prefetch_penalty=dpre)
    return out
