"""Native counter (tinysim/emu/counter/ + native/counter_*.c) on real Unicorn Cortex-M4 runs.

The basic program is hand-encoded Thumb so these tests need no cross toolchain:

    0x00  movs r0, #0
    0x02  movs r1, #N        trip count
    0x04  adds r0, #1        <- loop
    0x06  ldr  r2, [r3]
    0x08  str  r2, [r3, #4]
    0x0a  subs r1, #1
    0x0c  bne  0x04
    0x0e  movs r4, #7
    0x10  b    .             <- `until` address

Unicorn translates it as blocks [0x0, 0xe) (7 insns, first iteration), [0x4, 0xe) (5 insns,
the other N-1 iterations) and [0xe, 0x10) (1 insn). Tests marked `toolchain` assemble or
compile real code with arm-none-eabi-gcc.
"""

from __future__ import annotations

import subprocess

import pytest
from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_MODE_THUMB, Uc
from unicorn.arm_const import (UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R3, UC_ARM_REG_R4,
                               UC_ARM_REG_SP,
                               UC_CPU_ARM_CORTEX_M4)

from tinysim.emu.counter import (STOP_BUDGET, STOP_DEADLINE, STOP_DESCRIBE_ERROR,
                                 STOP_STACK_OVERFLOW, RATE_ONE, CacheGeometry, Counter,
                                 Snapshot)
from tinysim.errors import TinysimError

FLASH, SRAM = 0x08000000, 0x20000000
MEM_SIZE = 0x10000
TAKEN_EXTRA = 2  # arbitrary per-test cost numbers: the counter must only add them up right


def loop_program(trips: int) -> bytes:
    assert 2 <= trips <= 255
    return bytes([0x00, 0x20, trips, 0x21, 0x01, 0x30, 0x1A, 0x68, 0x5A, 0x60, 0x01, 0x39,
                  0xFA, 0xD1, 0x07, 0x24, 0xFE, 0xE7])


UNTIL = FLASH + 0x10
B_FIRST, B_LOOP, B_EXIT = (FLASH, 14), (FLASH + 4, 10), (FLASH + 14, 2)


class Describer:
    """Real instruction counts from capstone; cycles = 2 per instruction (distinct from insns)."""

    def __init__(self, uc):
        self.uc = uc
        self.cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)
        self.calls = []

    def __call__(self, addr, size):
        self.calls.append((addr, size))
        n = sum(1 for _ in self.cs.disasm_lite(bytes(self.uc.mem_read(addr, size)), addr))
        return n, 2 * n, TAKEN_EXTRA


def engine(code: bytes, r3: int = SRAM + 0x100) -> Uc:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)  # not UC_MODE_MCLASS: that gives a Cortex-M33
    uc.mem_map(FLASH, MEM_SIZE)
    uc.mem_map(SRAM, MEM_SIZE)
    uc.mem_write(FLASH, code)
    uc.mem_write(SRAM + 0x100, (0x11223344).to_bytes(4, "little"))
    uc.reg_write(UC_ARM_REG_R3, r3)
    uc.reg_write(UC_ARM_REG_SP, SRAM + MEM_SIZE)
    return uc


def counted(trips=10, **kwargs):
    uc = engine(loop_program(trips), kwargs.pop("r3", SRAM + 0x100))
    describe = Describer(uc)
    return uc, describe, Counter(uc, describe, **kwargs)


def run(uc, start=FLASH, until=UNTIL):
    uc.emu_start(start | 1, until)


def block_rows(counter):
    return {(int(b["addr"]), int(b["size"])): b for b in counter.blocks()}


# ---- block and edge counts -----------------------------------------------------------------------

