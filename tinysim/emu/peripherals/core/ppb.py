"""The rest of the Cortex-M4 Private Peripheral Bus, 0xE0000000-0xE00FFFFF (Cortex-M4 TRM r0p1
table 2-2 / §3.4 "Private Peripheral Bus"): ITM, FPB, TPIU, ETM, the ROM table and the SCS
registers no other model covers. They read as their reset values, keep what is written, and
every access is reported as unmodelled, named by component and offset; except the two the NVIC
side of the SCS defines: ICTR (read-only: INTLINESNUM from the SoC's `irq_lines` param, B3.4.3)
and STIR (pends IRQ n; a write naming an interrupt the SoC does not have is ignored, B3.4.3
"unimplemented interrupts")."""

from __future__ import annotations

import bisect

from .. import PERIPHERALS
from ..misc.reset_value import ResetValue

# (start offset from 0xE0000000, component name)
_COMPONENTS = ((0x00000, "ITM"), (0x01000, "DWT"), (0x02000, "FPB"), (0x03000, "PPB"),
               (0x0E000, "SCS"), (0x0F000, "PPB"), (0x40000, "TPIU"), (0x41000, "ETM"),
               (0x42000, "PPB-ext"), (0xFF000, "ROMTABLE"))
_STARTS = [c[0] for c in _COMPONENTS]
# Named SCS registers outside the SCB/NVIC/SysTick/FPU models (ARM DDI 0403 table B3-3).
_NAMED = {0xE004: "ICTR", 0xE008: "ACTLR", 0xEF00: "STIR"}
ICTR, STIR = 0xE004, 0xEF00


@PERIPHERALS.register("core.ppb")
class Ppb(ResetValue):
    DEFAULTS = {"irq_lines": 240}

    def reset(self):
        super().reset()
        self.irq_lines = int(self.params["irq_lines"])
        # INTLINESNUM: the lines implemented, in groups of 32, minus one (B3.4.3)
        self.values[ICTR] = (self.irq_lines + 31) // 32 - 1

    def _name(self, offset: int) -> str:
        word = offset & ~3
        if word in _NAMED:
            return _NAMED[word]
        i = bisect.bisect_right(_STARTS, word) - 1
        start, comp = _COMPONENTS[i]
        return f"{comp}+{word - start:#05x}"

    def read(self, offset, size):
        word, shift = offset & ~3, (offset & 3) * 8
        if word != ICTR:
            self.host.unmodelled(self, self._name(offset), "read")
        return (self.values.get(word, 0) >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset, size, value):
        word, shift = offset & ~3, (offset & 3) * 8
        if word == ICTR:
            return  # read-only
        if word == STIR:  # software-triggered interrupt, IRQ number in bits 8:0
            irq = (value << shift) & 0x1FF
            pend = getattr(self.host, "pend_irq", None)
            if pend is not None and irq < self.irq_lines:
                pend(irq)
            return
        self.host.unmodelled(self, self._name(offset), "write")
        mask = ((1 << (8 * size)) - 1) << shift
        self.values[word] = (self.values.get(word, 0) & ~mask) | ((value << shift) & mask)
