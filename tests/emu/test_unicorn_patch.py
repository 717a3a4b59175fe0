"""tinysim's Unicorn patches (third_party/unicorn/): what they must keep and what they change.

Runs small Thumb programs on Unicorn's Cortex-M4 directly. Most hold on the stock wheel too (they
guard what the patches must not break: self-modifying code, which accesses a hook sees, the Q
flag, where a stop from a hook or a count limit leaves the CPU, the PC a hook reads); the ones
skipped on an engine without them test what a patch changes: a behavioural effect of 0002, the
Thumb IT state after a memory hook (0008: they fail on the stock wheel and on 0001-0007), the
unsynced memory hook (0009). The region look-up 0010 remembers is checked on every engine. Their speed effect is measured in bench/store_cost.py and
bench/emu_speed.py, never asserted here.
"""

from __future__ import annotations

import ctypes
from importlib import metadata

import pytest
from unicorn import (UC_ARCH_ARM, UC_ERR_READ_PROT, UC_ERR_READ_UNMAPPED, UC_HOOK_BLOCK,
                     UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_UNMAPPED, UC_HOOK_MEM_WRITE,
                     UC_MODE_THUMB, UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_NONE, UC_PROT_READ,
                     UC_PROT_WRITE, Uc, UcError)
from unicorn.arm_const import (UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2,
                               UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6,
                               UC_ARM_REG_R7, UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10,
                               UC_ARM_REG_XPSR, UC_CPU_ARM_CORTEX_M4)

from tinysim.emu.counter.native import unicorn_lib
from tinysim.emu.engine_info import patch_level, stock_engine_note, unicorn_build

FLASH, SRAM, SIZE = 0x08000000, 0x20000000, 0x10000
RESULT = SRAM + 0x200  # on the code's page: data and code share it, as .data and .ramfunc may

# arm-none-eabi-as -mcpu=cortex-m4 -mthumb, then objcopy -O binary:
#   movs r1, #0 ; str.w r1, [r4, #0x100]      a data store to the page before code is there
#   movw r2, #0x2005 ; strh r2, [r4]          writes `movs r0, #5`
#   movw r2, #0x4770 ; strh r2, [r4, #2]      writes `bx lr`
#   blx r5 ; str r0, [r6]                     runs it (translated now): 5
#   movw r2, #0x2007 ; strh r2, [r4]          rewrites it to `movs r0, #7`
#   blx r5 ; str r0, [r6, #4]                 must run the new code: 7
#   bkpt #0
SMC = bytes.fromhex("0021c4f8001142f20502228044f270726280a847306042f207022280a847706000be")
# loop: ldr r1, [r0] ; str.w r1, [r0, #0x80] ; subs r3, #1 ; bne loop ; bkpt #0
HOOK_LOOP = bytes.fromhex("0168c0f88010013bfad100be")
#   smlad r0, r1, r2, r3 ; mrs r4, apsr        no signed overflow
#   smlad r5, r1, r2, r6 ; mrs r7, apsr        overflows: sets Q
#   smlabb r8, r1, r2, r3 ; mrs r9, apsr       no overflow: Q stays set (sticky)
#   bkpt #0
SMLAD_Q = bytes.fromhex("21fb0230eff3008421fb0265eff3008711fb0238eff3008900be")
Q = 1 << 27  # APSR.Q (ARMv7-M ARM, B1.4.2 "The special-purpose program status registers")


def engine(code: bytes) -> Uc:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, SIZE, UC_PROT_READ | UC_PROT_EXEC)
    uc.mem_map(SRAM, SIZE, UC_PROT_ALL)
    uc.mem_write(FLASH, code)
    return uc


def run(uc: Uc, code: bytes) -> None:
    uc.emu_start(FLASH | 1, FLASH + len(code) - 2)  # up to the bkpt


def run_smc(uc: Uc):
    uc.reg_write(UC_ARM_REG_R4, SRAM)
    uc.reg_write(UC_ARM_REG_R5, SRAM | 1)
    uc.reg_write(UC_ARM_REG_R6, RESULT)
    run(uc, SMC)
    return (int.from_bytes(uc.mem_read(RESULT, 4), "little"),
            int.from_bytes(uc.mem_read(RESULT + 4, 4), "little"))


