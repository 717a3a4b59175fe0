"""Device-time arithmetic shared by the timer models: a timer's kernel-clock ticks counted from
the machine's core cycles, exactly (rational ratio), across clock changes.

`KernelTicks.sync(now, core_hz, kernel_hz)` starts a new segment at cycle `now` when the ratio
kernel/core changed; `ticks_at(cycle)` is the number of ticks since the timer model's reset;
`cycle_of(tick)` the first cycle at which that many ticks have passed. A change of either clock
is seen at the timer's next access or event: the ticks in between count at the old ratio.
"""

from __future__ import annotations

from fractions import Fraction
from math import ceil, floor
from typing import Optional


class KernelTicks:
    def __init__(self, now: int):
        self.cycle, self.tick = now, 0          # tick `tick` fell at cycle `cycle`
        self.ratio: Optional[Fraction] = None   # ticks per core cycle

    def sync(self, now: int, core_hz: float, kernel_hz: float) -> None:
        ratio = Fraction(kernel_hz) / Fraction(core_hz) if core_hz and kernel_hz else Fraction(1)
        if ratio != self.ratio:
            if self.ratio is not None:
                self.tick = self.ticks_at(now)
            self.cycle, self.ratio = now, ratio

    def ticks_at(self, cycle: int) -> int:
        return self.tick + floor((cycle - self.cycle) * self.ratio)

    def cycle_of(self, tick: int) -> int:
        return self.cycle + max(0, ceil((tick - self.tick) / self.ratio))
