"""STM32L4+ flash interface (RM0432 Rev 9 chapter 3).

ACR (section 3.7.1) holds the wait states (LATENCY, read back as written, section 3.3.3: software
checks the new value took effect by reading it) and the ART switches: PRFTEN, ICEN, DCEN, and
ICRST/DCRST, which empty a cache when set while that cache is disabled (section 3.3.4). Every
change is reported to the host (`Host.flash_changed`), which re-times flash fetches from then on;
the cost model reads `latency`, `prefetch`, `icache`, `dcache`.

OPTR (section 3.7.8) is the option byte register as loaded at reset: DBANK (bit 22) selects dual
bank (64-bit flash reads) or single bank (128-bit reads) (section 3.3.1). Its reset value is the
factory default, 0xFFEFF8AA (DBANK = 1, dual bank; RM0432 section 3.4.1 "Option bytes
description", recalled from memory); param `dbank` (true/false) sets DBANK for boards whose
option bytes were changed. Programming (KEYR, CR, ...) is not modelled.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg

OPTR_RESET = 0xFFEFF8AA
DBANK = 1 << 22
ICRST, DCRST = 1 << 11, 1 << 12


@PERIPHERALS.register("flash.stm32l4_flash")
class Stm32l4Flash(Peripheral):
    DEFAULTS = {"dbank": None}

    REGISTERS = (
        Reg(0x00, "ACR", 0x00000600),  # ICEN|DCEN at reset, LATENCY=0, PRFTEN=0
        Reg(0x04, "PDKEYR", 0, WO), Reg(0x08, "KEYR", 0, WO), Reg(0x0C, "OPTKEYR", 0, WO),
        Reg(0x10, "SR", 0, RO),
        Reg(0x14, "CR", 0xC0000000, UNMODELLED),  # LOCK|OPTLOCK
        Reg(0x18, "ECCR", 0, UNMODELLED),
        Reg(0x20, "OPTR", OPTR_RESET, RO),
        # FLASH_CFGR, LVEN (bit 0): flash low-voltage mode, set by firmware that runs the core
        # from an external SMPS (STM32L4R5xxP, RM0432 section 3.7 FLASH_CFGR; offset 0x130 and
        # reset 0 as written by ST's HAL and read back by its BSP). Storage only.
        Reg(0x130, "CFGR", 0, wmask=0x1),
    )

    def reset(self) -> None:
        super().reset()
        dbank = self.params.get("dbank")
        if dbank is not None:
            self.values[0x20] = (OPTR_RESET & ~DBANK) | (DBANK if dbank else 0)

    def write_ACR(self, value, mask):
        old = self.values[0x00]
        # LATENCY 3:0, PRFTEN 8, ICEN 9, DCEN 10, ICRST 11, DCRST 12, RUN_PD 13, SLEEP_PD 14
        new = (old & ~mask) | (value & mask & 0x7F0F)
        icrst = bool(new & ICRST) and not new >> 9 & 1
        dcrst = bool(new & DCRST) and not new >> 10 & 1
        self.values[0x00] = new
        if new != old or icrst or dcrst:
            self.host.flash_changed(icache_reset=icrst, dcache_reset=dcrst)

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

    @property
    def dual_bank(self) -> bool:
        return bool(self.values[0x20] & DBANK)

    @property
    def read_width_bytes(self) -> int:
        """Bytes per flash read: 16 in single-bank mode, 8 in dual-bank mode (RM0432 3.3.1)."""
        return 8 if self.dual_bank else 16
