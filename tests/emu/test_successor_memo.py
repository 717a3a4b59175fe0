"""The native counter's two successor memos per block (counter_hooks.c, successor_of): blocks
whose successors alternate (a loop's back edge and its exit) or rotate over three (a function
returning to three call sites) must count exactly the block transitions Unicorn runs. The
reference is a Python UC_HOOK_BLOCK on the same engine, counting (previous block, block) pairs.

Machine code (arm-none-eabi-as -mthumb -mcpu=cortex-m4, at FLASH):

    0x00  movs r5, #0
    0x02  movs r4, #7          outer trip count
    0x04  movs r1, #5          <- outer
    0x06  adds r5, r5, r1      <- inner
    0x08  subs r1, #1
    0x0a  bne  inner
    0x0c  bl   f
    0x10  bl   f
    0x14  bl   f
    0x18  subs r4, #1
    0x1a  bne  outer
    0x1c  bl   f
    0x20  b    .               <- halt
    0x22  adds r5, #3          <- f
    0x24  bx   lr
"""

from __future__ import annotations

import collections

from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
from unicorn import UC_ARCH_ARM, UC_HOOK_BLOCK, UC_MODE_THUMB, Uc
from unicorn.arm_const import UC_ARM_REG_R5, UC_ARM_REG_SP, UC_CPU_ARM_CORTEX_M4

from tinysim.emu.counter import CacheGeometry, Counter

FLASH, SRAM, SIZE = 0x08000000, 0x20000000, 0x10000
CODE = bytes.fromhex("0025072405216d180139fcd100f009f800f007f800f005f8013cf3d100f001f8fee703357047")
HALT = FLASH + 0x20  # emu_start stops before the block there runs
OUTER, INNER, SITES = 7, 5, 3  # f is called 3 * OUTER + 1 times; it returns to 3 sites


def describe_with(uc):
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)

    def describe(addr, size):
        n = sum(1 for _ in cs.disasm_lite(bytes(uc.mem_read(addr, size)), addr))
        return n, n, 1
    return describe


def test_alternating_and_rotating_successors_count_every_transition():
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, SIZE)
    uc.mem_map(SRAM, SIZE)
    uc.mem_write(FLASH, CODE)
    uc.reg_write(UC_ARM_REG_SP, SRAM + SIZE)
    c = Counter(uc, describe_with(uc), flash_ranges=[(FLASH, FLASH + SIZE)],
                icache=CacheGeometry(line_bytes=8, lines=4, miss_penalty=3))
    seen = []
    uc.hook_add(UC_HOOK_BLOCK, lambda _uc, addr, size, _u: seen.append((addr, size)))
    uc.emu_start(FLASH | 1, HALT)
    assert uc.reg_read(UC_ARM_REG_R5) == OUTER * sum(range(1, INNER + 1)) + 3 * (3 * OUTER + 1)

    keys = [(int(b["addr"]), int(b["size"])) for b in c.blocks()]
    want_edges = collections.Counter(zip(seen, seen[1:]))
    got_edges = {(keys[int(e["src"])], keys[int(e["dst"])]): int(e["count"]) for e in c.edges()}
    assert got_edges == dict(want_edges)
    assert {k: int(b["count"]) for k, b in zip(keys, c.blocks())} == dict(collections.Counter(seen))
    f_block = next(k for k in keys if k[0] == FLASH + 0x22)
    assert len([1 for (src, _dst) in got_edges if src == f_block]) == SITES
    assert c.instructions == sum(int(b["count"]) * int(b["n_insns"]) for b in c.blocks())
    c.close()
