"""Cortex-M7 (r1p2) instruction timing from cache / TCM, zero wait states: an issue-slot model.

Arm publishes no instruction timing table for the Cortex-M7 (the TRM, DDI 0489, describes the
6-stage dual-issue in-order pipeline, the branch predictor and the caches, but gives no cycles).
What this preset models, and from which source:

  [LLVM]  LLVM's Cortex-M7 scheduling model, llvm/lib/Target/ARM/ARMScheduleM7.td (contributed
          by Arm): IssueWidth 2, in order; two ALUs, two load pipes, one store, one MAC, one
          branch and one FP pipe; loads latency 1 (word) / 2 (byte, halfword); MUL/MAC latency 2
          with the accumulator read one stage late; FP ALU/MUL latency 3, VFMA/VMLA 6 with the
          accumulator read 3 stages late; VDIV/VSQRT.F32 16; SDIV/UDIV 7, single issue;
          LDRD/STRD, LDM/STM, VLDM/VSTM, TBB/TBH, MRS/MSR/barriers single issue; TBB/TBH two
          issue cycles; address operands needed one stage early (EX1); MispredictPenalty 4
          ("mispredict cost for forward branches is 6, but 4 works better").
  [QP]    Quinapalus, "Cortex-M7 instruction cycle counts, timings, and dual-issue combinations"
          (quinapalus.com/cm7cycles.html), measured on an STM32H730 with both caches on: which
          pairs dual-issue. [DSP] community measurements (STM32H743 rev Y) that bitfield / DSP
          (SIMD, saturate, extend, REV) instructions cannot pair with each other and issue only
          as the older of a pair; "VFMA cannot dual issue with VLDR" (Arm community forum).

The model, per block, in order: every instruction costs its issue cycle(s) (`table`); an
instruction that can issue in the same cycle as the one before it (both general purpose, no
structural conflict, no register dependency, the older not itself the second of a pair) gets a
DUAL_ISSUE term (-1 cycle); a dependency on the previous instruction's result adds the stall
cycles its latency implies (LOAD_USE_STALL / MUL_USE_STALL / ADDR_DEP_STALL count cycles, weight
1). Only the previous instruction is looked at (distance 1).

Approximated (no published source; each a named parameter where it matters):
- branches: the M7 predicts with a branch target address cache (TRM). The counter sees no
  predictor state, so a taken branch costs a fixed refill per kind: a backward conditional
  branch (a loop) and a direct jump/call are taken as predicted (`branch_taken_predicted`);
  a forward taken conditional branch as half mispredicted (`branch_forward_taken`, half of
  [LLVM]'s 4 plus 1); returns, indirect branches, LDR PC and TBB the [LLVM] mispredict penalty;
- LDM/STM/VLDM/VSTM: two registers per cycle over the 64-bit load/store path
  (`multiple_regs_per_cycle`; from memory of the TRM's 64-bit AXIM/DTCM interfaces, not measured);
- F64 arithmetic is costed as F32 (the classes do not tell them apart: the MLPerf Tiny kernels
  are int8, their float code single precision);
- memory: zero wait states (TCM, or an L1 cache hit). Cache misses are the counter's flash
  fetch/data model (`tinysim.cost.flash`); AXI SRAM misses of the D-cache are not modelled.
tests/cost/test_microbench_m7.py pins each rule.
"""

from __future__ import annotations

from typing import Dict, Mapping

from ..classes import InsnClass as C
from .preset import TimingPreset, count_taken_exit, empty_terms

DEFAULTS = {
    "div_cycles": 7.0,                # [LLVM] WriteDIV latency 7, single issue
    "fp_divsqrt_cycles": 16.0,        # [LLVM] VDIV/VSQRT.F32 latency 16 (F64: 30, not separated)
    "branch_taken_predicted": 1.0,    # guess: a BTAC-predicted taken branch costs its fetch bubble
    "branch_forward_taken": 3.0,      # guess: 1 + half of [LLVM] MispredictPenalty 4
    "branch_mispredict": 4.0,         # [LLVM] MispredictPenalty 4 (forward 6)
    "multiple_regs_per_cycle": 2.0,   # from memory: 64-bit load/store path, see module doc
}

# Classes that may issue as either instruction of a pair ([LLVM] general purpose, [QP]).
_PAIRABLE = frozenset({C.ALU, C.MUL, C.MAC, C.DSP, C.NOP, C.IT, C.LOAD, C.STORE, C.STORE_REGOFF,
                       C.FP_ALU, C.FP_MAC, C.FP_LOAD, C.FP_STORE, C.FP_MOV, C.BRANCH})
# One unit each ([LLVM]): two of the same group cannot issue together. Two loads can (two pipes).
_UNIT = {C.STORE: "store", C.STORE_REGOFF: "store", C.FP_STORE: "store",
         C.MUL: "mac", C.MAC: "mac", C.DSP: "simd", C.BRANCH: "branch",
         C.FP_ALU: "fpu", C.FP_MAC: "fpu", C.FP_MOV: "fpu", C.FP_LOAD: "fpu"}
_YOUNGER_NOT = frozenset({C.DSP})  # [DSP] SIMD/bitfield ops issue only as the older of a pair
_SUBWORD = ("ldrb", "ldrsb", "ldrh", "ldrsh")
_FPU_RESULT_LATENCY = {C.FP_ALU: 3, C.FP_MAC: 6, C.FP_MOV: 3}   # [LLVM] (VMOV core->S: WriteFPMOV 3)