def test_loop_counts_are_exact():
    n = 10
    uc, describe, c = counted(n)
    run(uc)
    rows = block_rows(c)
    assert {k: int(r["count"]) for k, r in rows.items()} == {B_FIRST: 1, B_LOOP: n - 1, B_EXIT: 1}
    assert {k: int(r["n_insns"]) for k, r in rows.items()} == {B_FIRST: 7, B_LOOP: 5, B_EXIT: 1}
    assert c.instructions == 7 + 5 * (n - 1) + 1
    assert c.blocks_executed == n + 1
    assert sorted(describe.calls) == sorted([B_FIRST, B_LOOP, B_EXIT])  # once per block
    assert uc.reg_read(UC_ARM_REG_R0) == n

    ids = {(int(b["addr"]), int(b["size"])): i for i, b in enumerate(c.blocks())}
    edges = {(int(e["src"]), int(e["dst"])): (int(e["count"]), bool(e["taken"])) for e in c.edges()}
    assert edges == {(ids[B_FIRST], ids[B_LOOP]): (1, True),
                     (ids[B_LOOP], ids[B_LOOP]): (n - 2, True),
                     (ids[B_LOOP], ids[B_EXIT]): (1, False)}
    taken = sum(e["count"] for e in c.edges() if e["taken"])
    assert taken == n - 1
    assert c.cycles == 2 * c.instructions + TAKEN_EXTRA * taken
    assert c.stop_reason is None