def test_code_written_by_stores_runs_and_a_later_store_retranslates_it():
    # a store to the page first (the patched engine then lets stores to it skip the slow path),
    # code written there and run, then rewritten: the rewrite must drop the translation
    assert run_smc(engine(SMC)) == (5, 7)


def test_self_modifying_code_with_the_hooks_tinysim_registers():
    # tinysim's machine hooks unmapped accesses everywhere and the D-cache model reads over
    # flash; neither may stop a store from invalidating the code it overwrites
    uc = engine(SMC)
    uc.hook_add(UC_HOOK_MEM_UNMAPPED, lambda *_: False)
    reads = []
    uc.hook_add(UC_HOOK_MEM_READ, lambda _uc, _a, addr, *_: reads.append(addr) or None,
                begin=FLASH, end=FLASH + SIZE - 1)
    assert run_smc(uc) == (5, 7)
    assert reads == []  # the program reads no data from flash


def test_a_hook_over_part_of_a_page_sees_exactly_its_accesses():
    # the patched engine decides per page whether accesses take the slow path; the hook's own
    # range still decides which accesses it sees
    uc = engine(HOOK_LOOP)
    writes, reads = [], []
    uc.hook_add(UC_HOOK_MEM_WRITE, lambda _uc, _a, addr, *_: writes.append(addr),
                begin=SRAM + 0x80, end=SRAM + 0x83)
    uc.hook_add(UC_HOOK_MEM_READ, lambda _uc, _a, addr, *_: reads.append(addr),
                begin=SRAM + 0x1000, end=SRAM + 0x1003)  # another page: the loop never reads it
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 1000)
    run(uc, HOOK_LOOP)
    assert writes == [SRAM + 0x80] * 1000
    assert reads == []


def test_multiply_accumulate_sets_the_sticky_q_flag_on_signed_overflow():
    # the patched engine adds with the Q check inline instead of calling helper_add_setq
    uc = engine(SMLAD_Q)
    for reg, value in ((UC_ARM_REG_R1, 0x7FFF7FFF), (UC_ARM_REG_R2, 0x7FFF7FFF),
                       (UC_ARM_REG_R3, 0), (UC_ARM_REG_R6, 0x7FFFFFFF)):
        uc.reg_write(reg, value)
    run(uc, SMLAD_Q)
    r = {n: uc.reg_read(reg) for n, reg in (("r0", UC_ARM_REG_R0), ("r4", UC_ARM_REG_R4),
                                            ("r5", UC_ARM_REG_R5), ("r7", UC_ARM_REG_R7),
                                            ("r8", UC_ARM_REG_R8), ("r9", UC_ARM_REG_R9))}
    assert r["r0"] == 2 * 0x3FFF0001 and not r["r4"] & Q
    assert r["r5"] == (2 * 0x3FFF0001 + 0x7FFFFFFF) & 0xFFFFFFFF and r["r7"] & Q
    assert r["r8"] == 0x3FFF0001 and r["r9"] & Q


def test_engine_identity_names_the_build():
    build = unicorn_build()
    assert build.startswith("unicorn 2.1.4")
    if patch_level():
        assert metadata.version("unicorn").startswith("2.1.4+tinysim.")
        assert f"(+tinysim patch {patch_level()})" in build


def test_stock_engine_note_only_on_the_stock_wheel(monkeypatch):
    monkeypatch.delenv("LIBUNICORN_PATH", raising=False)
    note = stock_engine_note()
    if patch_level():
        assert note is None
    else:   # names the build and the script that builds the faster one, on one line
        assert note.startswith("note: engine: stock unicorn 2.1.4;") and "scripts/build_unicorn.sh" in note
        assert "\n" not in note
    monkeypatch.setenv("LIBUNICORN_PATH", "/somewhere/libunicorn.so.2")
    assert stock_engine_note() is None     # a library of unknown origin: no claim either way


@pytest.mark.skipif(not patch_level(), reason=f"runs on tinysim's patched Unicorn only (this is "
                    f"{unicorn_build()}); scripts/build_unicorn.sh builds and installs it")
