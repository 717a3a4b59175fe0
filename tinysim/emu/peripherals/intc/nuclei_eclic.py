"""Nuclei ECLIC (Bumblebee core architecture manual, chapter "ECLIC"; GD32VF103 user manual
§6.3): CLICCFG, CLICINFO, MTH and, per interrupt source i at 0x1000 + 4*i, the byte registers
CLICINTIP, CLICINTIE, CLICINTATTR and CLICINTCTL. The RISC-V machine asks `source_enabled(i)`
and `level(i)`; INTIP reads back which enabled sources are pending. Sources: 3 software,
7 machine timer, 19..86 peripherals (GD32VF103 UM Table 6-2)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, Peripheral, Reg

SOURCES = 87  # GD32VF103: 0..86 (UM Table 6-2)


@PERIPHERALS.register("intc.nuclei_eclic")
class NucleiEclic(Peripheral):
    DEFAULTS = {"sources": SOURCES, "ctl_bits": 4}  # GD32VF103: CLICINTCTLBITS = 4 (UM §6.3)

    def registers(self):
        n = int(self.params["sources"])
        info = n | (int(self.params["ctl_bits"]) << 21)  # CLICINFO: NUM_INTERRUPT, CLICINTCTLBITS
        rows = [Reg(0x0, "CLICCFG", 0, wmask=0x1E), Reg(0x4, "CLICINFO", info, RO),
                Reg(0x8, "MTH", 0, wmask=0xFF000000)]  # MTH is the byte at 0xB
        rows += [Reg(0x1000 + 4 * i, f"CLICINT{i}", 0, wmask=0xFFFFC301) for i in range(n)]
        return tuple(rows)

    def source_enabled(self, source: int) -> bool:
        return bool(self.values.get(0x1000 + 4 * source, 0) >> 8 & 1)

    def level(self, source: int) -> int:
        return self.values.get(0x1000 + 4 * source, 0) >> 24

    def threshold(self) -> int:
        return self.values[0x8] >> 24

    def read(self, offset, size):
        word = offset & ~3
        if 0x1000 <= word < 0x1000 + 4 * int(self.params["sources"]):
            # IP (byte 0) reflects the pending line as the machine sees it
            value = self.values[word] & ~1
            if getattr(self.host, "source_pending", lambda s: False)((word - 0x1000) // 4):
                value |= 1
            return (value >> ((offset & 3) * 8)) & ((1 << (8 * size)) - 1)
        return super().read(offset, size)

    def write(self, offset, size, value):
        super().write(offset, size, value)
        if offset & ~3 >= 0x1000:
            self.host.exceptions_changed()
