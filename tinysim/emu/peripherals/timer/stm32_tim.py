"""STM32 TIMx (advanced TIM1/TIM8, general-purpose TIM2-5 and TIM15-17, basic TIM6/7): one model
for the family, counting up in device time (RM0432 Rev 9, the TIMx chapters: "Time-base unit",
"Counter modes", "Update event"; chapter/section numbers are not given here because they were not
checked against the manual).

What runs: the up-counter CNT, the prescaler PSC and auto-reload ARR with their shadow registers
(PSC is always preloaded; ARR is preloaded when CR1.ARPE = 1, RM "Time-base unit"), the
repetition counter RCR (the update event comes every RCR+1 overflows), the update event (UEV) on
overflow or EGR.UG, with CR1.UDIS (no UEV), CR1.URS (UG sets no UIF) and CR1.OPM (the counter
stops at the UEV), SR.UIF with the update interrupt (DIER.UIE), and CR1.UIFREMAP (UIF copied into
CNT bit 31). The other registers (capture/compare, break, slave mode, DMA burst) are stored with
their reset values and not emulated: switching on down/centre-aligned counting, a slave mode or a
capture/compare interrupt is reported as an unmodelled access naming the field.

Time: the counter's kernel clock is `kernel_clock_hz` (param, an override), else what the clock
controller model derives for this timer's name (`Host.kernel_clock_hz`: the APB timer clock, which
is PCLKx when the APB prescaler is 1 and 2 x PCLKx otherwise, RM0432 section 6.2 "Timer clock"),
else the core clock (exact while the APB prescaler is 1). Ticks are counted from the machine's
cycles through the ratio kernel clock / core clock, which is re-read at every access and event.

Params: `bits` (16, or 32 for TIM2/TIM5), `kernel_clock_hz` (optional override).
"""

from __future__ import annotations

from typing import Optional

from ....errors import PlatformError
from .. import PERIPHERALS
from ..base import UNMODELLED, WO, Peripheral, Reg
from .ticks import KernelTicks, kernel_clock_hz

# CR1 bits (RM0432 TIMx_CR1)
CEN, UDIS, URS, OPM, DIR, CMS, ARPE, UIFREMAP = 1, 2, 4, 8, 0x10, 0x60, 0x80, 1 << 11
UIF = 1          # SR.UIF, DIER.UIE, EGR.UG are bit 0 of their registers
UIE, UG = 1, 1
CCIE_BITS = 0x1E  # DIER.CC1IE..CC4IE: capture/compare interrupts, not emulated
SMS = 0x10007    # SMCR.SMS[3:0] (bits 16, 2:0): slave mode, not emulated