def test_patched_engine_runs_a_read_hook_added_while_translated_code_runs():
    # The stock engine decides at translation time whether a load may take the inline path, so a
    # hook added while code runs misses the loads of code already translated (it sees none here;
    # tinysim flushes the translations after adding one). The patched engine marks the hooked
    # pages in the TLB and drops the TLB when a memory hook is added, so every later load of that
    # page reaches the hook.
    uc = engine(HOOK_LOOP)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 1000)
    reads, subs = [], []

    def on_subs(uc_, _addr, _size, _user):
        subs.append(1)
        if len(subs) == 100:  # after the 100th load
            uc_.hook_add(UC_HOOK_MEM_READ, lambda _uc, _a, addr, *_: reads.append(addr),
                         begin=SRAM, end=SRAM + 3)
    uc.hook_add(UC_HOOK_CODE, on_subs, begin=FLASH + 6, end=FLASH + 6)  # the `subs`
    run(uc, HOOK_LOOP)
    assert len(subs) == 1000
    assert reads == [SRAM] * 900


# Patch 0010: find_memory_mapping ("which region maps this address", asked by the slow path of a
# hooked page and by uc_mem_unmap / uc_mem_protect) answers from the page it was asked about last,
# forgotten when the memory map changes. A change of the map must be seen at the next question
# (unmapped: READ_UNMAPPED; another region: its permissions), and so must a change of permissions
# in place. They hold on every engine; a 0010 build without the forgetting fails the first (its
# protect reaches the unmapped region: UC_ERR_NOMEM).
#   ldr r1, [r0] ; ldr r2, [r5] ; bkpt #0
TWO_LOADS = bytes.fromhex("01682a6800be")
DATA = SRAM + 2 * SIZE  # two pages of their own: one 4 KiB region each
SPARE = DATA + 0x4000


def two_loads(uc: Uc, first: int, second: int):
    """Runs TWO_LOADS reading `first` then `second`; (r1, r2), or the UcError's errno."""
    uc.reg_write(UC_ARM_REG_R0, first)
    uc.reg_write(UC_ARM_REG_R5, second)
    for r in (UC_ARM_REG_R1, UC_ARM_REG_R2):
        uc.reg_write(r, 0)
    try:
        run(uc, TWO_LOADS)
    except UcError as err:
        return err.errno
    return regs(uc, UC_ARM_REG_R1, UC_ARM_REG_R2)


def hooked_data_engine() -> Uc:
    uc = engine(TWO_LOADS)
    for page, value in ((DATA, 0x11111111), (DATA + 0x1000, 0x22222222)):
        uc.mem_map(page, 0x1000, UC_PROT_READ | UC_PROT_WRITE)
        uc.mem_write(page, value.to_bytes(4, "little"))
    uc.hook_add(UC_HOOK_MEM_READ, lambda *_: None, begin=DATA, end=DATA + 0x1FFF)  # slow path
    return uc


def test_a_hooked_load_sees_a_page_remapped_since_the_last_one():
    uc = hooked_data_engine()
    assert two_loads(uc, DATA, DATA + 4) == [0x11111111, 0]
    # uc_mem_unmap, uc_mem_protect ask the same question as the load: each must get the region
    # mapped now (a stale answer here would make the protect change the region unmapped before)
    uc.mem_unmap(DATA, 0x1000)
    uc.mem_map(SPARE, 0x1000, UC_PROT_READ | UC_PROT_WRITE)  # (likely in the freed region's memory)
    uc.mem_map(DATA, 0x1000, UC_PROT_NONE)  # another region there
    uc.mem_protect(DATA, 0x1000, UC_PROT_READ)
    assert {r[0]: r[2] for r in uc.mem_regions()}[DATA] == UC_PROT_READ
    assert {r[0]: r[2] for r in uc.mem_regions()}[SPARE] == UC_PROT_READ | UC_PROT_WRITE
    assert two_loads(uc, DATA, DATA + 0x1000) == [0, 0x22222222]
    uc.mem_unmap(DATA, 0x1000)
    assert two_loads(uc, DATA, DATA + 0x1000) == UC_ERR_READ_UNMAPPED
    uc.mem_map(DATA, 0x1000, UC_PROT_NONE)
    assert two_loads(uc, DATA + 0x1000, DATA) == UC_ERR_READ_PROT


