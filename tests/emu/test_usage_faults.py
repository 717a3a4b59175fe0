"""UsageFaults silicon raises and Unicorn 2.1.4 does not (tinysim/emu/usage_checks.py), driven
by tests/emu/firmware/usagefault.S: unaligned LDRD/STRD/LDM/STMDB/VLDR/VSTM (always), LDR with
CCR.UNALIGN_TRP, UDIV/SDIV by zero with CCR.DIV_0_TRP, an IT-conditional LDRD skipped and one
taken, and the escalation to HardFault with SHCSR.USGFAULTENA clear (ARM DDI 0403E.e B3.2.15,
B3.2.16, A3.2.1, B1.5.4); then the CCR trap bits set and cleared after the code was translated,
and faults in a block that starts inside an IT block.

Each runs in both ways tinysim checks: with its per-instruction hooks ("hooks", any engine) and
with the engine raising the always-checked alignment faults itself ("engine": a Unicorn build
with third_party/unicorn/0007-*.patch; skipped on an engine without it)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from tinysim.emu.engine_probes import engine_raises_unaligned
from tinysim.pipeline.session import build_session

HERE = Path(__file__).parent / "firmware"
BOARD = "nucleo-l4r5zi"

pytestmark = pytest.mark.toolchain
UNALIGNED, DIVBYZERO, FORCED = 1 << 24, 1 << 25, 1 << 30


def build_fp(name: str, out: Path) -> Path:
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found (install the Debian package gcc-arm-none-eabi)")
    elf = out / f"{name}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                    "-mfloat-abi=hard", "-nostdlib", "-T", str(HERE / "minimal.ld"), "-o", str(elf),
                    str(HERE / f"{name}.S")], check=True)
    return elf


def session_in(mode: str, elf: Path):
    """A session whose UsageFault checks run `mode`: "hooks" or "engine" (see the docstring)."""
    if mode == "engine" and not engine_raises_unaligned():
        pytest.skip("this Unicorn build does not raise alignment faults itself "
                    "(scripts/build_unicorn.sh builds one with third_party/unicorn/0007-*.patch)")
    s = build_session(elf, BOARD)
    s.machine.checks.engine_raises = mode == "engine"  # before the first block is inspected
    return s


@pytest.fixture(scope="module", params=["hooks", "engine"])
def run(request, tmp_path_factory):
    s = session_in(request.param, build_fp("usagefault", tmp_path_factory.mktemp("uf")))
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message

    def w(sym, i=0):
        return struct.unpack("<I", s.machine.uc.mem_read(s.firmware.symbol(sym) + 4 * i, 4))[0]
    log = [[w("log", 6 * i + k) for k in range(5)] for i in range(w("log_n"))]
    return s, w, log


def test_each_fault_is_taken_at_its_instruction(run):
    s, _w, log = run
    sym = s.firmware.symbol
    got = [(e[0], e[1], e[2], e[3]) for e in log]
    assert got == [
        (6, UNALIGNED, 0, sym("f_ldrd")), (6, UNALIGNED, 0, sym("f_strd")),
        (6, UNALIGNED, 0, sym("f_ldm")), (6, UNALIGNED, 0, sym("f_vldr")),
        (6, UNALIGNED, 0, sym("f_stmdb")), (6, UNALIGNED, 0, sym("f_vstm")),
        (6, UNALIGNED, 0, sym("f_ldr")),  # only once CCR.UNALIGN_TRP is set
        (6, DIVBYZERO, 0, sym("f_udiv")), (6, DIVBYZERO, 0, sym("f_sdiv")),  # CCR.DIV_0_TRP
        (6, UNALIGNED, 0, sym("f_it")),  # the IT-conditional LDRD whose condition holds
        (6, UNALIGNED, 0, sym("f_sub_ldr")), (6, DIVBYZERO, 0, sym("f_sub_udiv")),  # CCR set late
        (6, UNALIGNED, 0, sym("f_it1")), (6, UNALIGNED, 0, sym("f_it3")),  # mid-IT block
        (3, UNALIGNED, FORCED, sym("f_hard")),  # UsageFault disabled: HardFault, FORCED
    ]


def test_the_faulting_instruction_has_no_effect(run):
    s, w, _log = run
    assert (w("res", 0), w("res", 1)) == (0x11, 0x22)  # LDRD left its registers
    assert bytes(s.machine.uc.mem_read(s.firmware.symbol("buf"), 12)) == bytes(range(12))  # STRD/STMDB/VSTM wrote nothing
    assert (w("res", 2), w("res", 3)) == (0x11, 0x22)  # LDM
    assert w("res", 4) == 0x3F800000  # VLDR
    assert w("res", 8) == 0x55  # LDR with UNALIGN_TRP
    assert (w("res", 9), w("res", 10)) == (9, 9)  # UDIV, SDIV with DIV_0_TRP
    assert w("res", 12) == 0x11  # the IT-conditional LDRD


def test_what_does_not_fault_still_runs(run):
    _s, w, _log = run
    assert (w("res", 5), w("res", 6)) == (0x03020100, 0x07060504)  # aligned LDRD
    assert w("res", 7) == 0x05040302  # unaligned LDR, UNALIGN_TRP clear: the unaligned word
    assert w("res", 11) == 0  # UDIV by zero, DIV_0_TRP clear: 0


def test_itstate_is_stacked_for_a_fault_in_an_it_block(run):
    _s, _w, log = run
    it = next(e for e in log if e[0] == 6 and e[3] == run[0].firmware.symbol("f_it"))
    itstate = (it[4] >> 25 & 3) | (it[4] >> 8 & 0xFC)
    assert itstate == 0x08  # IT EQ, last instruction of the block (B1.4.2 ITSTATE)
    assert all(e[4] >> 24 & 1 for e in log)  # EPSR.T stacked as 1


def test_firmware_hardfault_handler_sees_the_escalated_usagefault(fw):
    """The C test firmware through the SoC's real startup: UsageFault disabled (reset), so the
    unaligned LDRD escalates to HardFault, whose handler prints CFSR and HFSR and halts; the
    run then ends with the report of the fault that led there."""
    s = build_session(fw("fault_unaligned"), BOARD)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "fault", r.message
    assert r.fault.kind == "unaligned-access" and r.fault.pc == s.firmware.symbol("fault_unaligned_ldrd")
    assert "taken as a UsageFault UNALIGNED through the firmware's HardFault handler" in r.message
    assert "ERROR" not in r.uart
    assert "*** fault CFSR=01000000 HFSR=40000000" in r.uart  # UFSR.UNALIGNED, HFSR.FORCED
    assert s.machine.faults_taken == [(3, "unaligned", s.firmware.symbol("fault_unaligned_ldrd"))]


def test_engine_mode_registers_no_hook_for_the_always_checked_faults(run):
    s, _w, _log = run
    kinds = {group for _k, _h, group in s.machine.checks._hooks.values()}
    if s.machine.checks.engine_raises:
        assert "always" not in kinds  # the engine raised those six faults itself
    else:
        assert "always" in kinds


def test_ccr_trap_bits_changed_after_translation(run):
    _s, w, _log = run
    # one subroutine, three calls: traps clear (the unaligned word, 0), both set (the LDR and the
    # UDIV fault and leave r2 = 0x55), clear again (as the first call); the log shows the faults
    assert [w("res", 16 + i) for i in range(6)] == [0x05040302, 0, 0x55, 0x55, 0x05040302, 0]


def test_fault_in_a_block_that_starts_inside_an_it_block(run):
    s, w, log = run
    sym = s.firmware.symbol
    it = {e[3]: (e[4] >> 25 & 3) | (e[4] >> 8 & 0xFC) for e in log if e[3] in (sym("f_it1"), sym("f_it3"))}
    # ITET EQ with Z set: the first LDRDEQ faults (ITSTATE 0x0A, B1.4.2), the handler returns to
    # the LDRDNE (skipped: no log entry), the last LDRDEQ faults as the block's last one (0x08)
    assert it == {sym("f_it1"): 0x0A, sym("f_it3"): 0x08}
    assert (w("res", 22), w("res", 23)) == (0x11, 0x22)
