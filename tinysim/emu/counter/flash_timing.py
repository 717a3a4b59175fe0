"""Re-timing the counter's flash caches mid-run (mixed into `Counter`).

The firmware may change its flash wait states, prefetch and cache enables at any moment (FLASH_ACR
on the STM32): from the next block on, misses cost the new penalties. The penalties and the
prefetch switch live in the native cache structs (`native.py` `_Cache`), read by the C hooks at
every miss, so setting them from Python between two blocks is enough. A disabled cache keeps
only the line being read (the ART's one-line fetch buffer, which the prefetcher still feeds):
the struct is narrowed to one set of one way. Its lines are dropped when it is disabled or
enabled (a simplification: silicon keeps a disabled cache's lines), and on a cache reset.
Once the D-cache model is learned (`freeze_data_model`) its per-block miss rates stay as learned:
a later DCEN change re-prices those misses but does not change their number.
`cache_ways` re-shapes a cache whose associativity the firmware selects (STM32U5 ICACHE_CR.WAYSEL:
1 = direct mapped, 2 = 2-way) keeping its lines. With `shared_caches` (one cache seen from the
instruction and the data side, `Counter(shared_caches=True)`) both views always get the same
enable, associativity and reset: one storage.
"""

from __future__ import annotations

import ctypes
from typing import Dict, Optional

from ...errors import EmulationError
from .native import _Cache, load_native


class FlashTiming:
    """`set_flash_timing(...)`: new penalties / prefetch / enables for the I- and D-cache models."""

    _geometry: Optional[Dict[str, tuple]] = None

    def set_flash_timing(self, *, imiss: int, iprefetch: int, prefetch: bool, dmiss: int,
                         dprefetch: int, icache_on: bool = True, dcache_on: bool = True,
                         icache_reset: bool = False, dcache_reset: bool = False,
                         cache_ways: Optional[int] = None) -> None:
        s = self._live()
        # armed inline slots (native/counter.h, ts_fast_slot) assumed the old geometry
        self._lib.ts_fast_invalidate(self._ctx)
        if self._geometry is None:  # the configured geometry, to come back to when re-enabled
            self._geometry = {"icache": (s.icache.n_sets, s.icache.n_ways),
                              "dcache": (s.dcache.n_sets, s.dcache.n_ways)}
        if getattr(self, "shared_caches", False):   # one storage: one enable, one reset
            dcache_on, dcache_reset = icache_on, icache_reset or dcache_reset
            icache_reset = dcache_reset
        if cache_ways:
            self._geometry = {name: _reshaped(sets, ways, int(cache_ways), name)
                              for name, (sets, ways) in self._geometry.items()}
        for name, cache, miss, pre, on, reset, pf in (
                ("icache", s.icache, imiss, iprefetch, icache_on, icache_reset, prefetch),
                ("dcache", s.dcache, dmiss, dprefetch, dcache_on, dcache_reset, None)):
            if not cache.enabled:
                continue
            for field, value in (("miss_penalty", miss), ("prefetch_penalty", pre)):
                if not 0 <= int(value) < 2**32:
                    raise EmulationError(f"counter {name}: {field}={value} out of range")
            cache.miss_penalty = int(miss)
            cache.prefetch_penalty = int(pre)
            if pf is not None:
                cache.prefetch = int(bool(pf))
            sets, ways = self._geometry[name]
            want = (sets, ways) if on else (1, 1)
            if (cache.n_sets, cache.n_ways) != want:
                cache.n_sets, cache.n_ways = want
                reset = True
            if reset:
                self._empty(cache)

    @staticmethod
    def _empty(cache: _Cache) -> None:
        """Every line invalid, for the cache's current geometry (native ts_cache_reset)."""
        load_native().ts_cache_reset(ctypes.byref(cache))

    def flash_event_totals(self) -> tuple:
        """(cycles, outside_cycles, imiss, iprefetch, dmiss, dprefetch) since the counter was
        created: where a segment of one flash set-up begins or ends (pipeline segments)."""
        s = self._synced()
        _, imiss, ipre = self._icache_counts()
        return (int(s.cycles), int(self.outside_cycles), int(imiss), int(ipre),
                int(s.dcache.misses) if s.dcache.enabled else 0,
                int(s.dcache.prefetch_hits) if s.dcache.enabled else 0)


def _reshaped(sets: int, ways: int, new_ways: int, name: str) -> tuple:
    """(sets, ways) of a cache of sets x ways lines re-organised in `new_ways` ways."""
    lines = sets * ways
    if lines % new_ways or (lines // new_ways) & (lines // new_ways - 1):
        raise EmulationError(f"counter {name}: {lines} lines cannot be organised in {new_ways} "
                             "ways of a power-of-two number of sets")
    return lines // new_ways, new_ways
