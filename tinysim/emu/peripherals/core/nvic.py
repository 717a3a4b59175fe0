"""NVIC register block at 0xE000E100 (ARM DDI 0403 B3.4): set/clear enable and pending, active
bits and priorities of the SoC's external interrupts (IRQn -> exception 16+n).

`irqs` param: the interrupt lines the SoC implements (its [core] irq_lines). The register file
is laid out for the architecture's maximum (ISER0-15 ... IPR0-123, ARMv8-M B3.9; ARMv7-M uses
the first 8 and 60 of them); the bits and priority bytes of interrupts past the SoC's lines,
and whole registers past them, read as zero and ignore writes (B3.4.3, "RAZ/WI" for
unimplemented interrupts), as firmware probing the NVIC (writing all ones, reading back) sees
on silicon. Priorities keep only the SoC's priority bits (ExceptionState.priority_mask)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, RW, Peripheral, Reg
from .state import ExceptionState

GROUP_WORDS = 16        # ISERn / ICERn / ISPRn / ICPRn / IABRn: n = 0..15 (ARMv8-M; v7-M 0..7)
IPR_BASE, IPR_WORDS = 0x300, 124
NAMES = ("ISER", "ICER", "ISPR", "ICPR", "IABR")


@PERIPHERALS.register("core.nvic")
class Nvic(Peripheral):
    DEFAULTS = {"irqs": 240, "priority_bits": 4}

    def __init__(self, *args, state: ExceptionState = None, **kwargs):
        self.state = state
        super().__init__(*args, **kwargs)
        if self.state is None:
            self.state = ExceptionState(int(self.params["priority_bits"]))

    def registers(self):
        rows = []
        for g, name in enumerate(NAMES):
            rows += [Reg(0x80 * g + 4 * i, f"{name}{i}", access=RO if name == "IABR" else RW)
                     for i in range(GROUP_WORDS)]
        rows += [Reg(IPR_BASE + 4 * i, f"IPR{i}") for i in range(IPR_WORDS)]
        return tuple(r for r in rows if r.offset < self.size)

    def _lines(self) -> int:
        return int(self.params["irqs"])

    # Every register is computed from the shared state, so the generic hooks dispatch by offset.
    def read(self, offset, size):
        word, shift = offset & ~3, (offset & 3) * 8
        if word not in self._regs:
            return super().read(offset, size)
        s, last = self.state, 16 + self._lines()   # exceptions 16 .. last-1 exist
        if word >= IPR_BASE:
            first = 16 + (word - IPR_BASE)
            value = sum(s.priority.get(first + k, 0) << (8 * k) for k in range(4) if first + k < last)
        else:
            group, first = word >> 7, 16 + 32 * ((word & 0x7F) >> 2)
            if group in (0, 1):
                members = s.enabled
            elif group in (2, 3):
                members = {e for e in range(first, min(first + 32, last)) if s.is_pending(e)}
            else:
                members = set(s.active)
            value = sum(1 << (e - first) for e in members if first <= e < min(first + 32, last))
        return (value >> shift) & ((1 << (8 * size)) - 1)

    def write(self, offset, size, value):
        word, shift = offset & ~3, (offset & 3) * 8
        if word not in self._regs:
            return super().write(offset, size, value)
        s, last = self.state, 16 + self._lines()
        value = (value << shift) & 0xFFFFFFFF
        if word >= IPR_BASE:
            first = 16 + (word - IPR_BASE)
            for k in range(offset & 3, (offset & 3) + size):
                if first + k < last:
                    s.set_priority(first + k, value >> (8 * k))
            self.host.exceptions_changed()
            return
        group, first = word >> 7, 16 + 32 * ((word & 0x7F) >> 2)
        if group == 4:
            return  # IABR: read-only
        for bit in range(32):
            exc = first + bit
            if not value >> bit & 1 or exc >= last:
                continue
            if group == 0:
                s.enabled.add(exc)
            elif group == 1:
                s.enabled.discard(exc)
            elif group == 2:
                s.pend(exc)
            elif group == 3:
                s.pending.discard(exc)
        self.host.exceptions_changed()