def test_a_hooked_load_sees_the_permissions_of_its_own_page():
    uc = hooked_data_engine()
    uc.mem_protect(DATA + 0x1000, 0x1000, UC_PROT_NONE)  # in place: the region stays
    assert two_loads(uc, DATA, DATA + 0x1000) == UC_ERR_READ_PROT
    assert two_loads(uc, DATA, DATA) == [0x11111111] * 2
    uc.mem_protect(DATA, 0x1000, UC_PROT_NONE)  # the page the last access asked about
    assert two_loads(uc, DATA + 4, DATA) == UC_ERR_READ_PROT


# Stops requested from hooks (patch 0004 moves the exit check after a memory access into the
# access's slow path and makes the one at the start of a block inline): where the engine stops,
# what ran before it and what did not. The same on the stock wheel.
#   0: movs r1, #1 ; 2: ldr r2, [r0] ; 4: movs r3, #7 ; 6: str r3, [r0, #4] ; 8: movs r4, #9
#   a: bkpt #0
STOP = bytes.fromhex("0121026807234360092400be")
#   0: cmp r0, r0 ; 2: ite eq ; 4: ldreq r2, [r0] ; 6: ldrne r2, [r0, #4] ; 8: movs r5, #1
#   a: b 0xc ; c: movs r6, #2 ; e: bkpt #0
IT_STOP = bytes.fromhex("80420cbf026842680125ffe7022600be")
# loop: b loop                     and   loop: ldr r1, [r0] ; b loop
SPIN, SPIN_LOAD = bytes.fromhex("fee7"), bytes.fromhex("0168fde7")


def regs(uc: Uc, *names: int) -> list:
    return [uc.reg_read(r) for r in names]


def stop_engine(code: bytes) -> Uc:
    uc = engine(code)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    for r in (UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6):
        uc.reg_write(r, 0x55)
    uc.mem_write(SRAM, (0x11223344).to_bytes(4, "little"))
    return uc


# patch 0009: a hook marked by uc_hook_mem_no_sync runs without the state sync; the exit a stop
# from it asks for restores the state itself, so it stops at the same place
NEEDS_0009 = pytest.mark.skipif(patch_level() < 5, reason=f"needs tinysim's patched Unicorn at patch "
                                f"level 5 or later (third_party/unicorn/0009-*.patch; this is "
                                f"{unicorn_build()}); scripts/build_unicorn.sh builds and installs it")


def hook_mem_no_sync(uc: Uc, handle: int) -> int:
    fn = unicorn_lib().uc_hook_mem_no_sync
    fn.restype, fn.argtypes = ctypes.c_int, [ctypes.c_void_p, ctypes.c_void_p]
    return fn(uc._uch, ctypes.c_void_p(handle))


@pytest.mark.parametrize("unsynced", [False, pytest.param(True, marks=NEEDS_0009)],
                         ids=["synced", "unsynced"])
def test_a_stop_from_a_read_hook_leaves_at_the_load_before_it_completes(unsynced):
    uc = stop_engine(STOP)
    reads = []

    def on_read(uc_, *_):
        reads.append(1)
        if len(reads) == 1:
            uc_.emu_stop()
    hook = uc.hook_add(UC_HOOK_MEM_READ, on_read, begin=SRAM, end=SRAM + 3)
    if unsynced:
        assert hook_mem_no_sync(uc, hook) == 0
    run(uc, STOP)
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 2  # the ldr, to run again on resume
    assert regs(uc, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3) == [1, 0x55, 0x55]
    uc.emu_start(FLASH + 2 | 1, FLASH + len(STOP) - 2)  # resumes with the load
    assert len(reads) == 2
    assert regs(uc, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4) == [0x11223344, 7, 9]


def test_a_stop_from_a_write_hook_leaves_at_the_store_after_it_completes():
    uc = stop_engine(STOP)
    uc.hook_add(UC_HOOK_MEM_WRITE, lambda uc_, *_: uc_.emu_stop(), begin=SRAM + 4, end=SRAM + 7)
    run(uc, STOP)
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 6
    assert regs(uc, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4) == [0x11223344, 7, 0x55]
    assert int.from_bytes(uc.mem_read(SRAM + 4, 4), "little") == 7


