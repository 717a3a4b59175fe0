"""The fixed set of cost terms: one column of every per-block histogram.

Most terms are instruction classes (one per executed instruction). A few are pipeline events
that a timing rule adds on top of a class (a multi-register transfer's registers, an address
dependency stall, a load-use stall) or that are only paid when a block is left by a taken branch
(the pipeline refill, TAKEN_*). Keeping all of them in one linear vector is what lets a saved
profile be re-costed with a single matrix product: cycles = histogram @ cycles_per_term.

The order is part of the profile file format; append new terms at the end.
"""

from __future__ import annotations

import enum
from typing import Tuple


class InsnClass(enum.IntEnum):
    # --- integer data processing
    ALU = 0  # MOV/ADD/logic/shift/compare/bitfield/extend, RV OP/OP-IMM/LUI/AUIPC
    MUL = enum.auto()  # 32x32 multiplies without accumulate (MUL, SMULL, SMULBB, RV MUL)
    MULH = enum.auto()  # RV MULH/MULHU/MULHSU (multi-cycle on some cores)
    MAC = enum.auto()  # multiply-accumulate (MLA, SMLAL, SMLAD, SMLABB ...)
    DSP = enum.auto()  # SIMD / saturating / pack (QADD, UADD8, SSAT, SXTB16, PKHBT, SEL ...)
    DIV = enum.auto()  # SDIV/UDIV, RV DIV/REM
    IT = enum.auto()  # Thumb-2 IT
    NOP = enum.auto()
    # --- memory
    LOAD = enum.auto()  # single LDR/LDRB/LDRH/LDREX/PLD, RV LB..LW
    LOAD_PIPELINED = enum.auto()  # an LDR whose address phase overlaps the previous LDR
    STORE = enum.auto()  # STR with immediate offset (1 cycle, write buffer), RV SB..SW
    STORE_REGOFF = enum.auto()  # STR with register offset
    STORE_PIPELINED = enum.auto()  # STR right after an LDR (address phase overlapped)
    LOAD_DOUBLE = enum.auto()  # LDRD
    STORE_DOUBLE = enum.auto()  # STRD
    LOAD_MULTIPLE = enum.auto()  # LDM/POP: the "1" of 1+N
    STORE_MULTIPLE = enum.auto()  # STM/PUSH: the "1" of 1+N
    MULTIPLE_REG = enum.auto()  # the "N" of 1+N: one count per transferred register
    LOAD_PC = enum.auto()  # LDR PC,[..] (blocking load; refill counted in TAKEN_BLOCKING)
    # --- control
    BRANCH = enum.auto()  # B/BL/BX/BLX/CBZ/MOV PC, RV branches and jumps (issue cycle)
    TABLE_BRANCH = enum.auto()  # TBB/TBH (load + add; refill in TAKEN_BLOCKING)
    SYSTEM = enum.auto()  # MRS/MSR/CPS/SVC/BKPT/WFI/SEV, RV ECALL/EBREAK/WFI/FENCE
    BARRIER = enum.auto()  # DMB/DSB/ISB
    CSR = enum.auto()  # RV Zicsr
    # --- floating point (FPv4-SP, RV32F)
    FP_ALU = enum.auto()  # VADD/VSUB/VMUL/VNMUL/VABS/VNEG/VCMP/VCVT, FADD/FMUL/FCVT/FCMP ...
    FP_MAC = enum.auto()  # VMLA/VMLS/VNMLA/VNMLS/VFMA/VFMS/VFNMA/VFNMS, FMADD ...
    FP_DIVSQRT = enum.auto()  # VDIV/VSQRT, FDIV/FSQRT
    FP_LOAD = enum.auto()  # VLDR.F32, FLW
    FP_LOAD_DOUBLE = enum.auto()  # VLDR.F64
    FP_STORE = enum.auto()  # VSTR.F32, FSW
    FP_STORE_DOUBLE = enum.auto()  # VSTR.F64
    FP_LOAD_MULTIPLE = enum.auto()  # VLDM/VPOP: the "1" of 1+N
    FP_STORE_MULTIPLE = enum.auto()  # VSTM/VPUSH: the "1" of 1+N
    FP_MULTIPLE_REG = enum.auto()  # one per single register moved (a double counts 2)
    FP_MOV = enum.auto()  # VMOV core<->FP (one register), VMRS/VMSR, FMV
    FP_MOV_PAIR = enum.auto()  # VMOV of two core registers / a double
    # --- pipeline events (not instructions)
    ADDR_DEP_STALL = enum.auto()  # load/store address from the previous data-processing result
    LOAD_USE_STALL = enum.auto()  # next instruction reads a word load's result
    LOAD_USE_STALL_SUBWORD = enum.auto()  # ... a byte/halfword load's result
    MUL_USE_STALL = enum.auto()  # next instruction reads a multiply's result
    # --- paid only when the block is left by a taken branch
    TAKEN_BRANCH_FWD = enum.auto()  # conditional direct branch, forward target
    TAKEN_BRANCH_BACK = enum.auto()  # conditional direct branch, backward target (loops)
    TAKEN_JUMP = enum.auto()  # unconditional direct branch / call (B, BL, JAL)
    TAKEN_RETURN = enum.auto()  # BX LR, POP {..,PC}, RV RET
    TAKEN_INDIRECT = enum.auto()  # BX/BLX Rm, MOV PC, RV JALR other than RET
    TAKEN_BLOCKING = enum.auto()  # LDR PC / TBB / TBH: always a full refill
    # --- an instruction capstone decodes but the classifier does not know: 1 cycle, and listed
    UNCLASSIFIED = enum.auto()
    # --- appended: calls, split from TAKEN_JUMP / TAKEN_INDIRECT so call graphs can be derived
    TAKEN_CALL = enum.auto()  # BL, RV JAL ra / C.JAL
    TAKEN_CALL_INDIRECT = enum.auto()  # BLX Rm, RV JALR ra / C.JALR
    # --- appended: FPU pipelining (Cortex-M4)
    FP_LOAD_PIPELINED = enum.auto()  # a VLDR.F32 whose address phase overlaps the previous load
    FP_OVERLAP = enum.auto()  # an FPU cycle hidden by an integer instruction completing out of order
    # --- appended: superscalar issue (Cortex-M7)
    DUAL_ISSUE = enum.auto()  # an instruction issued in the same cycle as the one before it
    # --- appended: IT folding (Cortex-M3/M4)
    IT_FOLDED = enum.auto()  # an IT folded onto the preceding 16-bit instruction (no cycle)
    # --- appended: refill by target alignment and width (Cortex-M4)
    TAKEN_TO_WIDE_ODD = enum.auto()  # a taken direct branch to a 32-bit insn at an odd halfword
    # --- appended: two-cycle ALU results and late flags (Cortex-M33, measured on silicon)
    LATE_ALU_USE_STALL = enum.auto()  # next insn reads a shifted-operand2 / extend-and-add result
    TWO_STAGE_FLAGS = enum.auto()  # a flag-setting insn run through two stages (MULS.N ...): +1
    TAKEN_FLAG_WAIT = enum.auto()  # a dual-issued B<c> taken right after its flag setter: +1
    # --- appended: load/store pipelining measured on silicon (Cortex-M4, STM32F407)
    STORE_LOAD_STALL = enum.auto()  # a 1-cycle store's data phase held up by a following load / LDM
    LOAD_ADDR_STALL = enum.auto()  # load/store address (base or offset) from the previous load's result
    STORE_WB_STALL = enum.auto()  # indexed store on the base the previous indexed store wrote back
    NOP_ABSORBED = enum.auto()  # a NOP run in the data-phase cycle of the load/store before it: -1
    # --- appended: a load on the base the load before it wrote back (Cortex-M4; parametric)
    LOAD_WB_STALL = enum.auto()  # a pipelined load's extra cycle(s) when the previous load wrote its base back


N_TERMS = len(InsnClass)

#: Terms that count instructions (their sum over a block is the block's instruction count).
INSTRUCTION_TERMS: Tuple[InsnClass, ...] = tuple(
    c for c in InsnClass
    if (c < InsnClass.ADDR_DEP_STALL
        or c in (InsnClass.UNCLASSIFIED, InsnClass.FP_LOAD_PIPELINED, InsnClass.IT_FOLDED))
    and c not in (InsnClass.MULTIPLE_REG, InsnClass.FP_MULTIPLE_REG)
)

#: Terms that are paid only on a taken exit.
TAKEN_TERMS: Tuple[InsnClass, ...] = tuple(c for c in InsnClass if c.name.startswith("TAKEN_"))

TERM_NAMES: Tuple[str, ...] = tuple(c.name for c in InsnClass)
