"""nRF5340 application core CLOCK (nRF5340 PS chapter "CLOCK - Clock control"; offsets and reset
values as in Nordic's SVD for the application core).

The core clock HCLK128M is the 128 MHz high-frequency clock divided by HFCLKCTRL.HCLK
(bit 0: Div1 = 0 -> 128 MHz, Div2 = 1 -> 64 MHz, the reset value: the application core boots
at 64 MHz). A change is reported to the host (`Host.clock_changed`), which re-times the run.
TASKS_HFCLKSTART starts the HFCLK from HFCLKSRC (HFINT or the HFXO crystal) and
TASKS_LFCLKSTART the LFCLK from LFCLKSRC: both are running at once (oscillator start-up times
are not modelled) with HFCLKRUN/HFCLKSTAT (LFCLKRUN/LFCLKSTAT) updated and
EVENTS_HFCLKSTARTED (EVENTS_LFCLKSTARTED) raised; the CLOCK_POWER interrupt line (IRQ 5) is
high while an event enabled in INTEN is set. The window at 0x5000_5000 is shared with POWER and
RESET (PS instantiation table, ID 5): their registers are not modelled and are reported by
offset."""

from __future__ import annotations

from dataclasses import dataclass

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg

HFCLK_HZ = 128_000_000.0   # PS CLOCK "HFCLK128M": 128 MHz, divided by HFCLKCTRL.HCLK
STATE_RUNNING = 1 << 16    # HFCLKSTAT / LFCLKSTAT STATE
EVENT_BITS = {0x100: 0, 0x104: 1, 0x11C: 7}   # HFCLKSTARTED, LFCLKSTARTED, DONE -> INTEN bit


@dataclass(frozen=True)
class Nrf53Clocks:
    """What the machine's over-clock check asks of a clock model (`tree().problems`): HCLKCTRL
    can only select 128 or 64 MHz, both within the core's limit, so there is never a problem."""
    hclk_hz: float
    problems: tuple = ()


@PERIPHERALS.register("clock.nrf53_clock")
class Nrf53Clock(Peripheral):
    REGISTERS = (
        Reg(0x000, "TASKS_HFCLKSTART", 0, WO), Reg(0x004, "TASKS_HFCLKSTOP", 0, WO),
        Reg(0x008, "TASKS_LFCLKSTART", 0, WO), Reg(0x00C, "TASKS_LFCLKSTOP", 0, WO),
        Reg(0x010, "TASKS_CAL", 0, UNMODELLED),
        Reg(0x100, "EVENTS_HFCLKSTARTED"), Reg(0x104, "EVENTS_LFCLKSTARTED"),
        Reg(0x11C, "EVENTS_DONE"),
        Reg(0x300, "INTEN", 0, wmask=0x383), Reg(0x304, "INTENSET"), Reg(0x308, "INTENCLR"),
        Reg(0x30C, "INTPEND", 0, RO),
        Reg(0x408, "HFCLKRUN", 0, RO), Reg(0x40C, "HFCLKSTAT", 0, RO),
        Reg(0x414, "LFCLKRUN", 0, RO), Reg(0x418, "LFCLKSTAT", 0, RO),
        Reg(0x41C, "LFCLKSRCCOPY", 0, RO),
        Reg(0x514, "HFCLKSRC", 0, wmask=0x1), Reg(0x518, "LFCLKSRC", 0, wmask=0x3),
        Reg(0x558, "HFCLKCTRL", 0x1, wmask=0x1),
        Reg(0x570, "HFCLKALWAYSRUN", 0, UNMODELLED), Reg(0x574, "LFCLKALWAYSRUN", 0, UNMODELLED),
    )

    # ---- what the machine asks (tinysim/emu/operating_point.py) -------------------------------
    def core_clock_hz(self) -> float:
        return HFCLK_HZ / (2 if self.values[0x558] & 1 else 1)

    def tree(self) -> Nrf53Clocks:
        return Nrf53Clocks(hclk_hz=self.core_clock_hz())

    def write_HFCLKCTRL(self, value, mask):
        before = self.core_clock_hz()
        self.store(0x558, value, mask)
        if self.core_clock_hz() != before:
            self.host.clock_changed()

    # ---- tasks and events -----------------------------------------------------------------------
    def write_TASKS_HFCLKSTART(self, value, mask):
        if value & mask & 1:
            self.values[0x408] = 1
            self.values[0x40C] = STATE_RUNNING | (self.values[0x514] & 1)
            self.values[0x100] = 1
            self.update_irq()

    def write_TASKS_HFCLKSTOP(self, value, mask):
        if value & mask & 1:   # HFINT keeps clocking the CPU: only the requested source stops
            self.values[0x408] = 0
            self.values[0x40C] = 0

    def write_TASKS_LFCLKSTART(self, value, mask):
        if value & mask & 1:
            src = self.values[0x518] & 3
            self.values[0x414] = 1
            self.values[0x418] = STATE_RUNNING | src
            self.values[0x41C] = src
            self.values[0x104] = 1
            self.update_irq()

    def write_TASKS_LFCLKSTOP(self, value, mask):
        if value & mask & 1:
            self.values[0x414] = 0
            self.values[0x418] = 0

    def _pending(self) -> int:
        return sum(1 << bit for off, bit in EVENT_BITS.items() if self.values[off] & 1)

    def read_INTPEND(self):
        return self._pending() & self.values[0x300]

    def read_INTENSET(self):
        return self.values[0x300]

    def read_INTENCLR(self):
        return self.values[0x300]

    def write_INTEN(self, value, mask):
        self.store(0x300, value, mask)
        self.update_irq()

    def write_INTENSET(self, value, mask):
        self.values[0x300] |= value & mask & 0x383
        self.update_irq()

    def write_INTENCLR(self, value, mask):
        self.values[0x300] &= ~(value & mask)
        self.update_irq()

    def _event_write(self, off, value, mask):
        self.store(off, value & 1, mask)
        self.update_irq()

    def write_EVENTS_HFCLKSTARTED(self, value, mask):
        self._event_write(0x100, value, mask)

    def write_EVENTS_LFCLKSTARTED(self, value, mask):
        self._event_write(0x104, value, mask)

    def write_EVENTS_DONE(self, value, mask):
        self._event_write(0x11C, value, mask)

    def update_irq(self) -> None:
        if self.irq is not None:
            self.host.set_irq(self.irq, bool(self.read_INTPEND()), self.name)
