"""An interrupt held back by a mask the firmware lifts with CPSIE or MSR (which run inside the
engine without stopping it) is taken right after the unmasking instruction, and the run does
not stop again and again to look for it meanwhile (tinysim/emu/unmask_scan.py,
Counter.set_stop_on_unmask, Machine.run)."""

from __future__ import annotations

import pytest

from tinysim.emu.unmask_scan import rv32_unmasks, thumb_unmasks
from tinysim.pipeline.session import build_session

from test_exceptions import BOARD, build, engine_starts, logged  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

# Encodings from the ARMv7-M ARM (DDI 0403E) A7.7.27 CPS, A7.7.82 MRS, A7.7.83 MSR; checked
# against arm-none-eabi-as.
THUMB = {
    "cpsie i": (b"\x62\xb6", True),
    "cpsie f": (b"\x61\xb6", True),
    "cpsie if": (b"\x63\xb6", True),
    "cpsid i": (b"\x72\xb6", False),
    "msr primask, r0": (b"\x80\xf3\x10\x88", True),
    "msr basepri, r3": (b"\x83\xf3\x11\x88", True),
    "msr faultmask, r1": (b"\x81\xf3\x13\x88", True),
    "msr basepri_max, r0": (b"\x80\xf3\x12\x88", False),
    "msr control, r0": (b"\x80\xf3\x14\x88", False),
    "mrs r0, primask": (b"\xef\xf3\x10\x80", False),
    "movs r2, #0xb6": (b"\xb6\x22", False),
}
# RISC-V privileged spec: csrsi mstatus, 8 / csrw mie, a0 / mret set MIE or enables; the clears
# and plain reads of other CSRs do not.
RV32 = {
    "csrsi mstatus, 8": ((0x300 << 20) | (8 << 15) | (6 << 12) | 0x73, True),
    "csrw mie, a0": ((0x304 << 20) | (10 << 15) | (1 << 12) | 0x73, True),
    "mret": (0x30200073, True),
    "csrci mstatus, 8": ((0x300 << 20) | (8 << 15) | (7 << 12) | 0x73, False),
    "csrr a0, mcause": ((0x342 << 20) | (2 << 12) | (10 << 7) | 0x73, False),
    "ecall": (0x00000073, False),
}


@pytest.mark.parametrize("name", sorted(THUMB))
def test_thumb_scan_finds_the_unmasking_instructions(name):
    code, unmasks = THUMB[name]
    nops = b"\x00\xbf" * 3
    assert thumb_unmasks(nops + code + nops) is unmasks
    # the second halfword of a 32-bit instruction is never read as an instruction of its own:
    # `ldr.w r11, [r0, #0x662]` ends in 0xb662, the encoding of cpsie i
    assert not thumb_unmasks(b"\xd0\xf8\x62\xb6" + nops)


@pytest.mark.parametrize("name", sorted(RV32))
def test_rv32_scan_finds_the_unmasking_instructions(name):
    insn, unmasks = RV32[name]
    c_nop = b"\x01\x00"
    assert rv32_unmasks(c_nop + insn.to_bytes(4, "little") + c_nop) is unmasks


@pytest.mark.toolchain
def test_masked_interrupt_is_taken_right_after_the_unmasking(tmp_path):
    s = build_session(build("unmask", tmp_path), BOARD)
    starts = engine_starts(s)
    r = s.run(max_instructions=500_000)
    assert r.exit == "halt", r.message
    log = logged(s)
    # PRIMASK, BASEPRI, FAULTMASK: each time before the instruction after the unmasking one's
    # ISB (polling for the unmask, as before, missed all three short unmasked windows: b"")
    assert log == bytes([0, 2, 4])
    # ~90,000 masked cycles with SysTick pending: polling took ~345 engine starts; stopping
    # after the blocks that may unmask takes a few per stage (and one per SysTick period)
    assert r.cycles > 80_000 and len(starts) < 30, len(starts)


@pytest.mark.toolchain
def test_the_unmasked_interrupt_is_entered_inside_the_engine(tmp_path):
    """The counter hands the held-back interrupt to the machine's unmask handler inside its
    block hook (Machine._take_unmasked): the exception is entered there and the run goes on in
    the handler, with no stop in between (it was one engine stop per unmasking, reason
    "unmask"; the idle loop's CPSIE after WFI made it one per character a UART delivered)."""
    s = build_session(build("unmask", tmp_path), BOARD)
    reasons, counter_stop = [], s.machine._counter_stop

    def seen(reason):
        reasons.append(reason)
        return counter_stop(reason)
    s.machine._counter_stop = seen
    r = s.run(max_instructions=500_000)
    assert r.exit == "halt", r.message
    assert logged(s) == bytes([0, 2, 4])
    assert "unmask" not in reasons, reasons
