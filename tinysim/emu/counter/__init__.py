"""Native execution counter: per-block counts, edges, budget/deadline stops, flash cache model.

The counting runs in C (`native/counter_hooks.c` with the cache model in `cache_model.h` and
`fetch_model.h`, `counter_config.c`, built as the extension `tinysim.emu._counter`);
this package loads that shared object with ctypes, registers its hook functions with the same
`uc_hook_add` the unicorn binding uses, and reads the results back as numpy arrays.

    counter = Counter(uc, describe, flash_ranges=[(0x08000000, 0x08200000)],
                      icache=CacheGeometry(line_bytes=16, lines=64, miss_penalty=5))
    counter.set_budget(10_000_000)
    uc.emu_start(entry | 1, 0)
    counter.instructions, counter.cycles, counter.stop_reason, counter.blocks()

`describe(addr, size)` is called once per new translation block (keyed by address AND size,
because Unicorn may split or re-translate a block) and returns `(n_insns, cycles, taken_extra)`
(e.g. `tinysim.cost.BlockInfo`): static cycles of one execution, and the extra cycles paid when
the block is left by a taken branch (the next block does not start at addr + size); optionally
a fourth value, flags: DESCRIBE_UNMASKS marks a block that may unmask interrupts, for
`set_stop_on_unmask`.

Semantics worth knowing:
- Counting is per block.  A stop (budget, deadline) happens at a block entry, before that block
  runs: `instructions`/`cycles` never include a block that did not execute.  The budget stops at
  the first block boundary where `instructions >= budget`, so it may overshoot by up to one block.
- A block that faults part-way through is counted whole (Unicorn reports blocks on entry).
- Create the Counter before the first `emu_start` of code it must see: the constructor flushes
  Unicorn's translation cache so hooks apply to every block, but only that once.
- `stop_reason` (None or a STOP_* string) describes the last stop the counter requested; it is
  cleared by `set_budget`, `set_deadline` and `clear_stop`.

Speed (tinysim's patched engine, whose inline fast path lets armed blocks count themselves):
the block hook + edges + I-cache model keep ~0.6 of raw Unicorn speed on bench/emu_speed.py's
5-instruction hot loop (the worst case for per-block work) and 0.63-0.82 on the benchmark
firmware's inferences (bench/inference_speed.py), where the I-cache model is the cost: with it
off they keep 0.90-0.98 (a 1 KiB I-cache streaming the kernels' code fills a line every 5-9
blocks, and a block whose fetch changes the cache cannot run inline). The I-cache model is exact
(the misses and LRU order of looking up every line) with less work per line: each block keeps the
ways its lines were found in, a block whose lines cannot have left the cache since (no fill)
looks nothing up, and hits already adjacent in the LRU list move in one splice
(`fetch_model.h`; tests/emu/test_fetch_model.py checks it against a line-by-line reference;
bench/counter_replay.py times the counter alone on a recorded block trace). On the stock Unicorn wheel
any UC_HOOK_MEM_READ/WRITE, even a range-limited one, makes every memory access take its slow
path (~0.15 of raw; tinysim's patched engine, third_party/unicorn/, slows only the hooked pages),
so data-region counting and the D-cache model are opt-in (`count_data=True`; a D-cache alone
installs read hooks over the flash ranges only). For the same reason the stack guard defaults
to page protection (`stack_guard_mode="auto"`): the guard's pages are made read-only and the
native write-fault hook stops the run on a write into [lo, hi), and performs writes to the rest
of those pages for the firmware. That is free; it needs the guard to contain a page boundary
(page = 1 KiB on Arm, 4 KiB on RISC-V in Unicorn), else the guard falls back to a write hook.

Learned D-cache model (`freeze_data_model`): the exact D-cache model needs that read hook for
the whole run (~0.15 of raw speed). Instead it can learn, then apply: while exact, every
D-cache miss, prefetch hit and hit is charged to the block whose instructions made the read;
`freeze_data_model()` turns them into per-block rates per execution (16.16 fixed point,
rounded), deletes the read hooks and has Unicorn retranslate. From then on a block execution
is charged floor-accumulated whole misses of its rate (cycles at once; the miss counts in
`blocks()`, `region_counts()`, `cache_stats()` and snapshots follow, exact to the event, as
floor(executions x rate)). Blocks first run after the freeze get no misses; their executions
are `unlearned_block_executions` (also a Snapshot field). `data_model_state` is "off", "exact"
or "learned". Integer arithmetic only: runs stay bit-identical. With count_data=True the freeze
does nothing (the region counts keep the global hooks).

Inline fast path (`inline_fast=True`, the default, on an engine with tinysim's Unicorn patch 0006,
`uc_hook_block_fast3`; the stock wheel keeps the plain hook): the block hook arms each translated
block with what it adds after a previous block (up to two of them) when that is all a repeat
would do, and the
translated block then counts itself without calling the hook (native/counter.h, ts_fast_slot;
third_party/unicorn/README.md says which blocks qualify). Counts, stops and tables are the same
either way (tests/emu/test_inline_count.py); `block_hook_calls` says how many blocks called it.
"""

from .config import CacheGeometry
from .core import Counter
from .native import (DESCRIBE_UNMASKS, MAX_FLASH_RANGES, MAX_REGIONS, RATE_ONE, STOP_BUDGET,
                     STOP_DEADLINE, STOP_DESCRIBE_ERROR, STOP_NO_MEMORY, STOP_STACK_OVERFLOW,
                     STOP_UNMASK)
from .snapshot import BLOCK_DTYPE, EDGE_DTYPE, REGION_DTYPE, Snapshot

__all__ = ["BLOCK_DTYPE", "EDGE_DTYPE", "REGION_DTYPE", "DESCRIBE_UNMASKS", "MAX_FLASH_RANGES",
           "MAX_REGIONS", "RATE_ONE", "STOP_BUDGET", "STOP_DEADLINE", "STOP_DESCRIBE_ERROR",
           "STOP_NO_MEMORY", "STOP_STACK_OVERFLOW", "STOP_UNMASK", "CacheGeometry", "Counter", "Snapshot"]
