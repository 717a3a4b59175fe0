"""How a machine turns what Unicorn reports (unmapped or protected accesses, CPU interrupts,
engine errors) into stops and `FaultReport`s. Mixed into `Machine`."""

from __future__ import annotations

from typing import Optional

from unicorn import (UC_MEM_FETCH_PROT, UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_UNMAPPED,
                     UC_MEM_WRITE_UNMAPPED, UcError)

from . import faults
from .faults import FaultReport


class FaultHooks:
    """Unicorn memory/interrupt hooks and fault reports of a Machine."""

    # ---- unicorn hooks -----------------------------------------------------------------------
    def _on_unmapped(self, uc, access, addr, size, value, _user):
        kind = {UC_MEM_READ_UNMAPPED: faults.UNMAPPED_READ, UC_MEM_WRITE_UNMAPPED: faults.UNMAPPED_WRITE,
                UC_MEM_FETCH_UNMAPPED: faults.UNMAPPED_FETCH}.get(access, faults.UNMAPPED_READ)
        self._mem_fault = (kind, addr, size)
        return False

    def _on_protected(self, uc, access, addr, size, value, _user):
        if self._stop_reason == "usagefault":  # a UsageFault check made this access fail on purpose
            return False
        if access == UC_MEM_FETCH_PROT and self.make_ram_executable(addr):
            return True  # RAM is mapped without EXEC only for speed (memory_map.py)
        kind = faults.WRITE_PROTECTED if access != UC_MEM_FETCH_PROT else faults.FETCH_PROTECTED
        self._mem_fault = (kind, addr, size)
        return False

    def _on_interrupt(self, uc, intno, _user):
        self.on_cpu_interrupt(intno)

    def on_cpu_interrupt(self, intno: int) -> None:
        self.stop_now(f"intr:{intno}")

    # ---- faults --------------------------------------------------------------------------------
    def make_fault(self, kind: str, message: str, pc: Optional[int] = None,
                   address: Optional[int] = None) -> FaultReport:
        if pc is None:
            pc = self.uc.reg_read(self.pc_reg())
        return FaultReport(kind=kind, pc=pc, where=self.firmware.symbolize(pc), message=message,
                           address=address, registers=self.register_dump(), uart_tail=self.uart_tail())

    def _fault_from_error(self, err: UcError) -> FaultReport:
        if self._mem_fault is not None:
            kind, addr, size = self._mem_fault
            self._mem_fault = None
            region = self.platform.region_of(addr)
            what = {faults.UNMAPPED_READ: f"{size}-byte read from unmapped address {addr:#010x}",
                    faults.UNMAPPED_WRITE: f"{size}-byte write to unmapped address {addr:#010x}",
                    faults.UNMAPPED_FETCH: f"instruction fetch from unmapped address {addr:#010x}",
                    faults.WRITE_PROTECTED: f"{size}-byte write to {addr:#010x} in read-only "
                                            f"{region.name if region else 'memory'}",
                    faults.FETCH_PROTECTED: f"instruction fetch from non-executable {addr:#010x}",
                    faults.MPU_FETCH: f"instruction fetch from {addr:#010x} refused by the MPU",
                    faults.MPU_VIOLATION: f"{size}-byte access to {addr:#010x} refused by the MPU"}[kind]
            if kind in (faults.UNMAPPED_READ, faults.UNMAPPED_WRITE):
                what += " (no memory or modelled peripheral of platform " + self.platform.name + " is there)"
            pc = addr if kind in (faults.UNMAPPED_FETCH, faults.MPU_FETCH) else None
            return self.make_fault(kind, what, pc=pc, address=addr)
        text = str(err)
        if "INSN_INVALID" in text:
            return self.make_fault(faults.INVALID_INSTRUCTION, self.invalid_instruction_message())
        return self.make_fault(faults.CPU_EXCEPTION, f"unicorn stopped with: {text}")
