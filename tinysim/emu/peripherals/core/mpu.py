"""The Cortex-M Memory Protection Unit's registers at 0xE000ED90: its region table, as the
firmware programs and reads it back. The machine checks accesses against it (mpu_enforce.py,
with the rules of mpu_rules.py): each write that changes what the MPU allows tells the host
(`mpu_changed`).

Two layouts, by the core's architecture (`pmsa` param):
- PMSAv7 (ARMv7-M: Cortex-M4, M7; ARM DDI 0403 B3.5): TYPE, CTRL, RNR, RBAR, RASR and three
  RBAR/RASR alias pairs. A write of RBAR with VALID (bit 4) set selects region RBAR[3:0] first;
  RBAR reads the base with the current region number in bits 3:0.
- PMSAv8 (ARMv8-M: Cortex-M33; ARM DDI 0553 D1.2 "MPU_*"): TYPE, CTRL, RNR, RBAR, RLAR, their
  three alias pairs, MAIR0 and MAIR1. Alias pair n reaches region RNR[7:2] * 4 + n.
`regions` param: the region count TYPE.DREGION reports, from the SoC file. Without the model
TYPE read 0 ("no MPU"), which makes FreeRTOS-MPU's start-up check fail and Zephyr's MPU driver
refuse its regions.
"""

from __future__ import annotations

from typing import List

from ....errors import PlatformError
from ...mpu_rules import MpuConfig
from .. import PERIPHERALS
from ..base import Peripheral

TYPE, CTRL, RNR = 0x00, 0x04, 0x08
BAR_OFFSETS = (0x0C, 0x14, 0x1C, 0x24)    # RBAR and its aliases A1..A3
ATTR_OFFSETS = (0x10, 0x18, 0x20, 0x28)   # RASR (v7) / RLAR (v8) and their aliases
MAIR0, MAIR1 = 0x30, 0x34                 # PMSAv8 only
CTRL_BITS = 0x7                           # ENABLE, HFNMIENA, PRIVDEFENA
RBAR_VALID = 1 << 4                       # PMSAv7
# Writable bits: PMSAv7 RASR XN, AP, TEX, S, C, B, SRD, SIZE, ENABLE (B3.5.9); PMSAv8 RLAR LIMIT,
# AttrIndx, EN (bit 4 is RES0 before ARMv8.1-M).
RASR_BITS, RLAR_BITS = 0x173FFF3F, 0xFFFFFFEF


@PERIPHERALS.register("core.mpu")
class Mpu(Peripheral):
    DEFAULTS = {"regions": 8, "pmsa": 7}

    def reset(self):
        super().reset()
        self.regions = int(self.params["regions"])
        self.pmsa = int(self.params["pmsa"])
        if self.pmsa not in (7, 8) or not 0 <= self.regions <= 255:
            raise PlatformError(f"{self.name}: params pmsa = {self.pmsa}, regions = {self.regions}: give "
                                "pmsa 7 (ARMv7-M) or 8 (ARMv8-M) and 0..255 regions")
        self.ctrl, self.rnr = 0, 0
        self.bar: List[int] = [0] * self.regions
        self.attr: List[int] = [0] * self.regions   # RASR (v7) or RLAR (v8)
        self.mair = [0, 0]

    def _word(self, word: int) -> int:
        if word == TYPE:
            return self.regions << 8
        if word == CTRL:
            return self.ctrl
        if word == RNR:
            return self.rnr
        if self.pmsa == 8 and word in (MAIR0, MAIR1):
            return self.mair[word == MAIR1]
        region = self._region(word)
        if word in BAR_OFFSETS:
            if region is None:
                return 0
            return self.bar[region] | (region & 0xF if self.pmsa == 7 else 0)
        if word in ATTR_OFFSETS:
            return self.attr[region] if region is not None else 0
        self.host.unmodelled(self, f"+{word:#04x}", "read")
        return 0

    def _region(self, word: int):
        """The region a RBAR/RASR/RLAR offset reaches now, or None past the last one."""
        alias = (BAR_OFFSETS.index(word) if word in BAR_OFFSETS else
                 ATTR_OFFSETS.index(word) if word in ATTR_OFFSETS else 0)
        region = (self.rnr & ~3) + alias if self.pmsa == 8 and alias else self.rnr
        return region if region < self.regions else None

    def config(self) -> MpuConfig:
        return MpuConfig(self.pmsa, self.ctrl, tuple(self.bar), tuple(self.attr))

    def read(self, offset, size):
        return (self._word(offset & ~3) >> (offset & 3) * 8) & ((1 << 8 * size) - 1)

    def write(self, offset, size, value):
        word, shift = offset & ~3, (offset & 3) * 8
        mask = ((1 << 8 * size) - 1) << shift
        value = (self._word(word) & ~mask) | ((value << shift) & mask)
        if word == RNR:
            self.rnr = value & 0xFF
            return
        if word == CTRL:
            self.ctrl = value & CTRL_BITS
        elif self.pmsa == 8 and word in (MAIR0, MAIR1):
            self.mair[word == MAIR1] = value
        elif word in BAR_OFFSETS:
            if self.pmsa == 7 and value & RBAR_VALID:
                self.rnr = value & 0xF
            region = self._region(word)
            if region is not None:
                self.bar[region] = value & (0xFFFFFFE0 if self.pmsa == 7 else 0xFFFFFFFF)
        elif word in ATTR_OFFSETS:
            region = self._region(word)
            if region is not None:
                self.attr[region] = value & (RASR_BITS if self.pmsa == 7 else RLAR_BITS)
        else:
            self.host.unmodelled(self, f"+{word:#04x}", "write")
            return
        changed = getattr(self.host, "mpu_changed", None)
        if changed is not None:
            changed()