def test_a_stop_from_a_write_hook_in_a_loop_stops_at_that_iteration():
    uc = engine(HOOK_LOOP)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 1000)
    writes = []

    def on_write(uc_, *_):
        writes.append(1)
        if len(writes) == 10:
            uc_.emu_stop()
    uc.hook_add(UC_HOOK_MEM_WRITE, on_write, begin=SRAM + 0x80, end=SRAM + 0x83)
    run(uc, HOOK_LOOP)
    assert len(writes) == 10
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 2  # the str.w of the 10th iteration
    assert uc.reg_read(UC_ARM_REG_R3) == 1000 - 9


def test_a_stop_from_a_block_hook_leaves_before_the_block_runs():
    uc = engine(HOOK_LOOP)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 1000)
    blocks = []

    def on_block(uc_, addr, _size, _user):
        blocks.append(addr)
        if len(blocks) == 5:
            uc_.emu_stop()
    uc.hook_add(UC_HOOK_BLOCK, on_block)
    run(uc, HOOK_LOOP)
    assert blocks == [FLASH] * 5
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH
    assert uc.reg_read(UC_ARM_REG_R3) == 1000 - 4  # four iterations ran, not the fifth


def test_an_instruction_count_limit_stops_after_exactly_that_many():
    uc = engine(HOOK_LOOP)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 1000)
    uc.hook_add(UC_HOOK_MEM_READ, lambda *_: None, begin=SRAM, end=SRAM + 3)  # a slow path too
    uc.emu_start(FLASH | 1, FLASH + len(HOOK_LOOP) - 2, count=4 * 10 + 2)  # 10 loops, ldr, str
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 6  # the subs is next
    assert uc.reg_read(UC_ARM_REG_R3) == 1000 - 10


def test_a_stop_inside_an_it_block_waits_for_its_end():
    # Unicorn never leaves in the middle of an IT block: the stop a hooked load there asks for
    # takes effect at the start of the next block
    uc = stop_engine(IT_STOP)
    uc.hook_add(UC_HOOK_MEM_READ, lambda uc_, *_: uc_.emu_stop(), begin=SRAM, end=SRAM + 3)
    run(uc, IT_STOP)
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + 0xC
    assert regs(uc, UC_ARM_REG_R2, UC_ARM_REG_R5, UC_ARM_REG_R6) == [0x11223344, 1, 0x55]


@pytest.mark.parametrize("code", [SPIN, SPIN_LOAD], ids=["branch-only", "with-loads"])
def test_a_timeout_stops_an_endless_loop(code):
    # the timeout's emu_stop comes from another thread: seen at the start of a block
    uc = engine(code)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.emu_start(FLASH | 1, FLASH + 0x100, timeout=20_000)  # microseconds
    assert FLASH <= uc.reg_read(UC_ARM_REG_PC) < FLASH + len(code)


# A read hook that reads PC (patch 0005 remembers where each hooked access's guest state is):
#   PC_A  loop: ldrb r1, [r0] ; nop ; ldrb r2, [r0, #1] ; subs r3, #1 ; bne loop ; bkpt #0
#   PC_B  loop: nop ; ldrb r1, [r0] ; ldrb r2, [r0, #1] ; subs r3, #1 ; bne loop ; bkpt #0
PC_A = bytes.fromhex("017800bf4278013bfad100be")
PC_B = bytes.fromhex("00bf01784278013bfad100be")


def hooked_load_pcs(uc: Uc, code: bytes, loops: int) -> list:
    pcs = []
    hook = uc.hook_add(UC_HOOK_MEM_READ, lambda uc_, *_: pcs.append(uc_.reg_read(UC_ARM_REG_PC)),
                       begin=SRAM, end=SRAM + 3)
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, loops)
    run(uc, code)
    uc.hook_del(hook)
    return pcs


