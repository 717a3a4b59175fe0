"""Faults the core raises, taken as silicon takes them (ARM DDI 0403E.e B1.5.14, B1.5.4 priority
escalation): undefined instructions, ARM state, coprocessor access (NOCP), bus errors on fetches
and loads (precise, BFAR) and stores (imprecise: the write buffer), fetches from execute-never
regions (MemManage), an SVC that cannot be taken. The fault status registers are set, and the
firmware's MemManage, BusFault or UsageFault handler runs, or HardFault (HFSR.FORCED) when that
one is disabled or cannot preempt; with no handler able to run, the core locks up and the run
stops with the report. An imprecise BusFault is asynchronous: it is pended, BusFault or (that one
disabled) HardFault, and taken when the execution priority lets it, never escalated for priority
nor a lockup (`_pend_imprecise`). It is pended right after the store (silicon: once the store
drains, a few cycles later).

The run still ends with tinysim's fault report when the firmware's handler gives up: when it
halts (BKPT) or parks in a branch-to-self while the fault is active, the report of the fault
that started it is the result (with the UART output the handler added). A handler that returns
(an RTOS killing a task, a test harness catching an expected fault) lets the run go on.

The faults raised outside the engine's stops come from usage_checks.py (UNALIGNED, DIVBYZERO),
coprocessor_access.py (NOCP) and scs_privilege.py (unprivileged SCS access). Mixed into
CortexMMachine."""

from __future__ import annotations

import struct
from typing import Optional, Tuple

import capstone

from unicorn import arm_const as A

from . import faults
from .fault_status import (BUSFAULT, CFSR_BFARVALID, CFSR_IMPRECISERR, CFSR_NOCP, CFSR_PRECISERR,
                           CFSR_UNDEFINSTR, EXCEPTION_NAMES, FAULT_HANDLERS, HARDFAULT, USAGEFAULT,
                           ArchFault, buffered_store, classify)

HFSR_FORCED = 1 << 30
CFSR, HFSR, MMFAR, BFAR = 0x28, 0x2C, 0x34, 0x38      # offsets in the SCB (B3.2.2)
ACTLR = 0xE008                                         # offset from 0xE0000000 (Ppb)
ACTLR_DISDEFWBUF = 1 << 1                              # Cortex-M4 TRM, Auxiliary Control Register
SYSTEM_REGION = 0xE0000000                             # strongly-ordered: no write buffer (B3.1)
XPSR_IT = 0x0600FC00                                   # EPSR.IT (B1.4.2): inside an IT block


