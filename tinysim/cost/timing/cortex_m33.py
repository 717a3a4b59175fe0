"""Cortex-M33 (r0p1..r0p4) instruction timing, zero wait states.

Arm does not publish an instruction cycle table for the Cortex-M33: its TRM (Arm 100230) has no
counterpart of the Cortex-M4's Table 3-1, and none could be found in the corpora searched while
writing. What this table rests on, cited per entry below:

  [EN]    The pipeline as Arm presented it at the core's launch (elektroniknet.de, "Cortex-M23
          und M33 sind erste ARMv8-M-CPUs", page 3): a new 3-stage pipeline, not the M4's;
          stage 1 fetches and pre-decodes, stage 2 holds the main decoder, the ALU and the
          shifter, and all branches are resolved there (no speculative fetch of the target, as
          the M3/M4 do); complex operations, SIMD, MAC, DIV and 32x32 multiplies, execute in a
          third stage; load/store address generation starts in stage 2 (on the M3/M4 only in
          stage 3, which is why their loads take two cycles); limited dual issue of 16-bit
          Thumb instructions and branches; interrupt latency 12 cycles without a security state
          change (tinysim/emu/cortex_m.py's ENTRY_CYCLES is the same 12).
  [LLVM]  LLVM's scheduling for target-cpu cortex-m33 gives an LDR latency 2. NOT independent M33
          evidence: LLVM schedules the M33 with its Cortex-M4 model (ARM.td: ProcessorModel<
          "cortex-m33", CortexM4Model, ...>; ARMScheduleM4.td LoadLatency = 2, "latency when not
          pipelined"), i.e. the M4's two-cycle load. The one-cycle use stall below rests on
          [EN]'s stage assignment (address in stage 2, data phase in stage 3: a dependent next
          instruction waits a cycle), an inference to check against DWT.CYCCNT.
  [M4]    Where neither says otherwise, the Cortex-M4's figure (tinysim/cost/timing/cortex_m4.py,
          Arm DDI 0439 Table 3-1 and its FPU table), ASSUMED unchanged: the FPv5-SP unit's
          VADD/VMUL 1, VMLA/VFMA 3, VDIV/VSQRT 14 (from memory: the M33 reuses the M4's
          single-precision FPU pipeline), LDM/STM 1+N, the branch refill P, SDIV/UDIV.
  [INF]   Inferred from [EN]'s stage assignment, a guess to calibrate against DWT.CYCCNT: a
          multiply or SIMD result (stage 3) read by the next instruction stalls it one cycle
          (`mul_use_stall`), except a multiply-accumulate chain on the same accumulator
          (accumulator forwarding, as on every Arm MAC pipeline: from memory).

Not modelled: dual issue of two adjacent 16-bit instructions [EN] (Arm publishes no pairing
rules; ALU-dense 16-bit code is over-estimated by up to half), the unaligned-32-bit-instruction
fetch penalty. Wait states and the ICACHE are in `tinysim.cost.flash`, not here.
tests/cost/test_microbench_m33.py pins each rule.

Against silicon (ST's four NUCLEO-U575ZI-Q v1.3 performance builds, full `tinysim validate`,
session 10): +4.5 / +2.4 / +5.8 / +5.4% slow for KWS / VWW / IC / AD. bench/m33_dual_issue_bound.py
on their windows: the most generous dual-issue reading (adjacent independent 16-bit ALU +
ALU/branch) hides at most 0.6-2.0% of the cycles, so it does not explain the gap alone; the
[LLVM]/[EN] load-use stall is 4.3-10.4% of them (without it: +0.0 / -2.0 / +0.4 / -5.5%), the
[INF] multiply-use stall 0.3-2.7%, the LDM/STM issue cycle kept from the M4 1.8-3.4%. (AD also
pays 12.6% in flash data misses: tinysim.cost.flash.) None is changed here: no document gives
the M33's figure, and a fit of four builds would only move the guess.
"""

from __future__ import annotations

from typing import Dict, Mapping

import numpy as np

from ..classes import InsnClass as C
from .cortex_m4 import _DATA_PROCESSING, _FP_BUSY_AFTER_ISSUE, _FPU_CLASSES
from .cortex_m4 import DEFAULTS as M4_DEFAULTS
from .cortex_m4 import table as m4_table
from .preset import TimingPreset, count_taken_exit, empty_terms

DEFAULTS = {
    **M4_DEFAULTS,   # div_cycles, branch_refill, branch_refill_indirect, blocking_refill [M4]
    "load_use_stall": 1.0,   # [LLVM] LDR latency 2: one stall cycle for a dependent next insn
    "mul_use_stall": 1.0,    # [INF] stage-3 multiply/SIMD result read by the next insn
}


