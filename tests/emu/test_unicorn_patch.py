"""tinysim's Unicorn patches (third_party/unicorn/): what they must keep and what they change.

Runs small Thumb programs on Unicorn's Cortex-M4 directly. The self-modifying-code and hook-count
tests hold on the stock wheel too (they guard what the patches must not break); the last test is
the patches' behavioural effect and skips on the stock wheel. Their speed effect is measured in
bench/store_cost.py and bench/emu_speed.py, never asserted here.
"""

from __future__ import annotations

from importlib import metadata

import pytest
from unicorn import (UC_ARCH_ARM, UC_HOOK_CODE, UC_HOOK_MEM_READ, UC_HOOK_MEM_UNMAPPED,
                     UC_HOOK_MEM_WRITE, UC_MODE_THUMB, UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ, Uc)
from unicorn.arm_const import (UC_ARM_REG_R0, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                               UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
                               UC_ARM_REG_R8, UC_ARM_REG_R9, UC_CPU_ARM_CORTEX_M4)

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