def test_two_runs_are_bit_identical():
    results = []
    for _ in range(2):
        uc, _, c = counted(37, flash_ranges=[(FLASH, FLASH + MEM_SIZE)],
                           icache=CacheGeometry(line_bytes=8, lines=1, miss_penalty=3, prefetch=True,
                                                prefetch_penalty=1),
                           regions=[("sram", SRAM, SRAM + MEM_SIZE)], count_data=True)
        run(uc)
        s = c.snapshot()
        results.append(s)
    a, b = results
    assert (a.instructions, a.cycles, a.icache) == (b.instructions, b.cycles, b.icache)
    for field in ("blocks", "edges", "regions"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes()


def test_note_transfer_suppresses_the_edge():
    for note in (False, True):
        uc, _, c = counted(3)
        run(uc)
        if note:
            c.note_transfer()  # e.g. an exception entry: not a branch of the last block
        run(uc)  # again from the start, as a host-forced jump would
        rows = block_rows(c)
        ids = {k: i for i, k in enumerate(rows)}
        back = [e for e in c.edges() if e["src"] == ids[B_EXIT] and e["dst"] == ids[B_FIRST]]
        assert rows[B_FIRST]["count"] == 2
        if note:
            assert back == []
        else:
            assert len(back) == 1 and back[0]["taken"] and back[0]["count"] == 1


# ---- budget and deadline -------------------------------------------------------------------------

def test_budget_stops_before_the_block_that_reaches_it_and_resume_is_seamless():
    full_uc, _, full = counted(10)
    run(full_uc)

    uc, _, c = counted(10)
    c.set_budget(20)
    run(uc)
    # block totals: 7, 12, 17, 22 -> at the entry of the 4th block instructions=17 < 20, it runs;
    # at the 5th entry 22 >= 20: stop there, that block not executed
    assert c.stop_reason == STOP_BUDGET
    assert c.instructions == 22
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 4 == c.stop_pc
    assert uc.reg_read(UC_ARM_REG_R0) == 4  # adds ran once per executed block
    c.set_budget(None)
    assert c.stop_reason is None
    run(uc, start=uc.reg_read(UC_ARM_REG_PC))
    assert c.instructions == full.instructions and c.cycles == full.cycles
    assert c.blocks().tobytes() == full.blocks().tobytes()
    assert c.edges().tobytes() == full.edges().tobytes()


def test_deadline_stops_at_the_first_block_entry_past_it():
    uc, _, c = counted(10)
    c.set_deadline(30)
    run(uc)
    # cycles: first block 14; loop block entries +2 (taken) +10 -> 26, 38; next entry 40 >= 30.
    # The taken branch into the stopped block is charged (it happened), the block is not.
    assert c.stop_reason == STOP_DEADLINE
    assert (c.cycles, c.instructions) == (40, 17)
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 4
    c.add_cycles(5)  # e.g. an exception entry charged by the machine
    c.set_deadline(0)
    run(uc, start=uc.reg_read(UC_ARM_REG_PC))
    assert c.instructions == 53
    assert c.cycles == 2 * 53 + TAKEN_EXTRA * 9 + 5


# ---- instruction cache ---------------------------------------------------------------------------

def icache_run(n, **geom):
    uc, _, c = counted(n, flash_ranges=[(FLASH, FLASH + MEM_SIZE)], icache=CacheGeometry(**geom))
    run(uc)
    return c


def test_icache_loop_that_fits_misses_only_cold():
    n = 20
    c = icache_run(n, line_bytes=8, lines=2, miss_penalty=7)
    b = c.blocks()
    assert int(b["imiss"].sum()) == 2  # lines 0x0 and 0x8, once each
    assert c.cycles == 2 * c.instructions + TAKEN_EXTRA * (n - 1) + 2 * 7
    assert c.cache_stats()["icache"] == {"hits": 2 * n + 1 - 2, "misses": 2, "prefetch_hits": 0}


def test_icache_loop_that_does_not_fit_thrashes():
    n = 20
    c = icache_run(n, line_bytes=8, lines=1, miss_penalty=7)
    rows = block_rows(c)
    # one line for a two-line loop: both lines miss on every execution; the exit block's line
    # was the one fetched last, so it hits
    assert {k: int(r["imiss"]) for k, r in rows.items()} == {B_FIRST: 2, B_LOOP: 2 * (n - 1), B_EXIT: 0}
    assert c.cycles == 2 * c.instructions + TAKEN_EXTRA * (n - 1) + 2 * n * 7


def test_icache_sequential_prefetch():
    n = 20
    c = icache_run(n, line_bytes=8, lines=1, miss_penalty=7, prefetch=True, prefetch_penalty=1)
    rows = block_rows(c)
    # per execution: line 0x0 misses (it follows line 0x8, not sequential), 0x8 is prefetched
    assert {k: int(r["imiss"]) for k, r in rows.items()} == {B_FIRST: 1, B_LOOP: n - 1, B_EXIT: 0}
    assert {k: int(r["iprefetch"]) for k, r in rows.items()} == {B_FIRST: 1, B_LOOP: n - 1, B_EXIT: 0}
    assert c.cycles == 2 * c.instructions + TAKEN_EXTRA * (n - 1) + n * 7 + n * 1


def test_set_associative_geometry_and_bad_geometry():
    c = icache_run(5, line_bytes=8, lines=4, ways=2, miss_penalty=1)  # 2 sets x 2 ways
    assert int(c.blocks()["imiss"].sum()) == 2
    uc = engine(loop_program(3))
    for bad, field in ((dict(line_bytes=12, lines=4, miss_penalty=1), "line_bytes"),
                       (dict(line_bytes=8, lines=6, ways=4, miss_penalty=1), "lines=6"),
                       (dict(line_bytes=8, lines=4, miss_penalty=1, colour=1), "colour")):
        with pytest.raises(TinysimError, match=field):
            Counter(uc, Describer(uc), flash_ranges=[(FLASH, FLASH + MEM_SIZE)], icache=bad)
    with pytest.raises(TinysimError, match="flash_ranges"):
        Counter(uc, Describer(uc), icache=dict(line_bytes=8, lines=4, miss_penalty=1))


# ---- data regions, D-cache, stack guard ----------------------------------------------------------

def test_region_counts_and_dcache():
    n = 12
    # r3 in flash: the loop reads [r3] (flash) and writes [r3+4] (still flash: map is RWX here)
    uc, _, c = counted(n, r3=FLASH + 0x400, flash_ranges=[(FLASH, FLASH + MEM_SIZE)],
                       dcache=dict(line_bytes=16, lines=2, miss_penalty=4),
                       regions=[("flash", FLASH, FLASH + MEM_SIZE, "flash"),
                                ("sram", SRAM, SRAM + MEM_SIZE, "sram")], count_data=True)
    run(uc)
    regions = {r["name"]: r for r in c.region_counts()}
    assert (regions["flash"]["reads"], regions["flash"]["writes"]) == (n, n)
    assert (regions["sram"]["reads"], regions["sram"]["writes"]) == (0, 0)
    assert regions["flash"]["kind"] == "flash" and regions["flash"]["dmiss"] == 1
    assert c.cache_stats()["dcache"] == {"hits": n - 1, "misses": 1, "prefetch_hits": 0}
    assert c.cycles == 2 * c.instructions + TAKEN_EXTRA * (n - 1) + 4


def test_region_counting_off_counts_nothing():
    uc, _, c = counted(5, regions=[("sram", SRAM, SRAM + MEM_SIZE)], count_data=False)
    run(uc)
    assert int(c.region_counts()["reads"][0]) == 0 and c.instructions == 28


@pytest.mark.parametrize("mode", ["protect", "hook"])
def test_stack_guard_stops_on_a_write_into_it(mode):
    guard = (SRAM + 0x800 - 0x10, SRAM + 0xC00 - 0x10)  # not page aligned, like a real limit
    target = SRAM + 0xA00  # inside the guard
    uc, _, c = counted(10, r3=target - 4, stack_guard=guard, stack_guard_mode=mode)
    uc.mem_write(target - 4, (0x55667788).to_bytes(4, "little"))
    run(uc)
    assert c.stack_guard_mode == mode
    assert c.stop_reason == STOP_STACK_OVERFLOW
    assert c.stop_address == target
    assert c.stop_pc == FLASH + 8  # the str
    if mode == "protect":  # the store is not performed
        assert bytes(uc.mem_read(target, 4)) == b"\0\0\0\0"


def test_protected_guard_lets_writes_above_it_through_and_restores_on_close():
    guard = (SRAM + 0x800 - 0x10, SRAM + 0xC00 - 0x10)
    above = guard[1]  # first stack byte: same 1 KiB page as the guard's top
    uc, _, c = counted(4, r3=above - 4, stack_guard=guard)
    uc.mem_write(above - 4, (0x55667788).to_bytes(4, "little"))
    run(uc)
    assert c.stop_reason is None and c.instructions == 7 + 5 * 3 + 1
    assert int.from_bytes(uc.mem_read(above, 4), "little") == 0x55667788
    c.close()
    perms = {b: p for b, _, p in uc.mem_regions()}
    assert all(p == 7 for p in perms.values())  # read-write-exec again


# ---- snapshots, errors, lifetime ---------------------------------------------------------------

def test_snapshot_difference_is_the_window():
    uc, _, c = counted(30)
    c.set_budget(60)
    run(uc)
    mid = c.snapshot()
    c.set_budget(0)
    run(uc, start=uc.reg_read(UC_ARM_REG_PC))
    end = c.snapshot()
    window = end - mid
    assert isinstance(window, Snapshot)
    assert window.instructions == end.instructions - mid.instructions > 0
    assert window.cycles == end.cycles - mid.cycles
    assert int(window.blocks["count"].sum()) == end.blocks_executed - mid.blocks_executed
    assert int((window.blocks["count"] * window.blocks["n_insns"]).sum()) == window.instructions
    with pytest.raises(ValueError):
        mid.blocks["count"][0] = 99  # snapshots are immutable
    with pytest.raises(TinysimError, match="do not match"):
        mid - end


def test_describe_failure_stops_and_is_raised():
    uc = engine(loop_program(5))

    def describe(addr, size):
        if addr == B_LOOP[0]:
            raise TinysimError(f"cannot cost block at {addr:#x}")
        return 1, 1, 0
    c = Counter(uc, describe)
    with pytest.raises(TinysimError, match="cannot cost block"):
        run(uc)
    assert c.stop_reason == STOP_DESCRIBE_ERROR

    c2 = Counter(engine(loop_program(5)), lambda a, s: "three")
    with pytest.raises(TinysimError, match="n_insns, cycles, taken_extra"):
        run(c2._uc)


def test_close_is_idempotent_and_later_use_is_an_error():
    uc, _, c = counted(3)
    run(uc)
    c.close()
    c.close()
    with pytest.raises(TinysimError, match="closed"):
        c.instructions
    run(uc)  # the engine still runs without the hooks


# ---- real compiled code (toolchain) ------------------------------------------------------------

LINKER_SCRIPT = f"""
ENTRY(_start)
SECTIONS {{
    . = {FLASH:#x};
    .text : {{ KEEP(*(.text.start)) *(.text*) *(.rodata*) }}
    /DISCARD/ : {{ *(.data*) *(.bss*) *(.comment) *(.ARM.attributes) }}
}}
"""


def _build(tmp_path, source: str, suffix: str) -> bytes:
    """Flash-only image at FLASH with _start first (data lives at fixed SRAM addresses)."""
    src = tmp_path / f"prog.{suffix}"
    src.write_text(source)
    ld = tmp_path / "prog.ld"
    ld.write_text(LINKER_SCRIPT)
    elf, binf = tmp_path / "prog.elf", tmp_path / "prog.bin"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-ffreestanding",
                    "-nostdlib", "-T", str(ld), str(src), "-o", str(elf)], check=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(elf), str(binf)], check=True)
    return binf.read_bytes()


