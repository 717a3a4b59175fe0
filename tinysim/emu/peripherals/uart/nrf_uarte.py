"""Nordic UARTE, the UART with EasyDMA of the nRF52/nRF53/nRF91 families (nRF5340 PS chapter
"UARTE - Universal asynchronous receiver/transmitter with EasyDMA"; register offsets and reset
values as in Nordic's SVD).

Unlike the STM32 USARTs there is no data register: the firmware gives RAM buffers and starts
tasks, and the UARTE moves the bytes by DMA and reports events.

- **TX** (PS UARTE "Transmission"). TASKS_STARTTX latches TXD.PTR / TXD.MAXCNT, raises
  EVENTS_TXSTARTED and reads the MAXCNT bytes from RAM (`Host.bus_read`); they go on the paced
  wire one character time apart (`uart.base`). EVENTS_TXDRDY is raised when the first byte has
  left the pin, EVENTS_ENDTX when the last one has ("ENDTX: last TX byte transmitted"), and
  TXD.AMOUNT is MAXCNT. TASKS_STOPTX raises EVENTS_TXSTOPPED. The host sees the bytes at
  STARTTX (their order is all a client can observe).
- **RX** (PS UARTE "Reception"). TASKS_STARTRX latches RXD.PTR / RXD.MAXCNT (RXD.PTR is
  double-buffered: the firmware may write the next buffer as soon as EVENTS_RXSTARTED is
  raised) and raises RXSTARTED. Each byte that lands (paced wire) is written to PTR + AMOUNT
  (`Host.bus_write`) with EVENTS_RXDRDY; at AMOUNT = MAXCNT the transfer ends with
  EVENTS_ENDRX, and SHORTS ENDRX_STARTRX (bit 5) starts the next one at once, ENDRX_STOPRX
  (bit 6) stops the receiver. While no transfer runs, bytes wait in the receiver's FIFO
  (`rx_fifo`: 4 bytes, recalled from the PS "Reception" section, where up to 4 bytes may arrive
  after RTS is deactivated); a byte landing on a full FIFO is lost and raises EVENTS_ERROR with
  ERRORSRC.OVERRUN (bit 0). TASKS_STOPRX ends the transfer (ENDRX, always before RXTO as the PS
  guarantees) and raises EVENTS_RXTO; TASKS_FLUSHRX moves what the FIFO holds into the buffer at
  RXD.PTR (ENDRX, AMOUNT = bytes moved).
- **Events** are plain registers the firmware clears by writing 0; the interrupt line is high
  while any event enabled in INTEN (INTENSET / INTENCLR) is set. A firmware polling an event
  register in a tight loop is fast-forwarded to the line's next change, as for the STM32 status
  flags (`uart.base`).
- **Baud rate.** BAUDRATE holds the PS's values; the listed ones run at the PS's "actual rate"
  (115200 -> 115108 baud), any other at 16 MHz x BAUDRATE / 2^32 (an approximation).
- ENABLE = 8 enables the UARTE; tasks do nothing while it is disabled. CTS/RTS flow control,
  parity and the second stop bit (CONFIG) are stored but not modelled (the line is 8N1); PSEL
  is stored.
"""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Reg
from .base import Uart

ENABLED = 8
# INTEN bits = the event's (offset - 0x100) / 4 (PS UARTE INTEN register)
EVENTS = {0x100: "CTS", 0x104: "NCTS", 0x108: "RXDRDY", 0x110: "ENDRX", 0x11C: "TXDRDY",
          0x120: "ENDTX", 0x124: "ERROR", 0x144: "RXTO", 0x14C: "RXSTARTED", 0x150: "TXSTARTED",
          0x158: "TXSTOPPED"}
