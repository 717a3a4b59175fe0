"""The MMIO bus tells the host after a write to a clock controller, never after a read
(`MmioBus.read`/`write`, tinysim/emu/peripherals/bus.py): reads of RCC registers are the polls of
every clock set-up loop, and no model relies on hearing of them (stm32l4_rcc.py reports the LSE a
poll finds ready itself). Accesses go through Unicorn's MMIO callbacks, as the firmware's do."""

from __future__ import annotations

import pytest

from tinysim.pipeline.session import build_session

RCC = {"nucleo-l4r5zi": (0x40021000, "CFGR", "CCIPR"),
       "nucleo-u575zi-q": (0x46020C00, "CFGR1", "CCIPR1"),
       "nucleo-h7a3zi-q": (0x58024400, "CFGR", "CDCCIP2R")}


@pytest.mark.parametrize("board", sorted(RCC))
def test_rcc_reads_do_not_notify_and_writes_do(fw, board):
    s = build_session(fw("hello", board), board)
    m = s.machine
    r = s.run(max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    base, read_reg, write_reg = RCC[board]
    rcc = next(p for p in m.peripherals.values() if p.base == base)
    calls = []
    real = m.clock_tree_written
    m.clock_tree_written = lambda: (calls.append(1), real())[1]   # count, then do the real work
    for _ in range(3):
        m.uc.mem_read(base + rcc.offset_of(read_reg), 4)
    assert calls == []
    off = rcc.offset_of(write_reg)
    m.uc.mem_write(base + off, rcc.get(write_reg).to_bytes(4, "little"))
    assert calls == [1]
