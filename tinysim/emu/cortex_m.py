"""Cortex-M4(F) engine: Unicorn's Thumb CPU with the M4 model, plus the ARMv7-M exception model
(ARM DDI 0403 B1.5) that Unicorn lacks: NVIC arbitration, stacking, EXC_RETURN, SysTick, DWT.

Choices, from experiments with unicorn 2.1.4 (tests/emu/test_cortex_m.py pins them):
- `Uc(ARM, THUMB)` then `ctl_set_cpu_model(...)` by the platform's `[core] cpu` (UNICORN_CPU: the
  Cortex-M4, or the Cortex-M33 for ARMv8-M Mainline); adding UC_MODE_MCLASS silently gives an M33.
- Exception return: the handler's branch to 0xFFFFFFFx raises CPU interrupt 3 (prefetch abort,
  the region is execute-never) with PC at the magic address, or 8 (EXCP_EXCEPTION_EXIT) on
  builds that rebuild the handler-mode flag; both are caught in the interrupt hook, where the
  machine unstacks the frame itself and lets the run go on (writing PC there makes Unicorn leave
  the block and carry on at the new PC; written with bit 0 set, as Unicorn takes bit 0 for the
  Thumb state).
- WFI makes emu_start return without error with PC after the instruction. WFE and YIELD stop it
  as an invalid instruction (UC_ERR_INSN_INVALID, PC after them: Unicorn takes QEMU's EXCP_YIELD
  for an undefined instruction) unless a UC_HOOK_INSN_INVALID hook claims the stop; the hook here
  claims it when a WFE or YIELD ends just before PC and the syndrome is not that of an undefined
  instruction, so a UDF right after a WFE still faults. The IT state survives (a WFE in an IT
  block; tests/emu/test_wfe.py). SEV runs as a NOP, so each SEV gets a code hook on its own
  address (an IT-conditional one is called only when its condition passes) that sets the event
  register WFE consults (event_register.py).
- BKPT raises interrupt 7 with PC on it (the firmware's "halt" convention; BKPT #0xAB is a
  semihosting call, semihosting.py); SVC raises 2 with PC after it;
  UDF/undefined encodings fail with UC_ERR_INSN_INVALID.
- Faults are taken as the architecture says (fault_entry.py): the ones Unicorn stops on
  (undefined instruction, ARM state, unmapped or execute-never accesses), those it does not
  raise (UNALIGNED, DIVBYZERO: usage_checks.py; NOCP, as it ignores CPACR) and an SVC that cannot
  be taken: CFSR set, the firmware's fault handler or (escalated, HFSR.FORCED) HardFault runs. A
  lockup, or a handler that halts or parks in a branch-to-self, ends the run with the report of
  the fault.
- Unicorn applies MRS and MSR's privilege rules to uc_reg_read and uc_reg_write: in an
  unprivileged Thread (CONTROL.nPRIV) MSP, PSP, PRIMASK, BASEPRI and FAULTMASK read as 0 and
  writes to them and to CONTROL are ignored. Exception entry and return therefore make such a
  thread privileged around their register work (native/exceptions.c), and the masks are read
  from Handler mode there (`_mask`).
- Exception return: Unicorn drops the GE bits of an XPSR write, so APSR_NZCVQG is written after
  it; an FPSCR write takes effect while CONTROL.FPCA is 1 (with FPCA 0 the next FP instruction
  loads FPDSCR, as ExecuteFPCheck does on silicon).
"""

from __future__ import annotations

import struct
from typing import Dict, Optional

from unicorn import UC_ARCH_ARM, UC_HOOK_CODE, UC_HOOK_INSN_INVALID, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as A

from ..platform import ARCHES
from . import faults
from .event_register import EVENT_KEPT_ON_WAKE, thumb_sevs
from .engine_probes import EXCLUSIVE_MONITOR, INTR_UNALIGNED, MONITOR_CLEAR
from .exception_frames import BAD_FRAME, FRAME_READ, OK, ExceptionFrames
from .coprocessor_access import CoprocessorAccess
from .fault_entry import FaultEntry
from .fault_status import CFSR_DIVBYZERO, CFSR_UNALIGNED, USAGEFAULT, ArchFault
from .machine import ENGINES, Machine
from .mpu_enforce import MpuEnforcement
from .counter import DESCRIBE_UNMASKS
from .scs_privilege import CONTROL_NPRIV, ScsPrivilege
from .stack_limits import StackLimits
from .unmask_scan import thumb_unmasks
from .usage_checks import UNALIGNED, UsageChecks
from .peripherals.core.dwt import Dwt
from .peripherals.core.fpu import Fpu
from .peripherals.core.nvic import Nvic
from .peripherals.core.ppb import Ppb
from .peripherals.core.cortex_m7 import CacheMaintenance, ScbM7
from .peripherals.core.mpu import Mpu
from .peripherals.core.scb import Scb
from .peripherals.core.state import ExceptionState
from .peripherals.core.systick import SysTick

# The Unicorn CPU model of each `[core] cpu` (platform/model.py ARCHES). Unicorn 2.1.4's
# CORTEX_M7 model implements FPv5 with double precision (VADD.F64, VSQRT.F64, VRINT, VMAXNM run;
# checked by tests/emu/test_cortex_m7.py); the M4 model rejects them.
# The Cortex-M33 model implements MSPLIM and TT (tests/emu/test_cortex_m33.py).
UNICORN_CPU = {"cortex-m4f": A.UC_CPU_ARM_CORTEX_M4, "cortex-m7": A.UC_CPU_ARM_CORTEX_M7,
               "cortex-m33f": A.UC_CPU_ARM_CORTEX_M33}
# every Arm core a platform file may name has a CPU model here (else a KeyError at machine build)
assert set(UNICORN_CPU) == set(ARCHES["armv7m"]), "UNICORN_CPU and platform ARCHES disagree"

