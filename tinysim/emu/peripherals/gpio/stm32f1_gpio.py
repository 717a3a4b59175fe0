"""STM32F1-style GPIO (CTL0/CTL1 4-bit pin configs), as on GD32VF103 (user manual §7.5), one
model for all ports: param `ports`. ISTAT reads back OCTL."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg


@PERIPHERALS.register("gpio.stm32f1_gpio")
class Stm32f1Gpio(Peripheral):
    DEFAULTS = {"ports": 5}

    def registers(self):
        rows = []
        for port in range(int(self.params["ports"])):
            p, b = "ABCDEFG"[port], 0x400 * port
            rows += [Reg(b + 0x00, f"GPIO{p}_CTL0", 0x44444444), Reg(b + 0x04, f"GPIO{p}_CTL1", 0x44444444),
                     Reg(b + 0x08, f"GPIO{p}_ISTAT", 0, RO), Reg(b + 0x0C, f"GPIO{p}_OCTL", 0, wmask=0xFFFF),
                     Reg(b + 0x10, f"GPIO{p}_BOP", 0, WO), Reg(b + 0x14, f"GPIO{p}_BC", 0, WO),
                     Reg(b + 0x18, f"GPIO{p}_LOCK")]
        return tuple(rows)

    def read(self, offset, size):
        if offset & 0x3FC == 0x08:
            return (self.values[(offset & ~0x3FF) + 0x0C] >> ((offset & 3) * 8)) & ((1 << (8 * size)) - 1)
        return super().read(offset, size)

    def write(self, offset, size, value):
        port, reg = offset & ~0x3FF, offset & 0x3FC
        if reg in (0x10, 0x14) and port + reg in self._regs:
            value = (value << ((offset & 3) * 8)) & 0xFFFFFFFF
            octl = self.values[port + 0x0C]
            if reg == 0x10:
                octl = (octl & ~(value >> 16)) | (value & 0xFFFF)
            else:
                octl &= ~(value & 0xFFFF)
            self.values[port + 0x0C] = octl & 0xFFFF
            return
        super().write(offset, size, value)
