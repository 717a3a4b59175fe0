"""SysTick timer at 0xE000E010 (ARM DDI 0403 B3.3), counted in the cost model's cycles.

The counter decrements once per processor clock (CTRL.CLKSOURCE=1) or once per external
reference tick (CLKSOURCE=0; on STM32 that is HCLK/8, RM0432 §6.2 "the SysTick calibration
value ... HCLK/8"), reloads from LOAD after reaching 0, sets COUNTFLAG on each 1->0 step and,
with TICKINT, pends exception 15. Time is the machine's cycle count, never host time."""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import Peripheral, Reg
from .state import ExceptionState

ENABLE, TICKINT, CLKSOURCE, COUNTFLAG = 1, 2, 4, 1 << 16
SYSTICK_EXCEPTION = 15


@PERIPHERALS.register("core.systick")
class SysTick(Peripheral):
    # calib: STM32L4 reads 0 here except TENMS; a guess-free neutral value is NOREF=0, SKEW=1.
    DEFAULTS = {"external_divider": 8, "calib": 0x40000000}
    REGISTERS = (
        Reg(0x0, "CTRL", 0x00000004, wmask=0x7),  # CLKSOURCE resets to 1 on Cortex-M4 (TRM §4.4)
        Reg(0x4, "LOAD", 0, wmask=0x00FFFFFF),
        Reg(0x8, "VAL", 0, wmask=0x00FFFFFF),
        Reg(0xC, "CALIB", 0x40000000, "ro"),
    )

    def __init__(self, *args, state: ExceptionState = None, **kwargs):
        self.state = state or ExceptionState()
        super().__init__(*args, **kwargs)
        self.values[0xC] = int(self.params["calib"])

    def reset(self):
        super().reset()
        self.t0 = 0  # tick count at the anchor
        self.v0 = 0  # VAL at the anchor
        self.last_k = 0  # ticks since anchor already processed for events
        self.flag = False

    # ---- time arithmetic ----------------------------------------------------------------
    @property
    def enabled(self) -> bool:
        return bool(self.values[0x0] & ENABLE)

    @property
    def divider(self) -> int:
        return 1 if self.values[0x0] & CLKSOURCE else int(self.params["external_divider"])

    def _ticks(self, now: int) -> int:
        return now // self.divider

    def _value_at(self, k: int) -> int:
        reload = self.values[0x4]
        if self.v0 > 0 and k < self.v0:
            return self.v0 - k
        if reload == 0:
            return 0
        r = (k - (self.v0 if self.v0 > 0 else 0)) % (reload + 1)
        return 0 if r == 0 else reload + 1 - r

    def _zeros_upto(self, k: int) -> int:
        """How many 1->0 steps happen in ticks (0, k] after the anchor."""
        reload = self.values[0x4]
        if k <= 0:
            return 0
        if self.v0 > 0:
            if k < self.v0:
                return 0
            return 1 + ((k - self.v0) // (reload + 1) if reload else 0)
        return k // (reload + 1) if reload else 0

    def _anchor(self, now: int, value: int) -> None:
        self.t0 = self._ticks(now)
        self.v0 = value
        self.last_k = 0

    def _k(self, now: int) -> int:
        return self._ticks(now) - self.t0

    def quiescent(self) -> bool:
        return not self.enabled   # enabled only by a CTRL write (write_CTRL reports it)

    def tick(self, now: int) -> None:
        if not self.enabled:
            return
        k = self._k(now)
        if k > self.last_k:
            if self._zeros_upto(k) > self._zeros_upto(self.last_k):
                self.flag = True
                if self.values[0x0] & TICKINT:
                    self.state.pend(SYSTICK_EXCEPTION)
            self.last_k = k

    def next_event(self, now: int) -> Optional[int]:
        if not self.enabled or not (self.values[0x0] & TICKINT):
            return None
        reload = self.values[0x4]
        k = max(self._k(now), self.last_k)
        if self.v0 > 0 and k < self.v0:
            z = self.v0
        elif reload == 0:
            return None
        else:
            first = self.v0 if self.v0 > 0 else 0
            z = first + ((k - first) // (reload + 1) + 1) * (reload + 1)
        return (self.t0 + z) * self.divider

    # ---- registers -------------------------------------------------------------------------
    def read_CTRL(self):
        now = self.host.now()
        self.tick(now)
        value = self.values[0x0] | (COUNTFLAG if self.flag else 0)
        self.flag = False  # COUNTFLAG clears on read (B3.3.3)
        return value

    def write_CTRL(self, value, mask):
        now = self.host.now()
        self.tick(now)
        was = self.enabled
        current = self.read_VAL() if was else self.v0
        self.store(0x0, value, mask)
        if self.enabled and not was:
            self._anchor(now, current)
        elif was and not self.enabled:
            self.v0 = current  # frozen while disabled
        elif self.enabled:
            self._anchor(now, current)  # divider may have changed
        self.host.timers_changed()

    def read_VAL(self):
        if not self.enabled:
            return self.v0
        return self._value_at(self._k(self.host.now()))

    def write_VAL(self, value, mask):
        now = self.host.now()
        self.tick(now)
        self.flag = False  # any write clears VAL and COUNTFLAG
        self._anchor(now, 0)
        self.host.timers_changed()

    def write_LOAD(self, value, mask):
        now = self.host.now()
        self.tick(now)
        current = self.read_VAL()
        self.store(0x4, value, mask)
        if self.enabled:
            self._anchor(now, current)
        self.host.timers_changed()