@pytest.mark.toolchain
def test_instruction_total_matches_a_per_instruction_hook(tmp_path):
    # Branch-free body on purpose: UC_HOOK_CODE skips condition-failed instructions of an IT
    # block, while the counter counts them, as the core spends cycles on them.
    code = _build(tmp_path, r"""
        __attribute__((naked, section(".text.start"))) void _start(void)
        { __asm__ volatile("bl work\n1: b 1b\n"); }
        #define buf ((volatile unsigned char *)0x20000200)
        unsigned work(void) {
            unsigned h = 5381;
            for (int i = 0; i < 300; i++) {
                buf[i & 63] = (unsigned char)(h >> 3);
                h = (h * 33) ^ buf[(i * 7) & 63];
                h += (h >> 7) & (unsigned)i;
            }
            return h;
        }""", "c")
    halt = FLASH + 4
    ref = engine(code)
    steps = [0]
    ref.hook_add(UC_HOOK_CODE, lambda *a: steps.__setitem__(0, steps[0] + 1))
    ref.emu_start(FLASH | 1, halt)

    uc = engine(code)
    c = Counter(uc, Describer(uc), flash_ranges=[(FLASH, FLASH + MEM_SIZE)],
                icache=CacheGeometry(line_bytes=16, lines=8, miss_penalty=3))
    uc.emu_start(FLASH | 1, halt)
    assert c.instructions == steps[0] > 300 * 5
    assert uc.reg_read(UC_ARM_REG_R0) == ref.reg_read(UC_ARM_REG_R0)
    b = c.blocks()
    assert int((b["count"] * b["n_insns"]).sum()) == c.instructions


