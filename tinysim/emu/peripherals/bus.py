"""The MMIO bus: one page-aligned Unicorn MMIO window dispatching accesses to the models in it."""

from __future__ import annotations

import bisect
from typing import List, Optional, Tuple

from .base import Peripheral


class MmioBus:
    """Models inside [base, end); an access no model covers is reported as unmodelled and reads 0."""

    def __init__(self, host, base: int, end: int, members: List[Peripheral]):
        self.host, self.base, self.end = host, base, end
        self.members = sorted(members, key=lambda p: p.base)
        self.starts = [p.base for p in self.members]
        # Clock controllers (the models the machine asks for the core clock): a write to one may
        # change a kernel clock without changing the core clock (a CCIPR write), so each write
        # tells the host (`clock_tree_written`), whose peripherals then drop derived timings.
        # Reads do not: a clock a read finds changed (an oscillator found ready by a poll) is
        # reported by the model itself (`Host.clock_changed`, stm32l4_rcc.py's LSE).
        self.clock_models = {id(p) for p in self.members if hasattr(type(p), "core_clock_hz")}
        # guards(addr, write), asked in order before the model: None lets an access through,
        # else the value a refused read returns (the machine has stopped the engine to raise the
        # fault). The Cortex-M System Control Space refuses unprivileged code (scs_privilege.py),
        # the MPU what it refuses, while it refuses something (mpu_enforce.py).
        self.guards: list = []

    def find(self, addr: int) -> Tuple[Optional[Peripheral], int]:
        # The innermost window wins: a catch-all (the Cortex-M PPB) may enclose other models.
        i = bisect.bisect_right(self.starts, addr) - 1
        while i >= 0:
            p = self.members[i]
            if addr < p.base + p.size:
                return p, addr - p.base
            i -= 1
        return None, addr

    # Unicorn mmio_map callbacks
    def read(self, uc, offset, size, _user):
        addr = self.base + offset
        for guard in self.guards:
            refused = guard(addr, False)
            if refused is not None:
                return refused
        p, off = self.find(addr)
        if p is None:
            self.host.note_unmodelled(None, f"{addr:#010x}", "read")
            return 0
        return p.read(off, size)

    def write(self, uc, offset, size, value, _user):
        addr = self.base + offset
        for guard in self.guards:
            if guard(addr, True) is not None:
                return
        p, off = self.find(addr)
        if p is None:
            self.host.note_unmodelled(None, f"{addr:#010x}", "write")
            return
        p.write(off, size, value)
        if id(p) in self.clock_models:
            self.host.clock_tree_written()
