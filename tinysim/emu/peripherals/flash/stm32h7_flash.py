"""STM32H7A3/B3 embedded flash interface (RM0455 chapter 4 "Embedded flash memory (FLASH)").

FLASH_ACR (offset 0x00, reset 0x00000013: LATENCY = 3, WRHIGHFREQ = 1; reset value as in ST's SVD
for the STM32H7B0/H7A3 family) holds the read latency in AXI clock cycles (LATENCY, bits 3:0,
read back as written so software can check it took) and the programming delay (WRHIGHFREQ,
bits 5:4, stored only). The H7 flash has no ART accelerator and no prefetch switch: the
Cortex-M7's own L1 caches sit in front of it, enabled by SCB_CCR.IC / DC (Armv7-M ARM B3.2.8;
Cortex-M7 TRM section "L1 caches"), so `icache` / `dcache` read the core's CCR through the host
(`Host.scb`), and the machine reports a CCR or cache-maintenance change as a flash change.
Every LATENCY change is reported to the host (`Host.flash_changed`). Programming, option bytes
and ECC (KEYR1, CR1, SR1, OPTCR, ...) are named and not modelled.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import UNMODELLED, WO, Peripheral, Reg

ACR_RESET = 0x00000013
CCR_DC, CCR_IC = 1 << 16, 1 << 17   # SCB_CCR (Armv7-M ARM B3.2.8)


@PERIPHERALS.register("flash.stm32h7_flash")
class Stm32h7Flash(Peripheral):
    WAIT_STATE_TABLE = "RM0455 section 4.3.8 (FLASH recommended number of wait states)"  # for the check
    REGISTERS = (
        Reg(0x00, "ACR", ACR_RESET, wmask=0x3F),
        Reg(0x04, "KEYR1", 0, WO), Reg(0x08, "OPTKEYR", 0, WO),
        Reg(0x0C, "CR1", 0x00000001, UNMODELLED),    # LOCK1
        Reg(0x10, "SR1", 0, UNMODELLED), Reg(0x14, "CCR1", 0, UNMODELLED),
        Reg(0x18, "OPTCR", 0x00000001, UNMODELLED),  # OPTLOCK
        Reg(0x1C, "OPTSR_CUR", 0, UNMODELLED),
        Reg(0x104, "KEYR2", 0, WO), Reg(0x10C, "CR2", 0x00000001, UNMODELLED),
        Reg(0x110, "SR2", 0, UNMODELLED), Reg(0x114, "CCR2", 0, UNMODELLED),
    )

    def write_ACR(self, value, mask):
        old = self.values[0x00]
        self.store(0x00, value, mask)
        if self.values[0x00] != old:
            self.host.flash_changed()

    def _ccr(self) -> int:
        scb = getattr(self.host, "scb", None)
        return scb.values[0x14] if scb is not None else 0

    @property
    def latency(self) -> int:
        return self.values[0x00] & 0xF

    @property
    def prefetch(self) -> bool:
        return False   # no prefetcher in front of the H7 flash (RM0455 chapter 4)

    @property
    def icache(self) -> bool:
        return bool(self._ccr() & CCR_IC)

    @property
    def dcache(self) -> bool:
        return bool(self._ccr() & CCR_DC)
