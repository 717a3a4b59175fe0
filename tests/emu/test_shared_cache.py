"""One cache seen from both sides (`Counter(shared_caches=True)`, native ts_share_caches): the
STM32U5 ICACHE serves the instruction fetches and the data reads of the C-AHB bus, so a weight
read from flash can evict a line of the loop that reads it. The program of test_cache_lru.py
(one loop block in flash line 0, one flash data read per iteration from a table of addresses)
runs with a direct-mapped cache (ST's MLPerf Tiny builds select 1 way, ICACHE_CR.WAYSEL = 0)
against a plain reference of one direct-mapped cache: the fetch of the loop's line, then the
data read, per iteration. Hits and misses of each side must match exactly; the same stream on
two separate caches (the model before) has no instruction misses at all after the first.
"""

from __future__ import annotations

import pytest
from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc

from tinysim.emu.counter import CacheGeometry, Counter
from tinysim.errors import TinysimError

from test_cache_lru import FLASH, SIZE, UNTIL, engine, stream  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

IMISS, DMISS = 5, 3


def reference(addresses, line_bytes, sets):
    """((i hits, i misses), (d hits, d misses)) of one direct-mapped cache: per iteration the
    fetch of the loop's line (FLASH), then the data read."""
    lines = [0] * sets
    counts = {"i": [0, 0], "d": [0, 0]}
    for side, a in ((s, a) for d in addresses for s, a in (("i", FLASH), ("d", d))):
        tag = a // line_bytes + 1
        s = (tag - 1) % sets
        hit = lines[s] == tag
        lines[s] = tag
        counts[side][0 if hit else 1] += 1
    return tuple(counts["i"]), tuple(counts["d"])


def run(addresses, lines, ways, shared):
    uc = engine(addresses)
    c = Counter(uc, lambda addr, size: (1, 0, 0), flash_ranges=[(FLASH, FLASH + SIZE)],
                icache=CacheGeometry(line_bytes=16, lines=lines, ways=ways, miss_penalty=IMISS),
                dcache=CacheGeometry(line_bytes=16, lines=lines, ways=ways, miss_penalty=DMISS),
                count_data=False, shared_caches=shared)
    uc.emu_start(FLASH | 1, UNTIL)
    stats = c.cache_stats()
    cycles = c.cycles
    c.close()
    return stats, cycles


@pytest.mark.parametrize("seed", [1, 2])
@pytest.mark.parametrize("lines", [64, 512])
def test_direct_mapped_shared_cache_matches_the_reference(seed, lines):
    # data reads over the first 32 KiB of flash: they land on the loop's set now and then
    addresses = [FLASH + (a - FLASH - 0x1000) for a in stream(seed, 20_000)]
    stats, cycles = run(addresses, lines, 1, shared=True)
    (ih, im), (dh, dm) = reference(addresses, 16, lines)
    assert im > 5 and dm > 100             # the data side really evicts the loop's line
    assert (stats["icache"]["hits"], stats["icache"]["misses"]) == (ih, im)
    assert (stats["dcache"]["hits"], stats["dcache"]["misses"]) == (dh, dm)
    assert cycles == im * IMISS + dm * DMISS


def test_separate_caches_do_not_evict_each_other():
    addresses = [FLASH + (a - FLASH - 0x1000) for a in stream(1, 20_000)]
    shared, _ = run(addresses, 64, 1, shared=True)
    split, _ = run(addresses, 64, 1, shared=False)
    assert split["icache"]["misses"] == 1 and shared["icache"]["misses"] > 20
    assert shared["dcache"]["misses"] >= split["dcache"]["misses"]


def lru_reference(addresses, line_bytes, sets, ways):
    """(i misses, d misses) of one exact LRU cache for the same fetch, read, fetch... order."""
    tags = [[0] * ways for _ in range(sets)]
    stamps = [[0] * ways for _ in range(sets)]
    clock, misses = 0, {"i": 0, "d": 0}
    for side, a in ((s, a) for d in addresses for s, a in (("i", FLASH), ("d", d))):
        tag = a // line_bytes + 1
        s = (tag - 1) % sets
        clock += 1
        if tag in tags[s]:
            stamps[s][tags[s].index(tag)] = clock
            continue
        victim = min(range(ways), key=lambda w: (stamps[s][w], w))
        tags[s][victim], stamps[s][victim] = tag, clock
        misses[side] += 1
    return misses["i"], misses["d"]


@pytest.mark.parametrize("seed", [1, 2])
def test_two_way_shared_cache_is_exact_lru(seed):
    """2 ways (the ICACHE's reset setting): each side's same-line shortcut is dropped when the
    other side touches its set (counter_hooks.c shared_data_touched), so the LRU order stays
    that of one cache: the loop's line, fetched every iteration, is never the victim."""
    addresses = [FLASH + (a - FLASH - 0x1000) for a in stream(seed, 20_000)]
    stats, _ = run(addresses, 64, 2, shared=True)
    im, dm = lru_reference(addresses, 16, 32, 2)
    assert dm > 100 and im == 1
    assert (stats["icache"]["misses"], stats["dcache"]["misses"]) == (im, dm)


def test_shared_caches_need_one_geometry():
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.mem_map(FLASH, SIZE)
    with pytest.raises(TinysimError, match="same geometry"):
        Counter(uc, lambda addr, size: (1, 0, 0), flash_ranges=[(FLASH, FLASH + SIZE)],
                icache=CacheGeometry(line_bytes=16, lines=64, ways=1, miss_penalty=1),
                dcache=CacheGeometry(line_bytes=16, lines=32, ways=1, miss_penalty=1),
                shared_caches=True)
