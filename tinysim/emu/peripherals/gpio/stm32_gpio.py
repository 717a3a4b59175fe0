"""STM32 (L4/L4+/G4 style) GPIO ports, one model for all ports (RM0432 §8.5): param `ports`.
Port x sits at offset 0x400*x. IDR reads back ODR for every pin (nothing drives the pins)."""

from __future__ import annotations

from ....errors import PlatformError
from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg

# Port A and B reset values differ because of the debug pins (RM0432 §8.5.1-8.5.4).
_RESET = {
    0: {"MODER": 0xABFFFFFF, "OSPEEDR": 0x0C000000, "PUPDR": 0x64000000},
    1: {"MODER": 0xFFFFFEBF, "OSPEEDR": 0x00000000, "PUPDR": 0x00000100},
}


@PERIPHERALS.register("gpio.stm32_gpio")
class Stm32Gpio(Peripheral):
    DEFAULTS = {"ports": 9}

    def __init__(self, name, base, size, irq, params, host=None):
        ports = {**self.DEFAULTS, **dict(params or {})}["ports"]
        # GPIOA..GPIOK (11 ports, 0x400 apart) is the most an STM32 has (from memory: the H7
        # has A..K); RM0432 Table 3 has A..I for the L4+.
        if not isinstance(ports, int) or isinstance(ports, bool) or not 1 <= ports <= 11 \
                or ports * 0x400 > size:
            raise PlatformError(f"params.ports = {ports!r}: give the number of GPIO ports, a whole "
                                f"number 1..11 that fits the window of {size:#x} bytes (0x400 each)")
        super().__init__(name, base, size, irq, params, host=host)

    def registers(self):
        rows = []
        for port in range(int(self.params["ports"])):
            p, base, r = "ABCDEFGHIJK"[port], 0x400 * port, _RESET.get(port, {})
            rows += [
                Reg(base + 0x00, f"GPIO{p}_MODER", r.get("MODER", 0xFFFFFFFF)),
                Reg(base + 0x04, f"GPIO{p}_OTYPER", 0, wmask=0xFFFF),
                Reg(base + 0x08, f"GPIO{p}_OSPEEDR", r.get("OSPEEDR", 0)),
                Reg(base + 0x0C, f"GPIO{p}_PUPDR", r.get("PUPDR", 0)),
                Reg(base + 0x10, f"GPIO{p}_IDR", 0, RO),
                Reg(base + 0x14, f"GPIO{p}_ODR", 0, wmask=0xFFFF),
                Reg(base + 0x18, f"GPIO{p}_BSRR", 0, WO),
                Reg(base + 0x1C, f"GPIO{p}_LCKR"),
                Reg(base + 0x20, f"GPIO{p}_AFRL"), Reg(base + 0x24, f"GPIO{p}_AFRH"),
                Reg(base + 0x28, f"GPIO{p}_BRR", 0, WO),
                Reg(base + 0x2C, f"GPIO{p}_ASCR"),
            ]
        return tuple(rows)

    def read(self, offset, size):
        if offset & 0x3FC == 0x10 and (offset & ~0x3FF) in self._ports():  # IDR mirrors ODR
            odr = self.values[(offset & ~0x3FF) + 0x14]
            return (odr >> ((offset & 3) * 8)) & ((1 << (8 * size)) - 1)
        return super().read(offset, size)

    def write(self, offset, size, value):
        port = offset & ~0x3FF
        reg = offset & 0x3FC
        if port in self._ports() and reg in (0x18, 0x28):
            shift = (offset & 3) * 8
            value = (value << shift) & 0xFFFFFFFF
            odr = self.values[port + 0x14]
            if reg == 0x18:  # BSRR: low half sets, high half resets (reset wins? set wins: RM §8.4.7)
                odr = (odr & ~(value >> 16)) | (value & 0xFFFF)
            else:
                odr &= ~(value & 0xFFFF)
            self.values[port + 0x14] = odr & 0xFFFF
            return
        super().write(offset, size, value)

    def _ports(self):
        return range(0, 0x400 * int(self.params["ports"]), 0x400)

    def odr(self, port: str) -> int:
        return self.values[0x400 * "ABCDEFGHIJK".index(port) + 0x14]