class FaultEntry:
    """Taking the faults of fault_status.py through the firmware's handlers."""

    def _init_fault_entry(self) -> None:
        self.fault_taken: Optional[Tuple[ArchFault, faults.FaultReport, int]] = None  # the last one
        self._final_report: Optional[faults.FaultReport] = None   # a fault that could not be taken
        self._md = None                    # capstone, made at the first instruction decoded

    # ---- taking a fault ----------------------------------------------------------------------
    def take_fault(self, report: faults.FaultReport) -> Optional[faults.FaultReport]:
        """The run stopped on `report`: if it is a fault silicon raises, take it through the
        firmware's handler (None: the run goes on). Else the report to stop with: this one
        (tinysim's own checks, a write to read-only memory), or a lockup's."""
        if report is self._final_report:
            return report
        if report.kind == faults.UNMAPPED_WRITE:
            fault = self._store_fault(report)
        else:
            fault = classify(report, bool(self.uc.reg_read(A.UC_ARM_REG_XPSR) & (1 << 24)))
        if fault is None:
            return report
        if fault.cfsr == CFSR_UNDEFINSTR and self._coprocessor_at(fault.pc):
            fault = ArchFault(USAGEFAULT, CFSR_NOCP, fault.pc)  # no such coprocessor (A5.3.18)
        if self.raise_fault(fault, report) is None:
            return None
        return self._pending_fault

    def _store_fault(self, report: faults.FaultReport) -> ArchFault:
        """A store to nothing: imprecise through the write buffer, unless the buffer is off
        (the M4's ACTLR.DISDEFWBUF) or the address is in the strongly-ordered System region.
        Taken as precise too, here, where skipping the store would lose more than its data: a
        store with writeback, a PUSH or STM (the engine has not updated their base register),
        and an IT-conditional one (its successor's IT state is not worked out here)."""
        pc, addr = report.pc, report.address or 0
        size = None if addr >= SYSTEM_REGION or self.uc.reg_read(A.UC_ARM_REG_XPSR) & XPSR_IT or (
            self.platform.core.cpu == "cortex-m4f" and self.ppb.values.get(ACTLR, 0) & ACTLR_DISDEFWBUF) \
            else self._plain_store_size(pc)
        if size is None:
            return ArchFault(BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, pc, bfar=addr)
        return buffered_store(pc, size)

    def _plain_store_size(self, pc: int) -> Optional[int]:
        """The size of the STR/STRB/STRH without writeback at `pc`, else None."""
        insn = self.decode_at(pc)
        if insn is None or insn.mnemonic.split(".")[0] not in ("str", "strb", "strh") or insn.writeback:
            return None
        return insn.size

    def disassembler(self) -> capstone.Cs:
        if self._md is None:
            self._md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
            self._md.detail = True
        return self._md

    def decode_at(self, pc: int):
        """The instruction at `pc`, decoded with its details (None if unreadable); for the rare
        faults that need an operand, so it is not fast."""
        try:
            return next(self.disassembler().disasm(bytes(self.uc.mem_read(pc, 4)), pc), None)
        except Exception:  # noqa: BLE001 - unreadable memory
            return None

    def raise_fault(self, fault: ArchFault, report: faults.FaultReport) -> Optional[str]:
        """B1.5.14 / B1.5.4: record the fault in CFSR (BFAR, MMFAR) and enter its handler, or
        HardFault with HFSR.FORCED if that one is disabled or cannot preempt; "fault" (and the
        lockup report) if neither can run."""
        if fault.cfsr & CFSR_IMPRECISERR:
            return self._pend_imprecise(fault, report)
        scb, s = self.scb, self.exc
        exc = fault.exception
        prio = self.execution_priority()
        if exc == HARDFAULT or exc not in s.enabled or s.group_priority(exc) >= prio:
            if s.priority_of(HARDFAULT) >= prio:
                return self._give_up(report, f"a {fault.name} where no fault handler can run "
                                             f"(lockup, B1.5.15){self._while_handling()}")
            exc = HARDFAULT
        missing = self._no_handler(exc)
        if missing:
            return self._give_up(report, f"a {fault.name}, and {missing}")
        if exc == HARDFAULT:
            scb.values[HFSR] |= HFSR_FORCED
        scb.values[CFSR] |= fault.cfsr
        if fault.bfar is not None:
            scb.values[BFAR] = fault.bfar & 0xFFFFFFFF
        if fault.mmfar is not None:
            scb.values[MMFAR] = fault.mmfar & 0xFFFFFFFF
        self.uc.reg_write(A.UC_ARM_REG_PC, fault.pc | 1)
        self.fault_taken = (fault, report, exc)
        self.faults_taken.append((exc, fault.bits, report.pc))
        self._enter(exc)
        if not fault.thumb:
            self._stacked_thumb_bit_clear()
        return None

    def _pend_imprecise(self, fault: ArchFault, report: faults.FaultReport) -> Optional[str]:
        """An imprecise BusFault: pended, not escalated for priority (Cortex-M4 Devices Generic
        User Guide, ARM DUI 0553A, table 4-26 IMPRECISERR: pending while the current priority is
        higher, active once the processor returns from the higher-priority code). With BusFault
        disabled, HardFault is pended instead, HFSR.FORCED, and that HardFault never locks up
        (Cortex-M7 Devices Generic User Guide, ARM DUI 0646C, 2.4.3). The run loop takes it when
        it preempts: now, or at the exception return, CPSIE or BASEPRI write that lets it in."""
        s = self.exc
        exc = BUSFAULT if BUSFAULT in s.enabled else HARDFAULT
        missing = self._no_handler(exc)
        if missing:
            return self._give_up(report, f"a {fault.name}, and {missing}")
        if exc == HARDFAULT:
            self.scb.values[HFSR] |= HFSR_FORCED
        self.scb.values[CFSR] |= fault.cfsr
        self.uc.reg_write(A.UC_ARM_REG_PC, fault.pc | 1)   # the store retired: on from the next one
        self.fault_taken = (fault, report, exc)
        self.faults_taken.append((exc, fault.bits, report.pc))
        s.pend(exc)
        return None

    def _give_up(self, report: faults.FaultReport, why: str) -> str:
        """The fault cannot be taken: the run stops with `report` and why (take_fault passes
        this report through rather than trying again)."""
        self._pending_fault = self._final_report = self.make_fault(
            report.kind, f"{report.message}: {why}", pc=report.pc, address=report.address)
        return "fault"

    def fault_handler_running(self) -> bool:
        """A fault was taken and a fault handler is active (that one, or one it led to)."""
        return self.fault_taken is not None and any(e in FAULT_HANDLERS for e in self.exc.active)

    def _while_handling(self) -> str:
        if not self.fault_handler_running():
            return ""
        fault, report, exc = self.fault_taken
        return f", in the {EXCEPTION_NAMES[exc]} handler of a {fault.name} at {report.where}"

    def _no_handler(self, exc: int) -> Optional[str]:
        """Why the vector table gives `exc` no handler, if it does not: its entry is not a Thumb
        address in memory (a table cut short, as minimal test programs write them; silicon would
        fault again at the entry, INVSTATE or IBUSERR, and lock up)."""
        entry = self.vector_base() + 4 * exc
        try:
            vector = self._read32(entry)
        except Exception:  # noqa: BLE001 - an unreadable table is named as such
            return f"the vector table at {self.vector_base():#010x} cannot be read"
        if vector & 1 and self.platform.region_of(vector & ~1) is not None:
            return None
        return (f"the firmware has no {EXCEPTION_NAMES.get(exc, exc)} handler (vector table entry "
                f"{exc} at {entry:#010x} holds {vector:#010x}, not a Thumb code address): on silicon "
                "a lockup")

    def _stacked_thumb_bit_clear(self) -> None:
        """INVSTATE stacks the EPSR.T = 0 that caused it (B1.5.6: the frame holds the xPSR as it
        was); the entry code always stacks T = 1."""
        sp = self.uc.reg_read(A.UC_ARM_REG_MSP)
        xpsr = struct.unpack("<I", self.uc.mem_read(sp + 28, 4))[0]
        self.uc.mem_write(sp + 28, struct.pack("<I", xpsr & ~(1 << 24)))

    def fault_escalated_svc(self, report: faults.FaultReport) -> Optional[str]:
        """An SVC where SVCall cannot preempt (B1.5.4): HardFault, HFSR.FORCED, returning to the
        instruction after the SVC (PC is there already)."""
        pc = self.uc.reg_read(A.UC_ARM_REG_PC)
        return self.raise_fault(ArchFault(HARDFAULT, 0, pc), report)

    def fault_in_progress(self) -> Optional[faults.FaultReport]:
        """While a fault handler is active after a fault was taken: that fault's report, with what
        followed, for a run that ends there (the handler halted or parked)."""
        if not self.fault_handler_running():
            return None
        fault, report, exc = self.fault_taken
        pc = self.uc.reg_read(A.UC_ARM_REG_PC)
        forced = " (escalated: HFSR.FORCED)" if exc == HARDFAULT and fault.exception != HARDFAULT else ""
        return report.followed_by(f"taken as a {fault.name} through the firmware's {EXCEPTION_NAMES[exc]} "
                                  f"handler{forced}, which stopped at {self.firmware.symbolize(pc)}",
                                  self.uart_tail())
