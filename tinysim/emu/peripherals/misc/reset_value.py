"""A peripheral window no model emulates: every register reads its reset value (0 unless the
platform's params give one), writes are kept so they read back, and each access is reported as
unmodelled. Params: `idcode` (value at offset 0, e.g. DBGMCU_IDCODE), or `registers`, a table
{"0x04" = value, ...} of other reset values."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral


@PERIPHERALS.register("misc.reset_value")
class ResetValue(Peripheral):
    def reset(self):
        super().reset()
        self.values = {}
        if "idcode" in self.params:
            self.values[0] = int(self.params["idcode"])
        for key, value in dict(self.params.get("registers", {})).items():
            self.values[int(str(key), 0) & ~3] = int(value)

    def read(self, offset, size):
        word, shift = offset & ~3, (offset & 3) * 8
        self.host.unmodelled(self, f"+{word:#05x}", "read")
        return (self.values.get(word, 0) >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset, size, value):
        word, shift = offset & ~3, (offset & 3) * 8
        self.host.unmodelled(self, f"+{word:#05x}", "write")
        mask = ((1 << (8 * size)) - 1) << shift
        self.values[word] = (self.values.get(word, 0) & ~mask) | ((value << shift) & mask)
