"""Cortex-M4 (r0p1) instruction timing, zero wait states.

Sources (cited per entry below):
  [TRM]   Arm Cortex-M4 Technical Reference Manual r0p1, DDI 0439 / 100166, section 3.3.1,
          Table 3-1 "Cortex-M4 instruction set summary" (cycle counts for a zero-wait-state system;
          P = pipeline refill 1..3 "depending on the alignment and width of the target
          instruction, and whether the processor manages to speculate the address early";
          N = registers in the list; B = barrier cycles, minimum 0).
  [TRM-LS] Same manual, "Load/store timing" notes after Table 3-1 (also mirrored in TI SWCU185
          and the Cortex-M3 TRM DDI 0337 section 3.3): LDR pipelining, STR [#imm] is one cycle,
          address-dependency stall, LDR PC / TBB blocking with a 3-cycle reload, LDRD/STRD
          not pipelined.
          Table 3-1 footnote d: "An IT instruction can be folded onto a preceding 16-bit Thumb
          instruction, enabling execution in zero cycles" (DDI 0439D section 3.3.1).
  [FPU]   Cortex-M4 TRM FPU chapter, "FPU instruction set" table (mirrored in TI SWCU192
          Table 3-27): VADD/VMUL 1, VMLA/VFMA 3, VDIV/VSQRT 14, VLDR 2 (.F64 3), VLDM 1+N.
  [FPU-P] How those cycles overlap, from GCC's Cortex-M4 FPU pipeline description
          (gcc/config/arm/cortex-m4-fpu.md, contributed by CodeSourcery with the TRM at hand): a
          VLDR.F32 reserves the address stage then the data stage of the load/store pipeline, the
          same two-stage reservation as an integer LDR, so it pipelines behind a preceding load
          exactly as LDR;LDR does [TRM-LS]; VMLA/VFMA occupy the integer execute stage for 1
          cycle and the FPU for 3, and VDIV/VSQRT for 1 and 14: "Integer instructions following
          multiply-accumulate instructions complete out-of-order" (and likewise after VDIV/VSQRT).
          The TRM FPU chapter's own wording could not be found in the corpus searched while
          writing; tests/cost/test_microbench.py pins each rule.
Wait states, the ART cache and prefetch are in `tinysim.cost.flash`, not here.
"""

from __future__ import annotations

from typing import Dict, Mapping

import numpy as np

from ..classes import InsnClass as C
from .preset import TimingPreset, count_taken_exit, empty_terms

DEFAULTS = {
    # [TRM] SDIV/UDIV take 2..12 cycles depending on the operands' leading zeros (early
    # termination). 7 is the midpoint, used because the model does not see operand values.
    "div_cycles": 7.0,
    # [TRM] P for a direct branch (B/BL/CBZ, B<c>): 1..3. 1 = target speculated early and
    # aligned; the +1 for an unaligned wide target is not modelled. A guess within the TRM
    # range, to be calibrated against DWT.CYCCNT (`tinysim calibrate`).
    "branch_refill": 1.0,
    # [TRM] "P ... ranges from 1 to 3 depending on the alignment and width of the target
    # instruction": one more cycle when a direct branch's target is a 32-bit instruction at an
    # odd halfword, measured on an STM32 Cortex-M4 running from flash ("Branches to unaligned
    # wide instructions will take one extra cycle", compendium.i-0.nl, instruction-alignment
    # rules). Register branches are not covered: their target is not known per block.
    "branch_refill_wide_odd": 1.0,
    # [TRM] P for a register branch (BX/BLX/POP {PC}/MOV PC): its address cannot be speculated
    # before execute, so a larger P within 1..3. Guess, to be calibrated.
    "branch_refill_indirect": 2.0,
    # [TRM-LS] "LDR PC,[any] ... three cycles for the pipeline reload"; TBB/TBH likewise.
    "blocking_refill": 3.0,
}


