"""The Cortex-M MPU's registers (tinysim/emu/peripherals/core/mpu.py): a firmware programs and
reads back its region table on the PMSAv7 cores (Cortex-M4, M7), and the PMSAv8 layout of the
Cortex-M33 (ARM DDI 0553 D1.2) behaves as written."""

from __future__ import annotations

import pytest

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.core.mpu import Mpu
from tinysim.pipeline.session import build_session

from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)


@pytest.mark.toolchain
@pytest.mark.parametrize("board, regions", [("nucleo-l4r5zi", 8), ("nucleo-h7a3zi-q", 16)])
def test_firmware_programs_the_pmsav7_region_table(tmp_path, board, regions):
    s = build_session(build("mpu", tmp_path), board)
    r = s.run(max_instructions=1_000)
    assert r.exit == "halt", r.message
    result = [word(s, "result", i) for i in range(7)]
    assert result[0] == regions << 8                  # TYPE.DREGION
    assert result[1:3] == [5, 0x08000005]             # RBAR.VALID selected region 5
    assert result[3:5] == [0x20000003, 0x173FFF3F]    # region 3 kept its base and RASR's fields
    assert result[5] == 5                             # CTRL: ENABLE | PRIVDEFENA
    assert result[6] & 0x200                          # the SCB around the MPU still answers (CCR)
    assert not r.warnings   # enforced now; region 3's subregions are all disabled: nothing refused
    assert not [a for a in s.machine.unmodelled_accesses() if a[0] in ("mpu", "scb")]


def test_pmsav8_aliases_reach_the_next_regions():
    mpu = Mpu("mpu", 0xE000ED90, 0x38, host=NullHost(), params={"regions": 8, "pmsa": 8})
    assert mpu.read(0x00, 4) == 0x800
    mpu.write(0x08, 4, 4)                             # RNR = 4
    mpu.write(0x0C, 4, 0x20000000 | 0b10111)          # RBAR: base, SH, AP, XN (no VALID/REGION in v8)
    mpu.write(0x14, 4, 0x20001000)                    # RBAR_A1: region 5
    mpu.write(0x28, 4, 0xFFFFFFFF)                    # RLAR_A3: region 7, bit 4 is RES0
    mpu.write(0x30, 4, 0x44FF0004)                    # MAIR0
    assert mpu.read(0x0C, 4) == 0x20000017 and mpu.read(0x08, 4) == 4
    mpu.write(0x08, 4, 5)
    assert mpu.read(0x0C, 4) == 0x20001000
    mpu.write(0x08, 4, 7)
    assert mpu.read(0x10, 4) == 0xFFFFFFEF
    assert mpu.read(0x30, 4) == 0x44FF0004 and mpu.read(0x31, 1) == 0x00
    mpu.write(0x08, 4, 9)                             # no region 9: reads 0, writes are lost
    mpu.write(0x0C, 4, 0x1234)
    assert mpu.read(0x0C, 4) == 0


def test_pmsav7_byte_writes_and_a_region_past_the_last():
    mpu = Mpu("mpu", 0xE000ED90, 0x2C, host=NullHost(), params={"regions": 8, "pmsa": 7})
    mpu.write(0x0C, 4, 0x20000000 | 0x10 | 2)         # VALID, REGION 2
    mpu.write(0x10, 1, 0x0B)                          # RASR byte 0: SIZE 5, ENABLE
    assert mpu.read(0x08, 4) == 2
    assert mpu.read(0x10, 4) == 0x0B
    assert mpu.read(0x0C, 4) == 0x20000002
    mpu.write(0x0C, 4, 0x10 | 9)                      # REGION is 4 bits: 9 < 16 but no such region
    assert mpu.read(0x08, 4) == 9 and mpu.read(0x0C, 4) == 0


@pytest.mark.toolchain
def test_code_translated_before_the_mpu_was_enabled_is_checked(tmp_path):
    """Unicorn emits a code hook into a block only when it translates it: the MPU's refusals
    must reach code that ran (and was translated) before it was enabled (mpu_enforce.py)."""
    s = build_session(build("mpu_late", tmp_path), "nucleo-l4r5zi")
    r = s.run(max_instructions=1_000)
    assert r.exit == "halt", r.message
    leaf = s.firmware.symbol("leaf") & ~1
    assert word(s, "result", 0) == 1               # the first call only
    assert word(s, "result", 1) == 0x01            # IACCVIOL
    assert word(s, "result", 2) == leaf            # stacked PC: the refused instruction


@pytest.mark.toolchain
def test_a_frame_stacked_into_an_mpu_guard_stops_the_run_with_a_report(tmp_path):
    """Silicon raises MemManage MSTKERR when the MPU refuses an exception frame; tinysim does not
    take that fault (mpu_enforce.py) but must not write the frame into the guard either."""
    s = build_session(build("mpu_stack", tmp_path), "nucleo-l4r5zi")
    guard = s.firmware.symbol("guard")
    before = bytes(s.machine.uc.mem_read(guard, 32))
    r = s.run(max_instructions=1_000)
    assert r.exit == "fault", r.message
    assert r.fault.kind == "mpu-stacking-violation"
    assert r.fault.address == guard + 32 + 8 - 32  # PSP (process_stack + 8) - 32: in the guard
    assert "MSTKERR" in r.fault.message
    assert word(s, "result") == 0                   # the handler never ran
    assert bytes(s.machine.uc.mem_read(guard, 32)) == before
