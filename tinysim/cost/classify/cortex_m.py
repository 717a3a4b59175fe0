"""Thumb-2 (ARMv7E-M with DSP and FPv4-SP) instructions into `InsnClass`es, with capstone."""

from __future__ import annotations

from functools import lru_cache
from typing import FrozenSet, List, Optional, Tuple

import capstone
from capstone import arm_const as A

from ..classes import InsnClass as C
from .common import BLOCKING, CALL, CALL_INDIRECT, COND, INDIRECT, JUMP, RETURN, Decoded, decode_block

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
    return decode_block(_arm_disassembler(), _arm_insn, code, addr & ~1)
