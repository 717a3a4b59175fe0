"""Fault reports: what went wrong, where (symbol+offset), the registers and the last UART lines."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace
from typing import Dict, List, Optional

# Fault kinds (stable strings; tests and JSON output use them).
INVALID_INSTRUCTION = "invalid-instruction"
UNMAPPED_READ = "unmapped-read"
UNMAPPED_WRITE = "unmapped-write"
UNMAPPED_FETCH = "unmapped-fetch"
WRITE_PROTECTED = "write-to-read-only-memory"
FETCH_PROTECTED = "execute-from-non-executable-memory"
UNALIGNED_ACCESS = "unaligned-access"  # with the core's alignment rules (usage_checks.py)
DIVIDE_BY_ZERO = "divide-by-zero"      # with CCR.DIV_0_TRP set
UNPRIVILEGED_ACCESS = "unprivileged-access"  # unprivileged code touched the System Control Space
MPU_VIOLATION = "mpu-violation"        # a load or store the MPU refuses (mpu_enforce.py)
MPU_FETCH = "mpu-fetch-violation"      # an instruction fetch the MPU refuses
MPU_STACKING = "mpu-stacking-violation"  # an exception frame the MPU refuses (not taken: MSTKERR)
STACK_OVERFLOW = "stack-overflow"
BAD_EXCEPTION_RETURN = "bad-exception-return"
UNHANDLED_EXCEPTION = "unhandled-exception"  # e.g. ECALL / SVC with no handler, bad vector
CPU_EXCEPTION = "cpu-exception"


@dataclass
class FaultReport:
    kind: str
    pc: int
    where: str  # "func+0x1a"
    message: str
    address: Optional[int] = None  # the data/fetch address for memory faults
    registers: Dict[str, int] = field(default_factory=dict)
    uart_tail: List[str] = field(default_factory=list)

    def followed_by(self, what: str, uart_tail: List[str]) -> "FaultReport":
        """This report, for a run that ended later: `what` followed the fault (the firmware's
        handler ran, and stopped), with the UART lines as they are at the end."""
        return replace(self, message=f"{self.message}; {what}", uart_tail=list(uart_tail))

    def to_dict(self) -> dict:
        d = asdict(self)
        d["registers"] = {k: f"{v:#010x}" for k, v in self.registers.items()}
        d["pc"] = f"{self.pc:#010x}"
        if self.address is not None:
            d["address"] = f"{self.address:#010x}"
        return d

    def format(self) -> str:
        lines = [f"FAULT {self.kind} at {self.where} (pc={self.pc:#010x}): {self.message}"]
        names = list(self.registers)
        for i in range(0, len(names), 4):
            lines.append("  " + "  ".join(f"{n:>4}={self.registers[n]:#010x}" for n in names[i:i + 4]))
        if self.uart_tail:
            lines.append("  last UART lines:")
            lines += [f"    | {line}" for line in self.uart_tail]
        else:
            lines.append("  (no UART output before the fault)")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.format()
