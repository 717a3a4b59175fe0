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
                         icache_reset: bool = False, dcache_reset: bool = False) -> None:
        s = self._live()
        if self._geometry is None:  # the configured geometry, to come back to when re-enabled
            self._geometry = {"icache": (s.icache.n_sets, s.icache.n_ways),
                              "dcache": (s.dcache.n_sets, s.dcache.n_ways)}
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
