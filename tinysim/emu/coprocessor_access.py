"""NOCP (ARM DDI 0403E.e B3.2.20 CPACR, B1.5.14): Unicorn runs FPU instructions whatever CPACR
says, so while CPACR denies coprocessors 10 and 11 (at reset, and until the start-up code grants
them) every coprocessor instruction of the blocks seen so far gets a code hook that raises the
UsageFault; granting access removes the hooks. Each new block is scanned for them once.
Mixed into CortexMMachine, with fault_entry.py's FaultEntry."""

from __future__ import annotations

from typing import Optional

from unicorn import UC_HOOK_CODE

from . import faults
from .fault_status import CFSR_NOCP, USAGEFAULT, ArchFault, is_coprocessor
from .thumb_walk import thumb_instructions

CPACR = 0x88                                           # offset in the SCB
CP10_SHIFT = 20                                        # CPACR.CP10 in bits 21:20, CP11 in 23:22


class CoprocessorAccess:
    """NOCP while CPACR denies the FPU."""

    def _init_coprocessor_access(self) -> None:
        self._cp_insns: set = set()        # addresses of the coprocessor instructions seen
        self._nocp_hooks: list = []        # their code hooks, while CPACR denies the FPU
        self._nocp_pc: Optional[int] = None
        self._nocp_stale = False           # CPACR written since the hooks were last updated

    def fpu_denied(self) -> bool:
        return (self.scb.values[CPACR] >> CP10_SHIFT & 3) == 0

    def _coprocessor_at(self, pc: int) -> bool:
        first, second = self._halfword(pc), self._halfword(pc + 2)
        return first is not None and is_coprocessor(first, second)

    def _scan_coprocessor(self, addr: int, code: bytes) -> bool:
        """Note the coprocessor instructions of a new block; while the FPU is denied, give the
        new ones their hook (True: the block must be translated again before it runs)."""
        new = [addr + off for off, hw1, hw2 in thumb_instructions(code)
               if is_coprocessor(hw1, hw2) and addr + off not in self._cp_insns]
        self._cp_insns.update(new)
        return bool(new) and self.fpu_denied() and self._hook_nocp(new)

    def _hook_nocp(self, addresses) -> bool:
        for a in addresses:
            self._nocp_hooks.append(self.uc.hook_add(UC_HOOK_CODE, self._on_nocp, begin=a, end=a))
        return bool(addresses)

    def _on_nocp(self, uc, address, size, _user) -> None:
        if self.fpu_denied():
            self._nocp_pc = address
            self.stop_now("nocp")

    def cpacr_changed(self) -> None:
        """CPACR written (an MMIO write): stop after this block to update the hooks."""
        self._nocp_stale = True
        self.request_stop("recheck")

    def sync_nocp_hooks(self) -> None:
        """Outside emulation: hook every coprocessor instruction seen while access is denied,
        drop the hooks once it is granted, and translate again what changed."""
        self._nocp_stale = False
        denied = self.fpu_denied()
        if denied == bool(self._nocp_hooks) or (denied and not self._cp_insns):
            return
        if denied:
            self._hook_nocp(sorted(self._cp_insns))
        else:
            for h in self._nocp_hooks:
                self.uc.hook_del(h)
            self._nocp_hooks.clear()
        self.uc.ctl_flush_tb()

    def take_nocp(self) -> Optional[str]:
        pc, self._nocp_pc = self._nocp_pc, None
        report = self.make_fault(faults.INVALID_INSTRUCTION,
                                 "a floating-point instruction with the FPU off (CPACR.CP10/CP11 "
                                 "deny access: the start-up code did not enable it)", pc=pc)
        return self.raise_fault(ArchFault(USAGEFAULT, CFSR_NOCP, pc), report)
