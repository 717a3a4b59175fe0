"""Reading a Counter: running totals, stop state, and copies of the native tables decoded into
the public numpy layouts (`Snapshot`). Mixed into `Counter`; it reads the C state through
`_live()` / `_synced()`, which the Counter provides."""

from __future__ import annotations

import ctypes
from typing import Optional, Tuple

import numpy as np

from .native import _FETCH_MODEL_FLAG, _NATIVE_BLOCK, _NATIVE_EDGE, _NATIVE_FETCH, _NO_BLOCK, _STOP_NAMES
from .snapshot import BLOCK_DTYPE, EDGE_DTYPE, REGION_DTYPE, Snapshot, frozen


class CounterReadout:
    """Totals, stop state and tables of a Counter (see tinysim.emu.counter)."""

    # ---- running totals ----------------------------------------------------------------------
    @property
    def instructions(self) -> int:
        return self._live().instructions

    @property
    def cycles(self) -> int:
        s = self._state  # _live() inlined: the run loop and the peripherals ask at every stop
        return s.cycles if s is not None else self._live().cycles

    @property
    def blocks_executed(self) -> int:
        """Block executions so far (sum of the per-block counts)."""
        s = self._live()
        return int(self._native_rows(s.blocks, s.n_blocks, _NATIVE_BLOCK)["count"].sum())

    @property
    def block_hook_calls(self) -> int:
        """Calls of the native block hook with the inline fast path (`inline_fast`); the blocks the
        translated code counted itself are the rest of `blocks_executed`. 0 without it."""
        return self._live().hook_calls

    @property
    def settle_errors(self) -> int:
        """Times the I-cache order the inline fast path leaves could not be restored (native
        fetch_settle): 0 unless the counter has a bug; the tests check it."""
        self._live()
        return int(self._lib.ts_settle_errors(self._ctx))

    @property
    def stop_reason(self) -> Optional[str]:
        """Why the counter last stopped the engine (STOP_* string), or None. Cleared by
        `set_budget`, `set_deadline` and `clear_stop`."""
        return _STOP_NAMES.get(self._live().stop_reason, f"unknown-{self._live().stop_reason}")

    @property
    def stop_address(self) -> int:
        """Data address of the write that tripped the stack guard."""
        return self._live().stop_addr

    @property
    def stop_pc(self) -> int:
        """PC of the stack-guard write, or of the block that was not run (budget/deadline)."""
        return self._live().stop_pc

    @property
    def n_blocks(self) -> int:
        return self._live().n_blocks

    def last_block(self) -> Optional[Tuple[int, int]]:
        """(address, size) of the block that ran last, or None (after an exception entry or
        return, or a PC written by the host): where a branch that faulted at its target was."""
        s = self._live()
        if s.prev == _NO_BLOCK or s.prev >= s.n_blocks:
            return None
        row = self._native_rows(s.blocks, s.n_blocks, _NATIVE_BLOCK)[s.prev]
        return int(row["addr"]), int(row["size"])

    def _native_rows(self, ptr: Optional[int], n: int, dtype: np.dtype) -> np.ndarray:
        if n == 0 or not ptr:
            return np.zeros(0, dtype=dtype)
        raw = (ctypes.c_char * (n * dtype.itemsize)).from_address(ptr)
        return np.frombuffer(raw, dtype=dtype, count=n)

    def blocks(self) -> np.ndarray:
        """Copy of the block table (BLOCK_DTYPE); row index = block id."""
        s = self._synced()
        view = self._native_rows(s.blocks, s.n_blocks, _NATIVE_BLOCK)
        out = np.zeros(len(view), dtype=BLOCK_DTYPE)
        for name in BLOCK_DTYPE.names:
            out[name] = view[name]
        return out

    def edges(self) -> np.ndarray:
        """Copy of the edge table (EDGE_DTYPE): src/dst block ids, count, taken."""
        s = self._live()
        view = self._native_rows(s.edges, s.n_edges, _NATIVE_EDGE)
        out = np.zeros(len(view), dtype=EDGE_DTYPE)
        for name in EDGE_DTYPE.names:
            out[name] = view[name]
        return out

    def region_counts(self) -> np.ndarray:
        """Per data region (REGION_DTYPE): reads and writes (with count_data), D-cache misses."""
        s = self._synced()
        out = np.zeros(len(self._region_meta), dtype=REGION_DTYPE)
        for k, (name, kind) in enumerate(self._region_meta):
            r = s.regions[k]
            out[k] = (name, kind, r.begin, r.end, r.reads, r.writes, r.dmiss, r.dprefetch)
        return out

    def _icache_counts(self) -> Tuple[int, int, int]:
        """(hits, misses, prefetch hits) of the I-cache model. The native fast path does not
        count hits (it would cost ~3% speed); they are line fetches minus the other two."""
        s = self._live()
        if not s.icache.enabled:
            return (0, 0, 0)
        rows = self._native_rows(s.blocks, s.n_blocks, _NATIVE_FETCH)
        fetched = rows[(rows["flags"] & _FETCH_MODEL_FLAG) != 0]
        lines = int((fetched["count"] * fetched["n_lines"].astype(np.uint64)).sum())
        misses, prefetch = int(rows["imiss"].sum()), int(rows["iprefetch"].sum())
        return (lines - misses - prefetch, misses, prefetch)

    def cache_stats(self) -> dict:
        """{"icache"|"dcache": {"hits", "misses", "prefetch_hits"}} for the enabled models."""
        s = self._synced()
        out = {}
        if s.icache.enabled:
            out["icache"] = dict(zip(("hits", "misses", "prefetch_hits"), self._icache_counts()))
        if s.dcache.enabled:
            c = s.dcache
            out["dcache"] = {"hits": c.hits, "misses": c.misses, "prefetch_hits": c.prefetch_hits}
        return out

    def snapshot(self) -> Snapshot:
        """An immutable copy of every counter; `later - earlier` is the window between them."""
        s = self._synced()
        blocks = self.blocks()
        return Snapshot(
            instructions=s.instructions, cycles=s.cycles,
            blocks_executed=int(blocks["count"].sum()),
            blocks=frozen(blocks), edges=frozen(self.edges()),
            regions=frozen(self.region_counts()),
            icache=self._icache_counts(),
            dcache=(s.dcache.hits, s.dcache.misses, s.dcache.prefetch_hits),
            unlearned_block_executions=s.unlearned_execs,
            outside_cycles=self.outside_cycles, sleep_cycles=self.sleep_cycles)
