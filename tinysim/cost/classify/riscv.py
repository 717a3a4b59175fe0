"""RV32IMC(F) instructions into `InsnClass`es, with capstone."""

from __future__ import annotations

from functools import lru_cache
from typing import Optional, Tuple

import capstone

from ..classes import InsnClass as C
from .common import CALL, CALL_INDIRECT, COND, INDIRECT, JUMP, RETURN, Decoded, decode_block

# RV32IMC(F). capstone 5 has no regs_access() for RISC-V: the destination is the first register
# operand of everything except stores and branches.

_RV_ALU = set(
    """add addi sub lui auipc slt slti sltu sltiu xor xori or ori and andi sll slli srl srli sra
    srai c.add c.addi c.addi16sp c.addi4spn c.sub c.lui c.li c.mv c.and c.andi c.or c.xor c.slli
    c.srli c.srai""".split()
)
_RV_MUL = {"mul"}
_RV_MULH = {"mulh", "mulhu", "mulhsu"}
_RV_DIV = {"div", "divu", "rem", "remu"}
_RV_LOAD = {"lw": False, "c.lw": False, "c.lwsp": False, "lb": True, "lbu": True, "lh": True,
            "lhu": True}
_RV_STORE = {"sw", "sh", "sb", "c.sw", "c.swsp"}
_RV_BRANCH = {"beq", "bne", "blt", "bge", "bltu", "bgeu", "c.beqz", "c.bnez"}
_RV_SYSTEM = {"ecall", "ebreak", "c.ebreak", "wfi", "fence", "fence.i", "mret", "c.nop", "nop"}
_RV_CSR = {"csrrw", "csrrs", "csrrc", "csrrwi", "csrrsi", "csrrci"}
_RV_FP_MAC = {"fmadd.s", "fmsub.s", "fnmadd.s", "fnmsub.s"}
_RV_FP_DIVSQRT = {"fdiv.s", "fsqrt.s"}
_RV_FP_LOAD = {"flw", "c.flw", "c.flwsp"}
_RV_FP_STORE = {"fsw", "c.fsw", "c.fswsp"}
_RV_FP_MOV = {"fmv.x.w", "fmv.w.x"}
_RV_FP_ALU_PREFIX = ("fadd.s", "fsub.s", "fmul.s", "fmin.s", "fmax.s", "fsgnj", "fcvt.", "feq.s",
                     "flt.s", "fle.s", "fclass.s")


@lru_cache(maxsize=None)
def _rv_disassembler() -> capstone.Cs:
    md = capstone.Cs(capstone.CS_ARCH_RISCV,
                     capstone.CS_MODE_RISCV32 | capstone.CS_MODE_RISCVC)
    md.detail = True
    return md


def _rv_insn(i) -> Tuple[Optional[C], dict]:
    from capstone import riscv_const as R

    name = i.insn_name()
    regs = [i.reg_name(op.reg) for op in i.operands if op.type == R.RISCV_OP_REG]
    mem_base = [i.reg_name(op.mem.base) for op in i.operands if op.type == R.RISCV_OP_MEM]
    imms = [op.imm for op in i.operands if op.type == R.RISCV_OP_IMM]
    no_dest = name in _RV_STORE or name in _RV_FP_STORE or name in _RV_BRANCH
    writes = frozenset(regs[:1]) if regs and not no_dest else frozenset()
    reads = frozenset((regs if no_dest else regs[1:]) + mem_base)
    extra = dict(reads=reads, writes=writes - {"zero"})
    if name in _RV_LOAD or name in _RV_FP_LOAD:
        extra.update(addr_regs=frozenset(mem_base or regs[1:2]), subword=_RV_LOAD.get(name, False))
        return (C.LOAD if name in _RV_LOAD else C.FP_LOAD), extra
    if name in _RV_STORE or name in _RV_FP_STORE:
        extra.update(addr_regs=frozenset(mem_base or regs[1:2]))
        return (C.STORE if name in _RV_STORE else C.FP_STORE), extra
    if name in _RV_BRANCH:
        target = i.address + imms[-1] if imms else None
        extra.update(exit=COND, target=target)
        return C.BRANCH, extra
    if name in ("jal", "c.j", "c.jal"):
        # capstone prints `jal ra, x` as `jal x` and `jal zero, x` as `j x`
        call = name == "c.jal" or (name == "jal" and i.mnemonic == "jal" and regs in ([], ["ra"]))
        extra.update(exit=CALL if call else JUMP, target=i.address + imms[-1] if imms else None,
                     writes=frozenset(["ra"]) if call else frozenset())
        return C.BRANCH, extra
    if name in ("jalr", "c.jr", "c.jalr"):
        # capstone prints `jalr x0, 0(ra)` as `ret` with no operands.
        is_ret = i.mnemonic == "ret" or (name == "c.jr" and regs == ["ra"])
        # `jalr rs` (one operand) is capstone's alias of `jalr ra, 0(rs)`
        call = name == "c.jalr" or (name == "jalr" and i.mnemonic == "jalr"
                                    and (len(regs) <= 1 or regs[0] == "ra"))
        extra.update(exit=RETURN if is_ret else CALL_INDIRECT if call else INDIRECT,
                     writes=frozenset())
        return C.BRANCH, extra
    if name in _RV_ALU:
        return C.ALU, extra
    if name in _RV_MUL:
        return C.MUL, extra
    if name in _RV_MULH:
        return C.MULH, extra
    if name in _RV_DIV:
        return C.DIV, extra
    if name in _RV_CSR:
        return C.CSR, extra
    if name in _RV_SYSTEM:
        return (C.NOP if name in ("c.nop", "nop") else C.SYSTEM), extra
    if name in _RV_FP_DIVSQRT:
        return C.FP_DIVSQRT, extra
    if name in _RV_FP_MAC:
        return C.FP_MAC, extra
    if name in _RV_FP_MOV:
        return C.FP_MOV, extra
    if name.startswith(_RV_FP_ALU_PREFIX):
        return C.FP_ALU, extra
    return None, extra


def decode_rv32(code: bytes, addr: int) -> Decoded:
    """Decode an RV32IMC(F) block starting at `addr`."""
    return decode_block(_rv_disassembler(), _rv_insn, code, addr)
