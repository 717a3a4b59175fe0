"""RV32IMAC engine: Unicorn's RISC-V CPU (SiFive E31 model) plus machine-mode trap delivery for
the platform's timer and UART interrupts, which Unicorn does not model.

- Reset: PC = the ELF entry (GD32VF103 boots from flash at 0x08000000, GD32VF103 UM §1.4, where
  the board linker scripts put `_start`; the ESP32-C3's ROM loader is not emulated).
- Interrupts are taken at block boundaries when mstatus.MIE is set and the source is enabled:
  through the Nuclei ECLIC (non-vectored: mtvec base, 64-byte aligned) when the platform has an
  `eclic` window, else through mie.MTIE/MEIE with mtvec direct/vectored modes. `mret` is Unicorn's.
- EBREAK is the firmware's "halt", or a semihosting call between `slli zero, zero, 0x1f` and
  `srai zero, zero, 7` (semihosting.py). ECALL, illegal instructions and access faults (a fetch,
  load or store where nothing is: mtval holds the address) trap to the firmware's mtvec handler
  once it has one, as on silicon; before that the run stops with a fault. When the handler halts
  without having returned (mepc and mcause still those of the fault), the run ends with the
  report of the fault that led there.
- Unicorn's cycle/instret CSRs count host-side (not deterministic) and `time` is an illegal
  instruction on this CPU model: blocks that read them are flagged in the run's warnings, and the
  fault names the CSR; firmware must use the platform's MMIO timer.
"""

from __future__ import annotations

import struct
from typing import Dict, Optional

from unicorn import UC_ARCH_RISCV, UC_MODE_RISCV32, Uc
from unicorn import riscv_const as R

from . import faults
from .counter import DESCRIBE_UNMASKS
from .machine import ENGINES, Machine
from .unmask_scan import rv32_unmasks

# Exception causes (RISC-V privileged spec table 3.6) as Unicorn reports them in the intr hook.
CAUSE_NAMES = {0: "instruction address misaligned", 1: "instruction access fault", 2: "illegal instruction",
               3: "breakpoint", 4: "load address misaligned", 5: "load access fault",
               6: "store address misaligned", 7: "store access fault", 8: "ecall from U-mode",
               11: "ecall from M-mode"}
# The exception each fault the engine stops on raises (privileged spec table 3.6)
FAULT_CAUSES = {faults.INVALID_INSTRUCTION: 2, faults.UNMAPPED_FETCH: 1, faults.FETCH_PROTECTED: 1,
                faults.UNMAPPED_READ: 5, faults.UNMAPPED_WRITE: 7}
MCAUSE_CODE = 0x3FF  # the exception code; Bumblebee's ECLIC mode adds MPIE/MPP in bits 27-29
MSTATUS_MIE, MSTATUS_MPIE = 1 << 3, 1 << 7
MIE_MTIE, MIE_MEIE = 1 << 7, 1 << 11
ECLIC_TIMER = 7  # CLIC_INT_TMR (Bumblebee manual, ECLIC interrupt sources)
TIME_CSRS = {0xC00: "cycle", 0xC01: "time", 0xC02: "instret", 0xC80: "cycleh", 0xC81: "timeh",
             0xC82: "instreth", 0xB00: "mcycle", 0xB02: "minstret", 0xB80: "mcycleh", 0xB82: "minstreth"}
# The RISC-V semihosting call (RISC-V semihosting spec, "Semihosting trap"): slli zero, zero, 0x1f;
# ebreak; srai zero, zero, 7 (uncompressed, so the three words can be recognised).
_SEMIHOSTING_CALL = (0x01F01013, 0x00100073, 0x40705013)
_DUMP = [("pc", R.UC_RISCV_REG_PC)] + [(f"x{i}", getattr(R, f"UC_RISCV_REG_X{i}")) for i in range(1, 32)] + [
    ("mstatus", R.UC_RISCV_REG_MSTATUS), ("mepc", R.UC_RISCV_REG_MEPC), ("mcause", R.UC_RISCV_REG_MCAUSE),
    ("mtvec", R.UC_RISCV_REG_MTVEC)]
_ABI = ["zero", "ra", "sp", "gp", "tp", "t0", "t1", "t2", "s0", "s1", "a0", "a1", "a2", "a3", "a4", "a5",
        "a6", "a7", "s2", "s3", "s4", "s5", "s6", "s7", "s8", "s9", "s10", "s11", "t3", "t4", "t5", "t6"]


