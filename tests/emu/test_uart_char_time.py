"""A UART's character time is computed once and recomputed only when what it depends on changes:
a divider register write, or the clock tree (issue 10 review: no per-call key, no RCC query per
poll)."""

from __future__ import annotations

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost
from tinysim.pipeline.session import build_session

BAUD = 115_200


def test_divider_write_and_clock_change_recompute_the_character_time():
    host = NullHost()
    host.clock = 120_000_000
    u = model_class("uart.stm32_lpuart")("lpuart1", 0x40008000, 0x400, 70,
                                         {"kernel_clock_hz": 16_000_000}, host=host)
    assert u.char_cycles() == 0  # BRR 0: no baud rate yet, an instantaneous line
    u.reg_write("BRR", round(256 * 16_000_000 / BAUD))
    first = u.char_cycles()
    assert first == round(10 * 120_000_000 / (256 * 16_000_000 / round(256 * 16_000_000 / BAUD)))
    host.clock = 60_000_000
    assert u.char_cycles() == first  # kept: nobody said the clock changed
    u.clocks_changed()
    assert u.char_cycles() == round(first / 2)
    u.reg_write("PRESC", 1)  # kernel clock / 2 (RM0432 53.7.12): half the baud, twice the time
    assert u.char_cycles() == first


def test_a_clock_controller_write_reaches_the_uart(fw):
    """On the machine, a bus write to the RCC (CCIPR: LPUART1 kernel clock from HSI16 to SYSCLK,
    RM0432 6.4.28 LPUART1SEL) makes the console UART recompute its character time."""
    session = build_session(fw("hello"), "nucleo-l4r5zi")
    m = session.machine
    assert session.run(max_instructions=20_000).exit == "halt"  # clocks and UART set up
    u = m.peripherals["lpuart1"]
    rcc = m.peripherals["rcc"]
    ccipr = 0x88
    assert (rcc.values[ccipr] >> 10) & 3 == 2  # the test firmware clocks LPUART1 from HSI16
    before = u.char_cycles()
    assert before == round(10 * 120e6 / (256 * 16e6 / u.values[0x0C]))
    bus = next(b for b in m.buses if b.base <= rcc.base < b.end)
    bus.write(m.uc, rcc.base + ccipr - bus.base, 4, (rcc.values[ccipr] & ~(3 << 10)) | (1 << 10), None)
    assert u.kernel_clock_hz() == m.clock_hz() == 120e6
    assert u.char_cycles() == round(10 * 120e6 / (256 * 120e6 / u.values[0x0C]))
