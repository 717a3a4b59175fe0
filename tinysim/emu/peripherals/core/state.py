"""ARMv7-M exception state shared by the NVIC and SCB models and the Cortex-M engine.

Exception numbers follow ARM DDI 0403 B1.5.2: 1 Reset, 2 NMI, 3 HardFault, 4 MemManage,
5 BusFault, 6 UsageFault, 11 SVCall, 12 DebugMonitor, 14 PendSV, 15 SysTick, 16+n IRQn.
"""

from __future__ import annotations

from typing import Dict, List, Set

FIXED_PRIORITY = {1: -3, 2: -2, 3: -1}  # B1.5.4: Reset, NMI and HardFault have fixed priorities
ALWAYS_ENABLED = {2, 3, 11, 12, 14, 15}  # system exceptions with no enable bit (4-6 use SHCSR)


class ExceptionState:
    def __init__(self, priority_bits: int = 8):
        self.pending: Set[int] = set()
        self.enabled: Set[int] = set(ALWAYS_ENABLED)
        self.priority: Dict[int, int] = {}
        self.active: List[int] = []  # nesting stack, innermost last
        self.lines: Set[int] = set()  # exception numbers whose level-sensitive IRQ line is high
        # who holds each line high, for lines several peripherals share (TIM1_UP / TIM16 on IRQ 25,
        # RM0432 Table 58): the line is the OR of its sources
        self.line_sources: Dict[int, Set[str]] = {}
        self.prigroup = 0
        # Only the top `priority_bits` of each 8-bit priority field exist (STM32: 4, RM0432 §13.1).
        self.priority_mask = (0xFF << (8 - priority_bits)) & 0xFF
        # The event register WFE consults (B1.5.18): set by SEV, exception entry and return, an
        # external event (RXEV) and, with SCR.SEVONPEND (`sev_on_pend`), by any exception entering
        # the Pending state, enabled or not; cleared by reset and by a WFE.
        self.event = False
        self.sev_on_pend = False

    def set_priority(self, exc: int, value: int) -> None:
        self.priority[exc] = value & self.priority_mask

    def priority_of(self, exc: int) -> int:
        if exc in FIXED_PRIORITY:
            return FIXED_PRIORITY[exc]
        return self.priority.get(exc, 0)

    def precedence(self, exc: int) -> tuple:
        """The order in which pending exceptions are taken (B1.5.4): lower group priority first,
        then lower sub-priority, then the lower exception number."""
        return (self.group_priority(exc), self.priority_of(exc), exc)

    def group_priority(self, exc: int) -> int:
        """The pre-emption part of the priority (AIRCR.PRIGROUP splits off sub-priority, B1.5.4)."""
        p = self.priority_of(exc)
        if p < 0:
            return p
        return p & ~((2 << self.prigroup) - 1) & 0xFF

    def is_pending(self, exc: int) -> bool:
        return exc in self.pending or (exc in self.lines and exc not in self.active)

    def pend(self, exc: int) -> None:
        self.note_pending(exc)
        self.pending.add(exc)

    def note_pending(self, exc: int) -> None:
        """`exc` is about to become pending (a pend bit or its line going high): with SEVONPEND,
        entering the Pending state is a WFE wake-up event, which sets the event register."""
        if self.sev_on_pend and not self.is_pending(exc):
            self.event = True
