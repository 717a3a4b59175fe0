"""The native I-cache fetch model (native/fetch_model.h fetch_block: way hints, hits moved in
stretches, blocks whose hints still hold after no fill) against a plain line-by-line reference:
every line of every block looked up in turn, LRU kept with time stamps (ties to the lowest way),
the sequential prefetcher, and for one cache shared by both sides (STM32U5 ICACHE) the data
reads between blocks with the rules by which each side forgets its last line.

The native hooks are called directly through ctypes (no engine): a seeded random "program" of
blocks (several lines each, blocks sharing boundary lines, overlapping blocks, loops that run
their blocks again and again) is executed block by block, with cache resets and geometry changes
(what flash_timing.py does on FLASH_ACR / ICACHE_CR writes) and exception-like transfers mixed
in. Totals, each block's misses and prefetch hits, and at the end every set's lines in LRU order
must equal the reference's exactly.
"""

from __future__ import annotations

import ctypes
import random

import numpy as np
import pytest

from tinysim.emu.counter.native import _DESCRIBE_CFUNC, _NATIVE_BLOCK, _NATIVE_FETCH, _Cache, _State, load_native

FLASH = 0x08000000
SRAM = 0x20000000
MISS, PREFETCH = 5, 1
TS_NONE = 0xFFFFFFFF


class Reference:
    """Line-by-line LRU cache, one view per side (I, D) over one storage when shared."""

    def __init__(self, line_bytes, sets, ways, prefetch, shared=False, dprefetch=False):
        self.shift = line_bytes.bit_length() - 1
        self.prefetch = {"i": prefetch, "d": dprefetch}
        self.shared = shared
        self.geometry(sets, ways)
        self.last = {"i": 0, "d": 0}
        self.counts = {side: {"hits": 0, "misses": 0, "prefetch_hits": 0} for side in "id"}
        self.block_events = {}  # block key -> [imiss, iprefetch]

    def geometry(self, sets, ways):
        """Every line invalid (ts_cache_reset), in the new geometry."""
        self.sets, self.ways = sets, ways

        def empty():   # (tags, stamps) per set and way; tag 0 = invalid, stamp 0 = never used
            return [[0] * ways for _ in range(sets)], [[0] * ways for _ in range(sets)]
        self.storage = {"i": empty()}
        self.storage["d"] = self.storage["i"] if self.shared else empty()
        self.clock = 0
        self.last = {"i": 0, "d": 0}

    def access(self, side, line):
        tags, stamps = self.storage[side]
        tag = line + 1
        last = self.last[side]
        if tag == last:
            self.counts[side]["hits"] += 1
            return "hit"
        sequential = self.prefetch[side] and last and tag == last + 1
        self.last[side] = tag
        s = line % self.sets
        self.clock += 1
        if tag in tags[s]:
            stamps[s][tags[s].index(tag)] = self.clock
            self.counts[side]["hits"] += 1
            return "hit"
        victim = min(range(self.ways), key=lambda w: (stamps[s][w], w))
        tags[s][victim], stamps[s][victim] = tag, self.clock
        kind = "prefetch_hits" if sequential else "misses"
        self.counts[side][kind] += 1
        return kind

    def fetch(self, key, addr, size):
        first, last = addr >> self.shift, (addr + max(size, 1) - 1) >> self.shift
        ev = self.block_events.setdefault(key, [0, 0])
        for line in range(first, last + 1):
            r = self.access("i", line)
            if r == "misses":
                ev[0] += 1
            elif r == "prefetch_hits":
                ev[1] += 1
            d = self.last["d"]
            if self.shared and d and d - 1 != line and (d - 1) % self.sets == line % self.sets:
                self.last["d"] = 0   # shared_data_touched's counterpart on the I side
        self.running = (first, last)

    def read(self, addr):
        line = addr >> self.shift
        self.access("d", line)
        if not self.shared or not self.last["i"]:
            return
        last = self.last["i"] - 1
        if last != line and last % self.sets == line % self.sets:
            self.last["i"] = 0
            return
        first, end = self.running
        if any(l != line and l % self.sets == line % self.sets for l in range(first, end + 1)):
            self.last["i"] = 0

    def lru_order(self):
        """Per set, the (way, tag) pairs least recently used first; invalid ways lead in way order."""
        tags, stamps = self.storage["i"]
        return [[(w, tags[s][w]) for w in sorted(range(self.ways), key=lambda w: (stamps[s][w], w))]
                for s in range(self.sets)]


