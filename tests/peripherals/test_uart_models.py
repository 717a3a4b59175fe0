"""UART models alone: no CPU, a NullHost standing in for the machine."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost


def lpuart(**params):
    host = NullHost()
    return model_class("uart.stm32_lpuart")("lpuart1", 0x40008000, 0x400, 70, params, host=host), host


def test_lpuart_reset_flags_and_transmit():
    u, host = lpuart()
    isr = u.reg_read("ISR")
    assert isr & (1 << 7) and isr & (1 << 6)  # TXE, TC out of reset
    u.reg_write("TDR", ord("x"))
    assert host.tx == b""  # UE/TE off: nothing leaves the pin
    u.reg_write("CR1", 0b1101)  # UE | RE | TE
    isr = u.reg_read("ISR")
    assert isr & (1 << 21) and isr & (1 << 22)  # TEACK, REACK follow TE/RE
    u.reg_write("TDR", ord("A"))
    u.write(u.offset_of("TDR"), 1, ord("B"))  # byte store
    assert bytes(host.tx) == b"AB"


def test_lpuart_rx_injection_sets_rxne_and_irq():
    u, host = lpuart()
    u.reg_write("CR1", 0b1101 | (1 << 5))  # + RXNEIE
    assert host.irqs.get(70) is False
    u.inject(b"hi")
    assert u.reg_read("ISR") & (1 << 5)
    assert host.irqs[70] is True
    assert u.reg_read("RDR") == ord("h")
    assert u.reg_read("RDR") == ord("i")
    assert not u.reg_read("ISR") & (1 << 5)
    assert host.irqs[70] is False
    assert u.reg_read("ISR") & (1 << 4)  # IDLE after the last frame
    u.reg_write("ICR", 1 << 4)
    assert not u.reg_read("ISR") & (1 << 4)


def test_lpuart_empty_polls_request_idle_stop():
    u, host = lpuart(idle_polls=5)
    u.reg_write("CR1", 0b1101)
    for _ in range(4):
        u.reg_read("ISR")
    assert host.stops == []
    u.reg_read("ISR")
    assert host.stops == ["idle"]


def test_unknown_offset_is_reported_as_unmodelled():
    u, host = lpuart()
    assert u.read(0x3FC, 4) == 0
    u.reg_read("GTPR")
    assert host.unmodelled_log == [("lpuart1", "+0x3fc", "read"), ("lpuart1", "GTPR", "read")]
