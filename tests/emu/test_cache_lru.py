"""The native cache model (native/counter_hooks.c cache_access: a line index and per-set LRU
lists) against a plain reference: the scan for the oldest time stamp, ties to the lowest way,
that it replaced (issue 10, speed). A pseudo-random stream of flash reads with locality runs on
Unicorn through the exact D-cache read hook, for several geometries, with and without the
sequential prefetcher; hits, misses, prefetch hits and the cycles charged must match exactly.

The program (hand-encoded Thumb, checked with capstone below):

    0x00  ldr.w r2, [r0], #4     the next flash address from the table in SRAM
    0x04  ldr   r2, [r2]         the flash read the D-cache model sees
    0x06  subs  r1, #1
    0x08  bne   0x00
    0x0a  b     .                <- until
"""

from __future__ import annotations

import random
import struct

import pytest
from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc
from unicorn.arm_const import UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_SP, UC_CPU_ARM_CORTEX_M4

from tinysim.emu.counter import CacheGeometry, Counter

FLASH, SRAM, SIZE = 0x08000000, 0x20000000, 0x40000
PROGRAM = bytes.fromhex("50f8042b12680139fad1fee7")
UNTIL = FLASH + 0x0A
MISS, PREFETCH = 7, 2


def reference(addresses, line_bytes, sets, ways, prefetch):
    """(hits, misses, prefetch hits) of an LRU cache kept with time stamps."""
    tags = [[0] * ways for _ in range(sets)]
    stamps = [[0] * ways for _ in range(sets)]
    clock = last = 0
    hits = misses = pre = 0
    for a in addresses:
        tag = a // line_bytes + 1
        if tag == last:
            hits += 1
            continue
        sequential = prefetch and last and tag == last + 1
        last = tag
        s = (tag - 1) % sets
        if tag in tags[s]:
            clock += 1
            stamps[s][tags[s].index(tag)] = clock
            hits += 1
            continue
        victim = min(range(ways), key=lambda w: (stamps[s][w], w))
        clock += 1
        tags[s][victim], stamps[s][victim] = tag, clock
        if sequential:
            pre += 1
        else:
            misses += 1
    return hits, misses, pre


def stream(seed: int, n: int):
    """Flash addresses with locality: runs through a few hot regions, jumps, sequential walks."""
    rng = random.Random(seed)
    out, a = [], FLASH + 0x1000
    for _ in range(n):
        r = rng.random()
        if r < 0.5:
            a += 4  # sequential
        elif r < 0.8:
            a = FLASH + 0x1000 + rng.randrange(0, 64) * 16  # a hot set of 64 lines
        else:
            a = FLASH + 0x1000 + rng.randrange(0, 0x8000, 4)  # anywhere
        a = FLASH + 0x1000 + (a - FLASH - 0x1000) % 0x8000
        out.append(a)
    return out


def engine(addresses) -> Uc:
    """A Cortex-M engine with PROGRAM in flash and `addresses` as its table in SRAM."""
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, SIZE)
    uc.mem_map(SRAM, SIZE)
    uc.mem_write(FLASH, PROGRAM)
    uc.mem_write(SRAM, struct.pack(f"<{len(addresses)}I", *addresses))
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R1, len(addresses))
    uc.reg_write(UC_ARM_REG_SP, SRAM + SIZE)
    return uc


def test_program_encoding():
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
    text = [f"{i.mnemonic} {i.op_str}" for i in cs.disasm(PROGRAM, FLASH)]
    assert text == ["ldr r2, [r0], #4", "ldr r2, [r2]", "subs r1, #1",
                    f"bne #{FLASH:#x}", f"b #{UNTIL:#x}"]


@pytest.mark.parametrize("line_bytes,lines,ways,prefetch", [
    (16, 32, None, True),   # fully associative, the STM32L4 ART I-cache shape
    (16, 8, None, False),
    (16, 16, 2, True),      # 8 sets x 2 ways
    (32, 16, 4, False),     # 4 sets x 4 ways
    (16, 1, None, True),    # one line (a disabled cache's fetch buffer)
])
@pytest.mark.parametrize("seed", [1, 2])
def test_lru_matches_the_time_stamp_reference(line_bytes, lines, ways, prefetch, seed):
    addresses = stream(seed, 20_000)
    uc = engine(addresses)
    geom = CacheGeometry(line_bytes=line_bytes, lines=lines, ways=ways or 0, miss_penalty=MISS,
                         prefetch=prefetch, prefetch_penalty=PREFETCH)
    c = Counter(uc, lambda addr, size: (1, 0, 0), flash_ranges=[(FLASH, FLASH + SIZE)],
                dcache=geom, count_data=False)
    uc.emu_start(FLASH | 1, UNTIL)
    sets = lines // (ways or lines)
    hits, misses, pre = reference(addresses, line_bytes, sets, ways or lines, prefetch)
    assert misses > 100 and hits > 100  # the stream exercises both
    assert c.cache_stats()["dcache"] == {"hits": hits, "misses": misses, "prefetch_hits": pre}
    assert c.cycles == misses * MISS + pre * PREFETCH  # describe charges nothing else
    c.close()