@PERIPHERALS.register("timer.stm32_tim")
class Stm32Tim(Peripheral):
    DEFAULTS = {"bits": 16}

    def __init__(self, name, base, size, irq=None, params=None, host=None):
        bits = {**self.DEFAULTS, **dict(params or {})}["bits"]
        if bits not in (16, 32):
            raise PlatformError(f"params.bits = {bits!r}: a TIMx counter is 16 or 32 bits wide "
                                "(32 for TIM2/TIM5 on the STM32L4+)")
        self.mask = (1 << bits) - 1
        super().__init__(name, base, size, irq, params, host)

    def registers(self):
        m = self.mask
        # Reset values 0 except ARR, which resets to all ones (RM0432 TIMx_ARR; the 32-bit
        # value for TIM2/TIM5 is recalled from memory).
        return (
            Reg(0x00, "CR1", 0, wmask=0xBFF), Reg(0x04, "CR2"), Reg(0x08, "SMCR"),
            Reg(0x0C, "DIER", 0, wmask=0x7FFF), Reg(0x10, "SR", 0, wmask=0x3FFFF),
            Reg(0x14, "EGR", 0, WO), Reg(0x18, "CCMR1"), Reg(0x1C, "CCMR2"), Reg(0x20, "CCER"),
            Reg(0x24, "CNT", 0, wmask=m), Reg(0x28, "PSC", 0, wmask=0xFFFF),
            Reg(0x2C, "ARR", m, wmask=m), Reg(0x30, "RCR", 0, wmask=0xFFFF),
            Reg(0x34, "CCR1", 0, wmask=m), Reg(0x38, "CCR2", 0, wmask=m),
            Reg(0x3C, "CCR3", 0, wmask=m), Reg(0x40, "CCR4", 0, wmask=m),
            Reg(0x44, "BDTR"), Reg(0x48, "DCR"), Reg(0x4C, "DMAR", 0, UNMODELLED),
            Reg(0x50, "OR1"), Reg(0x54, "CCMR3"), Reg(0x58, "CCR5"), Reg(0x5C, "CCR6"),
            Reg(0x60, "OR2"), Reg(0x64, "OR3"),
        )

    def reset(self):
        super().reset()
        self._psc = 0            # prescaler shadow register (what divides now)
        self._arr = self.mask    # auto-reload shadow register
        self._rep = 0            # repetition down-counter: a UEV when an overflow finds it at 0
        # The counter state at tick `_k0`: CNT = _cnt0, prescaler counter = _phase0.
        self._k0, self._cnt0, self._phase0 = 0, 0, 0
        self._clock = KernelTicks(self.host.now())
        self._level = False
        self._reported = set()

    # ---- the kernel clock --------------------------------------------------------------------
    def clocks_changed(self) -> None:
        """A clock changed now: the ticks so far count at the old rate, the rest at the new one."""
        if self.running:
            self._sync_clock(self.host.now())

    def _sync_clock(self, now: int) -> None:
        self._clock.sync(now, float(self.host.clock_hz()), kernel_clock_hz(self))

    def _ticks_at(self, cycle: int) -> int:
        self._sync_clock(cycle)
        return self._clock.ticks_at(cycle)

    # ---- the counter -------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return bool(self.values[0x00] & CEN)

    def _period(self) -> int:
        return (self._arr + 1) * (self._psc + 1)

    def _next_overflow(self) -> int:
        """The tick at which the counter next wraps from ARR to 0."""
        counts = self._arr - self._cnt0 + 1 if self._cnt0 <= self._arr \
            else (self.mask - self._cnt0 + 1) + self._arr + 1   # above ARR: runs on to the top first
        return self._k0 + counts * (self._psc + 1) - self._phase0

    def _settled(self) -> bool:
        """The shadows hold what the preload registers do: every period is the same."""
        arr = self.values[0x2C] if self.values[0x00] & ARPE else self._arr
        return self.values[0x28] == self._psc and arr == self._arr

    def _advance(self, now: int) -> None:
        """Bring the counter to cycle `now`: every overflow and update event on the way."""
        if not self.running:
            return
        t = self._ticks_at(now)
        while self.running:
            u = self._next_overflow()
            if u > t:
                break
            if self._settled() and not self.values[0x00] & (OPM | UDIS):
                # every overflow from here has the same period: count them at once
                n = 1 + (t - u) // self._period()
                self._k0, self._cnt0, self._phase0 = u + (n - 1) * self._period(), 0, 0
                if n > self._rep:                 # at least one update event
                    rcr = self.values[0x30]
                    self._rep = rcr - (n - self._rep - 1) % (rcr + 1)
                    self.values[0x10] |= UIF
                else:
                    self._rep -= n
                break
            self._k0, self._cnt0, self._phase0 = u, 0, 0
            self._overflow()

    def _overflow(self) -> None:
        if self.values[0x00] & UDIS:
            return
        if self._rep > 0:
            self._rep -= 1
            return
        self._update_event(set_flag=True)

    def _update_event(self, set_flag: bool) -> None:
        """UEV: the shadow registers load their preload values (RM "Update event")."""
        self._psc = self.values[0x28]
        self._arr = self.values[0x2C]
        self._rep = self.values[0x30]
        if set_flag:
            self.values[0x10] |= UIF
        if self.values[0x00] & OPM:
            self.values[0x00] &= ~CEN

    def _count_now(self, now: int) -> int:
        self._advance(now)
        if not self.running:
            return self._cnt0
        total = self._phase0 + self._ticks_at(now) - self._k0
        return (self._cnt0 + total // (self._psc + 1)) & self.mask

    def _restart_at(self, now: int, cnt: int, phase: Optional[int] = None) -> None:
        if self.running:
            total = self._phase0 + self._ticks_at(now) - self._k0
            cur_phase = total % (self._psc + 1)
        else:
            cur_phase = self._phase0
        self._k0, self._cnt0 = self._ticks_at(now), cnt & self.mask
        self._phase0 = cur_phase if phase is None else phase

    # ---- registers ---------------------------------------------------------------------------
    def read(self, offset, size):
        if offset & ~3 in (0x10, 0x24):
            self._advance(self.host.now())
        return super().read(offset, size)

    def write(self, offset, size, value):
        now = self.host.now()
        self._advance(now)
        super().write(offset, size, value)
        self._update_irq()
        self.host.timers_changed()

    def read_CNT(self):
        cnt = self._count_now(self.host.now())
        if self.values[0x00] & UIFREMAP:
            cnt = (cnt & 0x7FFFFFFF) | (self.values[0x10] & UIF) << 31
        return cnt

    def write_CNT(self, value, mask):
        now = self.host.now()
        cur = self._count_now(now)
        self._restart_at(now, (cur & ~mask) | (value & mask))

    def write_CR1(self, value, mask):
        now = self.host.now()
        cur = self._count_now(now)
        was = self.running
        if was:
            self._restart_at(now, cur)           # freeze the state at the old settings
        self.store(0x00, value, mask)
        if self.values[0x00] & DIR:
            self._report("CR1.DIR (down-counting)")
        if self.values[0x00] & CMS:
            self._report("CR1.CMS (centre-aligned counting)")
        if not self.values[0x00] & ARPE:
            self._arr = self.values[0x2C]
        if self.running and not was:
            self._k0 = self._ticks_at(now)       # counting starts now, from CNT

    def write_ARR(self, value, mask):
        self.store(0x2C, value, mask)
        if not self.values[0x00] & ARPE:         # no preload: the shadow follows at once
            self._arr = self.values[0x2C]

    def write_SR(self, value, mask):             # rc_w0: writing 0 clears, 1 leaves the bit
        self.values[0x10] &= (value | ~mask) & 0xFFFFFFFF

    def write_EGR(self, value, mask):
        if not value & UG:
            if value & ~UG:
                self._report("EGR (capture/compare/trigger/break generation)")
            return
        now = self.host.now()
        self._restart_at(now, 0, 0)              # counter and prescaler counter cleared
        if not self.values[0x00] & UDIS:
            self._update_event(set_flag=not self.values[0x00] & URS)

    def write_DIER(self, value, mask):
        self.store(0x0C, value, mask)
        if self.values[0x0C] & ~UIE:
            self._report("DIER (capture/compare, trigger, break or DMA requests)")

    def write_SMCR(self, value, mask):
        self.store(0x08, value, mask)
        if self.values[0x08] & SMS:
            self._report("SMCR.SMS (slave mode)")

    def _report(self, what: str) -> None:
        if what not in self._reported:       # once per field: a register poll would flood it
            self._reported.add(what)
            self.host.unmodelled(self, what, "write")

    # ---- interrupt and events ----------------------------------------------------------------
    def _update_irq(self) -> None:
        level = bool(self.values[0x10] & UIF and self.values[0x0C] & UIE)
        if self.irq is not None and level != self._level:
            self._level = level
            self.host.set_irq(self.irq, level, source=self.name)   # TIM1/TIM15-17 share lines

    def next_event(self, now: int) -> Optional[int]:
        """The cycle of the next update event, while it can raise the interrupt."""
        cr1 = self.values[0x00]
        if not cr1 & CEN or cr1 & UDIS or not self.values[0x0C] & UIE:
            return None
        self._sync_clock(now)
        return self._clock.cycle_of(self._next_overflow() + self._rep * self._period())

    def quiescent(self) -> bool:
        return not self.values[0x00] & CEN   # CEN is set only by a write (write() reports it)

    def tick(self, now: int) -> None:
        if self.values[0x00] & CEN:   # a stopped counter has nothing falling due
            self._advance(now)
            self._update_irq()
