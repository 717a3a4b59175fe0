"""STM32 (L4/L4+/G4 style) GPIO ports, one model for all ports (RM0432 §8.5): param `ports`.
Port x sits at offset 0x400*x. IDR reads back ODR for every pin, except pins board wiring drives
(`drive(pin, level)`, see tinysim/emu/wires.py): those read the driven level.

Pins are named `PG11` (port G, pin 11). Every change of an output data bit is recorded in
`edges` as (device cycle, pin, level), and passed to `watch` callbacks: board wires, and the
runner reading an energy build's GPIO timestamp."""

from __future__ import annotations

from typing import Callable, List, Tuple

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
    PORTS = "ABCDEFGHIJK"

    def reset(self) -> None:
        super().reset()
        self._driven = {}
        self.edges = []

    def __init__(self, name, base, size, irq=None, params=None, host=None):
        ports = {**self.DEFAULTS, **dict(params or {})}["ports"]
        # GPIOA..GPIOK (11 ports, 0x400 apart) is the most an STM32 has (from memory: the H7
        # has A..K); RM0432 Table 3 has A..I for the L4+.
        if not isinstance(ports, int) or isinstance(ports, bool) or not 1 <= ports <= 11 \
                or ports * 0x400 > size:
            raise PlatformError(f"params.ports = {ports!r}: give the number of GPIO ports, a whole "
                                f"number 1..11 that fits the window of {size:#x} bytes (0x400 each)")
        self.edges: List[Tuple[int, str, int]] = []
        self._watchers: List[Callable[[str, int], None]] = []
        self._driven = {}   # port offset -> (mask, levels) of pins board wiring drives
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
            port = offset & ~0x3FF
            mask, levels = self._driven.get(port, (0, 0))
            idr = (self.values[port + 0x14] & ~mask) | (levels & mask)
            return (idr >> ((offset & 3) * 8)) & ((1 << (8 * size)) - 1)
        return super().read(offset, size)

    def write(self, offset, size, value):
        port = offset & ~0x3FF
        reg = offset & 0x3FC
        if port in self._ports() and reg in (0x18, 0x28):
            shift = (offset & 3) * 8
            value = (value << shift) & 0xFFFFFFFF
            odr = self.values[port + 0x14]
            sets = value & 0xFFFF if reg == 0x18 else 0
            resets = (value >> 16 if reg == 0x18 else value) & 0xFFFF & ~sets
            self._driven_by_write(port, sets, resets)
            if reg == 0x18:  # BSRR: low half sets, high half resets (reset wins? set wins: RM §8.4.7)
                odr = (odr & ~(value >> 16)) | (value & 0xFFFF)
            else:
                odr &= ~(value & 0xFFFF)
            self._set_odr(port, odr & 0xFFFF)
            return
        if port in self._ports() and reg == 0x14:
            old = self.values[port + 0x14]
            super().write(offset, size, value)
            new, self.values[port + 0x14] = self.values[port + 0x14], old
            self._driven_by_write(port, new & ~old, old & ~new)
            self._set_odr(port, new)
            return
        super().write(offset, size, value)

    def _driven_by_write(self, port: int, sets: int, resets: int) -> None:
        """Tell the host which pins a write drove high or low, changed or not: a firmware's
        GPIO timestamp is the write pulling its pin low (EEMBC energy mode)."""
        letter = self.PORTS[port // 0x400]
        for bit in range(16):
            for mask, level in ((sets, 1), (resets, 0)):
                if mask >> bit & 1:
                    self.host.pin_driven(self, f"P{letter}{bit}", level)

    def _set_odr(self, port: int, odr: int) -> None:
        old = self.values[port + 0x14]
        self.values[port + 0x14] = odr
        changed = old ^ odr
        if not changed:
            return
        now = self.host.now()
        letter = self.PORTS[port // 0x400]
        for bit in range(16):
            if changed >> bit & 1:
                name, level = f"P{letter}{bit}", odr >> bit & 1
                self.edges.append((now, name, level))
                for cb in self._watchers:
                    cb(name, level)

    # ---- pins, for board wiring and the runner ------------------------------------------------
    def _pin(self, pin: str) -> Tuple[int, int]:
        p = pin.upper()
        if len(p) < 3 or p[0] != "P" or p[1] not in self.PORTS[: int(self.params["ports"])] \
                or not p[2:].isdigit() or int(p[2:]) > 15:
            raise PlatformError(f"{self.name}: no pin {pin!r} (pins are PA0..P{self.PORTS[int(self.params['ports']) - 1]}15)")
        return 0x400 * self.PORTS.index(p[1]), int(p[2:])

    def output_level(self, pin: str) -> int:
        port, bit = self._pin(pin)
        return self.values[port + 0x14] >> bit & 1

    def drive(self, pin: str, level: int) -> None:
        """An external level on `pin`: its IDR bit reads `level` from now on."""
        port, bit = self._pin(pin)
        mask, levels = self._driven.get(port, (0, 0))
        levels = (levels | 1 << bit) if level else (levels & ~(1 << bit))
        self._driven[port] = (mask | 1 << bit, levels)

    def watch(self, pin: str, callback: Callable[[int], None]) -> None:
        """Call `callback(level)` whenever the output data bit of `pin` changes."""
        self._pin(pin)
        name = pin.upper()
        self._watchers.append(lambda n, level: callback(level) if n == name else None)

    def watch_all(self, callback: Callable[[str, int], None]) -> None:
        """Call `callback(pin, level)` whenever any output data bit changes (`pin` as "PC13")."""
        self._watchers.append(callback)

    def _ports(self):
        return range(0, 0x400 * int(self.params["ports"]), 0x400)

    def odr(self, port: str) -> int:
        return self.values[0x400 * "ABCDEFGHIJK".index(port) + 0x14]
