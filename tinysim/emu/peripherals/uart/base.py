"""What every UART model shares: a serial line paced at the configured baud rate in device time,
the receiver's FIFO with overrun, TX capture, and idle detection.

The line (8N1: start + 8 data + stop = 10 bit times per character):
- **RX.** Bytes the host sends wait on the *wire* and land in the receiver one character time
  apart, starting one character time after they were sent. The receiver holds `rx_fifo` bytes
  (1 on an STM32 with its FIFO off); a byte that lands on a full receiver is lost and sets the
  overrun flag, as on silicon (RM0432 section 53.4.11 "Overrun error"). Nothing the host sent
  is dropped by the model itself: only a firmware that does not read in time loses bytes.
- **TX.** A byte written to the data register goes to the shift register when it is free, and
  leaves the pin one character time later; the holding register empties (TXE) when its byte
  moves to the shift register, and TC sets when both are empty. A DMA transfer hands the
  transmitter a whole block (`transmit_block`): its bytes queue without a FIFO limit and leave
  one character time apart. The host sees each byte when it is written (its order on the wire
  is all a client can observe).
- **Spinning on a flag** (a firmware polling TXE, TC or RXNE in a tight loop) advances device
  time straight to the moment the flag changes instead of emulating every poll: the device time
  is that of silicon; the spin's instructions are not counted. A poll is part of a spin when it
  comes within `spin_gap_cycles` of the previous status poll, `spin_polls` times in a row.
- **Idle.** A firmware polling an empty receiver with nothing on the wire `idle_polls` times in
  a row (a deterministic count, no host time) makes the machine stop with exit "idle", so the
  host can feed input and resume.

Without a configured baud rate (divider register still 0, or no clock) the line is instantaneous
and lossless: host bytes wait on the wire until the receiver has room.
"""

from __future__ import annotations

from collections import deque
from typing import Optional

from ..base import Peripheral

BITS_PER_CHAR = 10  # 8N1: start bit, 8 data bits, stop bit


