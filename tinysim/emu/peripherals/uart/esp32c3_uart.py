"""ESP32-C3 UART (ESP32-C3 TRM v1.x ch. 26, register summary): FIFO register (write pushes a TX
byte, read pops RX), STATUS with RXFIFO_CNT[9:0] and TXFIFO_CNT[25:16] (TX drains at once),
INT_RAW/ST/ENA/CLR with RXFIFO_FULL (bit 0) raised while RX holds >= CONF1.RXFIFO_FULL_THRHD."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Reg
from .base import Uart

RXFIFO_FULL = 1 << 0


@PERIPHERALS.register("uart.esp32c3_uart")
class Esp32c3Uart(Uart):
    REGISTERS = (
        Reg(0x00, "FIFO"), Reg(0x04, "INT_RAW", 0x00000002, RO), Reg(0x08, "INT_ST", 0, RO),
        Reg(0x0C, "INT_ENA"), Reg(0x10, "INT_CLR", 0, WO), Reg(0x14, "CLKDIV", 0x000002B6),
        Reg(0x18, "RX_FILT", 0x00000008, UNMODELLED), Reg(0x1C, "STATUS", 0xE000C000, RO),
        Reg(0x20, "CONF0", 0x1000001C), Reg(0x24, "CONF1", 0x00000060),
        Reg(0x78, "CLK_CONF", 0x03701000), Reg(0x80, "ID", 0x00000500, RO),
    )

    def _threshold(self) -> int:
        return max(1, self.values[0x24] & 0x1FF)

    def read_FIFO(self):
        return self.pop_rx()

    def write_FIFO(self, value, mask):
        self.transmit(value & 0xFF)

    def read_STATUS(self):
        self.note_status_poll()
        return (self.values[0x1C] & ~0x03FF03FF) | min(len(self.rx), 0x3FF)

    def _raw(self) -> int:
        return RXFIFO_FULL if len(self.rx) >= self._threshold() else 0

    def read_INT_RAW(self):
        return self._raw() | 0x2  # TXFIFO_EMPTY

    def read_INT_ST(self):
        return (self._raw() | 0x2) & self.values[0x0C]

    def write_INT_ENA(self, value, mask):
        self.store(0x0C, value, mask)
        self.update_irq()

    def write_CONF1(self, value, mask):
        self.store(0x24, value, mask)
        self.update_irq()

    def irq_active(self) -> bool:
        return bool(self._raw() & self.values[0x0C])

    def can_wake(self) -> bool:
        return bool(self.values[0x0C] & RXFIFO_FULL)
