"""ESP32-C3 UART (ESP32-C3 TRM v1.x ch. 26, register summary): FIFO register (write pushes a TX
byte, read pops RX), STATUS with RXFIFO_CNT[9:0] and TXFIFO_CNT[25:16], INT_RAW/ST/ENA/CLR with
RXFIFO_FULL (bit 0) raised while RX holds >= CONF1.RXFIFO_FULL_THRHD, TXFIFO_EMPTY (bit 1) while
the TX FIFO is empty, RXFIFO_OVF (bit 4) on overrun. Both FIFOs hold 128 bytes (TRM §26.4.3);
baud = f_sclk / (CLKDIV + FRAG/16) (TRM §26.4.1)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Reg
from .base import Uart

RXFIFO_FULL, TXFIFO_EMPTY, RXFIFO_OVF = 1 << 0, 1 << 1, 1 << 4


@PERIPHERALS.register("uart.esp32c3_uart")
class Esp32c3Uart(Uart):
    DEFAULTS = {**Uart.DEFAULTS, "rx_fifo": 128, "tx_fifo": 128}
    BAUD_REGISTERS = (0x14,)  # CLKDIV
    REGISTERS = (
        Reg(0x00, "FIFO"), Reg(0x04, "INT_RAW", 0x00000002, RO), Reg(0x08, "INT_ST", 0, RO),
        Reg(0x0C, "INT_ENA"), Reg(0x10, "INT_CLR", 0, WO), Reg(0x14, "CLKDIV", 0x000002B6),
        Reg(0x18, "RX_FILT", 0x00000008, UNMODELLED), Reg(0x1C, "STATUS", 0xE000C000, RO),
        Reg(0x20, "CONF0", 0x1000001C), Reg(0x24, "CONF1", 0x00000060),
        Reg(0x78, "CLK_CONF", 0x03701000), Reg(0x80, "ID", 0x00000500, RO),
    )

    def reset(self):
        super().reset()
        self.overflowed = False

    def baud(self):
        div = self.values[0x14]
        divisor = (div & 0xFFF) + ((div >> 20) & 0xF) / 16.0
        if not divisor or not self.params.get("kernel_clock_hz"):
            return None  # the source clock is the board's choice: without it the line is instant
        return self.kernel_clock_hz() / divisor

    def on_overrun(self):
        self.overflowed = True

    def _threshold(self) -> int:
        return max(1, self.values[0x24] & 0x1FF)

    def read_FIFO(self):
        return self.pop_rx()

    def write_FIFO(self, value, mask):
        self.transmit(value & 0xFF)
        self.update_irq()

    def read_STATUS(self):
        self.note_status_poll()
        self.sync()
        return (self.values[0x1C] & ~0x03FF03FF) | min(len(self.rx), 0x3FF) | (min(self.tx_queued, 0x3FF) << 16)

    def _raw(self) -> int:
        raw = RXFIFO_FULL if len(self.rx) >= self._threshold() else 0
        if self.tx_empty_now():
            raw |= TXFIFO_EMPTY
        if self.overflowed:
            raw |= RXFIFO_OVF
        return raw

    def tx_empty_now(self) -> bool:
        self.sync()
        return self.tx_queued == 0

    def read_INT_RAW(self):
        return self._raw()

    def read_INT_ST(self):
        return self._raw() & self.values[0x0C]

    def write_INT_CLR(self, value, mask):
        if value & RXFIFO_OVF:
            self.overflowed = False
        self.update_irq()

    def write_INT_ENA(self, value, mask):
        self.store(0x0C, value, mask)
        self.update_irq()

    def write_CONF1(self, value, mask):
        self.store(0x24, value, mask)
        self.update_irq()

    def irq_active(self) -> bool:
        return bool(self._raw() & self.values[0x0C])

    def tx_irq_enabled(self) -> bool:
        return bool(self.values[0x0C] & TXFIFO_EMPTY)

    def can_wake(self) -> bool:
        return bool(self.values[0x0C] & RXFIFO_FULL)