class Uart(Peripheral):
    DEFAULTS = {"idle_polls": 2000, "rx_fifo": 1, "tx_fifo": 1, "spin_polls": 4, "spin_gap_cycles": 64}

    BAUD_REGISTERS: tuple = ()  # offsets of the registers `baud()` reads

    def reset(self):
        super().reset()
        self._char: Optional[int] = None  # char_cycles, None: to compute
        self.rx = deque()       # received, not yet read by the firmware
        self.wire = deque()     # sent by the host, not yet landed
        self.rx_due: Optional[int] = None   # cycle at which wire[0] lands
        self.shift_end = 0      # cycle at which the TX shift register empties
        self.tx_queued = 0      # TX bytes waiting for the shift register (holding register / FIFO)
        self.tc_cleared = False # software cleared TC after the last transmission ended
        self.overruns = 0
        self.empty_polls = 0
        self._last_poll: Optional[int] = None
        self._spin = 0
        self._irq_sent: Optional[bool] = None  # the level update_irq last sent; None: none yet

    # ---- what a model provides ----------------------------------------------------------------
    def baud(self) -> Optional[float]:
        """The configured baud rate, or None while the divider is not set (instantaneous line)."""
        return None

    def kernel_clock_hz(self) -> float:
        """The clock the baud-rate divider divides: the `kernel_clock_hz` param (an override),
        else what the clock controller model derives (`Host.kernel_clock_hz`), else the core clock."""
        if self.params.get("kernel_clock_hz"):
            return float(self.params["kernel_clock_hz"])
        derived = self.host.kernel_clock_hz(self.name)
        return float(derived) if derived is not None else float(self.host.clock_hz())

    def on_overrun(self) -> None:
        """A byte landed on a full receiver: set the model's overrun flag."""

    # ---- timing ---------------------------------------------------------------------------------
    def char_cycles(self) -> int:
        """Core cycles one character takes on the line; 0 for an instantaneous line. Computed
        once and kept until a divider register is written (`write`, `set`) or the clocks change
        (`clocks_changed`): the run loop asks at every stop."""
        if self._char is None:
            clock = self.host.clock_hz()
            baud = self.baud()
            self._char = max(1, round(BITS_PER_CHAR * clock / baud)) if baud and clock else 0
        return self._char

    def clocks_changed(self) -> None:
        """The core clock or this UART's kernel clock may have changed (Host.clock_changed)."""
        self._char = None

    def write(self, offset: int, size: int, value: int) -> None:
        super().write(offset, size, value)
        if offset & ~3 in self.BAUD_REGISTERS:
            self._char = None

    def set(self, name: str, value: int) -> None:
        super().set(name, value)
        self._char = None

    def _land(self, now: int) -> None:
        """Move every byte whose last bit has arrived by `now` from the wire into the receiver."""
        if not self.wire:  # nothing on the line (the run loop asks every UART at every stop)
            self.rx_due = None
            return
        char = self.char_cycles()
        changed = False
        if char == 0:  # no baud rate: bytes wait on the wire until there is room (nothing is lost)
            while self.wire and len(self.rx) < int(self.params["rx_fifo"]):
                self.rx.append(self.wire.popleft())
                changed = True
            if changed:
                self.on_rx_change()
            self.rx_due = None  # the line is not running: timing starts once it has a baud rate
            return
        if self.wire and self.rx_due is None:
            self.rx_due = now + char
        while self.wire and self.rx_due <= now:
            byte = self.wire.popleft()
            if len(self.rx) < int(self.params["rx_fifo"]):
                self.rx.append(byte)
            else:
                self.overruns += 1
                self.on_overrun()
            changed = True
            if self.wire:
                self.rx_due += char
        if not self.wire:
            self.rx_due = None
        if changed:
            self.on_rx_change()

    def _drain(self, now: int) -> None:
        """Queued TX bytes move to the shift register, one as each one before it leaves."""
        if not self.tx_queued:
            return
        char = self.char_cycles()
        while self.tx_queued and self.shift_end <= now:
            self.shift_end += char
            self.tx_queued -= 1

    def sync(self) -> int:
        """Bring the line up to the current cycle; returns it."""
        now = self.host.now()
        self._land(now)
        self._drain(now)
        return now

    def tx_empty(self) -> bool:  # TXE: the holding register (FIFO) can take a byte
        return self.tx_flags(self.sync())[0]

    def tx_complete(self) -> bool:  # TC: nothing queued, shift register empty, not cleared since
        return self.tx_flags(self.sync())[1]

    def tx_flags(self, now: int) -> tuple:
        """(TXE, TC) of a line already brought up to `now` (`sync`, `note_status_poll`)."""
        return (self.tx_queued < int(self.params["tx_fifo"]),
                not self.tx_queued and self.shift_end <= now and not self.tc_cleared)

    def next_change(self, now: int) -> Optional[int]:
        """When the line next changes a flag: a byte lands, or TX moves on (TXE, TC)."""
        events = []
        if self.wire and self.rx_due is not None and self.char_cycles():
            events.append(self.rx_due)
        if self.tx_queued or self.shift_end > now:
            events.append(self.shift_end)
        return min(events) if events else None

    def next_event(self, now: int) -> Optional[int]:
        # TX progress only matters to the machine when it can raise an interrupt.
        if self.tx_irq_enabled():
            return self.next_change(now)
        return self.rx_due if self.wire and self.char_cycles() else None

    def tx_irq_enabled(self) -> bool:
        """Whether TXE/TC (or the model's equivalents) can raise the interrupt line."""
        return False

    def tick(self, now: int) -> None:
        self._land(now)
        self._drain(now)
        # Between slices a level already sent changes nothing (a repeat only asks to stop a run
        # that is not running), and the run loop ticks every timed peripheral at every stop.
        if self.irq is not None and self.irq_active() != self._irq_sent:
            self.update_irq()

    # ---- host side --------------------------------------------------------------------------
    def tx_idle_at(self) -> int:
        """The cycle the TX line falls idle: the last queued character has left."""
        now = self.host.now()
        return max(now, self.shift_end) + self.tx_queued * self.char_cycles()

    def inject(self, data: bytes, delay_cycles: int = 0) -> None:
        """Bytes the host sends on the RX line, in order, starting now (or `delay_cycles` from
        now: the host's turnaround)."""
        if not data:
            return
        now = self.host.now()
        self._land(now)
        if not self.wire:
            self.rx_due = None  # starts one character time from now (set by _land)
            char = self.char_cycles()
            if char and delay_cycles > 0:
                self.rx_due = now + delay_cycles + char
        self.wire.extend(data)
        self.empty_polls = 0
        self._land(now)  # an instantaneous line delivers at once
        self.host.timers_changed()

    # ---- model side -----------------------------------------------------------------------------
    def transmit(self, byte: int) -> None:
        """The firmware wrote a byte to the data register (the model checked TE/UE). At most
        `tx_fifo` bytes wait behind the shift register: one written while TXE is clear would
        overwrite the holding register on silicon, so it adds no time to the line."""
        self._queue_tx(bytes((byte & 0xFF,)), int(self.params["tx_fifo"]))

    def transmit_block(self, data: bytes) -> int:
        """A DMA engine hands the transmitter `data` at once (the model read it from memory):
        every byte is queued, none is lost, and they leave the pin one character time apart,
        as `transmit` paces them (TXE, TC, `next_change` as for bytes written one by one).
        Returns the cycle at which the first byte has left the pin."""
        self.sync()
        first_out = self.tx_idle_at() + self.char_cycles()
        self._queue_tx(data, len(data) + self.tx_queued)
        return first_out

    def _queue_tx(self, data: bytes, room: int) -> None:
        """Each byte goes to the shift register if it is free, else behind the bytes queued
        for it (`tx_queued`, at most `room`); the host sees it now."""
        self.empty_polls = 0
        now = self.sync()
        char = self.char_cycles()
        self.tc_cleared = False
        for byte in data:
            if self.shift_end <= now:
                self.shift_end = now + char
            else:
                self.tx_queued = min(self.tx_queued + 1, room)
            self.host.uart_tx(self, byte)
        if char and data:
            self.host.timers_changed()

    def pop_rx(self) -> int:
        self.sync()
        if not self.rx:
            return 0
        byte = self.rx.popleft()
        self.on_rx_change()
        return byte

    def note_status_poll(self) -> int:
        """Called on every status read before the flags are computed: spin and idle detection.
        A spin advances to the line's next change (a byte landing, TXE or TC setting), whichever
        flag the firmware waits for: no flag changes before then, so no poll could see one.
        Returns the cycle the line was brought up to (`tx_flags`)."""
        now = self.sync()
        gap = int(self.params["spin_gap_cycles"])
        self._spin = self._spin + 1 if self._last_poll is not None and now - self._last_poll <= gap else 0
        self._last_poll = now
        if self._spin >= int(self.params["spin_polls"]):
            due = self.next_change(now)
            if due is not None and due > now:
                self.host.advance_to(due)
                now = self._last_poll = self.sync()
                self._spin = 0
        if self.rx or self.wire:
            self.empty_polls = 0
            return now
        self.empty_polls += 1
        if self.empty_polls >= int(self.params["idle_polls"]):
            self.empty_polls = 0
            self.host.request_stop("idle")
        return now

    def on_rx_change(self) -> None:
        """Recompute flags and the interrupt line after the receiver changed."""
        self.update_irq()

    def irq_active(self) -> bool:
        return False

    def update_irq(self) -> None:
        """Send the interrupt line's level. Inside emulation always (a repeated high level asks
        for a stop when the interrupt has become deliverable since); `tick` skips repeats. The
        line is this UART's own source, so another peripheral on the same IRQ cannot lower it."""
        if self.irq is not None:
            self._irq_sent = self.irq_active()
            self.host.set_irq(self.irq, self._irq_sent, self.name)