def test_a_read_hook_sees_the_pc_of_each_load_also_after_the_code_changes():
    # the second program runs from the same address after the translations are dropped, so
    # its blocks may reuse the host code addresses of the first one's
    uc = engine(PC_A)
    assert hooked_load_pcs(uc, PC_A, 50) == [FLASH, FLASH + 4] * 50
    uc.mem_write(FLASH, PC_B)
    uc.ctl_flush_tb()
    assert hooked_load_pcs(uc, PC_B, 50) == [FLASH + 2, FLASH + 4] * 50
    uc.mem_write(FLASH, PC_A)  # without a flush: the write drops the translation
    assert hooked_load_pcs(uc, PC_A, 50) == [FLASH, FLASH + 4] * 50


# ---- patch 0008: the Thumb IT state after a memory hook (issue 10, unicorn #2309) -----------------
# Before a memory hook the engine syncs the guest state, IT bits included, from the accessing
# instruction; without 0008 those bits outlive the IT block and the next block runs as if inside
# it. The stock wheel needs tinysim's resync (tests/emu/test_it_state.py); these need 0008.
NEEDS_0008 = pytest.mark.skipif(patch_level() < 4, reason=f"needs tinysim's patched Unicorn at patch "
                                f"level 4 or later (third_party/unicorn/0008-*.patch; this is "
                                f"{unicorn_build()}); scripts/build_unicorn.sh builds and installs it")
# Issue 10's loop (GCC -Os of CoreMark's core_bench_state):
#   0: cmp r5, r1 ; 2: bhi 6 ; 4: bkpt #0 ; 6: ldrb r3, [r1] ; 8: cmp r3, #44 ; a: itt ne
#   c: eorne r3, r3, sl ; 10: strbne r3, [r1] ; 12: add r1, r9 ; 14: b 0
IT_LOOP = bytes.fromhex("8d4200d800be0b782c2b1cbf83ea0a030b704944f4e7")
# The same with a load in the IT block (tests/emu/test_it_state.py's v_ldrne), for a read hook:
#   a: itt ne ; c: ldrbne r4, [r1, #1] ; e: addne r6, r4 ; 10: add r1, r9 ; 12: b 0
IT_LOOP_LOAD = bytes.fromhex("8d4200d800be0b782c2b1cbf4c7836194944f5e7")
IT_MASK = 0x0600FC00  # xPSR IT[1:0] (bits 26:25) and IT[7:2] (bits 15:10), ARMv7-M B1.4.2
#   0: movs r0, #0 ; 2: cmp r0, #0 ; 4: itte eq ; 6: ldreq r2, [r1] ; 8: addeq r3, #1
#   a: addne r4, #1 ; c: cmp r0, #1 ; e: add.w r5, r5, #1 ; 12: b 0x14 ; 14: add.w r6, r6, #1
#   18: nop                  (EQ in the IT block; NE from 0xc on: a leaked EQ state skips 0x14)
IT_LOAD_STOP = bytes.fromhex("0020002806bf0a6801330134012805f10105ffe706f1010600bf")
#   0: movs r0, #0 ; 2: cmp r0, #0 ; 4: ite eq ; 6: isbeq ; a: addne r3, #1 ; c: nop
IT_ISB = bytes.fromhex("002000280cbfbff36f8f013300bf")


def it_loop_passes(hook_type: int, xpsr_seen: list) -> int:
    uc = engine(IT_LOOP if hook_type == UC_HOOK_MEM_WRITE else IT_LOOP_LOAD)
    buf = bytearray(b"5" * 200)
    for i in (21, 63, 105, 154):
        buf[i] = ord(",")
    uc.mem_write(SRAM, bytes(buf))
    for reg, v in ((UC_ARM_REG_R1, SRAM), (UC_ARM_REG_R5, SRAM + 200), (UC_ARM_REG_R9, 7),
                   (UC_ARM_REG_R10, 0)):
        uc.reg_write(reg, v)
    uc.hook_add(hook_type, lambda uc_, _t, addr, *_: xpsr_seen.append((addr, uc_.reg_read(UC_ARM_REG_XPSR))),
                begin=SRAM, end=SRAM + SIZE - 1)
    uc.emu_start(FLASH | 1, FLASH + 4)
    return (uc.reg_read(UC_ARM_REG_R1) - SRAM) // 7


