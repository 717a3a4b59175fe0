"""STM32U5 instruction cache ICACHE (RM0456 chapter 8 "Instruction cache (ICACHE)").

What it is (ST's STM32U5 HAL, stm32u5xx_hal_icache.c "ICACHE Introduction / Main features", the
text of RM0456 section 8.2): ONE cache on the Cortex-M33 C-AHB code bus serving instruction fetches
AND data reads (literal pools, constants: the weights of a model in flash), 0 wait states on a hit,
hit-under-miss, critical-word-first refill by WRAP bursts of one line, pLRU-t replacement,
n-way set associative by default and configurable as 1-way (direct mapped) with CR.WAYSEL.
Size and line: 8 Kbytes of 16-byte lines on the STM32U575/585 (ST's STM32U5 DCACHE training
slides draw "ICACHE (8/32-Kbyte)"; the 16-byte line and 2 ways are RM0456 Table "ICACHE
features" recalled from memory, and match a third-party description of the same ICACHE on the
STM32H5: 8 KB, 2-way, 16-byte lines, 256 sets). The geometry is in the SoC file ([flash]); this
model gives the firmware's settings: `enabled` (CR.EN) and `ways` (CR.WAYSEL: 0 = 1-way, 1 =
2-ways, the reset value; writable only while EN = 0, the HAL's rule, else the write keeps the
old WAYSEL). A change is reported to the host (`Host.flash_changed`, with an invalidation when
CR.CACHEINV is set). CR.CACHEINV completes at once: SR.BSYENDF (bit 1) reads 1 and SR.BUSYF
(bit 0) 0. The hit/miss monitors count nothing (read 0). Offsets and reset values: RM0456
section 8.7 (recalled), the same as the ST SVD-derived register lists of the ICACHE on the
STM32H5/H7R (CR reset 0x0000_0004).
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

    @property
    def ways(self) -> int:
        """Associativity the firmware selected: 2 (WAYSEL = 1) or 1 (direct mapped)."""
        return 2 if self.values[0x00] & WAYSEL else 1

    def write_CR(self, value, mask):
        old = self.values[0x00]
        new = (old & ~mask) | (value & mask & 0x000F0007)
        if old & EN:                          # WAYSEL is written only while the cache is off
            new = (new & ~WAYSEL) | (old & WAYSEL)
        invalidate = bool(new & CACHEINV)
        if invalidate:
            self.values[0x04] = (self.values[0x04] & ~BUSYF) | BSYENDF
        self.values[0x00] = new & ~CACHEINV
        if (new ^ old) & (EN | WAYSEL) or invalidate:
            self.host.flash_changed(icache_reset=invalidate, dcache_reset=invalidate)

    def write_FCR(self, value, mask):
        if value & mask & BSYENDF:            # CBSYENDF clears BSYENDF
            self.values[0x04] &= ~BSYENDF
