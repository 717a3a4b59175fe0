"""Nuclei (Bumblebee) system timer at 0xD1000000: 64-bit mtime and mtimecmp, MSTOP, MSIP
(Bumblebee core architecture manual, chapter "TIMER"). mtime counts the cost model's cycles
divided by `divider` (GD32VF103: HCLK/4, per that manual); the machine-timer interrupt is
pending while mtime >= mtimecmp."""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import Peripheral, Reg


@PERIPHERALS.register("timer.nuclei_systimer")
class NucleiSystimer(Peripheral):
    DEFAULTS = {"divider": 4}
    REGISTERS = (
        Reg(0x0, "MTIME_LO"), Reg(0x4, "MTIME_HI"),
        Reg(0x8, "MTIMECMP_LO", 0xFFFFFFFF), Reg(0xC, "MTIMECMP_HI", 0xFFFFFFFF),
        Reg(0xFF8, "MSTOP", 0, wmask=1), Reg(0xFFC, "MSIP", 0, wmask=1),
    )

    def reset(self):
        super().reset()
        self.base_value = 0  # mtime at base_cycles
        self.base_cycles = 0

    @property
    def div(self) -> int:
        return int(self.params["divider"])

    def mtime(self, now: int) -> int:
        if self.values[0xFF8] & 1:
            return self.base_value
        return (self.base_value + now // self.div - self.base_cycles // self.div) & ((1 << 64) - 1)

    def mtimecmp(self) -> int:
        return self.values[0x8] | (self.values[0xC] << 32)

    def timer_pending(self, now: int) -> bool:
        return self.mtime(now) >= self.mtimecmp()

    def read_MTIME_LO(self):
        self.host.cycle_counter_read()
        return self.mtime(self.host.now()) & 0xFFFFFFFF

    def read_MTIME_HI(self):
        return self.mtime(self.host.now()) >> 32

    def _set_mtime(self, value: int) -> None:
        now = self.host.now()
        self.base_value, self.base_cycles = value, now
        self.host.timers_changed()

    def write_MTIME_LO(self, value, mask):
        cur = self.mtime(self.host.now())
        self._set_mtime((cur & ~mask) | (value & mask))

    def write_MTIME_HI(self, value, mask):
        cur = self.mtime(self.host.now())
        self._set_mtime((cur & ~(mask << 32)) | ((value & mask) << 32))

    def write_MTIMECMP_LO(self, value, mask):
        self.store(0x8, value, mask)
        self.host.timers_changed()

    def write_MTIMECMP_HI(self, value, mask):
        self.store(0xC, value, mask)
        self.host.timers_changed()

    def write_MSTOP(self, value, mask):
        now = self.host.now()
        cur = self.mtime(now)
        self.store(0xFF8, value, mask)
        self._set_mtime(cur)
        self.host.timers_changed()

    def next_event(self, now: int) -> Optional[int]:
        if self.values[0xFF8] & 1:
            return None
        cmp, cur = self.mtimecmp(), self.mtime(now)
        if cmp >= (1 << 63):
            return None
        if cur >= cmp:
            return None  # already pending (a level): the machine sees it via timer_pending
        # first cycle at which now // div reaches the target tick
        target_tick = self.base_cycles // self.div + (cmp - self.base_value)
        return target_tick * self.div
