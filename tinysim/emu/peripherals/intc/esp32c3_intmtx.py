"""ESP32-C3 interrupt matrix (TRM v1.x ch. 8): a map register per peripheral source (at
4*source) picks CPU interrupt line 1..31 (0 = not routed); per line an enable bit
(CPU_INT_ENABLE), type (CPU_INT_TYPE, 0 = level), priority 1..15 (CPU_INT_PRI_n) and one
threshold (CPU_INT_THRESH): a line interrupts the core when enabled and its priority is at
least the threshold. The RISC-V machine asks `line_for(source)` when a source is asserted."""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import Peripheral, Reg

SOURCES = 62  # TRM Table 8-1: 62 peripheral interrupt sources


@PERIPHERALS.register("intc.esp32c3_intmtx")
class Esp32c3Intmtx(Peripheral):
    def registers(self):
        rows = [Reg(4 * s, f"MAP{s}", 0, wmask=0x1F) for s in range(SOURCES)]
        rows += [Reg(0x104, "CPU_INT_ENABLE"), Reg(0x108, "CPU_INT_TYPE"), Reg(0x10C, "CPU_INT_CLEAR"),
                 Reg(0x110, "CPU_INT_EIP_STATUS", 0, "ro")]
        rows += [Reg(0x114 + 4 * n, f"CPU_INT_PRI_{n}", 0, wmask=0xF) for n in range(32)]
        rows += [Reg(0x194, "CPU_INT_THRESH", 0, wmask=0xF)]
        return tuple(rows)

    def line_for(self, source: int) -> Optional[int]:
        """The CPU line that source `source` raises now, or None (unrouted/disabled/below threshold)."""
        line = self.values.get(4 * source, 0) & 0x1F
        if not line or not self.values[0x104] >> line & 1:
            return None
        if self.values[0x114 + 4 * line] < max(1, self.values[0x194]):
            return None
        return line

    def write_CPU_INT_ENABLE(self, value, mask):
        self.store(0x104, value, mask)
        self.host.set_irq(-1, False)  # re-evaluate pending lines (no source of its own)
