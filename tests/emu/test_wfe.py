"""The event register, SEV, WFE and YIELD (ARM DDI 0403 B1.5.18; tinysim/emu/event_register.py),
driven by small assembly images (tests/emu/firmware/wfe.S, hints.S, wfeudf.S)."""

from __future__ import annotations

import pytest

from unicorn.arm_const import UC_ARM_REG_PC, UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7

from tinysim.emu.cortex_m import WFE_SLEEP_LIMIT
from tinysim.emu.event_register import thumb_sevs
from tinysim.pipeline.session import build_session

from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

pytestmark = pytest.mark.toolchain

SYSTICK_PERIOD = 1000  # the images' `systick_start 999`


@pytest.mark.parametrize("board, kept", [("nucleo-l4r5zi", False), ("nucleo-u575zi-q", False),
                                         ("nucleo-h7a3zi-q", True)])
def test_event_register(tmp_path, board, kept):
    s = build_session(build("wfe", tmp_path), board)
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message
    results = [word(s, "result", i) for i in range(8)]
    # SEV; WFE; WFE sleeps once; a handler's entry and return leave an event; a failed
    # IT-conditional SEV sets none; with SEVONPEND a masked SysTick pend wakes WFE
    assert results[:6] == [1, 1, 2, 3, 3, 1]
    # the Cortex-M4 and M33 consume the event that woke them, the Cortex-M7 keeps it
    assert results[6:] == ([0, 3] if kept else [1, 4])


def test_yield_wfe_in_it_blocks_rxev_and_masked_interrupts(tmp_path):
    s = build_session(build("hints", tmp_path), "nucleo-l4r5zi")
    r = s.run(max_instructions=100_000)
    uc = s.machine.uc
    assert r.exit == "halt", r.message
    # two YIELDs ran as NOPs; the EXTI event woke WFE; PendSV's entry and return set the event
    assert uc.reg_read(UC_ARM_REG_R4) == 5
    assert uc.reg_read(UC_ARM_REG_R6) == 3       # both IT blocks kept their state across WFE
    assert uc.reg_read(UC_ARM_REG_R7) == 0       # the masked SysTick was never taken
    assert uc.reg_read(UC_ARM_REG_R5) == 0x600D
    # the run ends in the last WFE: SysTick is stopped and nothing else can wake it
    assert uc.reg_read(UC_ARM_REG_PC) == s.firmware.symbol("last_wfe") + 2
    # the masked SysTick pends without waking WFE; tinysim wakes it after WFE_SLEEP_LIMIT periods
    assert s.counter.cycles > WFE_SLEEP_LIMIT * SYSTICK_PERIOD
    assert any("WFE at masked_wfe slept through" in w for w in r.warnings), r.warnings


def test_undefined_instruction_after_wfe_still_faults(tmp_path):
    s = build_session(build("wfeudf", tmp_path), "nucleo-l4r5zi")
    r = s.run(max_instructions=1_000)
    assert r.exit == "fault"
    assert r.fault.pc == s.firmware.symbol("undefined")
    assert "undefined" in r.message


def test_sev_scan_finds_both_encodings_only_at_instruction_starts():
    sev16, sev32, nop = b"\x40\xbf", b"\xaf\xf3\x04\x80", b"\x00\xbf"
    assert thumb_sevs(nop + sev16 + sev32 + nop) == [2, 4]
    # 0xBF40 as the second halfword of a 32-bit instruction (movw r0, #... with imm8 0x40... ) is
    # not a SEV: the scan steps over 32-bit instructions whole
    movw = b"\x40\xf2\x40\xbf"
    assert thumb_sevs(movw + nop) == []
    assert thumb_sevs(nop * 4) == []
