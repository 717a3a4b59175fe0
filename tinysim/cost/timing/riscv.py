"""RV32 small-core timing presets: SiFive E31 and OpenHW CV32E40P.

Sources:
  [E31]   SiFive E31 Core Complex Manual / FE310-G000 manual, "Execution pipeline": 5-stage
          in-order, fully bypassed; LW result latency 2, LB/LH/LBU/LHU 3; MUL/MULH 5-cycle
          latency; DIV 2..33 (1 bit per cycle); CSR read 3; branch mispredict 3 with a BHT/BTB/RAS.
  [CV32]  openhwgroup/cv32e40p docs/source/pipeline.rst: ALU 1; load 1 (+1 load-use hazard);
          taken branch 3 (not taken 1); jump 2; MUL 1, MULH 5; DIV/REM 3..35; CSR 4 for
          mstatus/mepc/mcycle..., else 1; FDIV/FSQRT 1..19 (FPU configuration dependent).
The E31 branch predictor is dynamic; a static cost per block cannot follow it. The stand-in rule
(a guess, marked below): taken backward branches (loops) are predicted, taken forward branches
mispredict. Stalls are charged only for a dependency on the immediately preceding instruction.
"""

from __future__ import annotations

from typing import Dict, Mapping

from ..classes import InsnClass as C
from .preset import TimingPreset, count_taken_exit, empty_terms

_FP = frozenset({C.FP_ALU, C.FP_MAC, C.FP_DIVSQRT, C.FP_LOAD, C.FP_STORE, C.FP_MOV})
_ARM_ONLY = frozenset({
    C.MAC, C.DSP, C.IT, C.LOAD_PIPELINED, C.STORE_REGOFF, C.STORE_PIPELINED, C.LOAD_DOUBLE,
    C.STORE_DOUBLE, C.LOAD_MULTIPLE, C.STORE_MULTIPLE, C.MULTIPLE_REG, C.LOAD_PC,
    C.TABLE_BRANCH, C.BARRIER, C.FP_LOAD_DOUBLE, C.FP_STORE_DOUBLE, C.FP_LOAD_MULTIPLE,
    C.FP_STORE_MULTIPLE, C.FP_MULTIPLE_REG, C.FP_MOV_PAIR, C.ADDR_DEP_STALL, C.TAKEN_BLOCKING})

E31_DEFAULTS = {
    "div_cycles": 17.0,  # [E31] 2..33, operand dependent: midpoint
    "mispredict": 3.0,  # [E31] branch mispredict penalty 3
}


def e31_table(p: Mapping[str, float]) -> Dict[C, float]:
    m = p["mispredict"]
    return {
        C.ALU: 1, C.NOP: 1,  # [E31] single issue, fully bypassed
        C.MUL: 1, C.MULH: 1,  # [E31] issue 1; the 5-cycle latency is MUL_USE_STALL
        C.MUL_USE_STALL: 4,  # [E31] 5-cycle result latency -> 4 stall cycles if used next
        C.DIV: p["div_cycles"],
        C.LOAD: 1, C.STORE: 1,
        C.LOAD_USE_STALL: 1,  # [E31] LW result latency 2
        C.LOAD_USE_STALL_SUBWORD: 2,  # [E31] LB/LH/LBU/LHU result latency 3
        C.BRANCH: 1,
        C.CSR: 3,  # [E31] CSR read latency 3
        C.SYSTEM: 1,  # guess: ECALL/FENCE/WFI issue cost, trap entry not timed
        C.TAKEN_BRANCH_FWD: m,  # guess: taken forward branch treated as mispredicted
        C.TAKEN_BRANCH_BACK: 0,  # guess: loop back-edge predicted by the BHT
        C.TAKEN_JUMP: 0,  # [E31] JAL target predicted by the BTB
        C.TAKEN_RETURN: 0,  # [E31] return predicted by the RAS
        C.TAKEN_INDIRECT: m,  # guess: indirect jump mispredicted
        C.TAKEN_CALL: 0,  # [E31] JAL target predicted by the BTB
        C.TAKEN_CALL_INDIRECT: m,  # guess: indirect call mispredicted
        C.UNCLASSIFIED: 1,
    }


CV32_DEFAULTS = {
    "div_cycles": 19.0,  # [CV32] 3..35: midpoint
    "taken_branch_extra": 2.0,  # [CV32] taken branch 3 cycles vs 1 not taken
    "jump_extra": 1.0,  # [CV32] JAL/JALR 2 cycles
    "fp_divsqrt_cycles": 10.0,  # [CV32] FDIV/FSQRT 1..19: midpoint
}


def cv32_table(p: Mapping[str, float]) -> Dict[C, float]:
    return {
        C.ALU: 1, C.NOP: 1,  # [CV32] 1
        C.MUL: 1,  # [CV32] MUL 1
        C.MULH: 5,  # [CV32] MULH/MULHU/MULHSU 5
        C.DIV: p["div_cycles"],
        C.LOAD: 1, C.STORE: 1,  # [CV32] 1
        C.LOAD_USE_STALL: 1, C.LOAD_USE_STALL_SUBWORD: 1,  # [CV32] load-use hazard +1
        C.BRANCH: 1,  # [CV32] not taken 1
        C.CSR: 4,  # [CV32] 4 for mstatus/mepc/mcycle...; firmware mostly reads mcycle
        C.SYSTEM: 1,  # guess
        C.FP_ALU: 1, C.FP_MAC: 1,  # [CV32] FPU add/mul latency 0 configuration (guess: default)
        C.FP_DIVSQRT: p["fp_divsqrt_cycles"],
        C.FP_LOAD: 1, C.FP_STORE: 1, C.FP_MOV: 1,
        C.TAKEN_BRANCH_FWD: p["taken_branch_extra"],
        C.TAKEN_BRANCH_BACK: p["taken_branch_extra"],
        C.TAKEN_JUMP: p["jump_extra"],
        C.TAKEN_RETURN: p["jump_extra"],
        C.TAKEN_INDIRECT: p["jump_extra"],
        C.TAKEN_CALL: p["jump_extra"],  # [CV32] JAL 2
        C.TAKEN_CALL_INDIRECT: p["jump_extra"],  # [CV32] JALR 2
        C.UNCLASSIFIED: 1,
    }




def block_terms(insns: list):
    static, taken = empty_terms()
    prev = None
    for ins in insns:
        static[ins.cls] += 1
        if prev is not None and (prev.writes & ins.reads):
            if prev.cls in (C.LOAD, C.FP_LOAD):
                static[C.LOAD_USE_STALL_SUBWORD if prev.subword else C.LOAD_USE_STALL] += 1
            elif prev.cls in (C.MUL, C.MULH):
                static[C.MUL_USE_STALL] += 1
        prev = ins
    count_taken_exit(insns, taken)
    return static, taken


PRESETS = (
    TimingPreset(name="sifive-e31", arch="rv32", defaults=E31_DEFAULTS, table=e31_table,
                 rules=block_terms, unsupported=_ARM_ONLY | _FP,  # E31 has no F extension
                 source="SiFive E31 Core Complex Manual, execution pipeline"),
    TimingPreset(name="cv32e40p", arch="rv32", defaults=CV32_DEFAULTS, table=cv32_table,
                 rules=block_terms, unsupported=_ARM_ONLY,
                 source="openhwgroup/cv32e40p docs/source/pipeline.rst"),
)
