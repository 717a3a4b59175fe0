"""Data Watchpoint and Trace unit at 0xE0001000 (ARM DDI 0403 C1.8): the cycle counter.

CYCCNT counts the cost model's cycles while DWT_CTRL.CYCCNTENA is set (and DEMCR.TRCENA, which
powers the DWT, C1.6.5); it is writable and wraps at 2^32. Every CYCCNT read is reported to the
host as a timestamp so timed windows can be cut exactly where the firmware timed itself."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg

CYCCNTENA = 1


@PERIPHERALS.register("core.dwt")
class Dwt(Peripheral):
    DEFAULTS = {"trcena": None}  # callable returning DEMCR.TRCENA; None = always powered
    REGISTERS = (
        Reg(0x00, "CTRL", 0x40000000, wmask=0x1FFF),  # NUMCOMP=4 (Cortex-M4 TRM §8.3)
        Reg(0x04, "CYCCNT"),
        Reg(0x08, "CPICNT", 0, UNMODELLED), Reg(0x0C, "EXCCNT", 0, UNMODELLED),
        Reg(0x10, "SLEEPCNT", 0, UNMODELLED), Reg(0x14, "LSUCNT", 0, UNMODELLED),
        Reg(0x18, "FOLDCNT", 0, UNMODELLED), Reg(0x1C, "PCSR", 0, RO),
        *(Reg(0x20 + 16 * i + o, f"{n}{i}", 0, UNMODELLED)
          for i in range(4) for o, n in ((0, "COMP"), (4, "MASK"), (8, "FUNCTION"))),
    )

    def reset(self):
        super().reset()
        self.base_value = 0
        self.base_cycles = 0
        self.running = False

    def _powered(self) -> bool:
        trc = self.params.get("trcena")
        return True if trc is None else bool(trc())

    def cyccnt(self, now: int) -> int:
        if not self.running:
            return self.base_value
        return (self.base_value + now - self.base_cycles) & 0xFFFFFFFF

    def read_CYCCNT(self):
        self.host.cycle_counter_read()
        return self.cyccnt(self.host.now())

    def write_CYCCNT(self, value, mask):
        now = self.host.now()
        current = self.cyccnt(now)
        self.base_value = (current & ~mask) | (value & mask)
        self.base_cycles = now

    def write_CTRL(self, value, mask):
        now = self.host.now()
        current = self.cyccnt(now)
        self.store(0x00, value, mask)
        self.base_value, self.base_cycles = current, now
        self.running = bool(self.values[0x00] & CYCCNTENA) and self._powered()