@pytest.mark.toolchain
def test_icache_real_loop_fits_or_thrashes(tmp_path):
    body_nops = 40  # 80-byte loop body: 5-6 lines of 16 bytes
    code = _build(tmp_path, f"""
        .syntax unified
        .thumb
        .section .text.start
        .global _start
        .thumb_func
    _start:
        movs r1, #50
        .balign 16
    loop:
        .rept {body_nops}
        nop
        .endr
        subs r1, #1
        bne loop
    halt:
        b halt
    """, "s")
    halt = FLASH + code.index(bytes([0xFE, 0xE7]))  # the `b halt`
    results = {}
    for lines in (8, 4):
        uc = engine(code)
        c = Counter(uc, Describer(uc), flash_ranges=[(FLASH, FLASH + MEM_SIZE)],
                    icache=CacheGeometry(line_bytes=16, lines=lines, miss_penalty=5))
        uc.emu_start(FLASH | 1, halt)
        results[lines] = int(c.blocks()["imiss"].sum())
    loop_lines = -(-(body_nops * 2 + 4) // 16)  # nops + subs + bne, 16-byte aligned start
    # fits: every line misses once (plus the entry line before the loop)
    assert results[8] <= loop_lines + 2
    # 4 lines for a 6-line loop under LRU: every line of every iteration misses
    assert results[4] >= 50 * loop_lines


def test_tables_grow_past_their_initial_capacity():
    # 3000 one-instruction blocks: `b.n` to the next halfword (0xe7ff) ends a block each time.
    # The native tables start at 1024 rows and must grow (realloc + rehash) without losing ids.
    n = 3000
    code = bytes([0xFF, 0xE7]) * n + bytes([0xFE, 0xE7])
    uc = engine(code)
    c = Counter(uc, lambda addr, size: (size // 2, 1, 5))
    halt = FLASH + 2 * n
    uc.emu_start(FLASH | 1, halt)
    first = c.blocks()
    assert len(first) == n and list(first["addr"]) == [FLASH + 2 * i for i in range(n)]
    assert set(first["count"]) == {1}
    edges = c.edges()
    assert len(edges) == n - 1 and not edges["taken"].any()  # each target is the fall-through
    assert c.cycles == n  # no taken penalties
    c.note_transfer()
    uc.emu_start(FLASH | 1, halt)  # second pass: every lookup must find the existing rows
    again = c.blocks()
    assert list(again["addr"]) == list(first["addr"]) and set(again["count"]) == {2}
    assert len(c.edges()) == n - 1 and set(c.edges()["count"]) == {2}


def test_budget_already_reached_runs_nothing():
    uc, _, c = counted(4)
    run(uc)
    before = c.snapshot()
    c.set_budget(c.instructions)
    run(uc)
    assert c.stop_reason == STOP_BUDGET
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH  # stopped before the first block
    after = c.snapshot()
    assert (after - before).instructions == 0 and (after - before).blocks_executed == 0


# ---- learned D-cache model (freeze_data_model) ---------------------------------------------------
#
# A loop that streams flash data, hand-encoded like loop_program:
#
#     0x00  movs r0, #0
#     0x02  movs r1, #N
#     0x04  ldr  r2, [r3]      <- loop: one flash word per iteration
#     0x06  adds r3, #4
#     0x08  adds r0, r0, r2
#     0x0a  subs r1, #1
#     0x0c  bne  0x04
#     0x0e  movs r4, #7
#     0x10  b    .
#
# With 16-byte lines the first of every four loads misses a small D-cache: a real, fractional
# per-execution miss rate (49 misses in the 199 executions of the loop block per run).

STREAM = FLASH + 0x400  # flash data the loop reads
STREAM_TRIPS = 200
DMISS_PENALTY = 5
STREAM_DCACHE = CacheGeometry(line_bytes=16, lines=2, miss_penalty=DMISS_PENALTY)


def stream_program(trips: int) -> bytes:
    assert 2 <= trips <= 255
    return bytes([0x00, 0x20, trips, 0x21, 0x1A, 0x68, 0x04, 0x33, 0x80, 0x18, 0x01, 0x39,
                  0xFA, 0xD1, 0x07, 0x24, 0xFE, 0xE7])


def stream_counter(**kwargs):
    uc = engine(stream_program(STREAM_TRIPS), r3=STREAM)
    uc.mem_write(STREAM, bytes(range(256)) * 4)
    kwargs.setdefault("count_data", False)
    c = Counter(uc, Describer(uc), flash_ranges=[(FLASH, FLASH + MEM_SIZE)], dcache=STREAM_DCACHE,
                regions=[("flash", FLASH, FLASH + MEM_SIZE, "flash")], **kwargs)
    return uc, c


def run_stream(uc, times=1):
    for _ in range(times):
        uc.reg_write(UC_ARM_REG_R3, STREAM)
        run(uc)


def dmiss_by_block(snap):
    return {(int(b["addr"]), int(b["size"])): int(b["dmiss"]) for b in snap.blocks}


def test_learned_rates_reproduce_the_exact_misses():
    runs = 3
    # control: the exact model all along
    uc, exact = stream_counter()
    run_stream(uc, runs)
    mid = exact.snapshot()
    run_stream(uc, runs)
    want = exact.snapshot() - mid
    assert want.dcache == (150 * runs, 50 * runs, 0)  # (hits, misses, prefetch hits)
    assert dmiss_by_block(want) == {B_FIRST: runs, B_LOOP: 49 * runs, B_EXIT: 0}

    uc, c = stream_counter()
    assert c.data_model_state == "exact"
    run_stream(uc, runs)
    assert c.freeze_data_model() is True
    assert c.data_model_state == "learned" and not c.retranslation_pending
    before = c.snapshot()
    run_stream(uc, runs)
    got = c.snapshot() - before

    ids = {(int(b["addr"]), int(b["size"])): i for i, b in enumerate(c.blocks())}
    rates = c.data_rates()
    loop_execs = (STREAM_TRIPS - 1) * runs
    # rates = events per execution of the exact phase, 16.16 fixed point, rounded
    assert list(rates[ids[B_FIRST]]) == [RATE_ONE, 0, 0]
    assert list(rates[ids[B_LOOP]]) == [round(49 * runs * RATE_ONE / loop_execs), 0,
                                        round(150 * runs * RATE_ONE / loop_execs)]
    assert list(rates[ids[B_EXIT]]) == [0, 0, 0]
    # learned counts: floor(executions x rate); within one event per block of the exact ones
    learned = dmiss_by_block(got)
    assert learned[B_FIRST] == runs and learned[B_EXIT] == 0
    assert learned[B_LOOP] == loop_execs * int(rates[ids[B_LOOP]][0]) // RATE_ONE
    assert abs(learned[B_LOOP] - 49 * runs) <= 1
    assert got.dcache[1] == sum(learned.values())
    assert int(got.regions["dmiss"][0]) == got.dcache[1]  # charged to the block's region
    # the penalties follow the learned misses; everything else is unchanged
    assert (got.instructions, got.blocks_executed) == (want.instructions, want.blocks_executed)
    assert got.cycles - want.cycles == DMISS_PENALTY * (got.dcache[1] - want.dcache[1])
    assert got.unlearned_block_executions == 0


def test_freeze_deletes_the_flash_read_hook():
    uc, c = stream_counter()
    hooks = len(c._hooks)
    run_stream(uc)
    assert c.freeze_data_model()
    assert len(c._hooks) == hooks - 1 and c._dcache_hooks == []
    # reads no longer reach the cache model: its exact-phase state stays as it was
    stats = c.cache_stats()["dcache"]
    before = (c._live().dcache.last_line, c._live().dcache.hits)
    run_stream(uc)
    assert (c._live().dcache.last_line, c._live().dcache.hits) == before
    assert c.cache_stats()["dcache"]["misses"] > stats["misses"]  # learned misses still come
    assert c.freeze_data_model() is False  # once only
    c.close()  # does not delete the freed hook again


def test_freeze_from_a_hook_mid_run_retranslates_after_the_run():
    uc, c = stream_counter()
    run_stream(uc)
    state = []

    def on_code(_uc, addr, _size, _user):
        if not state and c.instructions > 300:
            state.append((c.freeze_data_model(), c.retranslation_pending, c.data_model_state))
    uc.hook_add(UC_HOOK_CODE, on_code)
    uc.ctl_flush_tb()  # the new hook must see blocks translated before it
    run_stream(uc)
    # frozen at once; the speed-up needs the run to end first (unicorn unlinks deleted hooks
    # at the end of emu_start), then the next set_deadline/set_budget/clear_stop retranslates
    assert state == [(True, True, "learned")]
    assert c.retranslation_pending
    c.set_deadline(None)
    assert not c.retranslation_pending
    assert uc.reg_read(UC_ARM_REG_R4) == 7  # the run completed normally


def test_blocks_not_run_before_the_freeze_are_counted_as_unlearned():
    uc, c = stream_counter()
    c.set_budget(100)  # stop inside the loop: the exit block has not run yet
    uc.reg_write(UC_ARM_REG_R3, STREAM)
    run(uc)
    assert c.stop_reason == STOP_BUDGET
    c.freeze_data_model()
    c.set_budget(None)
    before = c.snapshot()
    run(uc, start=uc.reg_read(UC_ARM_REG_PC))
    assert uc.reg_read(UC_ARM_REG_R4) == 7
    window = c.snapshot() - before
    assert c.unlearned_block_executions == 1 == window.unlearned_block_executions  # B_EXIT
    ids = {(int(b["addr"]), int(b["size"])): i for i, b in enumerate(c.blocks())}
    assert list(c.data_rates()[ids[B_EXIT]]) == [0, 0, 0]


def test_learned_runs_are_bit_identical():
    results = []
    for _ in range(2):
        uc, c = stream_counter()
        run_stream(uc, 2)
        c.freeze_data_model()
        run_stream(uc, 3)
        results.append((c.snapshot(), c.data_rates()))
    (a, ra), (b, rb) = results
    assert (a.instructions, a.cycles, a.dcache, a.unlearned_block_executions) == \
        (b.instructions, b.cycles, b.dcache, b.unlearned_block_executions)
    for field in ("blocks", "edges", "regions"):
        assert getattr(a, field).tobytes() == getattr(b, field).tobytes()
    assert ra.tobytes() == rb.tobytes() and ra.any()


def test_freeze_is_a_no_op_without_an_exact_model():
    uc, _, c = counted(5)  # no D-cache
    assert c.data_model_state == "off" and c.freeze_data_model() is False
    uc, c = stream_counter(count_data=True)  # region counting keeps its global hooks
    run_stream(uc)
    assert c.freeze_data_model() is False and c.data_model_state == "exact"
    assert int(c.region_counts()["reads"][0]) == STREAM_TRIPS
