"""The Cortex-M ports' HardFault handler (platforms/common/cortex_m_startup.c) prints the PC of the
faulting instruction: the word at +24 of the exception frame (R0, R1, R2, R3, R12, LR, PC, xPSR;
ARMv7-M ARM DDI 0403E B1.5.6, ARMv8-M the same). Built from the sources with the real cross
compiler and run on each Cortex-M board: `fault_unaligned` executes an LDRD from an unaligned
address at the global label `fault_unaligned_ldrd`; UsageFault is disabled at reset, so it escalates
to HardFault (HFSR.FORCED) whose handler prints CFSR, HFSR and PC."""

from __future__ import annotations

import re

import pytest

from tinysim.elf import Firmware
from tinysim.firmware import build
from tinysim.platform import load_platform

pytestmark = pytest.mark.toolchain

BOARDS = ["nucleo-l4r5zi", "nucleo-u575zi-q", "nucleo-h7a3zi-q", "nucleo-u385rg-q", "nrf5340-dk"]


@pytest.mark.parametrize("board", BOARDS)
def test_hardfault_prints_the_faulting_instructions_pc(board, tmp_path):
    session = pytest.importorskip("tinysim.pipeline.session", reason="the native counter is not built")
    elf = build.build_test_firmware("fault_unaligned", board, out_dir=tmp_path)
    ldrd = Firmware.load(elf).symbol("fault_unaligned_ldrd")
    s = session.build_session(elf, load_platform(board))
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "fault" and r.fault.pc == ldrd, r.message  # the handler halted: the fault's report
    m = re.search(r"\*\*\* fault CFSR=([0-9a-f]{8}) HFSR=([0-9a-f]{8}) PC=([0-9a-f]{8})\r\n", r.uart)
    assert m, r.uart
    assert (m.group(1), m.group(2)) == ("01000000", "40000000")  # UFSR.UNALIGNED, HFSR.FORCED
    assert int(m.group(3), 16) == ldrd, f"printed PC={m.group(3)}, the LDRD is at {ldrd:08x}"
    assert s.machine.faults_taken == [(3, "unaligned", ldrd)]  # through the HardFault vector
