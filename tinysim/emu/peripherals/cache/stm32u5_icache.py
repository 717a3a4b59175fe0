"""STM32U5 instruction cache ICACHE (RM0456 chapter 8 "Instruction cache (ICACHE)").

8 Kbytes, 2-way set associative by default (CR.WAYSEL = 1; 0 = direct mapped), 16-byte lines,
caching the Cortex-M33 C-AHB fetches (instructions and data) from the code region (RM0456
section 8.3, recalled from memory, to verify). CR.EN (bit 0) switches it on; its state is what
the flash model reports to the cost model (`enabled`), and a change is reported to the host
(`Host.flash_changed`, with an invalidation when CR.CACHEINV is set). CR.CACHEINV (bit 1)
completes at once: SR.BSYENDF (bit 1) reads 1 and SR.BUSYF (bit 0) 0. The hit/miss monitors
count nothing (read 0). Offsets and reset values: RM0456 section 8.7, recalled from memory.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg

EN, CACHEINV, WAYSEL = 1 << 0, 1 << 1, 1 << 2
BUSYF, BSYENDF = 1 << 0, 1 << 1


@PERIPHERALS.register("cache.stm32u5_icache")
class Stm32u5Icache(Peripheral):
    REGISTERS = (
        Reg(0x00, "CR", WAYSEL),
        Reg(0x04, "SR", 0, RO),
        Reg(0x08, "IER"), Reg(0x0C, "FCR"),
        Reg(0x10, "HMONR", 0, UNMODELLED), Reg(0x14, "MMONR", 0, UNMODELLED),
        *(Reg(0x20 + 4 * k, f"CRR{k}", 0x00000200, UNMODELLED) for k in range(4)),
    )

    @property
    def enabled(self) -> bool:
        return bool(self.values[0x00] & EN)

    def write_CR(self, value, mask):
        old = self.values[0x00]
        new = (old & ~mask) | (value & mask & 0x000F0007)
        invalidate = bool(new & CACHEINV)
        if invalidate:
            self.values[0x04] = (self.values[0x04] & ~BUSYF) | BSYENDF
        self.values[0x00] = new & ~CACHEINV
        if (new ^ old) & EN or invalidate:
            self.host.flash_changed(icache_reset=invalidate, dcache_reset=invalidate)

    def write_FCR(self, value, mask):
        if value & mask & BSYENDF:            # CBSYENDF clears BSYENDF
            self.values[0x04] &= ~BSYENDF
