"""Decode a translation block with capstone and sort each instruction into an `InsnClass`.

Classification is per architecture (Thumb-2 with DSP and FPv4-SP; RV32IMC with F). It records,
beside the class, what the per-core pipeline rules in `tinysim.cost.timing` need: registers read
and written, the address registers of a memory access, how many registers a multiple transfer
moves, and how the instruction leaves the block (conditional/unconditional, direct/indirect).

An instruction capstone decodes but this table does not know is never costed silently: it gets
class `UNCLASSIFIED` and is listed (address, mnemonic) in `Decoded.unclassified`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from typing import FrozenSet, List, Optional, Tuple

import capstone
from capstone import arm_const as A

from .classes import InsnClass as C

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


@dataclass
class Decoded:
    insns: List[Insn] = field(default_factory=list)
    unclassified: List[Tuple[int, str]] = field(default_factory=list)  # (address, mnemonic)


# ----------------------------------------------------------------------------------------------
# Thumb-2 (ARMv7E-M + FPv4-SP). Names are capstone's lower-case instruction names (insn_name()),
# which do not carry condition codes or .w/.n suffixes.

_ARM_ALU = set(
    """adc add addw adr and asr bfc bfi bic clz cmn cmp eor lsl lsr mov movs movt movw mvn neg
    orn orr rbit rev rev16 revsh ror rrx rsb sbc sbfx sub subs subw sxtab sxtah sxtb sxth teq tst
    ubfx uxtab uxtah uxtb uxth""".split()
)
_ARM_MUL = set("mul smull umull smulbb smulbt smultb smultt smulwb smulwt smmul smmulr smuad "
               "smuadx smusd smusdx".split())
_ARM_MAC = set(
    """mla mls smlal umlal umaal smlabb smlabt smlatb smlatt smlawb smlawt smlad smladx smlsd
    smlsdx smlald smlaldx smlsld smlsldx smlalbb smlalbt smlaltb smlaltt smmla smmlar smmls smmlsr
    usada8""".split()
)
_ARM_DSP = set(
    """qadd qadd16 qadd8 qasx qdadd qdsub qsax qsub qsub16 qsub8 sadd16 sadd8 sasx sel shadd16
    shadd8 shasx shsax shsub16 shsub8 ssat ssat16 ssax ssub16 ssub8 sxtab16 sxtb16 uadd16 uadd8
    uasx uhadd16 uhadd8 uhasx uhsax uhsub16 uhsub8 uqadd16 uqadd8 uqasx uqsax uqsub16 uqsub8 usad8
    usat usat16 usax usub16 usub8 uxtab16 uxtb16 pkhbt pkhtb""".split()
)
_ARM_LOAD = set("ldr ldrb ldrh ldrsb ldrsh ldrt ldrbt ldrht ldrsbt ldrsht ldrex ldrexb ldrexh "
                "pld pldw pli".split())
_ARM_STORE = set("str strb strh strt strbt strht strex strexb strexh".split())
_ARM_SYSTEM = set("mrs msr cps svc bkpt wfi wfe sev yield udf clrex".split())
_ARM_BARRIER = set("dmb dsb isb".split())
_ARM_FP_ALU = set(
    """vadd vsub vmul vnmul vabs vneg vcmp vcmpe vcvt vcvtr vcvtb vcvtt fconsts fconstd faddd
    fadds fsubd fsubs fcmpzs fcmpzd""".split()
)
_ARM_FP_MAC = set("vmla vmls vnmla vnmls vfma vfms vfnma vfnms".split())
_ARM_FP_DIVSQRT = set(["vdiv", "vsqrt"])
_ARM_FP_MOV = set(["vmrs", "vmsr", "fmstat"])

_CORE_REGS = frozenset([f"r{i}" for i in range(13)] + ["sb", "sl", "fp", "ip", "sp", "lr", "pc"])
_IGNORED_REGS = frozenset(["itstate", "cpsr", "apsr", "apsr_nzcv", "fpscr", "fpscr_nzcv"])


@lru_cache(maxsize=None)
def _arm_disassembler() -> capstone.Cs:
    md = capstone.Cs(capstone.CS_ARCH_ARM, capstone.CS_MODE_THUMB | capstone.CS_MODE_MCLASS)
    md.detail = True
    return md


def _arm_regs(i) -> Tuple[FrozenSet[str], FrozenSet[str]]:
    # regs_access() misses some operands (e.g. SSAT's source), so add every register operand
    # except the first one of a data-processing instruction (its destination) to the reads.
    r, w = i.regs_access()
    reads = {i.reg_name(x) for x in r}
    writes = {i.reg_name(x) for x in w}
    for k, op in enumerate(i.operands):
        if op.type == A.ARM_OP_REG and not (k == 0 and writes):
            reads.add(i.reg_name(op.reg))
    return frozenset(reads - _IGNORED_REGS), frozenset(writes - _IGNORED_REGS)


def _arm_mem_regs(i) -> FrozenSet[str]:
    regs = set()
    for op in i.operands:
        if op.type == A.ARM_OP_MEM:
            if op.mem.base:
                regs.add(i.reg_name(op.mem.base))
            if op.mem.index:
                regs.add(i.reg_name(op.mem.index))
    return frozenset(regs)


def _reg_list(i, skip_base: bool) -> List[str]:
    regs = [i.reg_name(op.reg) for op in i.operands if op.type == A.ARM_OP_REG]
    return regs[1:] if skip_base else regs


def _arm_insn(i) -> Tuple[Optional[C], dict]:
    """Class of one Thumb instruction plus the extra Insn fields; class None = unknown."""
    name = i.insn_name()
    reads, writes = _arm_regs(i)
    extra = dict(reads=reads, writes=writes)
    writes_pc = "pc" in writes
    conditional = i.cc not in (A.ARM_CC_AL, A.ARM_CC_INVALID)

    if name in ("b", "bl", "cbz", "cbnz"):
        target = next((op.imm for op in i.operands if op.type == A.ARM_OP_IMM), None)
        if name in ("cbz", "cbnz") or (name == "b" and conditional):
            extra.update(exit=COND, target=target)
        else:
            extra.update(exit=CALL if name == "bl" else JUMP, target=target)
        return C.BRANCH, extra
    if name in ("bx", "blx"):
        ret = name == "bx" and "lr" in reads
        extra.update(exit=CALL_INDIRECT if name == "blx" else RETURN if ret else INDIRECT)
        return C.BRANCH, extra
    if name in ("tbb", "tbh"):
        extra.update(exit=BLOCKING, addr_regs=_arm_mem_regs(i))
        return C.TABLE_BRANCH, extra
    if name in ("ldm", "ldmdb", "pop", "stm", "stmdb", "push"):
        regs = _reg_list(i, skip_base=name not in ("pop", "push"))
        base = frozenset(["sp"]) if name in ("pop", "push") else frozenset(_reg_list(i, False)[:1])
        extra.update(n_regs=len(regs), addr_regs=base)
        if name.startswith("ld") or name == "pop":
            if "pc" in regs:
                extra.update(exit=RETURN)
            return C.LOAD_MULTIPLE, extra
        return C.STORE_MULTIPLE, extra
    if name in _ARM_LOAD:
        extra.update(addr_regs=_arm_mem_regs(i))
        if writes_pc:
            extra.update(exit=BLOCKING)
            return C.LOAD_PC, extra
        return C.LOAD, extra
    if name in _ARM_STORE:
        mem = [op for op in i.operands if op.type == A.ARM_OP_MEM]
        extra.update(addr_regs=_arm_mem_regs(i))
        if mem and mem[0].mem.index and name not in ("strex", "strexb", "strexh"):
            return C.STORE_REGOFF, extra
        return C.STORE, extra
    if name == "ldrd":
        extra.update(addr_regs=_arm_mem_regs(i))
        return C.LOAD_DOUBLE, extra
    if name == "strd":
        extra.update(addr_regs=_arm_mem_regs(i))
        return C.STORE_DOUBLE, extra
    if name in _ARM_ALU:
        if writes_pc:  # MOV PC, Rm / ADD PC, Rm: 1+P (TRM)
            extra.update(exit=RETURN if "lr" in reads else INDIRECT)
            return C.BRANCH, extra
        return C.ALU, extra
    if name in _ARM_MUL:
        return C.MUL, extra
    if name in _ARM_MAC:
        return C.MAC, extra
    if name in _ARM_DSP:
        return C.DSP, extra
    if name in ("sdiv", "udiv"):
        return C.DIV, extra
    if name == "it":
        return C.IT, extra
    if name in ("nop", "hint"):
        return C.NOP, extra
    if name in _ARM_BARRIER:
        return C.BARRIER, extra
    if name in _ARM_SYSTEM:
        return C.SYSTEM, extra
    # --- FPv4-SP
    if name in _ARM_FP_DIVSQRT:
        return C.FP_DIVSQRT, extra
    if name in _ARM_FP_MAC:
        return C.FP_MAC, extra
    if name in _ARM_FP_ALU:
        return C.FP_ALU, extra
    if name in _ARM_FP_MOV:
        return C.FP_MOV, extra
    if name == "vmov":
        core = [op for op in i.operands if op.type == A.ARM_OP_REG
                and i.reg_name(op.reg) in _CORE_REGS]
        dregs = [op for op in i.operands if op.type == A.ARM_OP_REG
                 and i.reg_name(op.reg).startswith("d")]
        if len(core) == 2 or (core and dregs):
            return C.FP_MOV_PAIR, extra
        if core:
            return C.FP_MOV, extra
        return C.FP_ALU, extra  # register-to-register or immediate move inside the FPU
    if name in ("vldr", "vstr"):
        double = i.reg_name(i.operands[0].reg).startswith("d")
        extra.update(addr_regs=_arm_mem_regs(i))
        if name == "vldr":
            return (C.FP_LOAD_DOUBLE if double else C.FP_LOAD), extra
        return (C.FP_STORE_DOUBLE if double else C.FP_STORE), extra
    if name in ("vldmia", "vldmdb", "vpop", "vstmia", "vstmdb", "vpush"):
        regs = _reg_list(i, skip_base=name not in ("vpop", "vpush"))
        singles = sum(2 if r.startswith("d") else 1 for r in regs)
        extra.update(n_regs=singles)
        if name in ("vldmia", "vldmdb", "vpop"):
            return C.FP_LOAD_MULTIPLE, extra
        return C.FP_STORE_MULTIPLE, extra
    return None, extra


def decode_thumb(code: bytes, addr: int) -> Decoded:
    """Decode a Thumb-2 block starting at `addr` (the even address, no Thumb bit)."""
    return _decode(_arm_disassembler(), _arm_insn, code, addr & ~1)


# ----------------------------------------------------------------------------------------------
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
    return _decode(_rv_disassembler(), _rv_insn, code, addr)


# ----------------------------------------------------------------------------------------------


def _decode(md, classify_one, code: bytes, addr: int) -> Decoded:
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


def decode(arch: str, code: bytes, addr: int) -> Decoded:
    if arch == "armv7m":
        return decode_thumb(code, addr)
    if arch == "rv32":
        return decode_rv32(code, addr)
    from ..errors import PlatformError

    raise PlatformError(f"no instruction classifier for core architecture {arch!r} "
                        "(known: armv7m, rv32)")
