"""ESP32-C3 SYSTIMER (TRM v1.x ch. 10): unit 0 counts at `tick_hz` (16 MHz) derived from the
cost model's cycles at the platform clock; UNIT0_OP.UPDATE latches the value into VALUE_HI/LO
and sets VALUE_VALID. Alarms (TARGET0 period mode) raise INT_RAW bit 0; routing it to the CPU
goes through the interrupt matrix, which is not modelled yet."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Reg, Peripheral

UPDATE, VALUE_VALID = 1 << 30, 1 << 29


@PERIPHERALS.register("timer.esp32c3_systimer")
class Esp32c3Systimer(Peripheral):
    DEFAULTS = {"tick_hz": 16_000_000, "clock_hz": 160_000_000}
    REGISTERS = (
        Reg(0x00, "CONF", 0x46000000), Reg(0x04, "UNIT0_OP"), Reg(0x34, "TARGET0_CONF"),
        Reg(0x40, "UNIT0_VALUE_HI"), Reg(0x44, "UNIT0_VALUE_LO"), Reg(0x50, "COMP0_LOAD"),
        Reg(0x64, "INT_ENA"), Reg(0x68, "INT_RAW"), Reg(0x6C, "INT_CLR"), Reg(0x70, "INT_ST"),
    )

    def ticks(self, now: int) -> int:
        # cycles * tick_hz / clock_hz, exact integer arithmetic (deterministic)
        return now * int(self.params["tick_hz"]) // int(self.params["clock_hz"])

    def write_UNIT0_OP(self, value, mask):
        if value & UPDATE:
            self.host.cycle_counter_read()
            t = self.ticks(self.host.now())
            self.values[0x40], self.values[0x44] = (t >> 32) & 0xFFFFF, t & 0xFFFFFFFF
            self.values[0x04] = VALUE_VALID

    def write_INT_CLR(self, value, mask):
        self.values[0x68] &= ~value
