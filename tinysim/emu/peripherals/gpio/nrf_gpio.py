"""Nordic GPIO port, the nRF53/nRF91 layout (nRF5340 PS chapter "GPIO - General purpose input/
output"; offsets and reset values as in Nordic's SVD: OUT at 0x004 ... PIN_CNF[n] at 0x200 + 4n,
from the port's base P0 0x5084_2500, P1 0x5084_2800).

OUT is written whole or through OUTSET/OUTCLR (write 1 to the pins to change), DIR through
DIRSET/DIRCLR; reads of the SET/CLR registers return OUT/DIR. PIN_CNF[n] (reset 0x2: input,
input buffer disconnected) holds each pin's DIR in bit 0, which DIR mirrors. IN reads the level
an output drives and, for an input, 1 when its pull-up is on (PIN_CNF.PULL = 3), else 0: nothing
outside the chip drives the pins. A change of an output's level is reported to the host as pin
`P<port>.<nn>` (`Host.pin_driven`). LATCH and DETECTMODE are stored; SENSE does not raise
DETECT. Param `pins`: 32 (P0) or 16 (P1)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, Peripheral, Reg

PIN_CNF_RESET = 0x00000002


@PERIPHERALS.register("gpio.nrf_gpio")
class NrfGpio(Peripheral):
    DEFAULTS = {"pins": 32}

    def registers(self):
        pins = int(self.params["pins"])
        return (
            Reg(0x004, "OUT"), Reg(0x008, "OUTSET"), Reg(0x00C, "OUTCLR"), Reg(0x010, "IN", 0, RO),
            Reg(0x014, "DIR"), Reg(0x018, "DIRSET"), Reg(0x01C, "DIRCLR"), Reg(0x020, "LATCH"),
            Reg(0x024, "DETECTMODE"), Reg(0x028, "DETECTMODE_SEC"),
            *(Reg(0x200 + 4 * n, f"PIN_CNF{n}", PIN_CNF_RESET) for n in range(pins)),
        )

    @property
    def _mask(self) -> int:
        return (1 << int(self.params["pins"])) - 1

    def _set_out(self, out: int) -> None:
        old, out = self.values[0x004], out & self._mask
        self.values[0x004] = out
        changed = (old ^ out) & self.values[0x014]
        port = self.name.upper()
        for n in range(int(self.params["pins"])):
            if changed >> n & 1:
                self.host.pin_driven(self, f"{port}.{n:02d}", out >> n & 1)

    def _set_dir(self, dirs: int) -> None:
        dirs &= self._mask
        self.values[0x014] = dirs
        for n in range(int(self.params["pins"])):
            off = 0x200 + 4 * n
            self.values[off] = (self.values[off] & ~1) | (dirs >> n & 1)

    def write_OUT(self, value, mask):
        self._set_out((self.values[0x004] & ~mask) | (value & mask))

    def write_OUTSET(self, value, mask):
        self._set_out(self.values[0x004] | (value & mask))

    def write_OUTCLR(self, value, mask):
        self._set_out(self.values[0x004] & ~(value & mask))

    def read_OUTSET(self):
        return self.values[0x004]

    def read_OUTCLR(self):
        return self.values[0x004]

    def write_DIR(self, value, mask):
        self._set_dir((self.values[0x014] & ~mask) | (value & mask))

    def write_DIRSET(self, value, mask):
        self._set_dir(self.values[0x014] | (value & mask))

    def write_DIRCLR(self, value, mask):
        self._set_dir(self.values[0x014] & ~(value & mask))

    def read_DIRSET(self):
        return self.values[0x014]

    def read_DIRCLR(self):
        return self.values[0x014]

    def read_IN(self):
        dirs, level = self.values[0x014], 0
        for n in range(int(self.params["pins"])):
            cnf = self.values[0x200 + 4 * n]
            if dirs >> n & 1:
                level |= (self.values[0x004] >> n & 1) << n
            elif (cnf >> 2 & 3) == 3:   # PULL = Pullup
                level |= 1 << n
        return level

    def store(self, word, value, mask):
        super().store(word, value, mask)
        if 0x200 <= word < 0x280:      # PIN_CNF[n].DIR is the pin's bit of DIR
            n = (word - 0x200) // 4
            self.values[0x014] = (self.values[0x014] & ~(1 << n)) | ((self.values[word] & 1) << n)