class Native:
    """A native counter driven without an engine: ts_block_hook / ts_read_hook called directly."""

    def __init__(self, line_bytes, sets, ways, prefetch, shared=False):
        self.lib = lib = load_native()
        lib.ts_block_hook.argtypes = [ctypes.c_void_p, ctypes.c_uint64, ctypes.c_uint32, ctypes.c_void_p]
        lib.ts_block_hook.restype = None
        lib.ts_read_hook.argtypes = [ctypes.c_void_p, ctypes.c_int, ctypes.c_uint64, ctypes.c_int,
                                     ctypes.c_int64, ctypes.c_void_p]
        lib.ts_read_hook.restype = None

        def describe(addr, size, out):
            out[0], out[1], out[2] = 1, 1, 0
            return 0
        self._describe = _DESCRIBE_CFUNC(describe)
        self.ctx = lib.ts_new(ctypes.cast(self._describe, ctypes.c_void_p), None, None, None, 0)
        assert lib.ts_add_flash(self.ctx, FLASH, FLASH + 0x100000) == 0
        assert lib.ts_set_icache(self.ctx, line_bytes, sets, ways, MISS, int(prefetch), PREFETCH) == 0
        if shared:
            assert lib.ts_set_dcache(self.ctx, line_bytes, sets, ways, MISS, 0, PREFETCH) == 0
            assert lib.ts_share_caches(self.ctx) == 0
        self.state = _State.from_address(self.ctx)

    def block(self, addr, size):
        self.lib.ts_block_hook(None, addr, size, self.ctx)

    def read(self, addr):
        self.lib.ts_read_hook(None, 16, addr, 4, 0, self.ctx)

    def transfer(self):
        self.lib.ts_note_transfer(self.ctx)

    def reset(self, sets=None, ways=None):
        """What flash_timing.py does: a new geometry written into the struct, then emptied."""
        for cache in ((self.state.icache, self.state.dcache) if self.state.dcache.enabled else (self.state.icache,)):
            if sets is not None:
                cache.n_sets, cache.n_ways = sets, ways
            self.lib.ts_cache_reset(ctypes.byref(cache))

    def blocks(self):
        """(addr, size) -> (misses, prefetch hits) charged to that block."""
        s = self.state
        raw = (ctypes.c_char * (s.n_blocks * _NATIVE_BLOCK.itemsize)).from_address(s.blocks)
        rows = np.frombuffer(raw, dtype=_NATIVE_BLOCK, count=s.n_blocks)
        return {(int(r["addr"]), int(r["size"])): (int(r["imiss"]), int(r["iprefetch"])) for r in rows}

    def counts(self, cache: _Cache):
        """Hits, misses, prefetch hits; the I side's hits as readout.py derives them (line
        fetches of all blocks less the other two: the native fast path does not count them)."""
        hits = cache.hits
        if ctypes.addressof(cache) == ctypes.addressof(self.state.icache):
            s = self.state
            raw = (ctypes.c_char * (s.n_blocks * _NATIVE_FETCH.itemsize)).from_address(s.blocks)
            rows = np.frombuffer(raw, dtype=_NATIVE_FETCH, count=s.n_blocks)
            hits = int((rows["count"] * rows["n_lines"].astype(np.uint64)).sum()) - cache.misses - cache.prefetch_hits
        return {"hits": hits, "misses": cache.misses, "prefetch_hits": cache.prefetch_hits}

    def lru_order(self):
        k = self.state.icache
        cap = k.capacity
        lru = (ctypes.c_uint32 * (4 * cap)).from_address(k.lru)
        tags = (ctypes.c_uint64 * cap).from_address(k.tags)
        nxt, head = lru[cap:2 * cap], lru[2 * cap:3 * cap]
        out = []
        for s in range(k.n_sets):
            ways, g = [], head[s]
            while g != TS_NONE:
                ways.append((g - s * k.n_ways, tags[g]))
                g = nxt[g]
            out.append(ways)
        return out

    def close(self):
        self.lib.ts_free(self.ctx)