@ENGINES.register("rv32")
class RiscvMachine(Machine):
    ARCH = "rv32"

    def __init__(self, platform, firmware):
        self.lines = set()  # asserted external IRQ numbers
        self._trap_pc = 0
        self.time_csr_reads = {}
        self.fault_taken: Optional[tuple] = None   # (mcause code, FaultReport) of the last fault trap
        super().__init__(platform, firmware)

    def create_uc(self):
        uc = Uc(UC_ARCH_RISCV, UC_MODE_RISCV32)
        uc.ctl_set_cpu_model(R.UC_CPU_RISCV32_SIFIVE_E31)  # RV32IMAC
        return uc

    def pc_reg(self) -> int:
        return R.UC_RISCV_REG_PC

    def sp_reg(self) -> int:
        return R.UC_RISCV_REG_SP

    def register_dump(self) -> Dict[str, int]:
        out = {}
        for name, reg in _DUMP:
            label = _ABI[int(name[1:])] if name.startswith("x") else name
            out[label] = self.uc.reg_read(reg)
        return out

    def reset_core(self) -> None:
        self.lines.clear()
        self.fault_taken = None
        self.uc.reg_write(R.UC_RISCV_REG_PC, self.firmware.entry)

    # ---- block inspection: flag cycle/time CSR reads (host ticks under Unicorn) ---------------
    def inspect_block(self, addr: int, size: int) -> int:
        """Warns of cycle/time CSR reads; returns DESCRIBE_UNMASKS for a block that may set
        mstatus.MIE (unmask_scan.py)."""
        code = bytes(self.uc.mem_read(addr, size))
        i = 0
        while i + 2 <= len(code):
            half = code[i] | code[i + 1] << 8
            if half & 3 != 3:
                i += 2
                continue
            if i + 4 > len(code):
                break
            insn = struct.unpack_from("<I", code, i)[0]
            if insn & 0x7F == 0x73 and (insn >> 12) & 7 and (insn >> 20) in TIME_CSRS:
                name = TIME_CSRS[insn >> 20]
                if name not in self.time_csr_reads:
                    self.time_csr_reads[name] = addr + i
                    self.warnings.append(
                        f"firmware reads CSR {name} at {self.firmware.symbolize(addr + i)}: under Unicorn it "
                        f"returns host time (not deterministic); use the platform's MMIO timer")
            i += 4
        return DESCRIBE_UNMASKS if rv32_unmasks(code) else 0

    # ---- interrupts --------------------------------------------------------------------------
    def _eclic(self):
        for p in self.peripherals.values():
            if hasattr(p, "source_enabled"):
                return p
        return self.peripherals.get("eclic")

    def _eclic_enabled(self, source: int) -> bool:
        e = self._eclic()
        if hasattr(e, "source_enabled"):
            return e.source_enabled(source)
        # A platform that maps the ECLIC as plain reset-value storage: CLICINTIE is byte 1.
        return bool(e.values.get(0x1000 + 4 * source, 0) >> 8 & 1)

    def source_pending(self, source: int) -> bool:
        """ECLIC INTIP: the source's line is high (timer: mtime >= mtimecmp)."""
        if source == ECLIC_TIMER:
            t = self._timer()
            return t is not None and t.timer_pending(self.now())
        return source in self.lines

    def exceptions_changed(self) -> None:
        if self.emulating and self._pending_sources():   # between slices the run loop arbitrates
            self.request_stop("interrupt")

    def _timer(self):
        for p in self.peripherals.values():
            if hasattr(p, "timer_pending"):
                return p
        return None

    def _intmtx(self):
        for p in self.peripherals.values():
            if hasattr(p, "line_for"):
                return p
        return None

    def irq_enabled(self, irq: int) -> bool:
        if self._eclic() is not None:
            return self._eclic_enabled(irq)
        mtx = self._intmtx()
        if mtx is not None:
            return mtx.line_for(irq) is not None
        return bool(self.uc.reg_read(R.UC_RISCV_REG_MIE) & MIE_MEIE)

    def set_irq(self, irq: int, level: bool, source: str = "") -> None:
        # (the RISC-V SoCs here give every source its own line: `source` is not needed)
        if irq >= 0:
            if level:
                self.lines.add(irq)
            else:
                self.lines.discard(irq)
        # irq < 0: an interrupt controller changed its routing; just re-evaluate.
        if (level or irq < 0) and self.emulating and self._pending_sources():
            self.request_stop("interrupt")

    def pend_irq(self, irq: int) -> None:
        self.set_irq(irq, True)

    def _pending_sources(self):
        """Cause codes of pending, enabled interrupts, most urgent first."""
        out = []
        t = self._timer()
        eclic = self._eclic() is not None
        mtx = self._intmtx()
        if t is not None and t.timer_pending(self.now()):
            if (self._eclic_enabled(ECLIC_TIMER) if eclic
                    else self.uc.reg_read(R.UC_RISCV_REG_MIE) & MIE_MTIE):
                out.append(ECLIC_TIMER if eclic else 7)
        if mtx is not None:
            lines = {mtx.line_for(irq) for irq in self.lines} - {None}
            # highest priority line first (CPU_INT_PRI_n), then the lowest line number
            out += sorted(lines, key=lambda n: (-mtx.values[0x114 + 4 * n], n))
            return out
        for irq in sorted(self.lines):
            if self.irq_enabled(irq):
                out.append(irq if eclic else 11)
        return out

    def _choose(self) -> Optional[int]:
        if not self.uc.reg_read(R.UC_RISCV_REG_MSTATUS) & MSTATUS_MIE:
            return None
        pending = self._pending_sources()
        return pending[0] if pending else None

    def masked_pending(self, none_deliverable: bool = False) -> bool:
        return (none_deliverable or self._choose() is None) and bool(self._pending_sources())

    def deliver_interrupts(self) -> bool:
        code = self._choose()
        if code is None:
            return False
        self._trap(self.uc.reg_read(R.UC_RISCV_REG_PC), code, interrupt=True)
        return True

    def _trap(self, pc: int, code: int, interrupt: bool) -> None:
        """Machine-mode trap entry (privileged spec 3.1.6-3.1.7, 3.1.15-3.1.16): mepc = pc,
        mcause, mstatus.MPIE = MIE, MIE = 0, MPP = machine, PC = the mtvec target."""
        uc = self.uc
        mstatus = uc.reg_read(R.UC_RISCV_REG_MSTATUS)
        mstatus = (mstatus & ~(MSTATUS_MIE | MSTATUS_MPIE)) | (MSTATUS_MPIE if mstatus & MSTATUS_MIE else 0)
        mstatus |= 3 << 11  # MPP = machine
        mtvec = uc.reg_read(R.UC_RISCV_REG_MTVEC)
        if (interrupt and self._eclic() is not None) or (not interrupt and mtvec & 3 == 3):
            target = mtvec & ~0x3F  # ECLIC mode (mtvec mode 3): non-vectored interrupts, exceptions
            # ECLIC mcause also mirrors MPIE (bit 27) and MPP (bits 29:28) (Bumblebee manual "mcause").
            mcause = (0x80000000 if interrupt else 0) | (3 << 28) | \
                ((1 << 27) if mstatus & MSTATUS_MPIE else 0) | code
        elif interrupt:
            mcause = 0x80000000 | code
            target = (mtvec & ~3) + (4 * code if mtvec & 3 == 1 else 0)
        else:
            mcause, target = code, mtvec & ~3  # exceptions go to the base in vectored mode too
        uc.reg_write(R.UC_RISCV_REG_MEPC, pc)
        uc.reg_write(R.UC_RISCV_REG_MCAUSE, mcause)
        uc.reg_write(R.UC_RISCV_REG_MSTATUS, mstatus)
        uc.reg_write(R.UC_RISCV_REG_PC, target)
        if self.counter is not None:
            self.counter.note_transfer()

    def _has_trap_handler(self) -> bool:
        """mtvec points into the platform's memory: the firmware installed a trap handler (with
        none, silicon would jump to a reset-value mtvec; the run stops with the fault instead)."""
        target = self.uc.reg_read(R.UC_RISCV_REG_MTVEC) & ~3
        return target != 0 and self.platform.region_of(target) is not None

    def _ecall_handled(self, pc: int) -> bool:
        """ECALL (an RTOS's system call or yield, e.g. FreeRTOS's portYIELD): a machine-mode
        environment call trap (mcause 11) into the firmware's handler."""
        if not self._has_trap_handler():
            return False
        self._trap(pc, 11, interrupt=False)
        return True

    def take_fault(self, report: faults.FaultReport) -> Optional[faults.FaultReport]:
        """A fault silicon raises as an exception (FAULT_CAUSES) traps to the firmware's handler:
        mepc = the faulting instruction (the target, for a fetch), mtval = the address of an
        access fault (0 for an illegal instruction, which the spec allows). None: the run goes on."""
        cause = FAULT_CAUSES.get(report.kind)
        if cause is None or not self._has_trap_handler():
            return report
        self._trap(report.pc, cause, interrupt=False)   # (a fetch fault's pc is the target)
        self.uc.reg_write(R.UC_RISCV_REG_MTVAL, 0 if cause == 2 else (report.address or 0) & 0xFFFFFFFF)
        self.fault_taken = (cause, report)
        return None

    def fault_in_progress(self) -> Optional[faults.FaultReport]:
        """After a fault trap, while mcause and mepc are still the fault's (its handler has not
        returned, nor taken another trap): that fault's report, for a run that ends there."""
        if self.fault_taken is None:
            return None
        cause, report = self.fault_taken
        uc = self.uc
        if uc.reg_read(R.UC_RISCV_REG_MCAUSE) & (0x80000000 | MCAUSE_CODE) != cause or \
                uc.reg_read(R.UC_RISCV_REG_MEPC) != report.pc:
            return None
        return report.followed_by(f"taken as a {CAUSE_NAMES[cause]} trap (mcause {cause}) through the "
                                  f"firmware's handler, which stopped at "
                                  f"{self.firmware.symbolize(uc.reg_read(R.UC_RISCV_REG_PC))}", self.uart_tail())

    # ---- stops ---------------------------------------------------------------------------------
    def on_cpu_interrupt(self, intno: int) -> None:
        # Unicorn 2.1.4 reports RISC-V exceptions with PC already 4 past the trapping
        # instruction (even a 16-bit one): measured with ECALL, EBREAK and illegal encodings.
        self._trap_pc = (self.uc.reg_read(R.UC_RISCV_REG_PC) - 4) & 0xFFFFFFFF
        self.stop_now(f"cause:{intno}")

    def handle_stop(self, reason: str) -> Optional[str]:
        if reason == "interrupt":
            return None
        cause = int(reason.split(":")[1]) if reason.startswith("cause:") else -1
        if cause == 3:
            return self._ebreak(self._trap_pc)
        if cause in (8, 11) and self._ecall_handled(self._trap_pc):
            return None
        pc = self._trap_pc
        self.uc.reg_write(R.UC_RISCV_REG_PC, pc)  # show (and keep) the trapping instruction
        kind = faults.INVALID_INSTRUCTION if cause == 2 else (
            faults.UNHANDLED_EXCEPTION if cause in (8, 11) else faults.CPU_EXCEPTION)
        name = CAUSE_NAMES.get(cause, f"exception cause {cause}")
        message = f"{name} (mcause {cause})"
        csr = self._csr_read_at(pc) if cause == 2 else None
        if csr is not None:
            message += (f": csrr {csr} - this core model has no such CSR; time the firmware with the "
                        f"platform's MMIO timer")
        self._pending_fault = self.make_fault(kind, message, pc=pc)
        return "fault"

    def _csr_read_at(self, pc: int) -> Optional[str]:
        try:
            insn = struct.unpack("<I", self.uc.mem_read(pc, 4))[0]
        except Exception:  # noqa: BLE001
            return None
        if insn & 0x7F == 0x73 and (insn >> 12) & 7:
            return TIME_CSRS.get(insn >> 20)
        return None

    def _fault_from_error(self, err):
        # Unicorn 2.1.4 reports EBREAK / C.EBREAK as an invalid instruction: it is the halt.
        if "INSN_INVALID" in str(err) and self._mem_fault is None:
            pc = self.uc.reg_read(R.UC_RISCV_REG_PC)
            try:
                raw = bytes(self.uc.mem_read(pc, 4))
            except Exception:  # noqa: BLE001
                raw = b""
            if raw[:2] == b"\x02\x90" or raw == struct.pack("<I", 0x00100073):
                return None
        return super()._fault_from_error(err)

    def handle_break(self) -> Optional[str]:
        return self._ebreak(self.uc.reg_read(R.UC_RISCV_REG_PC))

    def _ebreak(self, pc: int) -> Optional[str]:
        """EBREAK at `pc`: a semihosting call when it sits between `slli zero, zero, 0x1f` and
        `srai zero, zero, 7` (semihosting.py), else the firmware's halt."""
        try:
            around = struct.unpack("<3I", self.uc.mem_read(pc - 4, 12))
        except Exception:  # noqa: BLE001 - an EBREAK at the edge of memory is no semihosting call
            around = ()
        if around != _SEMIHOSTING_CALL:
            return "halt"
        value, outcome = self.semihost(self.uc.reg_read(R.UC_RISCV_REG_A0), self.uc.reg_read(R.UC_RISCV_REG_A1))
        if outcome in ("exit", "idle"):
            self.uc.reg_write(R.UC_RISCV_REG_PC, pc)  # on the call: a later run makes it again
            return outcome
        if value is not None:
            self.uc.reg_write(R.UC_RISCV_REG_A0, value)
        self.uc.reg_write(R.UC_RISCV_REG_PC, pc + 8)  # past the closing srai (a no-op anyway)
        return outcome

    def handle_clean_return(self) -> Optional[str]:
        pc = self.uc.reg_read(R.UC_RISCV_REG_PC)
        try:
            prev = struct.unpack("<I", self.uc.mem_read(pc - 4, 4))[0]
        except Exception:  # noqa: BLE001
            prev = 0
        if prev != 0x10500073:  # WFI
            return "halt"
        if self._pending_sources():
            return None
        return self.sleep_or_idle()