def table(p: Mapping[str, float]) -> Dict[C, float]:
    P, Pi = p["branch_refill"], p["branch_refill_indirect"]
    return {
        C.ALU: 1,  # [TRM] MOV/ADD/logic/shift/compare/bitfield/extend: 1
        C.MUL: 1,  # [TRM] MUL, SMULL/UMULL, SMULxy, SMUAD: 1
        C.MAC: 1,  # [TRM] MLA/MLS, SMLAL/UMLAL, SMLAD, SMLAxy: 1
        C.DSP: 1,  # [TRM] parallel add/sub, saturate, pack, extend-16: 1
        C.DIV: p["div_cycles"],  # [TRM] 2..12
        C.IT: 1,  # [TRM] IT: 1 ...
        C.IT_FOLDED: 0,  # [TRM] ... 0 when folded onto a preceding 16-bit instruction (note d)
        C.NOP: 1,  # [TRM] NOP: 1
        C.LOAD: 2,  # [TRM] LDR/LDRB/LDRH/LDREX: 2
        C.LOAD_PIPELINED: 1,  # [TRM-LS] "one cycle is removed from the cost of the next" LDR/STR
        C.STORE: 1,  # [TRM-LS] "STR Rx,[Ry,#imm] is always one cycle" (write buffer)
        C.STORE_REGOFF: 2,  # [TRM] STR: 2 when not paired; register offset has no 1-cycle rule
        C.STORE_PIPELINED: 1,  # [TRM-LS] "LDR R0,[R1,R2]; STR R1,[R3,R2]: normally three cycles"
        C.LOAD_DOUBLE: 3,  # [TRM] LDRD: 1+2, not pipelined with neighbours [TRM-LS]
        C.STORE_DOUBLE: 3,  # [TRM] STRD: 1+2
        C.LOAD_MULTIPLE: 1,  # [TRM] LDM/POP: 1+N (the 1)
        C.STORE_MULTIPLE: 1,  # [TRM] STM/PUSH: 1+N (the 1)
        C.MULTIPLE_REG: 1,  # [TRM] ... (the N)
        C.LOAD_PC: 2,  # [TRM-LS] LDR PC: "at least two cycles for the load" + 3 reload
        C.BRANCH: 1,  # [TRM] B/BL/BX/BLX/CBZ: 1 (+P when taken); not-taken B<c>: 1
        C.TABLE_BRANCH: 3,  # [TRM-LS] TBB/TBH: 2 load + 1 add (+3 reload)
        C.SYSTEM: 1,  # [TRM] MRS/MSR/CPS/SEV: 1 (MSR may take 2; WFI waits are not timed)
        C.BARRIER: 1,  # [TRM] DMB/DSB/ISB: 1+B, B minimum 0
        C.FP_ALU: 1,  # [FPU] VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT/VMOV S,S: 1
        C.FP_MAC: 3,  # [FPU] VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS: 3
        C.FP_DIVSQRT: 14,  # [FPU] VDIV.F32/VSQRT.F32: 14
        C.FP_LOAD: 2,  # [FPU] VLDR.F32: 2
        C.FP_LOAD_DOUBLE: 3,  # [FPU] VLDR.F64: 3
        C.FP_STORE: 2,  # [FPU] VSTR.F32: 2
        C.FP_STORE_DOUBLE: 3,  # [FPU] VSTR.F64: 3
        C.FP_LOAD_MULTIPLE: 1,  # [FPU] VLDM/VPOP: 1+N (doubles 1+2N)
        C.FP_STORE_MULTIPLE: 1,  # [FPU] VSTM/VPUSH: 1+N
        C.FP_MULTIPLE_REG: 1,  # [FPU] N counted in single registers
        C.FP_MOV: 1,  # [FPU] VMOV core<->single, VMRS/VMSR: 1
        C.FP_MOV_PAIR: 2,  # [FPU] VMOV of two core registers / a double: 2
        C.ADDR_DEP_STALL: 1,  # [TRM-LS] address from the preceding data-processing result: +1
        C.TAKEN_BRANCH_FWD: P,  # [TRM] taken branch 1+P
        C.TAKEN_BRANCH_BACK: P,
        C.TAKEN_JUMP: P,
        C.TAKEN_RETURN: Pi,
        C.TAKEN_INDIRECT: Pi,
        C.TAKEN_BLOCKING: p["blocking_refill"],
        C.TAKEN_CALL: P,  # [TRM] BL 1+P
        C.TAKEN_CALL_INDIRECT: Pi,  # [TRM] BLX 1+P
        C.TAKEN_TO_WIDE_ODD: p["branch_refill_wide_odd"],  # [TRM] P by target width/alignment
        C.FP_LOAD_PIPELINED: 1,  # [FPU-P] VLDR.F32 after a load: address phase overlapped, 1
        C.FP_OVERLAP: -1,  # [FPU-P] one FPU cycle of VMLA/VDIV hidden by a following integer insn
        C.UNCLASSIFIED: 1,  # not a timing: an unknown instruction is reported, never hidden
    }


