"""Exception entry and return against ARM DDI 0403E.e (B1.5.6 ExceptionEntry/PushStack, B1.5.8
ExceptionReturn/PopStack), driven by tests/emu/firmware/excstate.S: the APSR GE bits, FPSCR and
ITSTATE survive an exception, the extended frame is 0x68 bytes with FPCAR pointing at its FP
part, CONTROL.FPCA is clear in the handler."""

from __future__ import annotations

import struct

import pytest

from tinysim.pipeline.session import build_session

from test_usage_faults import BOARD, build_fp  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

pytestmark = pytest.mark.toolchain


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    s = build_session(build_fp("excstate", tmp_path_factory.mktemp("exc")), BOARD)
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message

    def w(sym, i=0):
        return struct.unpack("<I", s.machine.uc.mem_read(s.firmware.symbol(sym) + 4 * i, 4))[0]
    return s, w


def test_ge_flags_survive_an_exception(run):
    _s, w = run
    assert w("res", 0) & 0xF80F0000 == 0x20050000  # GE = 0101 from SADD8, C = 1; the handler set GE = 1111
    assert w("res", 2) == 0xAA22CC44  # SEL picks bytes by those GE bits
    assert w("seen", 4) & 0x000F0000 == 0x00050000  # and they were stacked
    assert w("seen", 4) >> 24 & 1  # with EPSR.T


def test_fpscr_survives_an_exception(run):
    _s, w = run
    assert w("res", 1) == 0x00C00000  # round towards zero; the handler wrote round to nearest


def test_return_into_an_it_block_keeps_itstate(run):
    _s, w = run
    assert w("round") == 2
    assert (w("res", 3), w("res", 4), w("res", 5)) == (0, 0, 7)  # MOVEQ skipped (Z = 0), then on
    # the skipped LDRDEQ from an unaligned address raised no UsageFault (a block that starts
    # inside an IT block: Unicorn calls the check only when the condition passes)
    assert run[0].machine.faults_taken == []


def test_extended_frame_and_fpcar(run):
    _s, w = run
    assert w("seen", 0) == 0xFFFFFFE9  # thread, MSP, extended frame
    assert w("seen", 1) == 0x20004000 - 0x68  # 8-aligned SP, 0x68-byte frame
    assert w("seen", 2) == w("seen", 1) + 0x20  # FPCAR: the FP part (FPCCR.LSPEN out of reset)
    assert w("seen", 3) & 4 == 0  # CONTROL.FPCA clear in the handler
