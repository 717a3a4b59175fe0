"""Which ARMv7-M fault a stop of the engine is, as silicon records it: the configurable fault
exception it raises and its CFSR bits, with BFAR or MMFAR where the address is valid (ARM DDI
0403E.e B1.5.14 "Fault behavior", B3.2.15 CFSR, B3.1 the default memory map's execute-never
regions). Pure functions of what the stop reported; cortex_m.py takes the fault."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional

from . import faults

# exception numbers (B1.5.2) of the faults; the fault handlers are these four
HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT = 3, 4, 5, 6
FAULT_HANDLERS = (HARDFAULT, MEMMANAGE, BUSFAULT, USAGEFAULT)

# CFSR (B3.2.15): MMFSR in bits 7:0, BFSR in 15:8, UFSR in 31:16
CFSR_IACCVIOL = 1 << 0        # instruction fetch from a region that does not allow it
CFSR_DACCVIOL = 1 << 1        # load or store the MPU refuses: MMFAR holds the address
CFSR_MMARVALID = 1 << 7
CFSR_IBUSERR = 1 << 8         # bus error on an instruction fetch
CFSR_PRECISERR = 1 << 9       # precise data bus error: BFAR holds the address
CFSR_IMPRECISERR = 1 << 10    # imprecise data bus error (a buffered store): no address
CFSR_BFARVALID = 1 << 15
CFSR_UNDEFINSTR = 1 << 16
CFSR_INVSTATE = 1 << 17       # EPSR.T was 0: ARM state, which ARMv7-M lacks
CFSR_NOCP = 1 << 19           # a coprocessor instruction with CPACR denying (or no) coprocessor
CFSR_STKOF = 1 << 20          # ARMv8-M: SP below MSPLIM/PSPLIM (stack_limits.py)
CFSR_UNALIGNED = 1 << 24      # (usage_checks.py)
CFSR_DIVBYZERO = 1 << 25

NAMES = {CFSR_IACCVIOL: "IACCVIOL", CFSR_DACCVIOL: "DACCVIOL", CFSR_IBUSERR: "IBUSERR", CFSR_PRECISERR: "PRECISERR",
         CFSR_IMPRECISERR: "IMPRECISERR", CFSR_UNDEFINSTR: "UNDEFINSTR", CFSR_INVSTATE: "INVSTATE",
         CFSR_NOCP: "NOCP", CFSR_STKOF: "STKOF", CFSR_UNALIGNED: "UNALIGNED", CFSR_DIVBYZERO: "DIVBYZERO"}
EXCEPTION_NAMES = {HARDFAULT: "HardFault", MEMMANAGE: "MemManage", BUSFAULT: "BusFault", USAGEFAULT: "UsageFault"}


@dataclass(frozen=True)
class ArchFault:
    exception: int               # MEMMANAGE, BUSFAULT or USAGEFAULT (HardFault if it cannot run)
    cfsr: int                    # the bits it sets
    pc: int                      # the return address it stacks
    bfar: Optional[int] = None
    mmfar: Optional[int] = None
    thumb: bool = True           # the stacked EPSR.T (INVSTATE stacks the 0 that caused it)

    @property
    def bits(self) -> str:
        """The CFSR bits it sets, lower case ("unaligned", "preciserr"; BFARVALID is not
        named): the kind in CortexMMachine.faults_taken."""
        return "/".join(n.lower() for b, n in NAMES.items() if self.cfsr & b) or "forced"

    @property
    def name(self) -> str:
        bits = [n for b, n in NAMES.items() if self.cfsr & b]
        return " ".join([EXCEPTION_NAMES[self.exception], "/".join(bits)]).strip()


def execute_never(addr: int) -> bool:
    """B3.1 Table B3-1: the Device regions (0x40000000-0x5FFFFFFF, 0xA0000000-0xDFFFFFFF) and
    the System region (0xE0000000 up) are execute-never in the default memory map."""
    return 0x40000000 <= addr < 0x60000000 or addr >= 0xA0000000


def is_coprocessor(hw1: int, hw2: Optional[int]) -> bool:
    """A coprocessor-space instruction (A5.3.18: first halfword 111x 11xx xxxx xxxx): the FPU's
    (coprocessors 10 and 11) and any other coprocessor's, which ARMv7-M without one answers
    with NOCP."""
    return hw2 is not None and (hw1 & 0xEC00) == 0xEC00


def classify(report: faults.FaultReport, thumb: bool) -> Optional[ArchFault]:
    """The fault silicon raises for what the engine stopped on, or None for stops that are not
    an architectural fault (tinysim's own checks, writes to flash, lockups...). `thumb`: EPSR.T
    at the stop."""
    kind, pc, addr = report.kind, report.pc, report.address
    if kind == faults.INVALID_INSTRUCTION:
        return ArchFault(USAGEFAULT, CFSR_UNDEFINSTR if thumb else CFSR_INVSTATE, pc, thumb=thumb)
    if kind == faults.UNMAPPED_READ:
        return ArchFault(BUSFAULT, CFSR_PRECISERR | CFSR_BFARVALID, pc, bfar=addr)
    if kind == faults.UNMAPPED_FETCH or (kind == faults.FETCH_PROTECTED and not execute_never(addr)):
        return ArchFault(BUSFAULT, CFSR_IBUSERR, addr)
    if kind == faults.FETCH_PROTECTED:
        return ArchFault(MEMMANAGE, CFSR_IACCVIOL, addr)
    if kind == faults.MPU_FETCH:   # a region's XN, or no read permission (mpu_rules.py)
        return ArchFault(MEMMANAGE, CFSR_IACCVIOL, addr)
    if kind == faults.MPU_VIOLATION:
        return ArchFault(MEMMANAGE, CFSR_DACCVIOL | CFSR_MMARVALID, pc, mmfar=addr)
    return None


def buffered_store(pc: int, size: int) -> ArchFault:
    """A store to nothing through the write buffer: the core has retired it, so the BusFault
    is imprecise (B3.2.15 IMPRECISERR, no address), taken here at the next instruction (`pc` +
    `size`; silicon may take it a few instructions later). The Cortex-M4 TRM's ACTLR.DISDEFWBUF
    turns the buffer off for the default memory map, making the same fault precise."""
    return ArchFault(BUSFAULT, CFSR_IMPRECISERR, pc + size)
