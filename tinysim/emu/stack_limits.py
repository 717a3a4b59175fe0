"""ARMv8-M's stack limit checks (ARMv8-M ARM B3.20 "Stack limit checks", from memory; QEMU's
target/arm/m_helper.c implements the same), taken as silicon takes them on the Cortex-M33:

- an instruction that would move SP below MSPLIM or PSPLIM (the limit of the stack in use)
  does not run; it raises a STKOF UsageFault, UFSR.STKOF, with the stacked PC on it. Unicorn's
  model raises CPU interrupt 19 (QEMU's EXCP_STKOF) there, and the fault is taken through the
  firmware's handlers like any synchronous fault (escalated to HardFault when UsageFault is
  disabled or cannot preempt);
- an exception entry whose frame would go below its stack's limit writes nothing, leaves that
  stack pointer at the limit and raises a STKOF UsageFault as a derived exception; whichever of
  the two is of higher priority is entered, the other stays pending (QEMU's v7m_push_stack and
  v7m_exception_taken). An instruction's STKOF whose own frame does not fit is that one fault.
  With CCR.STKOFHFNMIGN set, entries at a negative execution priority are not checked.

Both need the limits, which only the engine knows: tinysim's Unicorn patch 0014 makes them
registers (`STACK_LIMITS`). On an engine without it the run stops at an instruction's STKOF with
tinysim's report, as before, and entries are not checked. Mixed into CortexMMachine."""

from __future__ import annotations

from functools import cached_property
from typing import Optional, Tuple

from unicorn import arm_const as A

from . import faults
from .engine_probes import STACK_LIMITS
from .fault_entry import CFSR, HFSR, HFSR_FORCED
from .fault_status import CFSR_STKOF, HARDFAULT, USAGEFAULT, ArchFault

CCR = 0x14                               # offset in the SCB (B3.2.2)
CCR_STKOFHFNMIGN = 1 << 10               # ARMv8-M: no limit checks at a negative priority


class StackLimits:
    """The STKOF UsageFault of ARMv8-M cores."""

    @cached_property
    def _limit_regs(self) -> Optional[Tuple[int, int]]:
        """The engine's MSPLIM/PSPLIM register ids on an ARMv8-M core, else None: decided once
        (every exception entry asks)."""
        return STACK_LIMITS if self.scb.is_v8m() else None

    def stack_limits(self) -> Tuple[int, int]:
        """(MSPLIM, PSPLIM) an exception entry's frame is checked against now; (0, 0) when
        nothing is checked (ARMv7-M, an engine without the registers, CCR.STKOFHFNMIGN at a
        negative execution priority)."""
        regs = self._limit_regs
        if regs is None:
            return (0, 0)
        if self.scb.values[CCR] & CCR_STKOFHFNMIGN and self.execution_priority() < 0:
            return (0, 0)
        return (self.reg32(regs[0]), self.reg32(regs[1]))

    def take_stkof(self) -> Optional[str]:
        """CPU interrupt 19: the instruction at PC would have moved SP below its limit."""
        pc = self.reg32(A.UC_ARM_REG_PC)
        report = self.make_fault(faults.STACK_OVERFLOW, "the stack pointer went below MSPLIM/PSPLIM (an "
                                 "ARMv8-M STKOF UsageFault): the stack reserve is too small", pc=pc)
        if STACK_LIMITS is None:   # the frames could not be checked: tinysim's report
            self._pending_fault = report
            return "fault"
        return self.raise_fault(ArchFault(USAGEFAULT, CFSR_STKOF, pc), report)

    def entry_context(self) -> Tuple[int, int]:
        """(execution priority, PC) of the code an exception entry interrupts: what a STKOF of
        the entry is escalated against, and where it is reported."""
        return self.execution_priority(), self.reg32(A.UC_ARM_REG_PC)

    def frame_below_limit(self, exc: int, before: Tuple[int, int]) -> None:
        """The entry of `exc` just made (from code at `before`, entry_context) stacked
        nothing: its frame would have gone below the limit. Raises the derived STKOF UsageFault
        (escalated as a synchronous fault, B1.5.4) and enters it instead of `exc` when it is of
        higher priority, `exc` staying pending."""
        scb, s = self.scb, self.exc
        priority, pc = before
        scb.values[CFSR] |= CFSR_STKOF
        derived = USAGEFAULT
        if USAGEFAULT not in s.enabled or s.group_priority(USAGEFAULT) >= priority:
            if s.priority_of(HARDFAULT) >= priority:
                self._entry_failed(self.make_fault(
                    faults.STACK_OVERFLOW, f"exception {exc} entry: its frame would go below the "
                    "stack limit (STKOF), where no fault handler can run (lockup, B1.5.15)", pc=pc))
                return
            derived = HARDFAULT
            scb.values[HFSR] |= HFSR_FORCED
        if derived == exc:
            return   # the fault being entered, whose own frame did not fit: one fault
        fault = ArchFault(USAGEFAULT, CFSR_STKOF, pc)
        self.fault_taken = (fault, self.make_fault(
            faults.STACK_OVERFLOW, f"exception {exc} entry: its frame would go below MSPLIM/PSPLIM (an ARMv8-M "
            "STKOF UsageFault): the stack reserve is too small", pc=pc), derived)
        self.faults_taken.append((derived, fault.bits, pc))
        s.pend(derived)
        if s.precedence(derived) > s.precedence(exc):
            return   # taken when it preempts, after `exc`'s handler
        s.active.remove(exc)
        if exc not in s.lines:
            s.pending.add(exc)
        self.start_on_frame(derived, self.reg32(A.UC_ARM_REG_LR), 0)