@NEEDS_0008
@pytest.mark.parametrize("hook_type", [UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE], ids=["read", "write"])
def test_issue_loop_runs_29_times_under_a_plain_memory_hook(hook_type):
    seen = []
    assert it_loop_passes(hook_type, seen) == 29   # 4 on the stock engine
    # the hook itself still reads the accessing instruction's IT state (ARMv7-M A7.3.3): strbne is
    # the second (last) instruction of `itt ne`, IT = 0x18 (cond NE, mask 1000), so xPSR
    # IT[7:2] = 0b000110; ldrbne the first, IT = 0x1c; the unconditional ldrb reads IT = 0
    its = {x & IT_MASK for _, x in seen}
    if hook_type == UC_HOOK_MEM_WRITE:
        assert len(seen) == 25 and its == {0x1800}
    else:
        assert len(seen) == 29 + 25 and its == {0, 0x1C00}


@NEEDS_0008
@pytest.mark.parametrize("at", [0x100, 0xFF8], ids=["mid-page", "it-block-across-a-page"])
def test_a_stop_from_a_hooked_load_in_an_it_block_resumes_right(at):
    # the hook stops on `ldreq`; Unicorn leaves at the end of the IT block (mid-page: at the
    # branch's target 0x14, IT = 0) or, when the block is cut by a page end after the load, at the
    # next block inside the IT block (0x1000 = 0xff8 + 8: `addeq`, IT = EQ with one more
    # instruction, ARMv7-M A7.3.3). Resumed from that PC, the rest of the IT block stays
    # conditional and nothing after it does: the result of the run without a stop.
    code, end = IT_LOAD_STOP, FLASH + at + len(IT_LOAD_STOP) - 2
    results = []
    for stop in (False, True):
        uc = engine(b"")
        uc.mem_write(FLASH + at, code)
        uc.mem_write(SRAM, (0x12345678).to_bytes(4, "little"))
        uc.reg_write(UC_ARM_REG_R1, SRAM)
        stops = []
        uc.hook_add(UC_HOOK_MEM_READ, lambda uc_, *_: (stops.append(uc_.reg_read(UC_ARM_REG_PC)),
                                                       uc_.emu_stop() if stop else None))
        uc.emu_start((FLASH + at) | 1, end)
        resumed_at = uc.reg_read(UC_ARM_REG_PC), uc.reg_read(UC_ARM_REG_XPSR) & IT_MASK
        if stop:
            assert stops == [FLASH + at + 6]
            assert resumed_at == ((FLASH + at + 0x14, 0) if at == 0x100 else (FLASH + 0x1000, 0xC00))
            uc.emu_start(resumed_at[0] | 1, end)
        assert uc.reg_read(UC_ARM_REG_PC) == end
        results.append(regs(uc, UC_ARM_REG_R2, UC_ARM_REG_R3, UC_ARM_REG_R4, UC_ARM_REG_R5,
                            UC_ARM_REG_R6) + [uc.reg_read(UC_ARM_REG_XPSR) & IT_MASK])
    assert results[0] == results[1] == [0x12345678, 1, 0, 1, 1, 0]


@NEEDS_0008
def test_an_isb_inside_an_it_block_keeps_the_rest_of_it_conditional():
    # ISB leaves the block itself (a branch to the next instruction); the stock engine left with
    # IT = 0, so `addne` ran although EQ holds
    uc = engine(IT_ISB)
    run(uc, IT_ISB)  # up to the nop
    assert uc.reg_read(UC_ARM_REG_R3) == 0


# ---- patch 0009: uc_hook_mem_no_sync, a memory hook called without the state sync ----------------
@NEEDS_0009
def test_an_unsynced_read_hook_sees_every_access_but_not_the_pc():
    # PC_A: two loads a loop (0 and 4). A synced hook reads each load's PC; an unsynced one sees
    # every access too, but PC as the block left it: the sync really is skipped
    uc = engine(PC_A)
    seen = []
    hook = uc.hook_add(UC_HOOK_MEM_READ, lambda uc_, _t, addr, *_: seen.append((addr, uc_.reg_read(UC_ARM_REG_PC))),
                       begin=SRAM, end=SRAM + 3)
    assert hook_mem_no_sync(uc, hook) == 0
    uc.reg_write(UC_ARM_REG_R0, SRAM)
    uc.reg_write(UC_ARM_REG_R3, 50)
    run(uc, PC_A)
    assert [a for a, _ in seen] == [SRAM, SRAM + 1] * 50
    assert [pc for _, pc in seen] != [FLASH, FLASH + 4] * 50