INTR_UNDEF, INTR_SWI, INTR_PREFETCH_ABORT, INTR_DATA_ABORT = 1, 2, 3, 4
INTR_BKPT, INTR_EXCEPTION_EXIT = 7, 8
# ARMv8-M stack limit check (ARMv8-M ARM DDI 0553 B3.20 "Stack limit checks", from memory): an SP
# update below MSPLIM/PSPLIM raises a STKOF UsageFault. Unicorn's Cortex-M33 model raises CPU
# interrupt 19 (QEMU's EXCP_STKOF) at the instruction that would move SP below the limit (pinned
# by tests/emu/test_cortex_m33.py); stack_limits.py takes it.
INTR_STKOF = 19
EXC_RETURN_BASE = 0xFFFFFF00
NMI, SVCALL = 2, 11
# Cortex-M33 r0p4 (PARTNO 0xD21), the revision in the STM32U5 (ES0499 section 1); taken as the
# same for the platform files' other Cortex-M33 parts
CPUID_M33 = 0x410FD214
CCR_UNALIGN_TRP, CCR_DIV_0_TRP = 1 << 3, 1 << 4
SCR_SLEEPONEXIT = 1 << 1  # B3.2.7: sleep on the return from the last handler to Thread mode
XPSR_ALIGN = 1 << 9  # stacked xPSR bit 9: the frame was padded to 8 bytes (B1.5.7)
EPSR_T = 1 << 24
XPSR_IT = 0x0600FC00  # EPSR.IT[1:0] (bits 26:25) and IT[7:2] (15:10), B1.4.2
APSR_BITS = 0xF80F0000  # N Z C V Q and GE[3:0] (B1.4.2)
FPCCR_ASPEN, FPCCR_LSPEN = 1 << 31, 1 << 30
CONTROL_SPSEL, CONTROL_FPCA = 2, 4   # CONTROL_NPRIV: scs_privilege.py
# Exception entry and return latency with zero-wait-state memory: 12 cycles each, and 6 for a
# tail-chained exception (no unstacking and stacking, only the vector fetch): TI SLAU356I section
# 1.5.8, describing its Cortex-M4F core ("a maximum of twelve cycle latency", "Returns from
# interrupts takes twelve cycles", "Tail chaining requires six cycles"); the Cortex-M4 TRM r0p1
# (DDI 0439B) gives the same latencies (from memory, section not checked). The return was 10
# cycles before (Arm knowledge article 103489845).
# FP context: with lazy stacking (FPCCR.LSPEN, the reset value) entry reserves the 0x68-byte frame
# at no extra cost and the 16 S registers + FPSCR are saved only when the handler first uses the
# FPU, about 17 more cycles then (one per word stored; Arm Application Note 298, from memory,
# not charged here); the unstacking of a saved FP frame costs about as much again (not charged).
ENTRY_CYCLES, EXIT_CYCLES, TAIL_CHAIN_CYCLES = 12, 12, 6
# Cores whose VTOR resets to the boot address (an input of the core the SoC drives: INITVTOR on
# the Cortex-M7, INITSVTOR/INITNSVTOR on the M33; ST's BOOT_ADD0 / NSBOOTADD0 option bytes, by
# default the flash, on the STM32H7 and U5; from memory). The Cortex-M4's VTOR resets to 0, where
# the STM32L4's boot alias shows the flash.
VTOR_AT_BOOT_ADDRESS = ("cortex-m7", "cortex-m33f")

_FRAME_REGS = (A.UC_ARM_REG_R0, A.UC_ARM_REG_R1, A.UC_ARM_REG_R2, A.UC_ARM_REG_R3,
               A.UC_ARM_REG_R12, A.UC_ARM_REG_LR, A.UC_ARM_REG_PC, A.UC_ARM_REG_XPSR)
_FP_REGS = tuple(getattr(A, f"UC_ARM_REG_S{i}") for i in range(16))
_DUMP = [(f"r{i}", getattr(A, f"UC_ARM_REG_R{i}")) for i in range(13)] + [
    ("sp", A.UC_ARM_REG_SP), ("lr", A.UC_ARM_REG_LR), ("pc", A.UC_ARM_REG_PC),
    ("xpsr", A.UC_ARM_REG_XPSR), ("msp", A.UC_ARM_REG_MSP), ("psp", A.UC_ARM_REG_PSP),
    ("control", A.UC_ARM_REG_CONTROL), ("primask", A.UC_ARM_REG_PRIMASK)]
# WFI T1 0xBF30 and T2 0xF3AF 0x8003 (A7.7.159); WFE 0xBF20, 0xF3AF 0x8002 (A7.7.158); YIELD
# 0xBF10, 0xF3AF 0x8001 (A7.7.160)
_WFI, _HINT_W, _WFI_W = 0xBF30, 0xF3AF, 0x8003
_HINTS_ENDING = {0xBF20: ("wfe", 2), 0xBF10: ("yield", 2)}
_HINTS_ENDING_W = {0x8002: ("wfe", 4), 0x8001: ("yield", 4)}
# The syndrome QEMU records for an undefined instruction (syn_uncategorized: EC 0, IL 1); a WFE or
# YIELD records none (tinysim clears the register after each, and at reset).
_SYN_UNDEFINED = 1 << 25
_BKPT_SEMIHOSTING = 0xBEAB  # BKPT #0xAB (A7.7.17), the Arm semihosting call
# Timed events a WFE sleeps through, none of them waking it, before tinysim wakes it anyway.
WFE_SLEEP_LIMIT = 10_000
# A branch to itself, `B .`: 16-bit T2 encoding 0xE7FE, 32-bit T4 0xF7FF 0xBFFE (ARMv7-M ARM
# A7.7.12). Vendor main loops often end in one with all work done in interrupt handlers.
_SELF_BRANCH = (b"\xfe\xe7", b"\xff\xf7\xfe\xbf")


