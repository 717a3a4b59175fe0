"""The one setter style of the STM32 RCC models for a register the clock tree is computed from
(AHB/APB prescalers, PLL configuration, kernel clock selections): store the written bits, then
let the model report a core clock change (its `_report_clock`). A change of a kernel clock alone
(a UART's or timer's clock select) reaches the peripherals through the bus, which tells the host
after every write to a clock controller (`MmioBus.write` -> `Host.clock_tree_written`)."""

from __future__ import annotations


def clock_setter(offset: int):
    """`write_<REG> = clock_setter(offset)` in an RCC model's class body."""
    def write(self, value: int, mask: int) -> None:
        self.store(offset, value, mask)
        self._report_clock()
    return write