@NEEDS_0009
def test_only_memory_read_and_write_hooks_can_go_unsynced():
    uc = engine(STOP)
    code_hook = uc.hook_add(UC_HOOK_CODE, lambda *_: None)
    unmapped = uc.hook_add(UC_HOOK_MEM_UNMAPPED, lambda *_: False)
    assert hook_mem_no_sync(uc, code_hook) != 0 and hook_mem_no_sync(uc, unmapped) != 0
    assert hook_mem_no_sync(uc, uc.hook_add(UC_HOOK_MEM_READ | UC_HOOK_MEM_WRITE, lambda *_: None)) == 0


# arm-none-eabi-as -mcpu=cortex-m4 -mfpu=fpv4-sp-d16 -mthumb, then objcopy -O binary:
#   vstr d0, [r0] ; vstmia r1, {d1-d2} ; vpush {d3} ; bkpt #0
D_STORES = bytes.fromhex("80ed000b81ec041b2ded023b00be")
D_WORDS = [0x11111111 * (i + 1) for i in range(8)]  # d0-d3, two words each


def _d_stores(at: int, write_hook: bool):
    """D_STORES with r0, r1 and SP at `at`, 0x40 and 0x80 bytes on (a page not stored to before),
    optionally under a write hook on SRAM; the CPU interrupts it raised and the words stored."""
    from unicorn import UC_HOOK_INTR, arm_const
    uc = engine(D_STORES)
    uc.reg_write(UC_ARM_REG_R0, at)
    uc.reg_write(UC_ARM_REG_R1, at + 0x40)
    uc.reg_write(arm_const.UC_ARM_REG_SP, at + 0x88)
    for i, w in enumerate(D_WORDS):   # Unicorn's Cortex-M4 starts with the FPU enabled
        uc.reg_write(getattr(arm_const, f"UC_ARM_REG_S{i}"), w)
    raised = []
    uc.hook_add(UC_HOOK_INTR, lambda u, intno, _d: (raised.append(intno), u.emu_stop()))
    if write_hook:
        uc.hook_add(UC_HOOK_MEM_WRITE, lambda *_: None, begin=SRAM, end=SRAM + SIZE - 1)
    run(uc, D_STORES)
    words = lambda a, n: [int.from_bytes(uc.mem_read(a + 4 * i, 4), "little") for i in range(n)]
    return raised, words(at, 2), words(at + 0x40, 4), words(at + 0x80, 2)


@pytest.mark.parametrize("write_hook", [False, True], ids=["fresh-page", "write-hook"])
def test_d_register_stores_need_word_alignment_only(write_hook):
    """VSTR, VSTM and VPUSH of D registers at an address 4 mod 8 store their words and raise
    nothing, on a page not stored to before and under a write hook: the store's slow path writes
    byte by byte, and the bytes must not inherit its word-alignment check (patch 0012; a 0007
    build without it raised UNALIGNED here, and ran the same stores on the fast path)."""
    at = SRAM + 0x1004   # 4 mod 8, on the second page of SRAM
    raised, d0, d12, d3 = _d_stores(at, write_hook)
    assert raised == []
    assert (d0, d12, d3) == (D_WORDS[0:2], D_WORDS[2:6], D_WORDS[6:8])


def test_a_d_register_store_at_2_mod_4_still_faults_where_the_engine_checks_alignment():
    from tinysim.emu.engine_probes import engine_raises_unaligned
    if not engine_raises_unaligned():
        pytest.skip("the engine does not raise alignment faults (stock wheel: tinysim's hooks do)")
    raised, *_ = _d_stores(SRAM + 0x1002, write_hook=False)
    assert raised == [22]   # EXCP_UNALIGNED (patch 0007)
