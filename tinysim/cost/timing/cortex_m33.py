"""Cortex-M33 instruction timing, zero wait states.

Arm publishes no instruction cycle table for the Cortex-M33: its TRM (Arm 100230) has no
counterpart of the Cortex-M4's Table 3-1. What this table rests on, cited per entry below:

  [MEAS]  A silicon measurement: jnk0le, "pipeline cycle test", doc/cortex_m33.md (GitHub
          jnk0le/random, CC0), hand-written loops timed with DWT.CYCCNT on an RP2350 (Cortex-M33
          r1p0; the STM32U5 / U3 and nRF5340 carry earlier M33 revisions, assumed to time the
          same). A measurement by one person, not Arm's word; its findings used here:
          - "load to use latency is 2 cycles" (one stall cycle for a dependent next instruction);
            "load result can be consumed as MAC accumulate dependency in 1 cycle"; "load to store
            latency is 1 cycle" (a store of the loaded value does not wait);
          - "load/store double execute in 2 cycles (applies to FPU)"; "load/store multiple of x
            registers execute in exactly x cycles (applies to FPU)" (N, not the M4's 1+N);
          - "multiply accumulates have 2 cycle result latency, accumulate dependency can be
            chained from previous MAC, *xta* or operand2 (shifted reg/constant) insns"; MULS.N
            has a 2-cycle result latency too; "can store result from 'accumulate' stage in 1
            cycle";
          - "result latency of operand2 shifted reg/constant instructions is 2 cycles (can't be
            chained like multiply accumulates)"; "{u,s}xta{b,h,b16} have 2 cycle result latency,
            accumulate dependency can be chained like in multiply accumulates";
          - "instructions that execute throughout 2 pipeline stages ... and set condition flags,
            take a total of 2 cycles ... muls.n ... and operand2 shifted constant (inline shifted
            reg and movs.w (any type) are unaffected)" (also Arm knowledge article KA001260,
            "muls stalls for additional cycle", cited there; its text was not found here);
          - "only two 16 bit (.n) instructions can dual issue"; "nop can dual issue with
            arithmetic or load/store instruction"; "can't dual issue arithmetic+arithmetic or
            load/store + arithmetic"; a 16-bit B<c> after a 16-bit instruction: "2 cycles taken,
            0 not taken" when that instruction set the flags, "1 cycle taken, 0 not taken" when
            it did not; "branch can dual issue with load/store multiple as well"; "it can dual
            issue with preceding instruction";
          - "vldr.32 has 1 cycle of load to use latency" (no stall); "FMA/MLA execute in 1 cycle
            with 3 cycle of result latency ... No other floating point instruction can be issued
            in the following 2 cycles (including vldr/vstr)": the M4's VMLA 3 with integer
            instructions completing in its shadow ([M4] FP_OVERLAP) gives the same counts.
  [EN]    The pipeline as Arm presented it at the core's launch (elektroniknet.de, "Cortex-M23
          und M33 sind erste ARMv8-M-CPUs", page 3): 3 stages; stage 2 holds the main decoder,
          the ALU and the shifter, and resolves all branches; multiplies, MAC, SIMD and DIV run
          in stage 3; load/store address generation starts in stage 2 (on the M3/M4 only in
          stage 3, "which is why their loads take two cycles"); interrupt latency 12 cycles
          without a security state change (tinysim/emu/cortex_m.py's ENTRY_CYCLES is the same 12).
  [M4]    Where neither says otherwise, the Cortex-M4's figure (tinysim/cost/timing/cortex_m4.py,
          Arm DDI 0439 Table 3-1 and its FPU table), ASSUMED unchanged: VADD/VMUL 1, VDIV/VSQRT
          14 (from memory: the M33 reuses the M4's single-precision FPU pipeline), the branch
          refill P (P = 1 gives the measured 2-cycle taken B<c>), SDIV/UDIV, the one-cycle stall
          when a load/store address is the previous ALU result.
  [INF]   Inferred from [EN]'s stage assignment, not measured: a SIMD / saturating / pack (DSP
          class) result read by the next instruction stalls it one cycle, like a MAC's.
  Compiler models, NOT M33 evidence: LLVM schedules the M33 with its Cortex-M4 model (ARM.td:
  ProcessorModel<"cortex-m33", CortexM4Model, ...>, LoadLatency 2, "latency when not
  pipelined"); GCC tunes it as a generic v7-M core. Neither is cited for a figure here.

Not modelled: the unaligned-32-bit-instruction fetch penalty; flags of a shifted-register
operand2 instruction arriving a cycle late [MEAS]; a VSTR of an FMA result waiting one more
cycle [MEAS]; dual issue of a 16-bit B after a flag setter, CBZ/CBNZ and BX (not measured).
Wait states and the ICACHE are in `tinysim.cost.flash`, not here.
tests/cost/test_microbench_m33.py pins each rule; docs/COST_MODEL.md lists the sources.
"""

