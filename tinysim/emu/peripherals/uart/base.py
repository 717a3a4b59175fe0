"""What every UART model shares: host-fed RX FIFO, TX capture, idle detection.

Transmission is instantaneous in virtual time (TXE/TC are always set): the benchmark's timed
windows contain no UART traffic, and a modelled baud rate would only slow prints down.
A firmware polling an empty receiver `idle_polls` times in a row (deterministic count, no host
time) makes the machine stop with exit "idle", so the host can feed input and resume.
"""

from __future__ import annotations

from collections import deque

from ..base import Peripheral


class Uart(Peripheral):
    DEFAULTS = {"idle_polls": 2000}

    def reset(self):
        super().reset()
        self.rx = deque()
        self.empty_polls = 0

    # ---- host side --------------------------------------------------------------------
    def inject(self, data: bytes) -> None:
        """Bytes arriving on the RX pin, in order."""
        self.rx.extend(data)
        self.empty_polls = 0
        self.on_rx_change()

    # ---- model side ---------------------------------------------------------------------
    def transmit(self, byte: int) -> None:
        self.empty_polls = 0
        self.host.uart_tx(self, byte & 0xFF)

    def pop_rx(self) -> int:
        if not self.rx:
            return 0
        byte = self.rx.popleft()
        self.on_rx_change()
        return byte

    def note_status_poll(self) -> None:
        """Called on every status read; counts reads that find the receiver empty."""
        if self.rx:
            self.empty_polls = 0
            return
        self.empty_polls += 1
        if self.empty_polls >= int(self.params["idle_polls"]):
            self.empty_polls = 0
            self.host.request_stop("idle")

    def on_rx_change(self) -> None:
        """Recompute flags and the interrupt line after the RX FIFO changed."""
        self.update_irq()

    def irq_active(self) -> bool:
        return False

    def update_irq(self) -> None:
        if self.irq is not None:
            self.host.set_irq(self.irq, self.irq_active())
