"""ESP32-C3 SYSTIMER (TRM v1.x ch. 10): unit 0 counts at `tick_hz` (16 MHz) derived from the
cost model's cycles at the platform clock (`clock_hz`, given by the machine). UNIT0_OP.UPDATE
latches the count into VALUE_HI/LO and sets VALUE_VALID. TARGET0 in period mode (the only alarm
mode modelled) raises INT_RAW bit 0 every PERIOD ticks after COMP0_LOAD while
CONF.TARGET0_WORK_EN is set; INT_ENA & INT_RAW drives the interrupt source (level)."""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import Peripheral, Reg

UPDATE, VALUE_VALID = 1 << 30, 1 << 29
TARGET0_WORK_EN, PERIOD_MODE = 1 << 24, 1 << 30
PERIOD_MASK = 0x03FFFFFF


@PERIPHERALS.register("timer.esp32c3_systimer")
class Esp32c3Systimer(Peripheral):
    DEFAULTS = {"tick_hz": 16_000_000, "clock_hz": 160_000_000}
    REGISTERS = (
        Reg(0x00, "CONF", 0x46000000), Reg(0x04, "UNIT0_OP"), Reg(0x34, "TARGET0_CONF"),
        Reg(0x40, "UNIT0_VALUE_HI"), Reg(0x44, "UNIT0_VALUE_LO"), Reg(0x50, "COMP0_LOAD"),
        Reg(0x64, "INT_ENA"), Reg(0x68, "INT_RAW", 0, "ro"), Reg(0x6C, "INT_CLR", 0, "wo"),
        Reg(0x70, "INT_ST", 0, "ro"),
    )

    def reset(self):
        super().reset()
        self.alarm_base = None  # tick count at COMP0_LOAD
        self.alarms_seen = 0

    def ticks(self, now: int) -> int:
        # cycles * tick_hz / clock_hz in exact integer arithmetic (deterministic)
        return now * int(self.params["tick_hz"]) // int(self.params["clock_hz"])

    def _cycle_of_tick(self, tick: int) -> int:
        hz, clk = int(self.params["tick_hz"]), int(self.params["clock_hz"])
        return -(-tick * clk // hz)  # first cycle whose tick count reaches `tick`

    def _period(self) -> int:
        conf = self.values[0x34]
        return conf & PERIOD_MASK if conf & PERIOD_MODE else 0

    def _armed(self) -> bool:
        return self.alarm_base is not None and self._period() > 0 and bool(self.values[0x00] & TARGET0_WORK_EN)

    def write_UNIT0_OP(self, value, mask):
        if value & UPDATE:
            self.host.cycle_counter_read()
            t = self.ticks(self.host.now())
            self.values[0x40], self.values[0x44] = (t >> 32) & 0xFFFFF, t & 0xFFFFFFFF
            self.values[0x04] = VALUE_VALID

    def write_COMP0_LOAD(self, value, mask):
        if value & 1:
            self.alarm_base = self.ticks(self.host.now())
            self.alarms_seen = 0
            self.host.timers_changed()

    def write_CONF(self, value, mask):
        self.tick(self.host.now())
        self.store(0x00, value, mask)
        self.host.timers_changed()

    def write_INT_ENA(self, value, mask):
        self.store(0x64, value, mask)
        self._update()
        self.host.timers_changed()

    def write_INT_CLR(self, value, mask):
        self.values[0x68] &= ~value
        self._update()

    def read_INT_ST(self):
        return self.values[0x68] & self.values[0x64]

    def _update(self) -> None:
        if self.irq is not None:
            self.host.set_irq(self.irq, bool(self.values[0x68] & self.values[0x64] & 1))

    def tick(self, now: int) -> None:
        if not self._armed():
            return
        n = (self.ticks(now) - self.alarm_base) // self._period()
        if n > self.alarms_seen:
            self.alarms_seen = n
            self.values[0x68] |= 1
            self._update()

    def next_event(self, now: int) -> Optional[int]:
        if not self._armed() or not self.values[0x64] & 1:
            return None
        return self._cycle_of_tick(self.alarm_base + (self.alarms_seen + 1) * self._period())