from __future__ import annotations

import re
from typing import Dict, Mapping

import numpy as np

from ..classes import InsnClass as C
from ..classify import COND, JUMP
from .cortex_m4 import _DATA_PROCESSING, _FP_BUSY_AFTER_ISSUE, _FPU_CLASSES
from .cortex_m4 import DEFAULTS as M4_DEFAULTS
from .cortex_m4 import table as m4_table
from .preset import TimingPreset, count_taken_exit, empty_terms

DEFAULTS = {
    **M4_DEFAULTS,   # div_cycles, branch_refill, branch_refill_indirect, blocking_refill [M4]
    "load_use_stall": 1.0,   # [MEAS] "load to use latency is 2 cycles"
    "mul_use_stall": 1.0,    # [MEAS] MAC / MULS.N "2 cycle result latency"; DSP class [INF]
}


def table(p: Mapping[str, float]) -> Dict[C, float]:
    t = m4_table(p)
    t.update({
        C.LOAD: 1,  # [EN] address generated in stage 2: one issue cycle (+ LOAD_USE_STALL) [MEAS]
        C.LOAD_PIPELINED: 1,  # not produced by these rules (every load is 1); kept for profiles
        C.STORE: 1,  # [M4] STR [#imm] 1 (write buffer)
        C.STORE_REGOFF: 1,  # [EN] address in stage 2 for every addressing mode: 1
        C.STORE_PIPELINED: 1,
        C.LOAD_DOUBLE: 2,  # [MEAS] "load/store double execute in 2 cycles"
        C.STORE_DOUBLE: 2,  # [MEAS]
        C.LOAD_MULTIPLE: 0,  # [MEAS] "load/store multiple of x registers execute in exactly x
        C.STORE_MULTIPLE: 0,  # cycles": N (MULTIPLE_REG), no issue cycle of its own
        C.LOAD_PC: 1,  # [EN] the load issues in 1; the refill is TAKEN_BLOCKING
        C.TABLE_BRANCH: 2,  # [INF] load 1 + add 1 (+ refill)
        C.FP_LOAD: 1,  # [MEAS] VLDR.32 1, "1 cycle of load to use latency": no use stall
        C.FP_LOAD_PIPELINED: 1,
        C.FP_STORE: 1,  # [EN] as STR
        C.FP_LOAD_DOUBLE: 2, C.FP_STORE_DOUBLE: 2,  # [MEAS] "(applies to FPU)"
        C.FP_LOAD_MULTIPLE: 0, C.FP_STORE_MULTIPLE: 0,  # [MEAS] VLDM/VSTM: N "(applies to FPU)"
        C.LOAD_USE_STALL: p["load_use_stall"],  # [MEAS]
        C.LOAD_USE_STALL_SUBWORD: p["load_use_stall"],  # [MEAS] word/byte not told apart: same
        C.MUL_USE_STALL: p["mul_use_stall"],  # [MEAS] MUL/MAC; [INF] DSP
        C.LATE_ALU_USE_STALL: 1,  # [MEAS] shifted operand2 / extend-and-add: 2-cycle result
        C.TWO_STAGE_FLAGS: 1,  # [MEAS] MULS.N, shifted-constant operand2 with S: 2 cycles
        C.DUAL_ISSUE: -1,  # [MEAS] the second 16-bit instruction of a dual-issued pair
        C.TAKEN_FLAG_WAIT: 1,  # [MEAS] dual-issued B<c> after its flag setter: taken 2, not 1
    })
    return t


# -- what an instruction is, for the measured rules ([MEAS]) ---------------------------------

