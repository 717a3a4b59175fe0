"""Imprecise BusFaults are asynchronous (tinysim/emu/fault_entry.py, `_pend_imprecise`): driven by
tests/emu/firmware/imprecise.S, three stores to nothing through the write buffer, one taken at
once, one held pending by PRIMASK, one escalated to HardFault for BusFault being disabled and
held pending by FAULTMASK. Before, the second was escalated to HardFault at once and the third
stopped the run as a lockup, where silicon pends both (ARM DUI 0553A table 4-26, ARM DUI 0646C
2.4.3). QEMU raises these stores' faults precisely, so it is no reference here."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tinysim.pipeline.session import build_session

HERE = Path(__file__).parent / "firmware"
BOARD = "nucleo-l4r5zi"

pytestmark = pytest.mark.toolchain
HARDFAULT, BUSFAULT = 3, 5
IMPRECISERR, FORCED = 1 << 10, 1 << 30
BUSFAULTENA, BUSFAULTPENDED = 1 << 17, 1 << 14


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found (install the Debian package gcc-arm-none-eabi)")
    elf = tmp_path_factory.mktemp("imprecise") / "imprecise.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-T",
                    str(HERE / "minimal.ld"), "-o", str(elf), str(HERE / "imprecise.S")], check=True)
    s = build_session(elf, BOARD)
    r = s.run(max_instructions=100_000)

    def w(sym, i=0):
        return struct.unpack("<I", s.machine.uc.mem_read(s.firmware.symbol(sym) + 4 * i, 4))[0]
    log = [tuple(w("log", 4 * i + k) for k in range(4)) for i in range(w("log_n"))]
    return s, r, log


def test_each_store_faults_once_and_the_program_ends(run):
    s, r, log = run
    assert r.exit == "halt", r.message
    assert [e[0] for e in log] == [0x101, BUSFAULT, 0x102, 0x103, BUSFAULT, 0x104, 0x105, HARDFAULT, 0x106]
    assert [e[1] for e in log if e[0] < 0x100] == [IMPRECISERR] * 3   # no address: BFARVALID clear
    sym = s.firmware.symbol
    assert s.machine.faults_taken == [(BUSFAULT, "impreciserr", sym("s1")), (BUSFAULT, "impreciserr", sym("s2")),
                                      (HARDFAULT, "impreciserr", sym("s3"))]


def test_unmasked_it_is_taken_after_the_store(run):
    s, _r, log = run
    assert log[1] == (BUSFAULT, IMPRECISERR, 0, s.firmware.symbol("s1") + 2)


def test_primask_holds_it_pending_until_cpsie(run):
    """Not escalated to HardFault: pending (SHCSR.BUSFAULTPENDED) while PRIMASK is set, taken
    right after CPSIE I (the stacked PC is the ISB that follows it)."""
    s, _r, log = run
    assert log[3][1] == BUSFAULTENA | BUSFAULTPENDED
    assert log[4] == (BUSFAULT, IMPRECISERR, 0, s.firmware.symbol("unmasked_i") - 4)


def test_with_busfault_disabled_a_hardfault_is_pended_and_faultmask_holds_it(run):
    """BusFault disabled: HardFault, HFSR.FORCED, pending while FAULTMASK is set (not a lockup)
    and taken right after CPSIE F."""
    s, _r, log = run
    assert log[6][1] & BUSFAULTPENDED == 0
    assert log[7] == (HARDFAULT, IMPRECISERR, FORCED, s.firmware.symbol("unmasked_f") - 4)