def table(p: Mapping[str, float]) -> Dict[C, float]:
    per_reg = 1.0 / p["multiple_regs_per_cycle"]
    pred, fwd, mis = p["branch_taken_predicted"], p["branch_forward_taken"], p["branch_mispredict"]
    return {
        C.ALU: 1, C.MUL: 1, C.MAC: 1, C.DSP: 1, C.IT: 1, C.NOP: 1,   # [LLVM] issue 1
        C.DIV: p["div_cycles"],
        C.LOAD: 1, C.STORE: 1, C.STORE_REGOFF: 1,                     # [LLVM] issue 1
        C.LOAD_DOUBLE: 1, C.STORE_DOUBLE: 1,     # [LLVM] single issue, one 64-bit access
        C.LOAD_MULTIPLE: 1, C.STORE_MULTIPLE: 1, C.MULTIPLE_REG: per_reg,
        C.LOAD_PC: 1, C.BRANCH: 1,
        C.TABLE_BRANCH: 2,                       # [LLVM] "takes two cycles to issue"
        C.SYSTEM: 1, C.BARRIER: 1,               # [LLVM] single issue (wait times not modelled)
        C.FP_ALU: 1, C.FP_MAC: 1, C.FP_MOV: 1, C.FP_MOV_PAIR: 1,      # [LLVM] pipelined, issue 1
        C.FP_DIVSQRT: p["fp_divsqrt_cycles"],
        C.FP_LOAD: 1, C.FP_LOAD_DOUBLE: 1, C.FP_STORE: 1, C.FP_STORE_DOUBLE: 1,
        C.FP_LOAD_MULTIPLE: 1, C.FP_STORE_MULTIPLE: 1, C.FP_MULTIPLE_REG: per_reg,
        C.ADDR_DEP_STALL: 1, C.LOAD_USE_STALL: 1, C.MUL_USE_STALL: 1,  # counted in cycles
        C.DUAL_ISSUE: -1,
        C.TAKEN_BRANCH_BACK: pred, C.TAKEN_JUMP: pred, C.TAKEN_CALL: pred,
        C.TAKEN_BRANCH_FWD: fwd,
        C.TAKEN_RETURN: mis, C.TAKEN_INDIRECT: mis, C.TAKEN_CALL_INDIRECT: mis,
        C.TAKEN_BLOCKING: mis,
        C.UNCLASSIFIED: 1,  # not a timing: an unknown instruction is reported, never hidden
    }


def _can_pair(older, younger) -> bool:
    a, b = older.cls, younger.cls
    if a not in _PAIRABLE or b not in _PAIRABLE or b in _YOUNGER_NOT or a == C.BRANCH:
        return False
    ua, ub = _UNIT.get(a), _UNIT.get(b)
    if ua is not None and ua == ub:
        return False
    if {a, b} == {C.FP_LOAD, C.FP_MAC}:   # [DSP] VFMA cannot dual issue with VLDR
        return False
    return not (younger.reads & older.writes)   # in order: a dependent pair issues apart


def _stall(prev, ins) -> tuple:
    """(term, cycles) the dependency of `ins` on the result of `prev` (the instruction before)
    costs: latency minus one issue cycle, one more when the result is needed as an address
    (EX1, [LLVM] M7Read_ISS); an accumulator is read late ([LLVM] ReadAdvance ReadMAC 1,
    ReadFPMAC 3)."""
    dep = ins.reads & prev.writes
    if not dep:
        return None, 0
    as_addr = bool(ins.addr_regs & prev.writes)
    if prev.cls in (C.LOAD, C.LOAD_DOUBLE):
        lat = 2 if prev.mnemonic.startswith(_SUBWORD) else 1
        return C.LOAD_USE_STALL, lat - 1 + as_addr
    if prev.cls == C.FP_LOAD:
        return C.LOAD_USE_STALL, 0 + as_addr
    if prev.cls in (C.MUL, C.MAC):
        if ins.cls == C.MAC and not as_addr:
            return C.MUL_USE_STALL, 0          # MAC chain: the accumulator is read a stage late
        return C.MUL_USE_STALL, 1 + as_addr
    if prev.cls in _FPU_RESULT_LATENCY and ins.cls != C.FP_STORE:
        lat = _FPU_RESULT_LATENCY[prev.cls]
        if prev.cls == C.FP_MAC and ins.cls == C.FP_MAC:
            lat -= 3                           # [LLVM] ReadFPMAC advance 3
        return C.MUL_USE_STALL, max(lat - 1, 0)
    if as_addr and prev.cls in (C.ALU, C.DSP, C.DIV, C.FP_MOV, C.FP_MOV_PAIR):
        return C.ADDR_DEP_STALL, 1             # [LLVM] address operands needed at EX1
    return None, 0


def block_terms(insns: list):
    """Static and taken-exit term counts for one block: issue cycles, pairs, stalls."""
    static, taken = empty_terms()
    prev, prev_paired = None, False
    for ins in insns:
        static[ins.cls] += 1
        if ins.n_regs:
            reg_term = C.MULTIPLE_REG if ins.cls in (C.LOAD_MULTIPLE, C.STORE_MULTIPLE) \
                else C.FP_MULTIPLE_REG
            static[reg_term] += ins.n_regs
        paired = False
        if prev is not None:
            term, cycles = _stall(prev, ins)
            if cycles:
                static[term] += cycles
            elif not prev_paired and _can_pair(prev, ins):
                static[C.DUAL_ISSUE] += 1
                paired = True
        prev, prev_paired = ins, paired
    count_taken_exit(insns, taken)
    return static, taken


PRESETS = (
    TimingPreset(
        name="cortex-m7", arch="armv7m", defaults=DEFAULTS, table=table, rules=block_terms,
        unsupported=frozenset({C.MULH, C.CSR}),
        source="issue-slot model from LLVM ARMScheduleM7.td and Quinapalus' STM32H730 "
               "measurements (Arm publishes no Cortex-M7 cycle table); see cortex_m7.py",
    ),
)
