"""STM32L4+ flash interface (RM0432 §3.7): ACR holds the wait states (LATENCY) and the ART
switches (PRFTEN, ICEN, DCEN); the cost model can read what the firmware chose via
`latency`, `prefetch`, `icache`, `dcache`. Programming is not modelled."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg


@PERIPHERALS.register("flash.stm32l4_flash")
class Stm32l4Flash(Peripheral):
    REGISTERS = (
        Reg(0x00, "ACR", 0x00000600, wmask=0x0000F70F),  # ICEN|DCEN at reset, LATENCY=0
        Reg(0x04, "PDKEYR", 0, WO), Reg(0x08, "KEYR", 0, WO), Reg(0x0C, "OPTKEYR", 0, WO),
        Reg(0x10, "SR", 0, RO),
        Reg(0x14, "CR", 0xC0000000, UNMODELLED),  # LOCK|OPTLOCK
        Reg(0x18, "ECCR", 0, UNMODELLED),
        Reg(0x20, "OPTR", 0xFFEFF8AA, UNMODELLED),
        # FLASH_CFGR, LVEN (bit 0): flash low-voltage mode, set by firmware that runs the core
        # from an external SMPS (STM32L4R5xxP, RM0432 section 3.7 FLASH_CFGR; offset 0x130 and
        # reset 0 as written by ST's HAL and read back by its BSP). Storage only.
        Reg(0x130, "CFGR", 0, wmask=0x1),
    )

    @property
    def latency(self) -> int:
        return self.values[0x00] & 0xF

    @property
    def prefetch(self) -> bool:
        return bool(self.values[0x00] >> 8 & 1)

    @property
    def icache(self) -> bool:
        return bool(self.values[0x00] >> 9 & 1)

    @property
    def dcache(self) -> bool:
        return bool(self.values[0x00] >> 10 & 1)