def program(rng: random.Random, n_blocks: int, span: int):
    """Blocks of 2-120 bytes in `span` bytes of flash; some start where another ends (a shared
    boundary line), some inside another (overlapping translation blocks)."""
    blocks, a = [], FLASH + 0x400
    for _ in range(n_blocks):
        size = rng.choice([2, 4, 6, 10, 14, 22, 30, 40, 64, 96, 120])
        r = rng.random()
        if r < 0.5:
            a = a + rng.choice([0, 2, 4])            # right after the previous one
        elif r < 0.7 and blocks:
            pa, ps = rng.choice(blocks)
            a = pa + 2 * rng.randrange(0, max(ps // 2, 1))  # inside another block
        else:
            a = FLASH + 0x400 + 2 * rng.randrange(span // 2)
        blocks.append((a, size))
        a += size
    return blocks


def trace(rng: random.Random, blocks, n: int):
    """Loops over short runs of blocks (the hinted path), self-loops, and random jumps."""
    out = []
    while len(out) < n:
        r = rng.random()
        if r < 0.6:
            i = rng.randrange(len(blocks))
            body = blocks[i:i + rng.randint(1, 6)]
            out.extend(body * rng.randint(1, 30))
        elif r < 0.75:
            out.extend([rng.choice(blocks)] * rng.randint(2, 20))
        else:
            out.extend(rng.choice(blocks) for _ in range(rng.randint(1, 10)))
    return out[:n]


GEOMETRIES = [
    (8, 1, 128, True),    # nucleo-l4r5zi: the ART I-cache, 1 KiB in 8-byte lines, fully associative
    (8, 1, 16, True),     # small: misses all the time
    (16, 1, 32, False),
    (16, 8, 2, True),     # 8 sets x 2 ways
    (32, 4, 4, False),
    (16, 1, 1, True),     # one line: a disabled cache's fetch buffer
]


@pytest.mark.parametrize("line_bytes,sets,ways,prefetch", GEOMETRIES)
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_fetch_model_matches_the_line_by_line_reference(line_bytes, sets, ways, prefetch, seed):
    rng = random.Random(seed * 1000 + sets * 10 + ways)
    blocks = program(rng, 120, 0x1800)
    ref, nat = Reference(line_bytes, sets, ways, prefetch), Native(line_bytes, sets, ways, prefetch)
    try:
        for step, (addr, size) in enumerate(trace(rng, blocks, 12_000)):
            if step % 3001 == 3000:
                ref.geometry(sets, ways)
                nat.reset()
            if step % 997 == 996:
                nat.transfer()     # an exception entry: the next block is not a successor
            ref.fetch((addr, size), addr, size)
            nat.block(addr, size)
        assert nat.counts(nat.state.icache) == ref.counts["i"]
        assert ref.counts["i"]["misses"] + ref.counts["i"]["prefetch_hits"] > 100  # evictions happen
        assert nat.blocks() == {k: tuple(v) for k, v in ref.block_events.items()}
        assert nat.lru_order() == ref.lru_order()
    finally:
        nat.close()


def test_geometry_changes_keep_the_model_exact():
    """The cache narrowed to one line (disabled) and widened again mid-run, as flash_timing.py
    does on ICEN writes: stale way hints must never be taken for resident lines."""
    rng = random.Random(7)
    blocks = program(rng, 80, 0x1000)
    ref, nat = Reference(8, 1, 64, True), Native(8, 1, 64, True)
    shapes = [(1, 64), (1, 1), (1, 64), (2, 32), (1, 64)]
    try:
        for step, (addr, size) in enumerate(trace(rng, blocks, 10_000)):
            if step % 2000 == 1999:
                sets, ways = shapes[(step // 2000) % len(shapes)]
                ref.geometry(sets, ways)
                nat.reset(sets, ways)
            ref.fetch((addr, size), addr, size)
            nat.block(addr, size)
        assert nat.counts(nat.state.icache) == ref.counts["i"]
        assert nat.blocks() == {k: tuple(v) for k, v in ref.block_events.items()}
    finally:
        nat.close()


@pytest.mark.parametrize("sets,ways", [(64, 1), (32, 2), (1, 32)])
@pytest.mark.parametrize("seed", [1, 2])
def test_shared_cache_fetches_and_reads_match_the_reference(sets, ways, seed):
    """One cache for both sides (ts_share_caches): data reads from flash between blocks evict
    the blocks' lines and make the I side forget its last line; the I side's hints must notice."""
    rng = random.Random(seed)
    blocks = program(rng, 60, 0x1000)
    ref = Reference(16, sets, ways, True, shared=True)
    nat = Native(16, sets, ways, True, shared=True)
    try:
        for addr, size in trace(rng, blocks, 8_000):
            ref.fetch((addr, size), addr, size)
            nat.block(addr, size)
            for _ in range(rng.choice([0, 0, 1, 2])):
                a = FLASH + 0x400 + 4 * rng.randrange(0x1000 // 4)
                ref.read(a)
                nat.read(a)
        assert nat.counts(nat.state.icache) == ref.counts["i"]
        assert nat.counts(nat.state.dcache) == ref.counts["d"]
        assert ref.counts["d"]["misses"] > 100
        assert nat.blocks() == {k: tuple(v) for k, v in ref.block_events.items()}
        assert nat.lru_order() == ref.lru_order()
    finally:
        nat.close()
