"""The block counter's inline fast path (Unicorn patch 0006, `uc_hook_block_fast3`; native/counter.h,
ts_fast_slot): the translated block does the counting the hook armed it with. Each test runs the
same program twice on one engine build, with the fast path and with the plain hook
(`Counter(inline_fast=False)`), and wants every count, every stop and every table identical.
On an engine without the entry point (the stock wheel) both runs use the plain hook and the tests
that need the fast path skip. Speed is measured in bench/emu_speed.py, never asserted here.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_unicorn_patch import FLASH, RESULT, SIZE, SMC, SRAM
from test_unicorn_patch import engine as cortex_m4
from unicorn import UC_HOOK_BLOCK, UC_HOOK_CODE, Uc
from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6

from tinysim.emu.counter import CacheGeometry, Counter
from tinysim.emu.counter.native import FAST_ENTRY, unicorn_lib
from tinysim.pipeline.direct_infer import boot_to_idle, call_th_infer, halt_address

DATA = FLASH + 0x100  # a flash word the loop reads (the D-cache model's exact phase sees it)

# arm-none-eabi-as -mcpu=cortex-m4 -mthumb, then objcopy -O binary (offsets in hex):
#  0 start: movs r0, #0 ; movw r3, #300
#  6 outer: movs r2, #7
#  8 inner: adds r0, r0, r2 ; subs r2, #1 ; bne inner     a one-line block looping to itself
#  e        bl func                                         a call: func returns to one site
# 12        ldr r1, [r4] ; adds r0, r0, r1 ; subs r3, #1 ; bne outer
# 1a        bkpt #0
# 1c func:  adds r0, #3 ; eors r0, r0, r3 ; bx lr           two I-cache lines (16-byte lines)
LOOP = bytes.fromhex("002040f22c1307228018013afcd100f005f821684018013bf5d100be033058407047")
LOOP_END = FLASH + 0x1a
# SMC (tests/emu/test_unicorn_patch.py): code written to SRAM by stores, run, rewritten, run again.
ICACHE = CacheGeometry(line_bytes=16, lines=8, ways=2, miss_penalty=5, prefetch=True,
                       prefetch_penalty=1)
DCACHE = CacheGeometry(line_bytes=16, lines=4, miss_penalty=4)

HAS_FAST = hasattr(unicorn_lib(), FAST_ENTRY)
needs_fast = pytest.mark.skipif(not HAS_FAST, reason=f"the engine has no {FAST_ENTRY} "
                                "(stock wheel; scripts/build_unicorn.sh builds patch 0006)")


def describe(addr: int, size: int):
    # (instructions, cycles, taken-branch extra): any fixed rule will do, both runs share it
    return size // 2, size // 2 + 1, 2


def engine(code: bytes) -> Uc:
    uc = cortex_m4(code)
    uc.mem_write(DATA, (11).to_bytes(4, "little"))
    uc.reg_write(UC_ARM_REG_R4, DATA)
    return uc


def counter(uc: Uc, fast: bool, **kw) -> Counter:
    c = Counter(uc, describe, flash_ranges=[(FLASH, FLASH + SIZE)], icache=ICACHE,
                count_data=False, inline_fast=fast, **kw)
    assert c.inline_fast == (fast and HAS_FAST)
    return c


def state(c: Counter):
    snap = c.snapshot()
    return (c.instructions, c.cycles, snap.blocks.tobytes(), snap.edges.tobytes(), snap.icache,
            snap.dcache)


def stepped_run(fast: bool, *, budget=None, deadline=None, between=None, **kw):
    """The loop to its end in runs of `budget` instructions or `deadline` cycles; every stop's
    (PC, instructions, cycles, reason), the final counts and tables, and r0."""
    uc = engine(LOOP)
    c = counter(uc, fast, **kw)
    stops, pc = [], FLASH | 1
    for i in range(100_000):
        if budget:
            c.set_budget(c.instructions + budget)
        if deadline:
            c.set_deadline(c.cycles + deadline)
        uc.emu_start(pc, LOOP_END)
        pc = uc.reg_read(UC_ARM_REG_PC)
        stops.append((pc, c.instructions, c.cycles, c.stop_reason))
        if c.stop_reason is None:
            break
        if between:
            between(c, i)
        pc |= 1
    result = stops, state(c), uc.reg_read(UC_ARM_REG_R0)
    calls = c.block_hook_calls, c.blocks_executed
    c.close()
    return result, calls


def test_whole_run_counts_identical():
    (fast, calls), (plain, _) = stepped_run(True), stepped_run(False)
    assert fast == plain
    if HAS_FAST:  # the fast path counted the inner loop's repeats itself (6 of 10 blocks an
        # iteration, less the loop's entry and exit: a slot is armed for one previous block)
        hook_calls, blocks = calls
        assert blocks >= 3000 and hook_calls < blocks * 2 // 3


@pytest.mark.parametrize("step", [1, 7, 50, 999])
def test_budget_stops_land_on_the_same_instruction(step):
    (fast, _), (plain, _) = stepped_run(True, budget=step), stepped_run(False, budget=step)
    assert fast == plain
    assert len(fast[0]) > 3  # it did stop on the way
    assert {reason for *_, reason in fast[0][:-1]} == {"budget"}


@pytest.mark.parametrize("step", [1, 13, 200, 4001])
def test_deadline_stops_land_on_the_same_instruction(step):
    (fast, _), (plain, _) = stepped_run(True, deadline=step), stepped_run(False, deadline=step)
    assert fast == plain
    assert len(fast[0]) > 3
    assert {reason for *_, reason in fast[0][:-1]} == {"deadline"}


def test_stop_before_block_from_describe_is_honoured():
    # a deadline set to the current cycles from inside the hook stops before the block
    for fast in (True, False):
        uc = engine(LOOP)
        c = counter(uc, fast)
        c.set_deadline(None)
        uc.emu_start(FLASH | 1, LOOP_END)
        c.stop_before_block()
        uc.emu_start(FLASH | 1, LOOP_END)
        assert c.stop_reason == "deadline" and uc.reg_read(UC_ARM_REG_PC) == FLASH
        c.close()


def _retime(c: Counter, i: int) -> None:
    # every 3rd stop: reset the caches, every 5th a new associativity, penalties each time
    c.set_flash_timing(imiss=5 + i % 3, iprefetch=1, prefetch=bool(i % 2), dmiss=4, dprefetch=1,
                       icache_reset=i % 3 == 0, cache_ways=(1 if i % 10 == 5 else 2) if i % 5 == 0
                       else None)


def test_cache_reset_and_new_geometry_mid_run_give_the_same_counts():
    (fast, _), (plain, _) = (stepped_run(True, budget=333, between=_retime),
                             stepped_run(False, budget=333, between=_retime))
    assert fast == plain


def test_learned_data_cache_freeze_mid_run_gives_the_same_counts():
    def freeze(c, i):
        if i == 2:
            assert c.freeze_data_model()
    (fast, _), (plain, _) = (stepped_run(True, budget=500, between=freeze, dcache=DCACHE),
                             stepped_run(False, budget=500, between=freeze, dcache=DCACHE))
    assert fast == plain


def test_self_modifying_code_is_retranslated_and_counted_alike():
    out = []
    for fast in (True, False):
        uc = engine(SMC)
        c = counter(uc, fast)
        uc.reg_write(UC_ARM_REG_R4, SRAM)
        uc.reg_write(UC_ARM_REG_R5, SRAM | 1)
        uc.reg_write(UC_ARM_REG_R6, RESULT)
        uc.emu_start(FLASH | 1, FLASH + len(SMC) - 2)
        results = (int.from_bytes(uc.mem_read(RESULT, 4), "little"),
                   int.from_bytes(uc.mem_read(RESULT + 4, 4), "little"))
        out.append((results, state(c)))
        c.close()
    assert out[0] == out[1]
    assert out[0][0] == (5, 7)


def two_runs(fast: bool, between):
    """The loop for 2,000 instructions, `between(uc, counter)`, then to its end; the final
    state and what `between` returned."""
    uc = engine(LOOP)
    c = counter(uc, fast)
    c.set_budget(2000)
    uc.emu_start(FLASH | 1, LOOP_END)  # the loop's blocks are translated (and armed)
    got = between(uc, c)
    c.set_budget(None)
    uc.emu_start(uc.reg_read(UC_ARM_REG_PC) | 1, LOOP_END)
    out = state(c), got() if callable(got) else got
    c.close()
    return out


@needs_fast
def test_a_block_hook_added_later_still_fires_and_counts_stay_exact():
    def add_hook(uc, c):
        seen, before = [], c.blocks_executed
        uc.hook_add(UC_HOOK_BLOCK, lambda _uc, addr, size, _d: seen.append((addr, size)))
        return lambda: (len(seen), c.blocks_executed - before)
    (fast_state, (fast_seen, fast_blocks)), (plain_state, (plain_seen, _)) = (
        two_runs(True, add_hook), two_runs(False, add_hook))
    assert fast_state == plain_state
    # with the fast path every block after the add reaches the new hook: adding it retranslates
    # the blocks that had the fast path. The plain inline hook keeps the stock engine's gap
    # (unicorn #2200: blocks translated before the add never call the new hook).
    assert fast_seen == fast_blocks > 2000
    assert plain_seen <= fast_seen


@needs_fast
def test_the_fast_path_is_rearmed_after_a_translation_flush():
    def flush(uc, c):
        uc.ctl_flush_tb()  # every slot goes with its block
        return lambda: (c.block_hook_calls, c.blocks_executed)
    (fast_state, (calls, blocks)), (plain_state, _) = two_runs(True, flush), two_runs(False, flush)
    assert fast_state == plain_state
    assert calls < blocks * 2 // 3  # re-armed (as in test_whole_run_counts_identical)


# start: movw r3, #1000 ; loop: ldr.w r1, [r4], #32 ; adds r0, r0, r1 ; subs r3, #1 ; bne loop ;
# bkpt #0. Every load is a new 16-byte line two lines on: a D-cache miss each time, so the
# learned model's rate for the loop is exactly one miss per execution (a whole rate).
STRIDE = bytes.fromhex("40f2e83354f8201b4018013bfad100be")


def learned_stride_runs(code: bytes, dcache: CacheGeometry, learn: int, check_rates):
    """`code` learned for `learn` instructions, frozen (`check_rates(rates of the loop block)`),
    then run to its end; with the fast path and with the plain hook: (counts and tables, hook
    calls after the freeze, blocks executed) of each."""
    runs = []
    for fast in (True, False):
        uc = engine(code)
        uc.reg_write(UC_ARM_REG_R4, FLASH + 0x1000)
        c = counter(uc, fast, dcache=dcache)
        c.set_budget(learn)
        uc.emu_start(FLASH | 1, FLASH + len(code) - 2)
        assert c.stop_reason == "budget" and c.freeze_data_model()
        check_rates(c.data_rates()[c.blocks()["addr"] == FLASH + 4][0])
        calls = c.block_hook_calls
        c.set_budget(None)
        uc.emu_start(uc.reg_read(UC_ARM_REG_PC) | 1, FLASH + len(code) - 2)
        runs.append((state(c), c.block_hook_calls - calls, c.blocks_executed))
        c.close()
    return runs


def test_learned_whole_rate_blocks_run_inline_with_the_same_counts():
    def one_miss(rates):
        assert rates[0] == 1 << 16
    (fast_state, fast_calls, blocks), (plain_state, _, _) = learned_stride_runs(STRIDE, DCACHE, 400,
                                                                              one_miss)
    assert fast_state == plain_state
    if HAS_FAST:
        assert blocks > 900 and fast_calls < 10


# STRIDE with 12-byte steps (ldr.w r1, [r4], #12): three new lines in four loads, so the learned
# rate has a fraction the blocks carry from one run to the next (the slot's fixed-point terms).
STRIDE12 = STRIDE.replace(bytes.fromhex("54f8201b"), bytes.fromhex("54f80c1b"))
PREFETCHING_DCACHE = CacheGeometry(line_bytes=16, lines=4, miss_penalty=4, prefetch=True,
                                   prefetch_penalty=1)


@pytest.mark.parametrize("dcache", [DCACHE, PREFETCHING_DCACHE], ids=["misses", "prefetches"])
def test_learned_fractional_rate_blocks_run_inline_with_the_same_counts(dcache):
    def a_fraction(rates):
        assert any(r % (1 << 16) for r in rates[:2]), rates  # a miss or prefetch fraction
    # 403: 100 loop runs and a bit, so the rates are not whole
    (fast_state, fast_calls, blocks), (plain_state, _, _) = learned_stride_runs(STRIDE12, dcache, 403,
                                                                              a_fraction)
    assert fast_state == plain_state
    if HAS_FAST:
        assert blocks > 900 and fast_calls < 10


# 500 x smlad r0, r1, r2, r0 then bkpt #0: 2,000 bytes of straight-line code over two 1 KiB
# pages, which TCG cuts into blocks at its op limit (4,000 ops) besides the page boundary.
LONG = bytes.fromhex("21fb0200") * 500 + bytes.fromhex("00be")


def long_run_blocks(fast: bool):
    """The (address, size) of LONG's blocks after one exact run, and after two more with the
    D-cache model frozen (the slots' terms on); the learned phase's unlearned executions; cycles."""
    uc = engine(LONG)
    c = Counter(uc, describe, flash_ranges=[(FLASH, FLASH + SIZE)], icache=ICACHE, dcache=DCACHE,
                count_data=False, inline_fast=fast)
    end = FLASH + len(LONG) - 2

    def table():
        b = c.blocks()
        return sorted(zip(b["addr"].tolist(), b["size"].tolist()))
    uc.emu_start(FLASH | 1, end)
    before = table()
    assert c.freeze_data_model()
    for _ in range(2):
        c.clear_stop()
        c.set_deadline(None)
        uc.emu_start(FLASH | 1, end)
    out = before, table(), c.unlearned_block_executions, c.cycles
    c.close()
    return out


def test_a_long_block_is_cut_at_the_same_instruction_however_it_is_hooked():
    """Where TCG cuts a long straight-line run must not depend on the block hook's own code
    (Unicorn patch 0013): the counter keys blocks by address and size, and a block first seen
    after the freeze has no learned rate. Before 0013 the fast path's code cut this run 3
    instructions earlier than the plain hook's, and the slots' terms, emitted after the freeze
    only, cut it earlier again (a U385 KWS window in `tinysim validate` lost 2 us that way)."""
    fast, plain = long_run_blocks(True), long_run_blocks(False)
    assert fast == plain
    before, after, unlearned, _ = fast
    first_page = [size for addr, size in before if addr < FLASH + 0x400]
    assert len(first_page) > 1 and sum(first_page) == 0x400  # cut inside the page
    assert set(after) - set(before) == {(FLASH + len(LONG) - 2, 2)}  # the bkpt alone
    assert unlearned == 0


# A branchy walk over 13 I-cache lines of 16 bytes, more than the caches below hold, so what a
# miss evicts depends on the LRU order the blocks before it left. 600 times: a xorshift step on
# r5 picks one of four loops by its low bits (f0 one block over three lines, f1 with an `if`
# inside, f2 over two lines, f3 calling fn on its own line) and their trip count by bits 8-10.
# start: movw r3, #600 ; movs r5, #1
# outer: lsls r6, r5, #13 ; eors r5, r6 ; lsrs r6, r5, #17 ; eors r5, r6 ; lsls r6, r5, #5 ;
#        eors r5, r6 ; and r7, r5, #3 ; lsr r2, r5, #8 ; and r2, r2, #7 ; adds r2, #1 ;
#        cmp r7, #1 ; beq f1 ; cmp r7, #2 ; beq f2 ; cmp r7, #3 ; beq f3
# f0 (0x2c): adds r0, r0, r2 ; 7 x nop ; eors r0, r0, r5 ; subs r2, #1 ; bne f0 ; b join
# f1 (0x50): adds r0, #3 ; tst r2, #1 ; beq 1f ; 5 x nop ; 1: rors r0, r0, r2 ; 4 x nop ;
#            subs r2, #1 ; bne f1 ; b join
# f2 (0x80): subs r0, r0, r2 ; 12 x nop ; subs r2, #1 ; bne f2 ; b join
# f3 (0xa0): bl fn ; subs r2, #1 ; bne f3
# join (0xa8): subs r3, #1 ; bne outer ; bkpt #0
# fn (0xb0): adds r0, #7 ; 8 x nop ; eors r0, r0, r2 ; bx lr
# (each routine .balign 16, padded with nops; arm-none-eabi-as -mcpu=cortex-m4 -mthumb)
WALK = bytes.fromhex(
    "40f2582301256e0375406e0c75406e01754005f003074fea152202f007020132012f15d0022f2bd0032f39d0"
    "801800bf00bf00bf00bf00bf00bf00bf6840013af4d131e0aff30080aff30080aff30080033012f0010f04d0"
    "00bf00bf00bf00bf00bfd04100bf00bf00bf00bf013aefd11ae000bfaff30080aff30080aff30080801a00bf"
    "00bf00bf00bf00bf00bf00bf00bf00bf00bf00bf00bf013af0d103e000f006f8013afbd1013bacd100be00bf"
    "073000bf00bf00bf00bf00bf00bf00bf00bf5040704700bf")
WALK_END = FLASH + 0xac
FULLY_ASSOCIATIVE = CacheGeometry(line_bytes=16, lines=8, ways=8, miss_penalty=5, prefetch=True,
                                  prefetch_penalty=1)
HOLDS_ALL = CacheGeometry(line_bytes=16, lines=16, ways=16, miss_penalty=5)  # WALK fits


def walk_run(fast: bool, icache: CacheGeometry, budget=None, between=None, code=WALK, end=WALK_END):
    """WALK (or `code`) to its end (in runs of `budget` instructions, `between(counter, i)` at each
    stop); the stops, the final counts and tables, r0, and (hook calls, blocks executed, walks of
    the I-cache order that did not add up)."""
    uc = engine(code)
    c = Counter(uc, describe, flash_ranges=[(FLASH, FLASH + SIZE)], icache=icache,
                count_data=False, inline_fast=fast)
    stops, pc = [], FLASH | 1
    for i in range(100_000):
        if budget:
            c.set_budget(c.instructions + budget)
        uc.emu_start(pc, end)
        pc = uc.reg_read(UC_ARM_REG_PC) | 1
        stops.append((pc, c.instructions, c.cycles, c.stop_reason))
        if c.stop_reason is None:
            break
        if between:
            between(c, i)
    out = stops, state(c), uc.reg_read(UC_ARM_REG_R0)
    calls = c.block_hook_calls, c.blocks_executed, c.settle_errors
    c.close()
    return out, calls


@pytest.mark.parametrize("icache", [ICACHE, FULLY_ASSOCIATIVE, HOLDS_ALL],
                         ids=["2-way", "fully-associative", "holds-all"])
@pytest.mark.parametrize("how", ["whole", "budget", "transfers", "retimed"])
def test_lru_order_left_by_inline_blocks_is_restored(icache, how):
    """Blocks in the I-cache model run inline while their lines are resident and touch no cache
    state; the LRU order their fetches would have left is restored from the path they ran
    (native fetch_settle) before the hook, an exception entry (note_transfer) or a re-timing
    reads the cache. Misses, evictions, prefetch hits and every count match the plain hook's
    (49-59 % of the blocks run inline in the small caches, 91 % in the one that holds all)."""
    between = {"whole": None, "budget": None,
               "transfers": lambda c, i: c.note_transfer(),
               "retimed": _retime}[how]
    budget = None if how == "whole" else 97
    (fast, (calls, blocks, errors)), (plain, _) = (walk_run(True, icache, budget, between),
                                                   walk_run(False, icache, budget, between))
    assert fast == plain
    assert errors == 0
    hits, misses, prefetch_hits = fast[1][4]
    if icache is HOLDS_ALL:
        assert how == "retimed" or misses + prefetch_hits == 13  # each line once
        if HAS_FAST and how == "whole":  # blocks over several lines, after any predecessor
            # (4,356 of 7,089 blocks called the hook when only one-line blocks ran inline; with
            # one way per slot `join` and the loops' heads, which have several predecessors,
            # called it at each change of predecessor; with two ways 658 do)
            assert blocks > 5000 and calls < blocks // 8
    else:
        assert misses + prefetch_hits > 500  # the LRU order decided hundreds of evictions


# A join entered from four paths: 3,000 times a xorshift step on r5 picks one of four one-line
# paths by its low bits, and each path branches to `join`. The eight lines of code do not fit the
# seven-line cache, so on each miss the LRU order among the resident paths decides which goes.
# start: movw r3, #3000 ; movs r5, #1
# outer: (xorshift on r5 as in WALK) ; and r7, r5, #3 ; cmp r7, #1 ; beq pb ; cmp r7, #2 ;
#        beq pc ; cmp r7, #3 ; beq pd ; b pa
# pa (0x30), pb (0x40), pc (0x50), pd (0x60): adds r0, #1..4 ; 5 x nop ; b join
# join (0x70): eors r0, r0, r5 ; subs r3, #1 ; bne outer ; bkpt #0
# (each path .balign 16; arm-none-eabi-as -mcpu=cortex-m4 -mthumb)
JOIN = bytes.fromhex(
    "40f6b83301256e0375406e0c75406e01754005f00307012f12d0022f18d0032f1ed005e0aff30080aff30080"
    "aff30080013000bf00bf00bf00bf00bf18e000bf023000bf00bf00bf00bf00bf10e000bf033000bf00bf00bf"
    "00bf00bf08e000bf043000bf00bf00bf00bf00bf00e000bf6840013bc7d100be")
JOIN_END = FLASH + 0x76
SEVEN_LINES = CacheGeometry(line_bytes=16, lines=7, ways=7, miss_penalty=5, prefetch=True,
                            prefetch_penalty=1)


def test_a_join_after_several_paths_leaves_the_lru_order_of_each_run():
    """`join` runs inline after whichever path came before it (the slot's two ways; a third
    predecessor re-arms one), many times between two hook calls. The I-cache order is restored
    from the log of every inline run: a walk back from the last block through each block's last
    predecessor, stopping where it meets a block again, missed the paths run before the last
    round (3 misses of 558 differ), which this run catches."""
    (fast, (calls, blocks, errors)), (plain, _) = (walk_run(True, SEVEN_LINES, code=JOIN, end=JOIN_END),
                                                   walk_run(False, SEVEN_LINES, code=JOIN, end=JOIN_END))
    assert fast == plain
    assert errors == 0
    hits, misses, prefetch_hits = fast[1][4]
    assert misses + prefetch_hits > 500
    if HAS_FAST:
        assert blocks > 13_000 and calls < blocks // 2


WALK_OUTER = FLASH + 0x06  # outer: the loop's head, entered from join alone (600 times)


def walk_frozen_from_a_hook(fast: bool):
    """WALK with a D-cache model frozen from inside the run at the 200th outer loop (as the
    peripheral host freezes on a firmware timestamp: the retranslation waits for the run to
    end), stopped by `emu_stop` at the 260th (as on a WFI), resumed to the end. The loop's head
    runs inline (one predecessor), so the stop can come after inline runs the hook has not seen
    (at the 260th, six)."""
    uc = engine(WALK)
    c = Counter(uc, describe, flash_ranges=[(FLASH, FLASH + SIZE)], icache=ICACHE, dcache=DCACHE,
                count_data=False, inline_fast=fast)
    heads = []

    def at_head(uc, address, size, data):
        heads.append(address)
        if len(heads) == 200:
            assert c.freeze_data_model() and c.retranslation_pending
        elif len(heads) == 260:
            uc.emu_stop()
    uc.hook_add(UC_HOOK_CODE, at_head, begin=WALK_OUTER, end=WALK_OUTER)
    uc.emu_start(FLASH | 1, WALK_END)
    stop = (uc.reg_read(UC_ARM_REG_PC), c.instructions, c.cycles, c.retranslation_pending)
    c.clear_stop()  # the retranslation happens here
    c.set_deadline(None)
    uc.emu_start(uc.reg_read(UC_ARM_REG_PC) | 1, WALK_END)
    out = stop, state(c), uc.reg_read(UC_ARM_REG_R0), uc.reg_read(UC_ARM_REG_PC)
    errors = c.settle_errors
    c.close()
    return out, errors


def test_a_freeze_from_inside_a_run_leaves_the_lru_order_of_the_runs_before_the_stop():
    """A freeze made inside a run takes effect when the run has ended: the counter registers
    the fast path again, with the slots' fixed-point terms, which ends the slots' epoch. A run
    stopped by `emu_stop` can end with blocks run inline since the hook last ran: their I-cache
    order must be restored before that (fetch_settle checks their epoch). A version that ended
    the epoch first counted a settle error here, while the tests above, which only stop through
    the hook, passed."""
    (fast, errors), (plain, _) = walk_frozen_from_a_hook(True), walk_frozen_from_a_hook(False)
    assert fast[0][3] and fast[0][0] == WALK_OUTER  # stopped at the head, freeze pending
    assert fast[3] == WALK_END
    assert fast == plain
    assert errors == 0


IMAGES = Path(__file__).resolve().parents[2] / "firmware_images" / "nucleo-l4r5zi"


def inferences(elf: Path, fast: bool, freeze: bool, n: int = 2):
    """(instructions, cycles, blocks) of n calls of the image's th_infer in one session
    (tinysim/pipeline/direct_infer.py, as bench/inference_speed.py makes them), and the hook
    calls of the last. With freeze, the D-cache model is frozen after the first (as `bench`
    does after its first window): the later ones charge the learned rates."""
    s = boot_to_idle(elf, "nucleo-l4r5zi", counter_overrides={"inline_fast": fast})
    halt = halt_address(s)
    runs = []
    for i in range(n):
        calls = s.counter.block_hook_calls
        r = call_th_infer(s, halt, max_instructions=100_000_000)
        runs.append((r.instructions, r.cycles, r.blocks))
        if freeze and i == 0:
            assert s.counter.freeze_data_model()
    assert s.counter.settle_errors == 0
    return runs, s.counter.block_hook_calls - calls


@pytest.mark.parametrize("model", ["exact", "learned"])
@pytest.mark.parametrize("workload", ["kws01", "vww01", "ic01", "ad01"])
def test_benchmark_inferences_count_alike_inline_and_not(workload, model):
    """Each benchmark image's inference, twice (the second from the caches the first left), with
    the fast path and with the plain hook: the same instructions, cycles and blocks. A walk of
    the inline runs that missed older paths changed kws01's cycles by 3,545 here while the tests
    above passed. "learned": the second inference with the D-cache model frozen after the first,
    so blocks with fractional rates carry them in their slots."""
    freeze = model == "learned"
    fast, calls = inferences(IMAGES / f"{workload}.elf", True, freeze)
    plain, _ = inferences(IMAGES / f"{workload}.elf", False, freeze)
    assert fast == plain
    if HAS_FAST:
        assert calls < fast[-1][2] // 5  # most blocks count themselves
