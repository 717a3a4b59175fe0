"""STM32 CRC calculation unit (RM0432 chapter 16 "Cyclic redundancy check calculation unit").

Registers (RM0432 section 16.4): DR (+0x00, reset 0xFFFFFFFF) takes data of 8, 16 or 32 bits
(the access size is the data size) and reads the CRC; IDR (+0x04) is scratch; CR (+0x08):
RESET (bit 0, reloads DR from INIT), POLYSIZE [4:3] (00: 32, 01: 16, 10: 8, 11: 7 bits),
REV_IN [6:5] (00 none, 01 by byte, 10 by half-word, 11 by word), REV_OUT (bit 7); INIT
(+0x10, reset 0xFFFFFFFF); POL (+0x14, reset 0x04C11DB7). The data is shifted in MSB first
(section 16.3.2). X-CUBE-AI's runtime checks the unit is present before it starts.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral, Reg

RESET = 1 << 0
_SIZES = {0: 32, 1: 16, 2: 8, 3: 7}


def _reverse(value: int, bits: int) -> int:
    return int(f"{value:0{bits}b}"[::-1], 2)


@PERIPHERALS.register("crc.stm32_crc")
class Stm32Crc(Peripheral):
    REGISTERS = (
        Reg(0x00, "DR", 0xFFFFFFFF),
        Reg(0x04, "IDR", 0),
        Reg(0x08, "CR", 0, wmask=0xF8),
        Reg(0x10, "INIT", 0xFFFFFFFF),
        Reg(0x14, "POL", 0x04C11DB7),
    )

    def polysize(self) -> int:
        return _SIZES[self.values[0x08] >> 3 & 3]

    def _reverse_in(self, data: int, bits: int) -> int:
        mode = self.values[0x08] >> 5 & 3
        if mode == 0:
            return data
        unit = min(bits, {1: 8, 2: 16, 3: 32}[mode])
        out = 0
        for i in range(0, bits, unit):
            out |= _reverse(data >> i & ((1 << unit) - 1), unit) << i
        return out

    def write(self, offset, size, value):
        if offset & ~3 == 0x00:                    # DR: one datum of the access size
            self._feed(value & ((1 << (8 * size)) - 1), 8 * size)
            return
        super().write(offset, size, value)

    def write_CR(self, value, mask):
        self.store(0x08, value, mask)
        if value & RESET:                          # RESET: self-clearing, DR <- INIT
            self.values[0x00] = self.values[0x10] & ((1 << self.polysize()) - 1)

    def write_INIT(self, value, mask):
        self.store(0x10, value, mask)
        self.values[0x00] = self.values[0x10] & ((1 << self.polysize()) - 1)  # INIT also loads DR (16.4.4)

    def read_DR(self):
        crc, p = self.values[0x00], self.polysize()
        return _reverse(crc, p) if self.values[0x08] >> 7 & 1 else crc

    def _feed(self, data: int, bits: int) -> None:
        p = self.polysize()
        mask, poly = (1 << p) - 1, self.values[0x14] & ((1 << p) - 1)
        crc = self.values[0x00] & mask
        data = self._reverse_in(data, bits)
        for i in range(bits - 1, -1, -1):
            feedback = (crc >> (p - 1) & 1) ^ (data >> i & 1)
            crc = (crc << 1) & mask
            if feedback:
                crc ^= poly
        self.values[0x00] = crc