@ENGINES.register("armv7m")
class CortexMMachine(FaultEntry, StackLimits, CoprocessorAccess, ScsPrivilege, MpuEnforcement, Machine):
    ARCH = "armv7m"
    # Exception stacking, unstacking and tail-chaining in native code (exception_frames.py);
    # False keeps the Python version below (the reference the native one is tested against).
    NATIVE_EXCEPTIONS = True

    def __init__(self, platform, firmware):
        self.exc = ExceptionState(priority_bits=platform.core.priority_bits)  # the SoC file's [core]
        self._pending_fault = None
        self.checks = None
        self.faults_taken = []  # (exception number, CFSR bits in lower case, pc) of each fault taken
        self._init_fault_entry()
        self._init_coprocessor_access()
        self._init_mpu()
        self.tail_chains = 0
        self._spin_loops: set = set()       # addresses of branch-to-self instructions seen
        self._spin_new: list = []            # ... not yet hooked
        self._sevs: set = set()              # addresses of SEV instructions given their hook
        self.frames: Optional[ExceptionFrames] = None  # None: stack and unstack in Python
        super().__init__(platform, firmware)
        self._event_kept_on_wake = EVENT_KEPT_ON_WAKE[platform.core.cpu]
        self._wfe_at = 0
        self.uc.hook_add(UC_HOOK_INSN_INVALID, self._on_hint_stop)
        self.checks = UsageChecks(self.uc, self._check_fired)
        if self.NATIVE_EXCEPTIONS:
            self.frames = ExceptionFrames(self.uc, [(m.base, m.end) for m in platform.memories])
        self.guard_scs()

    def create_uc(self):
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        uc.ctl_set_cpu_model(UNICORN_CPU[self.platform.core.cpu])
        return uc

    def cpu_model(self) -> int:
        return self.uc.ctl_get_cpu_model()

    def core_peripherals(self):
        s = self.exc
        m7 = self.platform.core.cpu == "cortex-m7"
        params = {"cpuid": CPUID_M33} if self.platform.core.cpu == "cortex-m33f" else {}
        self.scb = (ScbM7 if m7 else Scb)("scb", 0xE000ED00, 0x100, host=self, state=s, params=params)
        lines = self.platform.core.irq_lines
        # up to IPR59 (240 lines, ARMv7-M) or IPR119 (480, ARMv8-M): B3.4.3, DDI 0553 B3.9
        self.nvic = Nvic("nvic", 0xE000E100, 0x3F0 if lines <= 240 else 0x4F0, host=self, state=s,
                         params={"irqs": lines})
        self.systick = SysTick("systick", 0xE000E010, 0x10, host=self, state=s)
        self.dwt = Dwt("dwt", 0xE0001000, 0x1000, host=self, params={"trcena": lambda: self.scb.trcena})
        self.fpu = Fpu("fpu", 0xE000EF30, 0x1C, host=self, params={"cpu": self.platform.core.cpu})
        self.ppb = Ppb("ppb", 0xE0000000, 0x100000, host=self, params={"irq_lines": lines})
        extra = [CacheMaintenance("cache_maintenance", 0xE000EF50, 0x2C, host=self)] if m7 else []
        regions = self.platform.core.mpu_regions
        if regions:  # ARMv8-M's PMSAv8 layout on the Cortex-M33, PMSAv7 on the M4 and M7
            v8 = self.platform.core.cpu == "cortex-m33f"
            self.mpu = Mpu("mpu", 0xE000ED90, 0x38 if v8 else 0x2C, host=self,
                           params={"regions": regions, "pmsa": 8 if v8 else 7})
            extra.append(self.mpu)
        return [self.scb, self.nvic, self.systick, self.dwt, self.fpu, self.ppb, *extra]

    def pc_reg(self) -> int:
        return A.UC_ARM_REG_PC

    def sp_reg(self) -> int:
        return A.UC_ARM_REG_SP

    def start_address(self) -> int:
        return self.reg32(A.UC_ARM_REG_PC) | 1

    def register_dump(self) -> Dict[str, int]:
        return {name: self._mask(reg) if name in ("msp", "psp", "primask") else self.uc.reg_read(reg)
                for name, reg in _DUMP}

    # ---- reset (B1.5.5): SP and PC from the vector table at the boot address --------------
    def boot_address(self) -> int:
        flash = [m for m in self.platform.memories if m.kind == "flash" and not m.alias_of]
        return flash[0].base if flash else 0

    def vector_base(self) -> int:
        vtor = self.scb.vtor
        # VTOR resets to 0; on STM32 address 0 aliases the boot memory (RM0432 §2.6).
        if vtor == 0 or self.platform.region_of(vtor) is None:
            return self.boot_address()
        return vtor

    def _read32(self, addr: int) -> int:
        return struct.unpack("<I", self.uc.mem_read(addr, 4))[0]

    def reset_core(self) -> None:
        uc = self.uc
        self.exc.__init__(priority_bits=self.platform.core.priority_bits)
        self._pending_fault = None
        self.fault_taken = None
        self.sync_nocp_hooks()  # CPACR resets to 0: the FPU is denied again
        if self.checks is not None and self.checks.set_groups(False, False):  # CCR resets to 0x200
            self.uc.ctl_flush_tb()
        base = self.boot_address()
        sp, pc = self._read32(base), self._read32(base + 4)
        uc.reg_write(A.UC_ARM_REG_CONTROL, 0)
        uc.reg_write(A.UC_ARM_REG_PRIMASK, 0)
        uc.reg_write(A.UC_ARM_REG_BASEPRI, 0)
        uc.reg_write(A.UC_ARM_REG_XPSR, 0x01000000)
        uc.reg_write(A.UC_ARM_REG_MSP, sp & ~3)
        uc.reg_write(A.UC_ARM_REG_SP, sp & ~3)
        uc.reg_write(A.UC_ARM_REG_LR, 0xFFFFFFFF)
        uc.reg_write(A.UC_ARM_REG_PC, pc & ~1)
        uc.reg_write(A.UC_ARM_REG_ESR, 0)
        if self.platform.core.cpu in VTOR_AT_BOOT_ADDRESS:
            self.scb.values[0x08] = base & 0xFFFFFF80

    # ---- UsageFaults Unicorn does not raise (usage_checks.py) ----------------------------------
    def inspect_block(self, addr: int, size: int) -> int:
        """A block is about to run for the first time: give its faultable instructions their
        checks. If it needed new ones, its translation is dropped and the engine stops before
        running it (the counter does not count a block stopped at its entry), so it is
        translated again with the checks in place. A block starting with `B .` is also noted
        as a wait loop (`_inspect_spin`). Returns DESCRIBE_UNMASKS for a block that may lift
        PRIMASK, FAULTMASK or BASEPRI (unmask_scan.py)."""
        code = bytes(self.uc.mem_read(addr, size))
        self._inspect_spin(addr, code)
        flags = DESCRIBE_UNMASKS if thumb_unmasks(code) else 0
        hooked = self._hook_sevs(addr, code)
        if self._hook_mpu_state_writes(addr, code):
            hooked = True
        if self._scan_coprocessor(addr, code):
            hooked = True
        if self.checks is not None and self.checks.inspect(addr, size):
            hooked = True
        if hooked:
            self.uc.ctl_remove_cache(addr, addr + size)
            if self._stop_reason is None:
                self._stop_reason = "recheck"
            if self.counter is not None:
                self._deadline = self.counter.cycles
                self.counter.stop_before_block()
        return flags

    def ccr_changed(self, ccr: int) -> None:
        """SCB.CCR written: UNALIGN_TRP / DIV_0_TRP add or drop checks at the next block; on a
        Cortex-M7 IC / DC switch the L1 caches, which the flash model reports (flash_changed)."""
        self.request_stop("ccr")
        if isinstance(self.scb, ScbM7):
            self.flash_changed()

    def _check_fired(self, stop_engine: bool) -> None:
        if self._stop_reason is None or self._stop_reason in ("recheck", "ccr", "interrupt", "mpu"):
            self._stop_reason = "usagefault"
        if stop_engine:
            self.uc.emu_stop()

    def _take_usage_fault(self) -> Optional[str]:
        """B1.5.6: the faulting instruction has not run; CFSR records why and the UsageFault
        handler runs if SHCSR.USGFAULTENA and its priority allow, else it escalates to HardFault
        (HFSR.FORCED, B1.5.4 "priority escalation"); with no way to take either, lockup."""
        f = self.checks.take()
        if f is None:
            return None
        if f.kind == UNALIGNED:
            report = self.make_fault(faults.UNALIGNED_ACCESS, f"unaligned access to {f.address or 0:#010x}",
                                     pc=f.pc, address=f.address)
        else:
            report = self.make_fault(faults.DIVIDE_BY_ZERO, "division by zero", pc=f.pc)
        cfsr = CFSR_UNALIGNED if f.kind == UNALIGNED else CFSR_DIVBYZERO
        return self.raise_fault(ArchFault(USAGEFAULT, cfsr, f.pc), report)

    def in_handler(self) -> bool:
        return bool(self.exc.active)

    # ---- interrupt lines -------------------------------------------------------------------
    def set_irq(self, irq: int, level: bool, source: str = "") -> None:
        exc = 16 + irq
        holders = self.exc.line_sources.setdefault(exc, set())
        if level:
            self.exc.note_pending(exc)
            holders.add(source)
        else:
            holders.discard(source)
        if holders:
            self.exc.lines.add(exc)
        else:
            self.exc.lines.discard(exc)
        if level:
            self._maybe_stop_for_interrupt()

    def pend_irq(self, irq: int) -> None:
        self.exc.pend(16 + irq)
        self._maybe_stop_for_interrupt()

    def exceptions_changed(self) -> None:
        self._maybe_stop_for_interrupt()

    def _maybe_stop_for_interrupt(self) -> None:
        # An MMIO write that raises a deliverable interrupt ends the block so it is taken now.
        # A masked one also stops: the run loop then re-checks at every block until it is taken.
        # Between slices (a peripheral's tick) the run loop arbitrates anyway.
        if self.emulating and (self._choose() is not None or self.any_pending()):
            self.request_stop("interrupt")

    # ---- exception arbitration (B1.5.4) ------------------------------------------------------
    def execution_priority(self) -> int:
        s = self.exc
        prio = 256
        for e in s.active:
            prio = min(prio, s.group_priority(e))
        if self._mask(A.UC_ARM_REG_FAULTMASK) & 1:
            return min(prio, -1)  # B1.5.4: FAULTMASK raises it to -1 (NMI's -2 stays above)
        if self._mask(A.UC_ARM_REG_PRIMASK) & 1:
            prio = min(prio, 0)
        basepri = self._mask(A.UC_ARM_REG_BASEPRI) & s.priority_mask
        if basepri:
            prio = min(prio, basepri & ~((2 << s.prigroup) - 1))
        return prio

    def _choose(self) -> Optional[int]:
        s = self.exc
        if not s.pending and not s.lines:  # the usual case at a stop
            return None
        candidates = [e for e in (s.pending | s.lines) if s.is_pending(e) and e in s.enabled]
        if not candidates:
            return None
        best = min(candidates, key=s.precedence)
        if self._preempts(s.group_priority(best)):
            return best
        return None

    def _preempts(self, group_priority: int) -> bool:
        """Whether an exception of this group priority is above the execution priority
        (`group_priority < execution_priority()`, B1.5.4), reading only the mask registers
        that can decide it: the run loop asks at every stop while an interrupt is pending."""
        s = self.exc
        if any(s.group_priority(e) <= group_priority for e in s.active):
            return False
        if group_priority < -1:  # NMI (and Reset): above FAULTMASK's -1
            return True
        if self._mask(A.UC_ARM_REG_FAULTMASK) & 1:
            return False
        if group_priority < 0:  # HardFault: only FAULTMASK and the active ones hold it
            return True
        if self._mask(A.UC_ARM_REG_PRIMASK) & 1:
            return False
        basepri = self._mask(A.UC_ARM_REG_BASEPRI) & s.priority_mask
        return not basepri or group_priority < basepri & ~((2 << s.prigroup) - 1)

    def _mask(self, reg: int) -> int:
        """PRIMASK, FAULTMASK, BASEPRI (or MSP, PSP). Unicorn reads them as 0 in an unprivileged
        Thread (the rule of MRS, B5.2.2), where they are read from Handler mode for the moment
        (an XPSR write drops the GE bits: APSR_NZCVQG puts them back)."""
        value = self.reg32(reg)
        if value or not self.reg32(A.UC_ARM_REG_CONTROL) & CONTROL_NPRIV:
            return value
        uc, xpsr = self.uc, self.reg32(A.UC_ARM_REG_XPSR)
        if xpsr & 0x1FF:
            return value
        uc.reg_write(A.UC_ARM_REG_XPSR, xpsr | 1)
        value = uc.reg_read(reg)
        uc.reg_write(A.UC_ARM_REG_XPSR, xpsr)
        # the flags and GE bits from the XPSR read: APSR_NZCVQG reads 0 on Unicorn 2.1.4 (a
        # deprecated id there; writing it works), so reading it back cleared the thread's flags
        uc.reg_write(A.UC_ARM_REG_APSR_NZCVQG, xpsr & APSR_BITS)
        return value

    def deliver_interrupts(self) -> bool:
        exc = self._choose()
        if exc is None:
            return False
        self._enter(exc)
        return True

    def masked_pending(self, none_deliverable: bool = False) -> bool:
        """An enabled interrupt is pending but PRIMASK, FAULTMASK or BASEPRI holds it back: the
        firmware lifts those with CPSIE/MSR, which do not stop the run, so the run loop has the
        counter stop after the blocks holding them (inspect_block).
        One held back only by the priority of the active handlers is not counted: only an
        exception return or an NVIC/SCB write lets it in (B1.5.4); a write stops the run, and a
        return arbitrates as it happens (_return_in_hook, _tail_chain). (ST's
        MLPerf Tiny builds run each inference inside their UART handler, with SysTick pending
        throughout: polling made them emulate ~2x slower.)"""
        if (not none_deliverable and self._choose() is not None) or not self.any_pending():
            return False
        s = self.exc
        if not s.active:
            return True
        handlers = min(s.group_priority(e) for e in s.active)
        return any(s.group_priority(e) < handlers for e in (s.pending | s.lines)
                   if s.is_pending(e) and e in s.enabled)

    def irq_enabled(self, irq: int) -> bool:
        return (16 + irq) in self.exc.enabled

    def any_pending(self) -> bool:
        s = self.exc
        if not s.pending and not s.lines:
            return False
        return any(s.is_pending(e) and e in s.enabled for e in (s.pending | s.lines))

    # ---- exception entry (B1.5.6) and return (B1.5.8) ----------------------------------------
    def _enter(self, exc: int) -> None:
        if self.mpu is not None and self.mpu.ctrl & 1 and self._frame_refused(exc):
            return
        if self.frames is None:
            self._enter_python(exc)
            return
        limits = self.stack_limits()
        before = self.entry_context() if any(limits) else None   # for a STKOF of the entry
        status, frame, fpcar, _fp, below = self.frames.enter(exc, self.vector_base(), self.fpu.values[0x04], limits)
        if fpcar is not None:
            self.fpu.values[0x08] = fpcar
        if status == BAD_FRAME:
            self._frame_outside_memory(exc, frame)
            return
        if status != OK:  # the vector could not be read: the engine's error, as in Python
            self.uc.reg_write(A.UC_ARM_REG_PC, self._read32(self.vector_base() + 4 * exc) & ~1)
        self._entered(exc, ENTRY_CYCLES)
        if below:
            self.frame_below_limit(exc, before)

    def _entry_stack(self, control: int, xpsr: int) -> tuple:
        """(from Thread mode, onto the process stack, with the extended FP frame) for an
        exception entry now (B1.5.6). With ASPEN clear no FP context is stacked: Unicorn's
        FPCA is not the core's then."""
        thread = (xpsr & 0x1FF) == 0
        use_psp = thread and bool(control & CONTROL_SPSEL)
        fp = bool(control & CONTROL_FPCA) and bool(self.fpu.values[0x04] & FPCCR_ASPEN)
        return thread, use_psp, fp

    def _frame_refused(self, exc: int) -> bool:
        """The MPU refuses the frame this entry would stack (with the interrupted code's
        privilege): silicon raises MemManage MSTKERR, which tinysim does not take; the run stops
        with a report instead of writing the frame where the firmware put a guard."""
        _thread, use_psp, fp = self._entry_stack(self.reg32(A.UC_ARM_REG_CONTROL), self.reg32(A.UC_ARM_REG_XPSR))
        sp = self.reg32(A.UC_ARM_REG_SP)   # the stack in use (MSP/PSP read 0 in an unprivileged Thread)
        frame = (sp - (0x68 if fp else 0x20)) & ~7
        if not self.mpu_refuses_frame(frame, sp - frame, True, self.privileged()):
            return False
        self._entry_failed(self.make_fault(
            faults.MPU_STACKING, f"exception {exc} entry: the MPU refuses the stack frame at {frame:#010x} "
            f"({'process' if use_psp else 'main'} stack; a stack overflow into an MPU guard?). Silicon "
            "raises MemManage MSTKERR there, which tinysim does not take", address=frame))
        return True

    def _frame_outside_memory(self, exc: int, frame: int) -> None:
        self._entry_failed(self.make_fault(
            faults.STACK_OVERFLOW, f"exception {exc} entry: stack frame at {frame:#010x} is outside memory"))

    def _entry_failed(self, report) -> None:
        """An exception entry that cannot happen ends the run with `report`: at the next block
        when the engine runs (an entry from a hook), before the engine starts again when the
        run loop made it (Machine.stop_before_start)."""
        self._pending_fault = report
        if self.emulating:
            self.request_stop("fault")
        else:
            self.stop_before_start = "fault"

    def _entered(self, exc: int, cycles: int) -> None:
        """Exception `exc` is now the active one (entry or tail-chain), for `cycles` cycles."""
        s = self.exc
        s.pending.discard(exc)
        s.active.append(exc)
        s.event = True  # exception entry sets the event register (B1.5.18)
        self._clear_exclusive()
        self.note_mpu_state()
        if self.counter is not None:
            self.counter.note_transfer()
            self.counter.add_cycles(cycles)

    def _clear_exclusive(self) -> None:
        """Exception entry and return clear the local exclusive monitor (A3.4.4; B1.5.6, B1.5.8
        ClearExclusiveLocal), so a STREX after an exception fails and its loop retries. Needs
        the engine's monitor register (third_party/unicorn/0011-*.patch); on an engine without
        it the STREX succeeds when the word still holds what LDREX read."""
        if EXCLUSIVE_MONITOR is not None:
            self.uc.reg_write(EXCLUSIVE_MONITOR, MONITOR_CLEAR)

    def _enter_python(self, exc: int) -> None:
        uc = self.uc
        limits = self.stack_limits()
        before = self.entry_context() if any(limits) else None
        control = uc.reg_read(A.UC_ARM_REG_CONTROL)
        xpsr = uc.reg_read(A.UC_ARM_REG_XPSR)
        thread, use_psp, fp = self._entry_stack(control, xpsr)
        values = [uc.reg_read(r) for r in _FRAME_REGS]
        npriv = control & CONTROL_NPRIV if thread else 0
        if npriv:  # a privileged thread for the entry, nPRIV set again after (native/exceptions.c)
            uc.reg_write(A.UC_ARM_REG_XPSR, (xpsr & ~0x1FF) | exc)
            control &= ~CONTROL_NPRIV
            uc.reg_write(A.UC_ARM_REG_CONTROL, control)
            uc.reg_write(A.UC_ARM_REG_XPSR, xpsr)
        sp = uc.reg_read(A.UC_ARM_REG_PSP if use_psp else A.UC_ARM_REG_MSP)
        size = 0x68 if fp else 0x20
        frame = (sp - size) & ~7
        values[7] |= EPSR_T  # Unicorn's xPSR leaves out T, which is 1 whenever code runs (B1.4.2)
        if sp & 4:
            values[7] |= XPSR_ALIGN
        else:
            values[7] &= ~XPSR_ALIGN
        data = struct.pack("<8I", *[v & 0xFFFFFFFF for v in values])
        if fp:
            # Extended frame: S0-S15, FPSCR, a reserved word. With FPCCR.LSPEN (its reset value)
            # silicon only reserves the space and records it in FPCAR (B1.5.6 PushStack,
            # UpdateFPCCR), saving the registers when the handler first uses the FPU; here they
            # are saved at once (the same words, as if the handler used the FPU), and FPCCR.LSPACT
            # reads 0.
            data += struct.pack("<16I", *[uc.reg_read(r) for r in _FP_REGS])
            data += struct.pack("<2I", uc.reg_read(A.UC_ARM_REG_FPSCR), 0)
            if self.fpu.values[0x04] & FPCCR_LSPEN:
                self.fpu.values[0x08] = (frame + 0x20) & 0xFFFFFFF8
        below = frame < limits[1 if use_psp else 0]   # nothing stacked, SP at the limit (B3.20)
        if below:
            frame = limits[1 if use_psp else 0]
        try:
            if not below:
                uc.mem_write(frame, data)
        except Exception:  # noqa: BLE001 - reported below as a fault
            pass
        if self.platform.region_of(frame) is None:
            self._frame_outside_memory(exc, frame)
            return
        exc_return = 0xFFFFFFE1 if fp else 0xFFFFFFF1
        if thread:
            exc_return |= 0xC if use_psp else 0x8
        if use_psp:
            uc.reg_write(A.UC_ARM_REG_PSP, frame)
            uc.reg_write(A.UC_ARM_REG_CONTROL, control & ~(CONTROL_SPSEL | CONTROL_FPCA))
        else:
            uc.reg_write(A.UC_ARM_REG_CONTROL, control & ~CONTROL_FPCA)
        uc.reg_write(A.UC_ARM_REG_MSP, frame if not use_psp else uc.reg_read(A.UC_ARM_REG_MSP))
        uc.reg_write(A.UC_ARM_REG_SP, uc.reg_read(A.UC_ARM_REG_MSP))
        uc.reg_write(A.UC_ARM_REG_LR, exc_return)
        uc.reg_write(A.UC_ARM_REG_XPSR, 0x01000000 | exc)
        vector = self._read32(self.vector_base() + 4 * exc)
        uc.reg_write(A.UC_ARM_REG_PC, vector & ~1)
        if npriv:
            uc.reg_write(A.UC_ARM_REG_CONTROL, uc.reg_read(A.UC_ARM_REG_CONTROL) | CONTROL_NPRIV)
        self._entered(exc, ENTRY_CYCLES)
        if below:
            self.frame_below_limit(exc, before)

    def _return(self, exc_return: int) -> Optional[str]:
        uc, s = self.uc, self.exc
        if not s.active or exc_return & 0xFFFFFF00 != 0xFFFFFF00 or exc_return & 0x3 != 1:
            self._pending_fault = self.make_fault(
                faults.BAD_EXCEPTION_RETURN,
                f"branch to EXC_RETURN value {exc_return:#010x} with active exceptions {s.active or 'none'}",
                pc=self._last_handler_pc())
            return "fault"
        # B1.5.8 DeActivate (and QEMU's v7m exception exit): a return other than from NMI clears
        # FAULTMASK, before the tail-chain decision sees the execution priority
        if s.active[-1] != NMI and self.reg32(A.UC_ARM_REG_FAULTMASK) & 1:
            uc.reg_write(A.UC_ARM_REG_FAULTMASK, 0)
        if self._tail_chain(exc_return):
            return None
        if self.mpu is not None and self.mpu.ctrl & 1:
            use_psp, size = bool(exc_return & 0x4), 0x20 if exc_return & 0x10 else 0x68
            sp = self.reg32(A.UC_ARM_REG_PSP if use_psp else A.UC_ARM_REG_MSP)
            to_privileged = not exc_return & 0x8 or not self.reg32(A.UC_ARM_REG_CONTROL) & CONTROL_NPRIV
            if self.mpu_refuses_frame(sp, size, False, to_privileged):
                self._pending_fault = self.make_fault(
                    faults.MPU_STACKING, f"exception return: the MPU refuses the stack frame at {sp:#010x} "
                    "(silicon raises MemManage MUNSTKERR there, which tinysim does not take)",
                    pc=self._last_handler_pc(), address=sp)
                return "fault"
        if self.frames is not None and self.frames.unstack(exc_return) != FRAME_READ:
            s.active.pop()
            self._returned()
            return None
        # (an unreadable frame: the Python version raises the engine's error)
        to_thread = bool(exc_return & 0x8)
        use_psp = bool(exc_return & 0x4)
        fp = not exc_return & 0x10
        sp = uc.reg_read(A.UC_ARM_REG_PSP if use_psp else A.UC_ARM_REG_MSP)
        size = 0x68 if fp else 0x20
        words = struct.unpack("<8I", uc.mem_read(sp, 0x20))
        if fp:
            fpw = struct.unpack("<18I", uc.mem_read(sp + 0x20, 0x48))
            for r, v in zip(_FP_REGS, fpw[:16]):
                uc.reg_write(r, v)
            uc.reg_write(A.UC_ARM_REG_FPSCR, fpw[16])
        new_sp = sp + size + (4 if words[7] & XPSR_ALIGN else 0)
        s.active.pop()
        control = uc.reg_read(A.UC_ARM_REG_CONTROL)
        control = (control | CONTROL_FPCA) if fp else (control & ~CONTROL_FPCA)
        if to_thread and use_psp:
            control |= CONTROL_SPSEL
        npriv = control & CONTROL_NPRIV if to_thread else 0   # returned to privileged, nPRIV last
        if npriv:
            control &= ~CONTROL_NPRIV
            uc.reg_write(A.UC_ARM_REG_CONTROL, uc.reg_read(A.UC_ARM_REG_CONTROL) & ~CONTROL_NPRIV)
        # IPSR and EPSR (T, ITSTATE) from xPSR first: a CONTROL.SPSEL write in Handler mode is
        # ignored (B5.2.3 MSR; so in Unicorn), so written before, the return to a PSP thread
        # lost SPSEL and put the process stack pointer in MSP. Unicorn 2.1.4 drops the GE bits
        # of an XPSR or APSR write, so the APSR (N Z C V Q GE) is written again through
        # APSR_NZCVQG. Then CONTROL (in Thread mode it swaps the banked SP as SPSEL says), then
        # the stack pointer it selects (as native/exceptions.c does).
        uc.reg_write(A.UC_ARM_REG_XPSR, words[7] & ~XPSR_ALIGN)
        uc.reg_write(A.UC_ARM_REG_APSR_NZCVQG, words[7] & APSR_BITS)
        uc.reg_write(A.UC_ARM_REG_CONTROL, control)
        uc.reg_write(A.UC_ARM_REG_PSP if use_psp else A.UC_ARM_REG_MSP, new_sp)
        for r, v in zip(_FRAME_REGS[:6], words[:6]):
            uc.reg_write(r, v)
        uc.reg_write(A.UC_ARM_REG_SP, new_sp)
        uc.reg_write(A.UC_ARM_REG_PC, words[6] & ~1)
        if npriv:
            uc.reg_write(A.UC_ARM_REG_CONTROL, control | CONTROL_NPRIV)
        self._returned()
        return None

    def _return_in_hook(self, exc_return: int) -> None:
        """An exception return (B1.5.8), taken in the CPU interrupt hook: the run goes on at the
        returned-to instruction (or the tail-chained handler) without the engine stopping, so an
        interrupt costs the run loop one engine start (its entry), not two. Whatever the return
        lets in is arbitrated here: a pending exception that now preempts is tail-chained, and
        one a mask still holds is watched for (_watch_unmask)."""
        if self._stop_reason is not None:
            self.stop_now("exc_return")
            return
        outcome = self._return(exc_return)
        if outcome is not None:
            self.stop_now(outcome)
            return
        self.pc_written_in_hook()
        if self._sleeps_on_exit():
            self.stop_now("sleep_on_exit")
            return
        self._watch_unmask(self.masked_pending())

    def _sleeps_on_exit(self) -> bool:
        """After an exception return: back in Thread mode with SCR.SLEEPONEXIT set, the core
        sleeps there at once, as a WFI would (B1.5.8 ExceptionReturn; the same wake-up rule as
        WFI, B1.5.19). The thread's registers are unstacked and stacked again at the next
        interrupt, which costs that entry's cycles where the Cortex-M4 may skip both."""
        return not self.exc.active and bool(self.scb.values[0x10] & SCR_SLEEPONEXIT)

    def pc_written_in_hook(self) -> None:
        # the entry or return wrote PC with bit 0 clear, which Unicorn takes as leaving Thumb
        # state; a resumed run starts at PC | 1 (start_address), and so does this one
        self.uc.reg_write(A.UC_ARM_REG_PC, self.reg32(A.UC_ARM_REG_PC) | 1)

    def _returned(self) -> None:
        self.exc.event = True  # so does exception return (B1.5.18)
        self._clear_exclusive()
        self.note_mpu_state()
        if self.counter is not None:
            self.counter.note_transfer()
            self.counter.add_cycles(EXIT_CYCLES)

    def _tail_chain(self, exc_return: int) -> bool:
        """B1.5.8 / Cortex-M4 tail-chaining: if, with the returning exception no longer active,
        a pending one would be taken at once, it is entered on the same stack frame (no
        unstacking and stacking; its LR is the same EXC_RETURN) for TAIL_CHAIN_CYCLES."""
        s = self.exc
        returning = s.active.pop()
        nxt = self._choose()
        if nxt is None:
            s.active.append(returning)
            return False
        self.tail_chains += 1
        self.start_on_frame(nxt, exc_return, TAIL_CHAIN_CYCLES)
        return True

    def start_on_frame(self, exc: int, exc_return: int, cycles: int) -> None:
        """Handler `exc` starts on the frame stacked for another (tail-chaining, or a derived
        exception taken in its place): LR = `exc_return`, IPSR, PC = its vector."""
        uc = self.uc
        if self.frames is None or self.frames.tail_chain(exc, exc_return, self.vector_base()) != OK:
            # (native: the vector could not be read; this raises the engine's error)
            uc.reg_write(A.UC_ARM_REG_CONTROL, uc.reg_read(A.UC_ARM_REG_CONTROL) & ~CONTROL_FPCA)
            uc.reg_write(A.UC_ARM_REG_LR, exc_return)
            uc.reg_write(A.UC_ARM_REG_XPSR, 0x01000000 | exc)
            uc.reg_write(A.UC_ARM_REG_PC, self._read32(self.vector_base() + 4 * exc) & ~1)
        self._entered(exc, cycles)

    def _last_handler_pc(self) -> int:
        """Where the bad EXC_RETURN branch was: the block that ran last (it ends with the branch),
        else LR."""
        block = self.counter.last_block() if self.counter is not None else None
        if block is not None:
            return block[0]
        return self.uc.reg_read(A.UC_ARM_REG_LR) & ~1

    # ---- stops -----------------------------------------------------------------------------------
    def on_cpu_interrupt(self, intno: int) -> None:
        pc = self.reg32(A.UC_ARM_REG_PC)
        if intno in (INTR_PREFETCH_ABORT, INTR_EXCEPTION_EXIT) and pc >= EXC_RETURN_BASE:
            self._return_in_hook(pc | 1)
        elif intno == INTR_BKPT:
            self.stop_now("bkpt")
        elif intno == INTR_SWI:
            self.stop_now("svc")
        elif intno == INTR_UNDEF:
            self.stop_now("undef")
        elif intno == INTR_STKOF:
            self.stop_now("stkof")
        elif intno == INTR_UNALIGNED and self.checks is not None:
            self.checks.engine_fault(pc)  # the engine raised an alignment UsageFault (usage_checks.py)
        else:
            self.stop_now(f"intr:{intno}")

    # ---- a branch to itself: the core waits for an interrupt, as in WFI ------------------------
    def _inspect_spin(self, addr: int, code: bytes) -> None:
        """A translated block (`code`) that starts with `B .` is a wait loop: hook that one address
        (at the next stop, outside emulation) so reaching it sleeps like WFI instead of spinning."""
        if addr not in self._spin_loops and any(code.startswith(p) for p in _SELF_BRANCH):
            self._spin_loops.add(addr)
            self._spin_new.append(addr)
            self.request_stop("spin")

    def _on_spin(self, uc, address, size, _user) -> None:
        self.stop_now("spin")

    def _hook_spins(self) -> None:
        for addr in self._spin_new:
            self.uc.hook_add(UC_HOOK_CODE, self._on_spin, begin=addr, end=addr)
            self.uc.ctl_remove_cache(addr, addr + 4)    # retranslate it with the hook
        self._spin_new.clear()

    def _spinning(self) -> Optional[str]:
        """At a `B .`: take a pending interrupt, else sleep to the next event like WFI. With
        PRIMASK or FAULTMASK set nothing can leave the loop (an error handler's `cpsid i; b .`):
        the run halts there."""
        pc = self.uc.reg_read(A.UC_ARM_REG_PC) & ~1
        if pc not in self._spin_loops:
            return None
        if self.fault_handler_running():
            return "halt"  # a fault handler parked: the run reports the fault (Machine.run)
        if self._mask(A.UC_ARM_REG_PRIMASK) & 1 or self._mask(A.UC_ARM_REG_FAULTMASK) & 1:
            note = (f"the firmware stopped in a branch-to-self at {self.firmware.symbolize(pc)} with "
                    "interrupts disabled (an error handler's 'cpsid i; b .'): nothing can leave it")
            self.warn(note)
            return "halt"
        if self._choose() is not None:
            return None
        return self.wait_for_interrupt()

    def handle_stop(self, reason: str) -> Optional[str]:
        if self._nocp_stale:
            self.sync_nocp_hooks()
        if reason == "nocp":
            return self.take_nocp()
        if reason == "scs":
            return self.take_scs_fault()
        if reason == "mpufault":
            return self.take_mpu_fault()
        if reason == "mpu":
            return None   # before_engine_start brings the MPU's checks up to date
        if reason == "spin":
            self._hook_spins()
            return self._spinning()
        if reason == "exc_return":
            outcome = self._return(self.reg32(A.UC_ARM_REG_PC) | 1)
            return self.wait_for_interrupt() if outcome is None and self._sleeps_on_exit() else outcome
        if reason == "sleep_on_exit":
            return self.wait_for_interrupt()
        if reason == "wfe":
            return self.wait_for_event(self._wfe_at)
        if reason in ("interrupt", "recheck"):
            return None
        if reason == "usagefault":
            return self._take_usage_fault()
        if reason == "ccr":
            ccr = self.scb.values[0x14]
            if self.checks.set_groups(bool(ccr & CCR_UNALIGN_TRP), bool(ccr & CCR_DIV_0_TRP)):
                self.uc.ctl_flush_tb()
            return None
        if reason == "bkpt":
            return self._breakpoint()
        if reason == "svc":
            self.exc.pend(SVCALL)
            if self._choose() != SVCALL:  # SVC at equal/higher priority escalates to HardFault (B1.5.4)
                self.exc.pending.discard(SVCALL)
                return self.fault_escalated_svc(self.make_fault(
                    faults.UNHANDLED_EXCEPTION, "SVC executed where SVCall cannot be taken (priority)"))
            return None
        if reason == "undef":
            self._pending_fault = self.make_fault(faults.INVALID_INSTRUCTION, "undefined instruction (UDF)")
            return "fault"
        if reason == "stkof":
            return self.take_stkof()
        if reason == "fault":
            return "fault"
        intno = reason.split(":")[1] if ":" in reason else reason
        if intno == str(INTR_PREFETCH_ABORT):  # a fetch from what cannot be executed (MMIO, the PPB)
            pc = self.reg32(A.UC_ARM_REG_PC)
            self._pending_fault = self.make_fault(
                faults.FETCH_PROTECTED, f"instruction fetch from non-executable {pc:#010x}", pc=pc, address=pc)
            return "fault"
        self._pending_fault = self.make_fault(faults.CPU_EXCEPTION, f"CPU raised exception {intno}")
        return "fault"

    def _breakpoint(self) -> Optional[str]:
        """BKPT: #0xAB is a semihosting call (semihosting.py); any other is the firmware's halt."""
        pc = self.reg32(A.UC_ARM_REG_PC)
        if self._halfword(pc) != _BKPT_SEMIHOSTING:
            return "halt"
        value, outcome = self.semihost(self.reg32(A.UC_ARM_REG_R0), self.reg32(A.UC_ARM_REG_R1))
        if outcome in ("exit", "idle"):
            return outcome  # PC stays on the call: a later run makes it again
        if value is not None:
            self.uc.reg_write(A.UC_ARM_REG_R0, value)
        self.uc.reg_write(A.UC_ARM_REG_PC, pc + 2)
        return outcome

    def invalid_instruction_message(self) -> str:
        if not self.uc.reg_read(A.UC_ARM_REG_XPSR) >> 24 & 1:
            return ("the core left Thumb state (a branch to an address with bit 0 clear, e.g. a bad "
                    "function pointer): an INVSTATE UsageFault on silicon")
        return super().invalid_instruction_message()

    def handle_clean_return(self) -> Optional[str]:
        """emu_start returned by itself: the firmware executed WFI (WFE stops through
        _on_hint_stop)."""
        pc = self.reg32(A.UC_ARM_REG_PC)
        half = self._halfword(pc - 2)
        if half == _WFI or (half == _WFI_W and self._halfword(pc - 4) == _HINT_W):
            return self.wait_for_interrupt()
        return "halt"

    def _halfword(self, addr: int) -> Optional[int]:
        try:
            return struct.unpack("<H", self.uc.mem_read(addr, 2))[0]
        except UcError:
            return None

    # ---- the event register: SEV and WFE (B1.5.18, event_register.py) -------------------------
    def _hook_sevs(self, addr: int, code: bytes) -> bool:
        """Give each new SEV of a block about to be translated its code hook; True if it got one
        (the block must then be translated again, with the hook, before it runs)."""
        new = [addr + off for off in thumb_sevs(code) if addr + off not in self._sevs]
        for a in new:
            self._sevs.add(a)
            self.uc.hook_add(UC_HOOK_CODE, self._on_sev, begin=a, end=a)
        return bool(new)

    def _on_hint_stop(self, uc, _user) -> bool:
        """Unicorn stopped as if at an invalid instruction: claim the stop (True: go on) when it
        is a WFE or a YIELD, which end just before PC (module notes). YIELD is a NOP here. A WFE
        with the event register set clears it and goes on; one that must sleep stops the run
        (handled as "wfe" by wait_for_event)."""
        pc = self.reg32(A.UC_ARM_REG_PC)
        if not self.reg32(A.UC_ARM_REG_XPSR) & EPSR_T or self.reg32(A.UC_ARM_REG_ESR) == _SYN_UNDEFINED:
            return False
        last = self._halfword(pc - 2)
        hint = _HINTS_ENDING.get(last)
        if hint is None and self._halfword(pc - 4) == _HINT_W:
            hint = _HINTS_ENDING_W.get(last)
        if hint is None:
            return False
        uc.reg_write(A.UC_ARM_REG_ESR, 0)
        name, length = hint
        if name == "wfe":
            if self.exc.event:
                self.exc.event = False
            else:
                self._wfe_at = pc - length
                if self._stop_reason in (None, "interrupt"):
                    self._stop_reason = "wfe"
                uc.emu_stop()
        return True

    def _on_sev(self, uc, address, size, _user) -> None:
        self.exc.event = True

    def signal_event(self) -> None:
        """An event on the core's RXEV input (an STM32 EXTI line in event mode): sets the event
        register, and wakes a WFE at the run loop's next look."""
        self.exc.event = True
        if self.emulating:
            self.request_stop("interrupt")

    def wait_for_event(self, at: int) -> Optional[str]:
        """WFE: with the event register set, clear it and go on. Else sleep, from one timed
        peripheral event to the next, until an exception that would preempt now is pending (one
        PRIMASK, BASEPRI or the active handlers hold back does not wake WFE, unlike WFI) or an
        event is registered (a SEVONPEND pend, RXEV). The Cortex-M4 and M33 consume the event
        that woke them; the Cortex-M7 keeps it registered (EVENT_KEPT_ON_WAKE). After
        WFE_SLEEP_LIMIT events that wake nothing the core is woken anyway (a spurious wake-up,
        which B1.5.18 allows), so a firmware that would sleep for good still runs on under the
        run's budget, with a warning. `at`: the WFE's address."""
        s = self.exc
        if s.event:
            s.event = False
            return None
        self.tick()
        if self._choose() is not None and not self.reg32(A.UC_ARM_REG_XPSR) & XPSR_IT:
            # Pending before the WFE ran (pended earlier in its block or fallen due in it: tinysim
            # takes interrupts at block ends): on silicon it is taken first and returns to the
            # WFE, which then finds the event its return set and goes on. Done so here too (the
            # WFE is counted twice); inside an IT block it just wakes the WFE.
            self.uc.reg_write(A.UC_ARM_REG_PC, at)
            return None
        for _ in range(WFE_SLEEP_LIMIT):
            if self._choose() is not None:
                return None  # its entry sets the event register again
            if s.event:
                s.event = self._event_kept_on_wake
                return None
            outcome = self.sleep_or_idle()
            if outcome is not None:
                return outcome
        self.warn(f"the WFE at {self.firmware.symbolize(at)} slept through {WFE_SLEEP_LIMIT:,} timer "
                  "events that could not wake it (a pending interrupt that PRIMASK, BASEPRI or the "
                  "active handler's priority holds back ends WFE only with SCR.SEVONPEND set): "
                  "silicon would sleep on; tinysim woke it")
        return None

    def wait_for_interrupt(self) -> Optional[str]:
        # WFI wakes on any pending enabled interrupt, even one PRIMASK masks (B1.5.19).
        if self.any_pending():
            return None
        return self.sleep_or_idle()
