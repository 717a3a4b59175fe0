"""Unprivileged code and the System Control Space (ARM DDI 0403E.e B3.2): an access from Thread
mode with CONTROL.nPRIV set is a precise BusFault, except a write to STIR with CCR.USERSETMPEND.
Unicorn has no SCS (tinysim's models answer through an MMIO window), so the window asks first.
Mixed into CortexMMachine, with fault_entry.py's FaultEntry."""

from __future__ import annotations

from typing import Optional, Tuple

from unicorn import arm_const as A

from . import faults
from .fault_status import BUSFAULT, CFSR_BFARVALID, CFSR_PRECISERR, ArchFault

CONTROL_NPRIV = 1                                      # B1.4.4: Thread mode unprivileged
IPSR_MASK = 0x1FF                                      # B1.4.2: the exception number (0: Thread)
SCS_BASE, SCS_END = 0xE000E000, 0xE000F000            # the System Control Space (B3.2)
STIR_ADDR = 0xE000EF00
CCR_USERSETMPEND = 1 << 1                              # B3.2.8: unprivileged code may write STIR


class ScsPrivilege:
    """The SCS refusing unprivileged code."""

    _scs_refused: Optional[Tuple[int, int, bool]] = None   # (pc, address, write) of a refusal

    def guard_scs(self) -> None:
        """Have the MMIO window over the SCS ask `_scs_access` first."""
        for bus in self.buses:
            if bus.base <= SCS_BASE < bus.end:
                bus.guards.insert(0, self._scs_access)

    def privileged(self) -> bool:
        """Handler mode, or Thread mode with CONTROL.nPRIV clear (B1.4.4)."""
        # CONTROL first: privileged Thread code, the common case, is decided by one read
        return not self.reg32(A.UC_ARM_REG_CONTROL) & CONTROL_NPRIV or \
            bool(self.reg32(A.UC_ARM_REG_XPSR) & IPSR_MASK)

    def _scs_access(self, addr: int, write: bool) -> Optional[int]:
        """B3.2 (and QEMU): an unprivileged access to the SCS is a precise BusFault, except a
        write to STIR with CCR.USERSETMPEND. None lets the access through; else the engine is
        stopped on the access and a read returns the value the destination holds, so that the
        refused load leaves it as it was."""
        if not SCS_BASE <= addr < SCS_END or self.privileged():
            return None
        if write and addr & ~3 == STIR_ADDR and self.scb.values[0x14] & CCR_USERSETMPEND:
            return None
        pc = self.reg32(A.UC_ARM_REG_PC)
        self._scs_refused = (pc, addr, write)
        self._stop_reason = "scs"   # over any other: a refused access must not go unreported
        self.uc.emu_stop()
        return 0 if write else self._load_destination(pc)

    def _load_destination(self, pc: int) -> int:
        """The value of the register the load at `pc` writes (0 if not found)."""
        insn = self.decode_at(pc)
        try:
            name = self.disassembler().reg_name(insn.operands[0].reg).upper()
            return self.reg32(getattr(A, f"UC_ARM_REG_{name}"))
        except Exception:  # noqa: BLE001 - an LDM or an undecodable load: it reads 0
            return 0

    def take_scs_fault(self) -> Optional[str]:
        pc, addr, write = self._scs_refused
        self._scs_refused = None
        report = self.make_fault(
            faults.UNPRIVILEGED_ACCESS, f"unprivileged {'write to' if write else 'read of'} {addr:#010x} in the "
            "System Control Space (only privileged code may use the NVIC, SCB, SysTick, MPU)", pc=pc, address=addr)
        return self.raise_fault(ArchFault(BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, pc, bfar=addr), report)
