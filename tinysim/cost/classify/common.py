"""What every architecture's classifier produces: one `Insn` per instruction with its class and
the facts the pipeline rules need, a `Decoded` block, and the loop that runs a disassembler over a
block and records what it cannot classify."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import FrozenSet, List, Optional, Tuple

from ..classes import InsnClass as C

# Exit kinds for the instruction that may end a block.
COND = "cond"  # conditional direct branch (taken or not)
JUMP = "jump"  # unconditional direct branch or call
RETURN = "return"  # BX LR, POP {..PC}, RET
INDIRECT = "indirect"  # register branch other than return
CALL = "call"  # direct call (BL, JAL ra)
CALL_INDIRECT = "call_indirect"  # register call (BLX Rm, JALR ra)
BLOCKING = "blocking"  # LDR PC, TBB/TBH (Cortex-M4 TRM: full 3-cycle refill)


@dataclass(frozen=True)
class Insn:
    addr: int
    size: int
    mnemonic: str
    op_str: str
    cls: C
    reads: FrozenSet[str] = frozenset()
    writes: FrozenSet[str] = frozenset()
    addr_regs: FrozenSet[str] = frozenset()  # base/index registers of a memory access
    n_regs: int = 0  # registers moved by LDM/STM/PUSH/POP (core) or VLDM/VPUSH (singles)
    exit: Optional[str] = None  # one of COND/JUMP/RETURN/INDIRECT/BLOCKING, None = falls through
    target: Optional[int] = None  # direct branch target
    subword: bool = False  # byte/halfword load (RV load-use latency differs)
    # direct branch whose target is a 32-bit Thumb instruction at an odd halfword (set by the
    # BlockCoster when it can read the target; the Cortex-M4 refill rule uses it)
    target_wide_odd: bool = False


@dataclass
class Decoded:
    insns: List[Insn] = field(default_factory=list)
    unclassified: List[Tuple[int, str]] = field(default_factory=list)  # (address, mnemonic)


def decode_block(md, classify_one, code: bytes, addr: int) -> Decoded:
    """Run disassembler `md` over `code` at `addr`, classifying each instruction with
    `classify_one(capstone_insn) -> (InsnClass | None, Insn fields)`."""
    out = Decoded()
    end = addr + len(code)
    pc = addr
    for i in md.disasm(code, addr):
        cls, extra = classify_one(i)
        if cls is None:
            out.unclassified.append((i.address, i.mnemonic))
            cls = C.UNCLASSIFIED
        out.insns.append(Insn(i.address, i.size, i.mnemonic, i.op_str, cls, **extra))
        pc = i.address + i.size
    if pc < end:  # capstone stopped on bytes it cannot decode
        out.unclassified.append((pc, f"<undecodable {code[pc - addr:pc - addr + 4].hex()}>"))
        out.insns.append(Insn(pc, end - pc, "<undecodable>", "", C.UNCLASSIFIED))
    return out
