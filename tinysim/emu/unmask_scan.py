"""Which translated blocks may let a masked interrupt in.

An interrupt held back by PRIMASK, FAULTMASK or BASEPRI (Cortex-M) or by mstatus.MIE (RISC-V)
is let in by an instruction that runs inside the engine without stopping it. While an interrupt
waits, the native counter hands it to the machine right after any block holding such an
instruction, inside the engine (`Machine.run`, `Counter.set_stop_on_unmask`,
`Machine._take_unmasked`); these scans find those blocks when they are first translated. They
over-approximate (CPSID, a write that sets the mask, a CSR read of mstatus are flagged too: one
extra look each while something waits) and never miss one.
"""

from __future__ import annotations

from .thumb_walk import thumb_instructions

# ARMv7-M ARM (DDI 0403E) A7.7.27 CPS, T1: 1011 0110 011 im 0 0 I F (im = 0: enable).
_CPS_MASK, _CPSIE = 0xFFF0, 0xB660
# A7.7.83 MSR (register), T1: 11110 0 1110 0 Rn | 10 0 0 mask 0 0 SYSm. SYSm (B5.1.1):
# 16 PRIMASK, 17 BASEPRI, 19 FAULTMASK (18, BASEPRI_MAX, only raises the priority); ARMv8-M
# adds 0x80 for the Non-secure aliases.
_MSR_MASK, _MSR = 0xFFF0, 0xF380
_MSR2_MASK, _MSR2 = 0xD000, 0x8000
_MASK_SYSM = (16, 17, 19)

# RISC-V privileged spec: SYSTEM opcode 0x73; CSRRW/CSRRS = funct3 1/2, CSRRWI/CSRRSI = 5/6 (the
# clearing forms cannot set MIE); mstatus = 0x300, mie = 0x304; MRET restores MIE from MPIE.
_RV_SYSTEM, _RV_CSR_SETS = 0x73, (1, 2, 5, 6)
_RV_MASK_CSRS = (0x300, 0x304)
_RV_MRET = 0x30200073


def thumb_unmasks(code: bytes) -> bool:
    """Whether Thumb code holds a CPSIE or an MSR to PRIMASK, BASEPRI or FAULTMASK."""
    if b"\xb6" not in code and b"\xf3" not in code:
        return False  # the first halfword of both has this high byte
    for _off, hw, hw2 in thumb_instructions(code):
        if hw2 is not None:
            if (hw & _MSR_MASK) == _MSR and (hw2 & _MSR2_MASK) == _MSR2 and (hw2 & 0x7F) in _MASK_SYSM:
                return True
        elif (hw & _CPS_MASK) == _CPSIE and hw & 3:
            return True
    return False


def rv32_unmasks(code: bytes) -> bool:
    """Whether RV32 code (with C) holds a CSR write that may set mstatus.MIE or mie, or MRET."""
    i, n = 0, len(code)
    while i + 2 <= n:
        if code[i] & 3 != 3:  # a compressed instruction: none of them touches a CSR
            i += 2
            continue
        if i + 4 > n:
            break
        insn = int.from_bytes(code[i:i + 4], "little")
        if insn == _RV_MRET:
            return True
        if insn & 0x7F == _RV_SYSTEM and (insn >> 12) & 7 in _RV_CSR_SETS and insn >> 20 in _RV_MASK_CSRS:
            return True
        i += 4
    return False
