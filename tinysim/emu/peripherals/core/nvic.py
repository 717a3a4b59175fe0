"""NVIC register block at 0xE000E100 (ARM DDI 0403 B3.4): set/clear enable and pending, active
bits and priorities, for up to 240 external interrupts (IRQn -> exception 16+n)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, Peripheral, Reg
from .state import ExceptionState


@PERIPHERALS.register("core.nvic")
class Nvic(Peripheral):
    DEFAULTS = {"irqs": 240, "priority_bits": 4}

    def __init__(self, *args, state: ExceptionState = None, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)
        if self.state is None:
            self.state = ExceptionState(int(self.params["priority_bits"]))

    def registers(self):
        n = (int(self.params["irqs"]) + 31) // 32
        rows = []
        for i in range(n):
            rows += [Reg(0x000 + 4 * i, f"ISER{i}"), Reg(0x080 + 4 * i, f"ICER{i}"),
                     Reg(0x100 + 4 * i, f"ISPR{i}"), Reg(0x180 + 4 * i, f"ICPR{i}"),
                     Reg(0x200 + 4 * i, f"IABR{i}", access=RO)]
        rows += [Reg(0x300 + 4 * i, f"IPR{i}") for i in range((int(self.params["irqs"]) + 3) // 4)]
        return tuple(rows)

    # Every register is computed from the shared state, so the generic hooks dispatch by offset.
    def read(self, offset, size):
        word, shift = offset & ~3, (offset & 3) * 8
        if word not in self._regs:
            return super().read(offset, size)
        s = self.state
        if word >= 0x300:
            first = 16 + (word - 0x300)
            value = sum(s.priority.get(first + k, 0) << (8 * k) for k in range(4))
        else:
            group, first = word >> 7, 16 + 32 * ((word & 0x7F) >> 2)
            if group in (0, 1):
                members = s.enabled
            elif group in (2, 3):
                members = {e for e in range(first, first + 32) if s.is_pending(e)}
            else:
                members = set(s.active)
            value = sum(1 << (e - first) for e in members if first <= e < first + 32)
        return (value >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset, size, value):
        word, shift = offset & ~3, (offset & 3) * 8
        if word not in self._regs:
            return super().write(offset, size, value)
        s = self.state
        value = (value << shift) & 0xFFFFFFFF
        if word >= 0x300:
            first = 16 + (word - 0x300)
            for k in range(offset & 3, (offset & 3) + size):
                s.set_priority(first + k, value >> (8 * k))
            self.host.exceptions_changed()
            return
        group, first = word >> 7, 16 + 32 * ((word & 0x7F) >> 2)
        for bit in range(32):
            if not value >> bit & 1:
                continue
            exc = first + bit
            if group == 0:
                s.enabled.add(exc)
            elif group == 1:
                s.enabled.discard(exc)
            elif group == 2:
                s.pend(exc)
            elif group == 3:
                s.pending.discard(exc)
        self.host.exceptions_changed()
