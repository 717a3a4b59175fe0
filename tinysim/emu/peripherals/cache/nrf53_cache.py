"""nRF5340 application core CACHE, the instruction/data cache in front of flash and XIP (nRF5340
PS chapter "CACHE - Instruction/data cache": two-way set associative, LRU replacement, 128-bit
lines, instruction and data accesses over the code bus; offsets and reset values as in Nordic's
SVD).

ENABLE (0x500, bit 0, reset 0: the cache is off after reset) switches it on; MODE (0x514, bit 0)
selects Cache (0) or RAM (1, the cache memory used as plain RAM: nothing is cached). Whether it
caches is what the flash model reports to the cost model (`flash.nrf53_nvmc`: `icache`,
`dcache`): the geometry (8 kB, 2-way, 16-byte lines) is in the SoC file's [flash]. A change is
reported to the host (`Host.flash_changed`); INVALIDATE and ERASE (write 1) empty the cache, as
do ENABLE and MODE (the PS: every valid bit is cleared by INVALIDATE, by disabling the cache and
by changing MODE from Ram to Cache; the model empties it when it starts caching again). ERASE completes at once
(ERASESTATUS reads FINISHED). The profiling counters (IHIT/IMISS/DHIT/DMISS, PS CACHE
"Profiling") are named but count nothing."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import UNMODELLED, WO, Peripheral, Reg

COUNTERS = ("IHIT", "IMISS", "DHIT", "DMISS")


@PERIPHERALS.register("cache.nrf53_cache")
class Nrf53Cache(Peripheral):
    REGISTERS = (
        *(Reg(base + 4 * k, f"PROFILING{r}_{name}", 0, UNMODELLED)
          for r, base in enumerate((0x400, 0x420)) for k, name in enumerate(COUNTERS)),
        Reg(0x500, "ENABLE", 0, wmask=0x1), Reg(0x504, "INVALIDATE", 0, WO),
        Reg(0x508, "ERASE", 0, WO), Reg(0x50C, "PROFILINGENABLE", 0, wmask=0x1),
        Reg(0x510, "PROFILINGCLEAR", 0, WO), Reg(0x514, "MODE", 0, wmask=0x1),
        Reg(0x518, "DEBUGLOCK", 0, wmask=0x1), Reg(0x51C, "ERASESTATUS", 0, wmask=0x1),
        Reg(0x520, "WRITELOCK", 0, wmask=0x1),
    )

    @property
    def enabled(self) -> bool:
        return bool(self.values[0x500] & 1) and not self.values[0x514] & 1

    def _changed(self, before: bool, flush: bool) -> None:
        if self.enabled != before or flush:
            self.host.flash_changed(icache_reset=flush, dcache_reset=flush)

    def write_ENABLE(self, value, mask):
        before = self.enabled
        self.store(0x500, value, mask)
        self._changed(before, flush=self.enabled and not before)

    def write_MODE(self, value, mask):
        before = self.enabled
        self.store(0x514, value, mask)
        self._changed(before, flush=self.enabled and not before)

    def write_INVALIDATE(self, value, mask):
        if value & mask & 1:
            self._changed(self.enabled, flush=True)

    def write_ERASE(self, value, mask):
        if value & mask & 1:
            self.values[0x51C] = 1
            self._changed(self.enabled, flush=True)