_SHIFTED_REG = re.compile(r", (?:lsl|lsr|asr|ror) #|, rrx\b")
_IMM = re.compile(r"#(-?0x[0-9a-f]+|-?\d+)$")
# data processing with a Thumb-2 modified immediate (ThumbExpandImm): the operand2 forms. MOV /
# MVN are left out: a constant move needs no ALU after the expansion, and "movs.w (any type) are
# unaffected" by the two-stage flag cycle [MEAS]
_OP2_IMM = frozenset("and bic orr orn eor add adc sbc sub rsb cmp cmn tst teq".split())
# extend-and-add: 2-cycle result, Rn chained like a MAC's accumulator [MEAS]
_XTA = frozenset("uxtab uxtah uxtab16 sxtab sxtah sxtab16".split())
# MACs whose accumulator is the last operand (MLA Rd, Rn, Rm, Ra ...), and the long MACs whose
# accumulators are RdLo, RdHi (the first two)
_LONG_MAC = re.compile(r"^(?:smlal|umlal|umaal|smlsld|smlald)")
_COMPARES = frozenset({"cmp", "cmn", "tst", "teq"})
_CONDS = frozenset("eq ne cs hs cc lo mi pl vs vc hi ls ge lt gt le".split())
_CONDITIONABLE = _OP2_IMM | {op + "s" for op in _OP2_IMM} | frozenset(
    "mov mvn lsl lsr asr ror rrx mul neg movs mvns lsls lsrs asrs rors rrxs muls negs".split())
_COND_BRANCHES = frozenset("b" + cc for cc in _CONDS)


def _base(mnemonic: str) -> str:
    """The mnemonic without its width qualifier and without a condition code (MOVCS in an IT
    block is MOV, not a flag-setting MOVS-like name)."""
    base = mnemonic.split(".")[0]
    if base[-2:] in _CONDS and base[:-2] in _CONDITIONABLE:
        return base[:-2]
    return base


def _regs(op_str: str) -> list:
    return [t.strip() for t in op_str.split(",")]


def _sets_flags(ins) -> bool:
    """An instruction that writes the condition flags (ADDS, MULS, CMP ...). Outside an IT block
    the 16-bit data-processing forms are the S forms; capstone prints the S."""
    base = _base(ins.mnemonic)
    if base in _COMPARES:
        return True
    return (ins.cls == C.ALU and base.endswith("s")) or (ins.cls == C.MUL and base == "muls")


def _shifted_constant(ins) -> bool:
    """Operand2 is a rotated 8-bit constant (`eor r0, r1, #0x1fc0`), not a plain 8-bit one, a
    replicated pattern (0x00XY00XY, 0xXY00XY00, 0xXYXYXYXY) or ADDW/SUBW's 12-bit one."""
    base = _base(ins.mnemonic)
    op = base[:-1] if base.endswith("s") and base[:-1] in _OP2_IMM else base
    if ins.size != 4 or op not in _OP2_IMM:
        return False
    m = _IMM.search(ins.op_str)
    if not m:
        return False
    v = int(m.group(1), 0) & 0xFFFFFFFF
    b = v & 0xFF
    return v > 0xFF and v not in (b | b << 16, b << 8 | b << 24, b * 0x01010101)


def _late_alu(ins) -> bool:
    """[MEAS] a 2-cycle-result ALU instruction: shifted register or constant operand2, or an
    extend-and-add (UXTAB ...)."""
    if ins.cls not in (C.ALU, C.DSP) or ins.size != 4:
        return False
    if _base(ins.mnemonic) in _XTA:
        return True
    return ins.cls == C.ALU and (bool(_SHIFTED_REG.search(ins.op_str)) or _shifted_constant(ins))


def _accumulators(ins) -> frozenset:
    """The accumulate operands of a MAC (Ra; RdLo, RdHi) or an extend-and-add (Rn)."""
    regs = _regs(ins.op_str)
    if ins.cls == C.MAC:
        return frozenset(regs[:2]) if _LONG_MAC.match(ins.mnemonic) else frozenset(regs[-1:])
    if _base(ins.mnemonic) in _XTA and len(regs) >= 2:
        return frozenset(regs[1:2])
    return frozenset()


def _store_data_only(ins, regs) -> bool:
    """`ins` is a store and `regs` feed only its data, not its address."""
    return ins.cls in _STORES and not (ins.addr_regs & regs)


_LOADS = (C.LOAD,)   # [MEAS] VLDR.32 has no use stall
_STAGE3 = (C.MUL, C.MAC, C.DSP)
_CHAIN_FROM = (C.MAC,)   # [MEAS] "chained from previous MAC, *xta* or operand2" (+ _late_alu)
_STORES = (C.STORE, C.STORE_REGOFF, C.STORE_DOUBLE, C.FP_STORE, C.FP_STORE_DOUBLE)
_NOP_PARTNERS = (C.ALU, C.LOAD, C.STORE, C.STORE_REGOFF)   # [MEAS] "arithmetic or load/store"
# The FPU overlap ([M4] _FP_BUSY_AFTER_ISSUE, _FPU_CLASSES) and "data processing" for the
# address-dependency stall are the Cortex-M4's, imported from cortex_m4.py.


