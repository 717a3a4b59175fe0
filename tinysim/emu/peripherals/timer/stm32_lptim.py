"""STM32L4+ LPTIM1/LPTIM2, the low-power timers (RM0432 Rev 9 chapter "Low-power timer (LPTIM)";
offsets, bits and reset values recalled from memory, to verify against the manual).

What runs: the counter clocked by the internal kernel clock divided by 2^CFGR.PRESC, counting
0..ARR in continuous mode (CR.CNTSTRT) or once (CR.SNGSTRT: it stops at the ARR match and CNT
reads 0, as recalled), the
ARR match (ISR.ARRM) and compare match (ISR.CMPM, CNT = CMP) flags with their interrupts (IER),
the ARROK/CMPOK write acknowledgements (set at once here), CFGR.PRELOAD (ARR and CMP written
while running take effect at the end of the period), CR.COUNTRST, and ICR clearing flags.
Stored and reported as unmodelled when used: the external clock input (CFGR.CKSEL), triggers
(CFGR.TRIGEN), encoder mode (CFGR.ENC), counting external events (CFGR.COUNTMODE).

The kernel clock is RCC_CCIPR.LPTIMxSEL's (PCLK1 at reset, or LSI, HSI16, LSE): the
`kernel_clock_hz` param when given, else what the clock controller model derives for this timer's
name (0 when the selected source is off: the counter stands still), else the core clock (see
timer/stm32_tim.py).
"""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg
from .ticks import KernelTicks, kernel_clock_hz

CMPM, ARRM, CMPOK, ARROK = 1, 2, 8, 0x10
ENABLE, SNGSTRT, CNTSTRT, COUNTRST = 1, 2, 4, 8
CKSEL, PRELOAD, COUNTMODE, ENC = 1, 1 << 22, 1 << 23, 1 << 24
TRIGEN = 3 << 17