BIT = {name: (off - 0x100) // 4 for off, name in EVENTS.items()}
OFFSET = {name: off for off, name in EVENTS.items()}
TX_EVENTS = (1 << BIT["TXDRDY"]) | (1 << BIT["ENDTX"])
RX_EVENTS = (1 << BIT["RXDRDY"]) | (1 << BIT["ENDRX"]) | (1 << BIT["ERROR"])
SHORT_ENDRX_STARTRX, SHORT_ENDRX_STOPRX = 1 << 5, 1 << 6
INTEN_MASK = sum(1 << bit for bit in BIT.values())   # 0x005A0397
OVERRUN = 1 << 0          # ERRORSRC
# BAUDRATE register value -> actual baud rate (PS UARTE BAUDRATE register table)
ACTUAL_BAUD = {
    0x0004F000: 1205, 0x0009D000: 2396, 0x0013B000: 4808, 0x00275000: 9598, 0x003AF000: 14401,
    0x004EA000: 19208, 0x0075C000: 28777, 0x00800000: 31250, 0x009D0000: 38369,
    0x00E50000: 55944, 0x00EB0000: 57554, 0x013A9000: 76923, 0x01D60000: 115108,
    0x03B00000: 231884, 0x04000000: 250000, 0x07400000: 457143, 0x0F000000: 941176,
    0x10000000: 1000000,
}
PERIPHERAL_CLOCK_HZ = 16_000_000   # the UARTE's baud generator clock (PS UARTE "Baud rate")


def _task(name: str):
    def write(self, value, mask):
        if value & mask & 1 and self.values[0x500] == ENABLED:
            getattr(self, "_" + name.lower())()
    return write


def _event_reader(name: str):
    def read(self):
        self.note_status_poll()
        self._update(self.host.now())
        return int(name in self.events)
    return read


def _event_writer(name: str):
    def write(self, value, mask):
        if value & mask & 1:
            self.events.add(name)
        else:
            self.events.discard(name)
        self.update_irq()
    return write


@PERIPHERALS.register("uart.nrf_uarte")
class NrfUarte(Uart):
    DEFAULTS = {**Uart.DEFAULTS, "rx_fifo": 4}
    BAUD_REGISTERS = (0x524,)
    REGISTERS = (
        Reg(0x000, "TASKS_STARTRX", 0, WO), Reg(0x004, "TASKS_STOPRX", 0, WO),
        Reg(0x008, "TASKS_STARTTX", 0, WO), Reg(0x00C, "TASKS_STOPTX", 0, WO),
        Reg(0x02C, "TASKS_FLUSHRX", 0, WO),
        *(Reg(off, "EVENTS_" + name) for off, name in EVENTS.items()),
        Reg(0x200, "SHORTS", 0, wmask=SHORT_ENDRX_STARTRX | SHORT_ENDRX_STOPRX),
        Reg(0x300, "INTEN", 0, wmask=INTEN_MASK), Reg(0x304, "INTENSET"), Reg(0x308, "INTENCLR"),
        Reg(0x480, "ERRORSRC"), Reg(0x500, "ENABLE", 0, wmask=0xF),
        Reg(0x508, "PSEL_RTS", 0xFFFFFFFF), Reg(0x50C, "PSEL_TXD", 0xFFFFFFFF),
        Reg(0x510, "PSEL_CTS", 0xFFFFFFFF), Reg(0x514, "PSEL_RXD", 0xFFFFFFFF),
        Reg(0x524, "BAUDRATE", 0x04000000),
        Reg(0x534, "RXD_PTR"), Reg(0x538, "RXD_MAXCNT", 0, wmask=0xFFFF),
        Reg(0x53C, "RXD_AMOUNT", 0, RO),
        Reg(0x544, "TXD_PTR"), Reg(0x548, "TXD_MAXCNT", 0, wmask=0xFFFF),
        Reg(0x54C, "TXD_AMOUNT", 0, RO),
        Reg(0x56C, "CONFIG", 0, wmask=0x11F),   # HWFC, PARITY, STOP, PARITYTYPE: stored
        *(Reg(0x080 + off, "SUBSCRIBE_" + n, 0, UNMODELLED)
          for off, n in ((0x0, "STARTRX"), (0x4, "STOPRX"), (0x8, "STARTTX"), (0xC, "STOPTX"),
                         (0x2C, "FLUSHRX"))),
        *(Reg(off + 0x80, "PUBLISH_" + name, 0, UNMODELLED) for off, name in EVENTS.items()),
    )

    def __init__(self, *args, **kwargs):
        for name in ("STARTRX", "STOPRX", "STARTTX", "STOPTX", "FLUSHRX"):
            setattr(self, f"write_TASKS_{name}", _task(name).__get__(self))
        for name in EVENTS.values():
            setattr(self, f"read_EVENTS_{name}", _event_reader(name).__get__(self))
            setattr(self, f"write_EVENTS_{name}", _event_writer(name).__get__(self))
        super().__init__(*args, **kwargs)

    def reset(self):
        super().reset()
        self.events: set = set()
        self.rx_active = False          # a DMA transfer is running
        self.rx_ptr = self.rx_max = 0   # its latched RXD.PTR / RXD.MAXCNT
        self.rx_amount = 0
        self.txdrdy_due: Optional[int] = None
        self.endtx_due: Optional[int] = None

    # ---- baud rate ------------------------------------------------------------------------------
    def baud(self):
        value = self.values[0x524]
        if not value:
            return None
        return float(ACTUAL_BAUD.get(value, value * PERIPHERAL_CLOCK_HZ / 2 ** 32))

    # ---- events and the interrupt line ----------------------------------------------------------
    def _raise(self, name: str) -> None:
        self.events.add(name)

    def _update(self, now: int) -> None:
        """Raise the TX events that have fallen due by `now`."""
        if self.txdrdy_due is not None and now >= self.txdrdy_due:
            self._raise("TXDRDY")
            self.txdrdy_due = None
        if self.endtx_due is not None and now >= self.endtx_due:
            self._raise("ENDTX")
            self.endtx_due = None

    def _inten(self) -> int:
        return self.values[0x300]

    def irq_active(self) -> bool:
        self._update(self.host.now())
        inten = self._inten()
        return any(inten >> BIT[name] & 1 for name in self.events)

    def read_INTENSET(self):
        return self._inten()

    def read_INTENCLR(self):
        return self._inten()

    def write_INTEN(self, value, mask):
        self.store(0x300, value, mask)
        self.update_irq()

    def write_INTENSET(self, value, mask):
        self.values[0x300] |= value & mask & INTEN_MASK
        self.update_irq()

    def write_INTENCLR(self, value, mask):
        self.values[0x300] &= ~(value & mask)
        self.update_irq()

    def write_ERRORSRC(self, value, mask):   # write 1 to clear (PS UARTE ERRORSRC)
        self.values[0x480] &= ~(value & mask)

    def tx_irq_enabled(self) -> bool:
        return bool(self._inten() & TX_EVENTS)

    def can_wake(self) -> bool:
        return self.values[0x500] == ENABLED and bool(self._inten() & RX_EVENTS)

    def next_event(self, now: int) -> Optional[int]:
        due = [t for t in (super().next_event(now),) if t is not None]
        if self.tx_irq_enabled():
            due += [t for t in (self.txdrdy_due, self.endtx_due) if t is not None]
        return min(due) if due else None

    def tick(self, now: int) -> None:
        self._update(now)
        super().tick(now)

    # ---- TX -------------------------------------------------------------------------------------
    def _starttx(self) -> None:
        ptr, count = self.values[0x544], self.values[0x548]
        self._raise("TXSTARTED")
        data = bytes(self.host.bus_read(ptr + k, 1) or 0 for k in range(count))
        first_out = self.transmit_block(data)
        if count:
            self.txdrdy_due = first_out
        self.values[0x54C] = count
        self.endtx_due = self.tx_idle_at()
        self.update_irq()

    def _stoptx(self) -> None:
        self._raise("TXSTOPPED")
        self.update_irq()

    # ---- RX -------------------------------------------------------------------------------------
    def _startrx(self) -> None:
        self.rx_active = True
        self.rx_ptr, self.rx_max = self.values[0x534], self.values[0x538]
        self.rx_amount = 0
        self.values[0x53C] = 0
        self._raise("RXSTARTED")
        self._fill()
        self.update_irq()

    def _stoprx(self) -> None:
        if self.rx_active:
            self._end_rx()
        self._raise("RXTO")
        self.update_irq()

    def _flushrx(self) -> None:
        ptr, room, moved = self.values[0x534], self.values[0x538], 0
        while self.rx and moved < room:
            self.host.bus_write(ptr + moved, 1, self.rx.popleft())
            moved += 1
        self.values[0x53C] = moved
        self._raise("ENDRX")
        self.update_irq()

    def _end_rx(self) -> None:
        self.rx_active = False
        self.values[0x53C] = self.rx_amount
        self._raise("ENDRX")
        shorts = self.values[0x200]
        if shorts & SHORT_ENDRX_STARTRX:
            self._startrx()
        elif shorts & SHORT_ENDRX_STOPRX:
            self._raise("RXTO")

    def _fill(self) -> None:
        """EasyDMA moves what the receiver holds into the running transfer's buffer."""
        while self.rx_active and self.rx and self.rx_amount < self.rx_max:
            self.host.bus_write(self.rx_ptr + self.rx_amount, 1, self.rx.popleft())
            self.rx_amount += 1
            self.values[0x53C] = self.rx_amount
            self._raise("RXDRDY")
            if self.rx_amount >= self.rx_max:
                self._end_rx()

    def on_rx_change(self) -> None:
        self._fill()
        self.update_irq()

    def on_overrun(self) -> None:
        self.values[0x480] |= OVERRUN
        self._raise("ERROR")
