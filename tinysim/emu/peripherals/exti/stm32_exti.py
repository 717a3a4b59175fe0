"""STM32L4+ EXTI, the extended interrupt and event controller (RM0432 Rev 9 chapter "Extended
interrupts and events controller (EXTI)"; offsets and reset values recalled from memory, to
verify against the manual).

Lines 0..15 are the GPIO pins, one port per line as SYSCFG_EXTICRx selects (`syscfg` param: the
SYSCFG model's name). A pin's level reaches the edge detector two ways: the GPIO pin's own level
(the GPIO model tells the EXTI when an output data bit changes; the level read is what IDR shows)
and board wires ending at `exti:<pin>` (e.g. `gpio:PB0 -> exti:PC13`, an external signal on
PC13). A rising (RTSR) or falling (FTSR) edge, or a write of 1 to SWIER, sets the pending bit in
PR; a pending line unmasked in IMR raises its interrupt (`lines` param: [first, last, irq] rows,
RM0432 Table 58). PR bits clear by writing 1. The direct and configurable lines 16..40 (PVD, RTC,
COMP, wake-ups...) have no inputs in this model: their registers are stored. A line unmasked in
EMR sends an event to the core's RXEV input on the same edges and SWIER writes, which sets the
event register and wakes a WFE (event_register.py); whether PR is also set for an event-only
line is not checked against the manual (it is set here).
"""

from __future__ import annotations

from typing import Dict

from ....errors import PlatformError
from .. import PERIPHERALS
from ..base import Peripheral, Reg

PORTS = "ABCDEFGHI"


@PERIPHERALS.register("exti.stm32_exti")
class Stm32Exti(Peripheral):
    DEFAULTS = {"syscfg": "syscfg", "gpio": "gpio",
                "lines": [[0, 0, 6], [1, 1, 7], [2, 2, 8], [3, 3, 9], [4, 4, 10], [5, 9, 23],
                          [10, 15, 40]]}
    REGISTERS = (
        # IMR1 resets with the direct lines unmasked, IMR2 likewise (recalled from RM0432).
        Reg(0x00, "IMR1", 0xFF820000), Reg(0x04, "EMR1"), Reg(0x08, "RTSR1", 0, wmask=0x007DFFFF),
        Reg(0x0C, "FTSR1", 0, wmask=0x007DFFFF), Reg(0x10, "SWIER1", 0, wmask=0x007DFFFF),
        Reg(0x14, "PR1", 0, wmask=0x007DFFFF),
        Reg(0x20, "IMR2", 0x00000087), Reg(0x24, "EMR2"), Reg(0x28, "RTSR2", 0, wmask=0x78),
        Reg(0x2C, "FTSR2", 0, wmask=0x78), Reg(0x30, "SWIER2", 0, wmask=0x78),
        Reg(0x34, "PR2", 0, wmask=0x78),
    )

    def __init__(self, name, base, size, irq=None, params=None, host=None):
        self._levels: Dict[str, int] = {}
        super().__init__(name, base, size, irq, params, host)
        self._irq_of: Dict[int, int] = {}
        for row in self.params["lines"]:
            if len(row) != 3 or not 0 <= row[0] <= row[1] <= 15:
                raise PlatformError(f"params.lines row {row!r}: give [first line, last line, irq] "
                                    "with lines 0..15")
            for line in range(row[0], row[1] + 1):
                self._irq_of[line] = int(row[2])
        self._irq_levels: Dict[int, bool] = {}
        gpio = self.host.peripheral(str(self.params["gpio"]))
        if gpio is not None and hasattr(gpio, "watch_all"):
            self._gpio = gpio
            gpio.watch_all(self._gpio_changed)   # one dispatcher for every pin
        else:
            self._gpio = None

    def reset(self):
        super().reset()
        self._levels = {}
        self._irq_levels = {}

    # ---- inputs ------------------------------------------------------------------------------
    def _pin(self, pin: str):
        p = pin.upper()
        if len(p) < 3 or p[0] != "P" or p[1] not in PORTS or not p[2:].isdigit() or int(p[2:]) > 15:
            raise PlatformError(f"{self.name}: no input {pin!r} (EXTI inputs are GPIO pins PA0..PI15)")
        return p[1], int(p[2:])

    def _gpio_changed(self, pin: str, _odr_level: int) -> None:
        """An output data bit of the GPIO changed: the edge detector sees what IDR reads."""
        if pin[1] not in PORTS:
            return   # a port past PI has no EXTI line
        port, bit = self._pin(pin)
        idr = self._gpio.read(0x400 * PORTS.index(port) + 0x10, 4)
        self.drive(pin, idr >> bit & 1)

    def drive(self, pin: str, level: int) -> None:
        """The level of GPIO pin `pin` as the edge detector sees it."""
        port, line = self._pin(pin)
        name = f"P{port}{line}"
        old = self._levels.get(name, 0)
        self._levels[name] = level = 1 if level else 0
        if level == old or self._port_of(line) != port:
            return
        edges = self.values[0x08] if level else self.values[0x0C]
        if edges >> line & 1:
            self.values[0x14] |= 1 << line
            self._update_irqs()
            self._send_events(1 << line)

    def _port_of(self, line: int) -> str:
        syscfg = self.host.peripheral(str(self.params["syscfg"]))
        return syscfg.exti_port(line) if syscfg is not None else "A"   # EXTICR resets to port A

    # ---- registers ---------------------------------------------------------------------------
    def write_SWIER1(self, value, mask):   # reads 1 until the pending bit is cleared
        self.store(0x10, value | self.values[0x10], mask)
        self.values[0x14] |= value & mask & self._regs[0x10].wmask
        self._update_irqs()
        self._send_events(value & mask & self._regs[0x10].wmask)

    def write_PR1(self, value, mask):       # rc_w1; clearing a pending bit also clears SWIER
        self.values[0x14] &= ~(value & mask)
        self.values[0x10] &= ~(value & mask)
        self._update_irqs()

    def write_PR2(self, value, mask):
        self.values[0x34] &= ~(value & mask)
        self.values[0x30] &= ~(value & mask)

    def write_IMR1(self, value, mask):
        self.store(0x00, value, mask)
        self._update_irqs()

    def _send_events(self, lines: int) -> None:
        """Lines just triggered: those unmasked in EMR1 pulse the core's event input."""
        signal = getattr(self.host, "signal_event", None)
        if lines & self.values[0x04] and signal is not None:
            signal()

    def _update_irqs(self) -> None:
        pending = self.values[0x14] & self.values[0x00]
        levels: Dict[int, bool] = {}
        for line, irq in self._irq_of.items():
            levels[irq] = levels.get(irq, False) or bool(pending >> line & 1)
        for irq, level in levels.items():
            if self._irq_levels.get(irq, False) != level:
                self._irq_levels[irq] = level
                self.host.set_irq(irq, level)
