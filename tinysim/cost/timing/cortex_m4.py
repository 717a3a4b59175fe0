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
  [MEAS]  A silicon measurement: jnk0le, "pipeline cycle test", doc/cortex_m3m4.md (GitHub
          jnk0le/random, CC0), loops timed with DWT.CYCCNT on an STM32F407 (Cortex-M4 r0p1, the
          core of the STM32L4R5); the same author and method as the Cortex-M33 preset's [MEAS].
          It states rules, not per-sequence counts; the rules applied here (each +/- one cycle
          on the TRM figure):
          - "stores cannot be pipelined with following load instructions (adds extra cycle to
            store)", "stores can't be pipelined with following load multiple (but can with
            `stm`)": a one-cycle STR (immediate / indexed offset, or pipelined after an LDR)
            followed by LDR / LDRD / LDM / POP / LDR PC pays +1 (STORE_LOAD_STALL). Read as the
            store's data phase, which otherwise runs beside the next instruction [TRM-LS]; an
            unpaired register-offset STR (2 cycles) already spends that cycle and pays nothing
            more. VLDR / VLDM after a store were not measured: not charged;
          - "base address and offset must be available 1 cycle earlier than normally": after a
            data-processing result this is [TRM-LS]'s address-dependency stall; after a single
            LDR, whose result an ALU instruction uses without a stall, a load / store / VLDR
            using the loaded register as base or offset pays +1 (LOAD_ADDR_STALL). A written-back
            base is not a loaded value and pays nothing (the indexed-load rule below);
          - "post and pre indexed stores cannot be chained back to back on same register base
            address (alternating 2 different registers works)": an indexed STR/STRB/STRH right
            after an indexed one that wrote its base back pays +1 (STORE_WB_STALL; the doc gives
            no count, +1 is the reading of "cannot be chained" for one-cycle stores);
          - "load instructions can eat following `nop` (`cmp`, `tst` don't work)", "reg offset
            store execute in 2 cycles. it can eat following nop (reg + imm or `mov` instructions
            don't work)": a NOP right after an LDR or an unpaired register-offset STR costs 0
            (NOP_ABSORBED, -1).
          - "[cm4] post and pre indexed loads cannot be chained back to back on same register
            base address (alternating 2 different registers works)": NOT the default. A load
            (LDR or VLDR) whose base the load just before wrote back is charged as pipelined plus
            LOAD_WB_STALL, weighted by `load_wb_chain`: 0 by default, as [TRM-LS] reads (it
            conditions pipelining only on "the destination of the first LDR" not forming the next
            address and names no written-back base; the Cortex-M3 TRM's "any load with a base
            update is not normally pipelined" is not in the Cortex-M4 TRM's list); 1 is this
            measurement read as "not pipelined" (the doc gives no count; compendium.i-0.nl's
            load-placement page says writeback loads in a sequence "take extra cycles", also no
            count). Why 0: on the STM32L4R5 itself, ST's eight v1.3 builds (tinysim validate)
            come out at -4.2 % (VWW) to +0.0 % with 0 and at up to +5.9 % (KWS) with 1; the
            catalogue fit of the weight alone is 0.46, and with the TRM's unaligned-access
            cycles added (not modelled, see docs/COST_MODEL.md) it falls to 0.12. The range
            [0, 1] is what `tinysim calibrate --catalogue` fits within; an overlay with
            `load_wb_chain = 1` gives the measurement's reading.
          Already the model: "immediate offset
          store (+ pre and post indexed on cm4) effectively execute in 1 cycle"; "reg offset
          store execute in 2 cycles".
          Not applied: "load pipelining happens only when targeting the same memory block by all
          loads (e.g. SRAM1 vs SRAM2 (and CCM) on f407)" and the same for a store after a load
          (needs data addresses, not known per block); "32bit opcode loads (`ldr.w`, `ldrb.w`)
          may fail to pipeline correctly if they are not positioned at word aligned boundaries"
          ("may": no rule given); "immediate offset ... store placed after load, removes the
          stall, making effective execution of 1 IPC": no count for the pair, and [TRM-LS] gives
          "LDR R0,[R1,R2]; STR R0,[R3,#20]: normally three cycles total", which the model keeps.
          bench/m4_rule_shares.py prints each one's share of a saved profile.
          tests/cost/test_microbench_m4meas.py pins each rule; docs/COST_MODEL.md lists them.
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
    # [TRM-LS] cycles a load pays on top of pipelining when the load before it wrote its base
    # back: 0, the TRM's pipelining rule names no written-back base (chosen over the [MEAS]
    # reading 1, "cannot be chained back to back on same register base", by ST's L4R5 builds;
    # see the module docstring). Range [0, 1], fitted by `tinysim calibrate --catalogue`.
    "load_wb_chain": 0.0,
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
        C.STORE_LOAD_STALL: 1,  # [MEAS] a store "adds extra cycle" when a load / LDM follows
        C.LOAD_ADDR_STALL: 1,  # [MEAS] address "1 cycle earlier than normally": a loaded one waits
        C.STORE_WB_STALL: 1,  # [MEAS] indexed stores on one base "cannot be chained": +1 (reading)
        C.NOP_ABSORBED: -1,  # [MEAS] a load / reg-offset store "can eat following nop"
        C.LOAD_WB_STALL: p["load_wb_chain"],  # [TRM-LS] 0 / [MEAS] 1: same-base indexed loads
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
# [MEAS] one-cycle stores, whose data phase runs beside the next instruction; a register-offset
# store unpaired (2 cycles) has its data phase in its own second cycle
_ONE_CYCLE_STORES = (C.STORE, C.STORE_PIPELINED)
# [MEAS] "load instructions" and "load multiple" that a store cannot pipeline with (integer loads:
# VLDR / VLDM after a store were not measured)
_LOADS_AFTER_STORE = (C.LOAD, C.LOAD_DOUBLE, C.LOAD_MULTIPLE, C.LOAD_PC)
# [MEAS] "load instructions can eat following nop", "reg offset store ... can eat following nop"
_NOP_EATERS = (C.LOAD, C.LOAD_PIPELINED, C.STORE_REGOFF)
_WORD_LOADS = (C.LOAD, C.LOAD_PIPELINED)   # single-register integer loads


def _loaded(ins) -> frozenset:
    """The register a single LDR loads (its first operand; not a written-back base)."""
    return ins.writes & {ins.op_str.split(",")[0].strip()}


def _indexed_store(ins, cls) -> bool:
    """A single STR/STRB/STRH with pre- or post-indexed addressing (it writes its base back)."""
    return cls in _ONE_CYCLE_STORES and bool(ins.addr_regs & ins.writes)


def wrote_back_base(prev, prev_cls, ins) -> bool:
    """`ins` addresses memory through a base that the single load before it wrote back (and
    through nothing else that load wrote): the [MEAS] same-base indexed-load chain."""
    if prev_cls not in _SINGLE_LOADS:
        return False
    shared = ins.addr_regs & prev.writes
    return bool(shared) and not (shared & _loaded(prev)) and shared <= prev.addr_regs


def pipelined_class(prev, prev_cls, ins):
    """The class `ins` is charged as after `prev` (charged as `prev_cls`): a load or store
    pipelined behind a load, an IT folded; else its own class."""
    cls = ins.cls
    after_load = prev_cls in _SINGLE_LOADS and not (ins.addr_regs & prev.writes)
    if cls in (C.LOAD, C.FP_LOAD) and wrote_back_base(prev, prev_cls, ins):
        after_load = True   # pipelined, plus LOAD_WB_STALL (block_terms) [MEAS]
    if cls == C.LOAD and after_load:
        return C.LOAD_PIPELINED  # [TRM-LS] LDR;LDR pipelining (also after a VLDR [FPU-P])
    if cls == C.FP_LOAD and after_load:
        return C.FP_LOAD_PIPELINED  # [FPU-P] VLDR.F32 pipelines behind a load like LDR
    if cls in (C.STORE, C.STORE_REGOFF) and after_load:
        return C.STORE_PIPELINED  # [TRM-LS] "STR can only be pipelined when it follows an LDR"
    if cls == C.IT and prev is not None and prev.size == 2:
        # [TRM] note d: folded onto the preceding 16-bit instruction of the block. An IT that
        # starts a block (after a branch, or after an interrupt return) is not folded.
        return C.IT_FOLDED
    return cls


def block_terms(insns: list):
    """Static and taken-exit term counts for one block, with the intra-block pipelining rules."""
    static, taken = empty_terms()
    prev, prev_cls = None, None
    fpu_busy = 0   # FPU cycles still to run after the last VMLA/VDIV issued [FPU-P]
    for ins in insns:
        cls = pipelined_class(prev, prev_cls, ins)
        if cls in (C.LOAD_PIPELINED, C.FP_LOAD_PIPELINED) and wrote_back_base(prev, prev_cls, ins):
            static[C.LOAD_WB_STALL] += 1   # the chain's cycle, weight load_wb_chain
        absorbed = cls == C.NOP and prev_cls in _NOP_EATERS
        if absorbed:
            static[C.NOP_ABSORBED] += 1   # [MEAS] the NOP runs in the data-phase cycle
        if cls in _FPU_CLASSES:
            fpu_busy = 0          # an FPU instruction waits for the FPU: nothing more is hidden
        elif fpu_busy and cls not in (C.UNCLASSIFIED, C.IT_FOLDED) and not absorbed:
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
        elif prev_cls in _WORD_LOADS and (ins.addr_regs & _loaded(prev)):
            static[C.LOAD_ADDR_STALL] += 1   # [MEAS] a loaded address is one cycle late
        if cls in _LOADS_AFTER_STORE and prev_cls in _ONE_CYCLE_STORES:
            static[C.STORE_LOAD_STALL] += 1   # [MEAS] the store's data phase meets the load
        if (_indexed_store(ins, cls) and prev_cls is not None and _indexed_store(prev, prev_cls)
                and ins.addr_regs & ins.writes & prev.writes):
            static[C.STORE_WB_STALL] += 1   # [MEAS] same-base indexed stores back to back
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
        source="Arm Cortex-M4 TRM r0p1 (DDI 0439/100166) Table 3-1, load/store timing, FPU table; "
               "load/store pipelining measured with DWT.CYCCNT (jnk0le pipeline cycle test, "
               "STM32F407)",
    ),
)

assert np.all(np.isfinite(PRESETS[0].cycles()))