_SINGLE_LOADS = (C.LOAD, C.LOAD_PIPELINED, C.FP_LOAD, C.FP_LOAD_PIPELINED)
# [FPU-P] FPU cycles after issue that integer-only instructions may overlap: VMLA 3 - 1, VDIV 14 - 1
_FP_BUSY_AFTER_ISSUE = {C.FP_MAC: 2, C.FP_DIVSQRT: 13}
# classes that use the FPU (they wait for it); everything else is integer-only
_FPU_CLASSES = frozenset({C.FP_ALU, C.FP_MAC, C.FP_DIVSQRT, C.FP_LOAD, C.FP_LOAD_PIPELINED,
                          C.FP_LOAD_DOUBLE, C.FP_STORE, C.FP_STORE_DOUBLE, C.FP_LOAD_MULTIPLE,
                          C.FP_STORE_MULTIPLE, C.FP_MOV, C.FP_MOV_PAIR})
# "data processing operation" for the address-dependency stall [TRM-LS]
_DATA_PROCESSING = (C.ALU, C.MUL, C.MAC, C.DSP, C.DIV, C.FP_MOV, C.FP_MOV_PAIR)


def block_terms(insns: list):
    """Static and taken-exit term counts for one block, with the intra-block pipelining rules."""
    static, taken = empty_terms()
    prev, prev_cls = None, None
    fpu_busy = 0   # FPU cycles still to run after the last VMLA/VDIV issued [FPU-P]
    for ins in insns:
        cls = ins.cls
        after_load = prev_cls in _SINGLE_LOADS and not (ins.addr_regs & prev.writes)
        if cls == C.LOAD and after_load:
            cls = C.LOAD_PIPELINED  # [TRM-LS] LDR;LDR pipelining (also after a VLDR [FPU-P])
        elif cls == C.FP_LOAD and after_load:
            cls = C.FP_LOAD_PIPELINED  # [FPU-P] VLDR.F32 pipelines behind a load like LDR
        elif cls in (C.STORE, C.STORE_REGOFF) and after_load:
            cls = C.STORE_PIPELINED  # [TRM-LS] "STR can only be pipelined when it follows an LDR"
        elif cls == C.IT and prev is not None and prev.size == 2:
            # [TRM] note d: folded onto the preceding 16-bit instruction of the block. An IT that
            # starts a block (after a branch, or after an interrupt return) is not folded.
            cls = C.IT_FOLDED
        if cls in _FPU_CLASSES:
            fpu_busy = 0          # an FPU instruction waits for the FPU: nothing more is hidden
        elif fpu_busy and cls not in (C.UNCLASSIFIED, C.IT_FOLDED):  # a folded IT takes no cycle
            static[C.FP_OVERLAP] += 1   # [FPU-P] integer insn completes while the FPU works
            fpu_busy -= 1
        fpu_busy = max(fpu_busy, _FP_BUSY_AFTER_ISSUE.get(cls, 0))
        static[cls] += 1
        if ins.n_regs:
            reg_term = C.MULTIPLE_REG if cls in (C.LOAD_MULTIPLE, C.STORE_MULTIPLE) \
                else C.FP_MULTIPLE_REG
            static[reg_term] += ins.n_regs
        if ins.addr_regs and prev_cls in _DATA_PROCESSING and (ins.addr_regs & prev.writes):
            static[C.ADDR_DEP_STALL] += 1
        prev, prev_cls = ins, cls
    count_taken_exit(insns, taken)
    if insns and insns[-1].target_wide_odd:
        taken[C.TAKEN_TO_WIDE_ODD] += 1   # on top of P: the target needs a second fetch
    return static, taken


PRESETS = (
    TimingPreset(
        name="cortex-m4", arch="armv7m", defaults=DEFAULTS, table=table, rules=block_terms,
        unsupported=frozenset({C.MULH, C.CSR, C.LOAD_USE_STALL, C.LOAD_USE_STALL_SUBWORD,
                               C.MUL_USE_STALL}),
        source="Arm Cortex-M4 TRM r0p1 (DDI 0439/100166) Table 3-1, load/store timing, FPU table",
    ),
)

assert np.all(np.isfinite(PRESETS[0].cycles()))