def _use_stall(prev, ins):
    """The stall term `ins` pays for reading `prev`'s result one cycle early, or None."""
    dep = prev.writes & ins.reads
    if not dep:
        return None
    if prev.cls in _LOADS:
        if _store_data_only(ins, dep) or (ins.cls == C.MAC and dep <= _accumulators(ins)):
            return None   # [MEAS] load -> store data, load -> MAC accumulator: 1 cycle
        return C.LOAD_USE_STALL_SUBWORD if prev.subword else C.LOAD_USE_STALL
    late = _late_alu(prev)
    if prev.cls in _STAGE3 or late:
        chains = prev.cls in _CHAIN_FROM or late
        if chains and dep <= _accumulators(ins):
            return None   # [MEAS] accumulate chain
        if _store_data_only(ins, dep):
            return None   # [MEAS] "can store result from 'accumulate' stage in 1 cycle"
        return C.LATE_ALU_USE_STALL if late and prev.cls not in _STAGE3 else C.MUL_USE_STALL
    if ins.addr_regs & prev.writes and prev.cls in _DATA_PROCESSING:
        return C.ADDR_DEP_STALL   # [M4] ALU result used as an address next
    return None


def _dual_issues(prev, ins, prev_paired: bool) -> bool:
    """[MEAS] `ins` issues in the same cycle as `prev` (its slot 1): both 16-bit, `prev` not
    itself the second of a pair, and `ins` a NOP after an ALU / load / store, or a 16-bit B<c>
    after anything (a 16-bit B only after an instruction that leaves the flags alone)."""
    if prev is None or prev_paired or prev.size != 2 or ins.size != 2:
        return False
    if ins.cls == C.NOP:
        return prev.cls in _NOP_PARTNERS
    if ins.cls != C.BRANCH:
        return False
    if ins.exit == COND:
        return _base(ins.mnemonic) in _COND_BRANCHES   # not CBZ/CBNZ (not measured)
    return ins.exit == JUMP and _base(ins.mnemonic) == "b" and not _sets_flags(prev)


def block_terms(insns: list):
    """Static and taken-exit term counts for one block with the M33's hazards. A taken exit
    (branch refill P, LDR PC / TBB reload) is classified as on the M4 [M4]."""
    static, taken = empty_terms()
    prev = None
    prev_paired = False
    fpu_busy = 0
    for ins in insns:
        cls = ins.cls
        if cls == C.IT and prev is not None and prev.size == 2 and not prev_paired:
            cls = C.IT_FOLDED   # [MEAS] "it can dual issue with preceding instruction"
        if cls in _FPU_CLASSES:
            fpu_busy = 0
        elif fpu_busy and cls not in (C.UNCLASSIFIED, C.IT_FOLDED):
            static[C.FP_OVERLAP] += 1   # [M4] integer insn completes while the FPU works
            fpu_busy -= 1
        fpu_busy = max(fpu_busy, _FP_BUSY_AFTER_ISSUE.get(cls, 0))
        static[cls] += 1
        if ins.n_regs:
            reg_term = C.MULTIPLE_REG if cls in (C.LOAD_MULTIPLE, C.STORE_MULTIPLE) \
                else C.FP_MULTIPLE_REG
            static[reg_term] += ins.n_regs
        if _sets_flags(ins) and ((cls == C.MUL and ins.size == 2) or _shifted_constant(ins)):
            static[C.TWO_STAGE_FLAGS] += 1   # [MEAS] MULS.N, ANDS.W r0, r1, #0x1fc0: 2 cycles
        if prev is not None:
            stall = _use_stall(prev, ins)
            if stall is not None:
                static[stall] += 1
        paired = cls != C.IT_FOLDED and _dual_issues(prev, ins, prev_paired)
        if paired:
            static[C.DUAL_ISSUE] += 1
            if ins.exit == COND and _sets_flags(prev):
                taken[C.TAKEN_FLAG_WAIT] += 1   # [MEAS] "2 cycles taken, 0 not taken"
        prev, prev_paired = ins, paired or cls == C.IT_FOLDED
    count_taken_exit(insns, taken)
    return static, taken


PRESETS = (
    TimingPreset(
        name="cortex-m33", arch="armv7m", defaults=DEFAULTS, table=table, rules=block_terms,
        unsupported=frozenset({C.MULH, C.CSR}),
        source="Cortex-M33 DWT.CYCCNT measurements (jnk0le pipeline cycle test, RP2350); pipeline "
               "(Arm at launch, elektroniknet.de); Cortex-M4 TRM figures where unchanged (see "
               "tinysim/cost/timing/cortex_m33.py)",
    ),
)

assert np.all(np.isfinite(PRESETS[0].cycles()))