def table(p: Mapping[str, float]) -> Dict[C, float]:
    t = m4_table(p)
    t.update({
        C.LOAD: 1,  # [EN] address generated in stage 2: one issue cycle (+ LOAD_USE_STALL)
        C.LOAD_PIPELINED: 1,  # not produced by these rules (every load is 1); kept for profiles
        C.STORE: 1,  # [M4] STR [#imm] 1 (write buffer)
        C.STORE_REGOFF: 1,  # [EN] address in stage 2 for every addressing mode: 1
        C.STORE_PIPELINED: 1,
        C.LOAD_DOUBLE: 2,  # [INF] two 32-bit transfers on the 32-bit AHB, one cycle each
        C.STORE_DOUBLE: 2,  # [INF] as LDRD
        C.LOAD_PC: 1,  # [EN] the load issues in 1; the refill is TAKEN_BLOCKING
        C.TABLE_BRANCH: 2,  # [INF] load 1 + add 1 (+ refill)
        C.FP_LOAD: 1,  # [EN]/[LLVM] as LDR: 1 + use stall
        C.FP_LOAD_PIPELINED: 1,
        C.FP_STORE: 1,  # [EN] as STR
        C.FP_LOAD_DOUBLE: 2, C.FP_STORE_DOUBLE: 2,  # [INF] two words
        C.LOAD_USE_STALL: p["load_use_stall"],  # [LLVM]
        C.LOAD_USE_STALL_SUBWORD: p["load_use_stall"],  # [LLVM] same latency for LDRB/LDRH
        C.MUL_USE_STALL: p["mul_use_stall"],  # [INF]
    })
    return t


_LOADS = (C.LOAD, C.FP_LOAD)
_STAGE3 = (C.MUL, C.MAC, C.DSP)
# The FPU overlap ([M4] _FP_BUSY_AFTER_ISSUE, _FPU_CLASSES) and "data processing" for the
# address-dependency stall are the Cortex-M4's, imported from cortex_m4.py.


def _accumulate_chain(prev, ins) -> bool:
    """`ins` is a MAC whose accumulator is the previous MAC's result (SMLAD r0, .., r0 after
    SMLAD r0, ...): forwarded, no stall [INF]."""
    return prev.cls == C.MAC and ins.cls == C.MAC and prev.writes == ins.writes


def block_terms(insns: list):
    """Static and taken-exit term counts for one block with the M33's hazards. A taken exit
    (branch refill P, LDR PC / TBB reload) is classified as on the M4 [M4]."""
    static, taken = empty_terms()
    prev = None
    fpu_busy = 0
    for ins in insns:
        cls = ins.cls
        if cls in _FPU_CLASSES:
            fpu_busy = 0
        elif fpu_busy and cls != C.UNCLASSIFIED:
            static[C.FP_OVERLAP] += 1   # [M4] integer insn completes while the FPU works
            fpu_busy -= 1
        fpu_busy = max(fpu_busy, _FP_BUSY_AFTER_ISSUE.get(cls, 0))
        static[cls] += 1
        if ins.n_regs:
            reg_term = C.MULTIPLE_REG if cls in (C.LOAD_MULTIPLE, C.STORE_MULTIPLE) \
                else C.FP_MULTIPLE_REG
            static[reg_term] += ins.n_regs
        if prev is not None and prev.writes & ins.reads:
            if prev.cls in _LOADS:
                static[C.LOAD_USE_STALL_SUBWORD if prev.subword else C.LOAD_USE_STALL] += 1
            elif prev.cls in _STAGE3 and not _accumulate_chain(prev, ins):
                static[C.MUL_USE_STALL] += 1
            elif ins.addr_regs & prev.writes and prev.cls in _DATA_PROCESSING:
                static[C.ADDR_DEP_STALL] += 1   # [M4] ALU result used as an address next
        prev = ins
    count_taken_exit(insns, taken)
    return static, taken


PRESETS = (
    TimingPreset(
        name="cortex-m33", arch="armv7m", defaults=DEFAULTS, table=table, rules=block_terms,
        unsupported=frozenset({C.MULH, C.CSR}),
        source="Cortex-M33 pipeline (Arm at launch, elektroniknet.de); LLVM cortex-m33 LDR latency; "
               "Cortex-M4 TRM figures where unchanged (see tinysim/cost/timing/cortex_m33.py)",
    ),
)

assert np.all(np.isfinite(PRESETS[0].cycles()))