@PERIPHERALS.register("timer.stm32_lptim")
class Stm32Lptim(Peripheral):
    REGISTERS = (
        Reg(0x00, "ISR", 0, RO), Reg(0x04, "ICR", 0, WO), Reg(0x08, "IER", 0, wmask=0x7F),
        Reg(0x0C, "CFGR", 0, wmask=0x01FEEEDF), Reg(0x10, "CR", 0, wmask=0x1F),
        Reg(0x14, "CMP", 0, wmask=0xFFFF), Reg(0x18, "ARR", 1, wmask=0xFFFF),
        Reg(0x1C, "CNT", 0, RO), Reg(0x20, "OR", 0, wmask=0x3),
    )

    def reset(self):
        super().reset()
        self._clock = KernelTicks(self.host.now())
        self._start: Optional[int] = None   # kernel tick at which CNT was 0 (None: stopped)
        self._single = False
        self._seen = -1                     # counts since the period's start already checked
        self._arr, self._cmp = 1, 0         # what the counter compares with (PRELOAD shadows)
        self._level = False
        self._reported = set()

    # ---- time --------------------------------------------------------------------------------
    def _div(self) -> int:
        return 1 << ((self.values[0x0C] >> 9) & 7)

    def clocks_changed(self) -> None:
        """A clock changed now: the ticks so far count at the old rate, the rest at the new one."""
        if self._start is not None:
            self._ticks(self.host.now())

    def _ticks(self, now: int) -> int:
        self._clock.sync(now, float(self.host.clock_hz()), kernel_clock_hz(self))
        return self._clock.ticks_at(now)

    def _counts(self, now: int) -> int:
        """Prescaled counts since the counter started (0 while stopped)."""
        return 0 if self._start is None else (self._ticks(now) - self._start) // self._div()

    def _advance(self, now: int) -> None:
        """Raise the ARR and compare matches that fell due up to `now`, period by period."""
        while self._start is not None:
            n = self._counts(now)
            if n <= self._seen:
                return
            period, first = self._arr + 1, self._seen + 1
            arr_hit = first + (self._arr - first) % period     # the count at which CNT = ARR
            if self._cmp <= self._arr and first + (self._cmp - first) % period <= min(n, arr_hit):
                self.values[0x00] |= CMPM
            if arr_hit > n:
                self._seen = n
                return
            self.values[0x00] |= ARRM
            if self._single:                                   # one period, then it stops
                self._start, self._seen = None, -1
                return
            settled = (self._arr, self._cmp) == (self.values[0x18], self.values[0x14])
            self._arr, self._cmp = self.values[0x18], self.values[0x14]   # preloads take effect
            # the count after the match is CNT = 0: a new period starts there
            whole = max(0, (n - arr_hit - 1) // (self._arr + 1)) if settled else 0   # periods seen whole
            if whole and self._cmp <= self._arr:
                self.values[0x00] |= CMPM
            self._start += (arr_hit + 1 + whole * (self._arr + 1)) * self._div()
            self._seen = -1

    def _cnt(self, now: int) -> int:
        self._advance(now)
        return 0 if self._start is None else self._counts(now) % (self._arr + 1)

    # ---- registers ---------------------------------------------------------------------------
    def read(self, offset, size):
        self._advance(self.host.now())
        return super().read(offset, size)

    def write(self, offset, size, value):
        self._advance(self.host.now())
        super().write(offset, size, value)
        self._update_irq()
        self.host.timers_changed()

    def read_CNT(self):
        return self._cnt(self.host.now())

    def write_ICR(self, value, mask):
        self.values[0x00] &= ~(value & mask & 0x7F)

    def write_CFGR(self, value, mask):
        self.store(0x0C, value, mask)
        cfgr = self.values[0x0C]
        for bit, what in ((CKSEL, "CFGR.CKSEL (external clock)"), (TRIGEN, "CFGR.TRIGEN (trigger)"),
                          (COUNTMODE, "CFGR.COUNTMODE (external events)"), (ENC, "CFGR.ENC (encoder)")):
            if cfgr & bit and what not in self._reported:
                self._reported.add(what)
                self.host.unmodelled(self, what, "write")

    def write_CR(self, value, mask):
        now = self.host.now()
        self.store(0x10, value, mask)
        cr = self.values[0x10]
        if not cr & ENABLE:
            self.values[0x10] = 0
            self._start = None
            return
        if cr & (SNGSTRT | CNTSTRT):
            self._single = bool(cr & SNGSTRT)
            self._arr, self._cmp = self.values[0x18], self.values[0x14]
            self._start, self._seen = self._ticks(now), -1
        if cr & COUNTRST and self._start is not None:
            self._start, self._seen = self._ticks(now), -1
        self.values[0x10] &= ENABLE           # the start and reset bits self-clear

    def write_ARR(self, value, mask):
        self._write_match(0x18, value, mask, ARROK)

    def write_CMP(self, value, mask):
        self._write_match(0x14, value, mask, CMPOK)

    def _write_match(self, off, value, mask, ok):
        self.store(off, value, mask)
        if self.values[0x10] & ENABLE:
            self.values[0x00] |= ok
        if not self.values[0x0C] & PRELOAD or self._start is None:
            self._arr, self._cmp = self.values[0x18], self.values[0x14]

    # ---- interrupt and events ----------------------------------------------------------------
    def _update_irq(self) -> None:
        level = bool(self.values[0x00] & self.values[0x08])
        if self.irq is not None and level != self._level:
            self._level = level
            self.host.set_irq(self.irq, level)

    def next_event(self, now: int) -> Optional[int]:
        """The cycle of the next ARR or compare match whose interrupt is enabled."""
        ier = self.values[0x08]
        if self._start is None or not ier & (ARRM | CMPM):
            return None
        self._advance(now)
        if self._start is None:
            return None
        period, first = self._arr + 1, self._seen + 1
        due = [first + (v - first) % period for v, flag in ((self._arr, ARRM), (self._cmp, CMPM))
               if ier & flag and v <= self._arr]
        return self._clock.cycle_of(self._start + min(due) * self._div()) if due else None

    def quiescent(self) -> bool:
        return self._start is None   # started only by a CR write (write() reports it)

    def tick(self, now: int) -> None:
        if self._start is not None:
            self._advance(now)
            self._update_irq()
