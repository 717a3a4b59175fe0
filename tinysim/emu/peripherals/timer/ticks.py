"""Device-time arithmetic shared by the timer models: a timer's kernel-clock ticks counted from
the machine's core cycles, exactly (an integer ratio num/den), across clock changes.

`KernelTicks.sync(now, core_hz, kernel_hz)` starts a new segment at cycle `now` when the ratio
kernel/core changed; `ticks_at(cycle)` is the number of ticks since the timer model's reset;
`cycle_of(tick)` the first cycle at which that many ticks have passed. A change of either clock
is applied when the machine reports it (`clocks_changed`, at the change) or, failing that, at the
timer's next access or event.
A kernel clock of 0 (its source is off) stops the count: `cycle_of` is then None (never).
`kernel_clock_hz(timer)` is the one lookup of a timer model's counting clock.
"""

from __future__ import annotations

from typing import Optional

from fractions import Fraction


def kernel_clock_hz(timer) -> float:
    """The clock timer model `timer` counts: its `kernel_clock_hz` param (an override), else what
    the clock controller model derives for its name (`Host.kernel_clock_hz`; 0.0: its source is
    off, the count stands still), else the core clock (a SoC without such a model)."""
    override = timer.params.get("kernel_clock_hz")
    if override:
        return float(override)
    derived = timer.host.kernel_clock_hz(timer.name)
    return float(derived) if derived is not None else float(timer.host.clock_hz())


class KernelTicks:
    def __init__(self, now: int):
        self.cycle, self.tick = now, 0          # tick `tick` fell at cycle `cycle`
        self.num, self.den = 0, 0               # ticks per core cycle = num / den (0/0: unset)
        self._key = None

    def sync(self, now: int, core_hz: float, kernel_hz: float) -> None:
        key = (core_hz, kernel_hz)
        if key == self._key:
            return
        self._key = key
        # no core clock: count 1:1 (a model without one); no kernel clock: the counter stands still
        ratio = (Fraction(kernel_hz) / Fraction(core_hz) if core_hz and kernel_hz
                 else Fraction(0) if core_hz else Fraction(1))
        if (ratio.numerator, ratio.denominator) != (self.num, self.den):
            if self.den:
                self.tick = self.ticks_at(now)
            self.cycle, self.num, self.den = now, ratio.numerator, ratio.denominator

    def ticks_at(self, cycle: int) -> int:
        return self.tick + (cycle - self.cycle) * self.num // self.den

    def cycle_of(self, tick: int) -> Optional[int]:
        if self.num == 0:
            return None
        return self.cycle + max(0, -(-(tick - self.tick) * self.den // self.num))
