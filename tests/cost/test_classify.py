"""Instruction classification: RV32IMC(F) classes and stall rules, and unknown instructions."""

import pytest

from tinysim.cost import BlockCoster, InsnClass, UnclassifiedInstructionError
from tinysim.cost.classify import decode

C = InsnClass


@pytest.mark.toolchain
def test_rv32_classes(rv_asm):
    code = rv_asm("""
        lw a0, 0(a1)
        lbu a4, 1(a1)
        add a2, a0, a3
        c.addi a2, 1
        mul a5, a4, a4
        mulh a5, a4, a4
        divu a6, a5, a4
        sw a0, 0(sp)
        c.swsp a0, 4(sp)
        csrr a0, mcycle
        flw fa0, 0(a0)
        fmadd.s fa0, fa1, fa2, fa3
        fdiv.s fa0, fa0, fa1
        fadd.s fa0, fa1, fa2
        fmv.x.w a0, fa0
        ecall
    """)
    got = [i.cls for i in decode("rv32", code, 0x80000000).insns]
    assert got == [C.LOAD, C.LOAD, C.ALU, C.ALU, C.MUL, C.MULH, C.DIV, C.STORE, C.STORE, C.CSR,
                   C.FP_LOAD, C.FP_MAC, C.FP_DIVSQRT, C.FP_ALU, C.FP_MOV, C.SYSTEM]


@pytest.mark.toolchain
def test_rv32_load_use_and_branches(rv_asm, rv_platform):
    # lw then a dependent add: CV32E40P load-use +1; loop back-edge taken: 3 cycles.
    code = rv_asm("1: lw a0, 0(a1)\nadd a2, a0, a3\nbne a2, a4, 1b")
    cv32 = BlockCoster(rv_platform("cv32e40p")).describe(code, 0x80000000)
    assert (cv32.cycles, cv32.taken_extra) == (1 + 1 + 1 + 1, 2)
    # E31: LW latency 2 (+1 if used next), backward branch predicted (no extra, a stated guess).
    e31 = BlockCoster(rv_platform("sifive-e31")).describe(code, 0x80000000)
    assert (e31.cycles, e31.taken_extra) == (4, 0)
    # E31: byte load latency 3 -> +2; multiply latency 5 -> +4 when used next.
    code = rv_asm("lbu a0, 0(a1)\nmul a2, a0, a0\nadd a3, a2, a2")
    e31 = BlockCoster(rv_platform("sifive-e31")).describe(code, 0x80000000)
    assert e31.cycles == 3 + 2 + 4


@pytest.mark.toolchain
def test_rv32_forward_branch_and_jumps(rv_asm, rv_platform):
    code = rv_asm("beq a0, a1, 1f\nnop\n1: nop")[:4]
    assert BlockCoster(rv_platform("sifive-e31")).describe(code, 0x1000).taken_extra == 3
    assert BlockCoster(rv_platform("cv32e40p")).describe(code, 0x1000).taken_extra == 2
    ret = rv_asm("ret")
    assert BlockCoster(rv_platform("cv32e40p")).describe(ret, 0x1000) == (1, 1, 1)
    exits = [i.exit for i in decode("rv32", rv_asm(
        "1: jal ra, 1b\nj 1b\njalr ra, 0(a0)\njr a0\nret\njal t0, 1b"), 0x100).insns]
    assert exits == ["call", "jump", "call_indirect", "indirect", "return", "jump"]


@pytest.mark.toolchain
def test_thumb_calls_are_told_apart_from_jumps(thumb_asm, platform):
    coster = BlockCoster(platform)
    for src, term in (("bl 1f\n1: nop", C.TAKEN_CALL), ("b.w 1f\n1: nop", C.TAKEN_JUMP),
                      ("blx r3", C.TAKEN_CALL_INDIRECT), ("bx r3", C.TAKEN_INDIRECT)):
        code = thumb_asm(src)
        code = code[:4] if len(code) > 4 else code
        coster.describe(code, 0x08000000)
        _, taken = coster.histogram(0x08000000, len(code))
        assert taken[term] == 1 and taken.sum() == 1, src


@pytest.mark.toolchain
def test_fp_on_a_core_without_fpu_is_reported(rv_asm, rv_platform):
    code = rv_asm("fadd.s fa0, fa1, fa2\naddi a0, a0, 1")
    coster = BlockCoster(rv_platform("sifive-e31"))
    coster.describe(code, 0x2000)
    [(addr, what)] = coster.unclassified_list()
    assert addr == 0x2000 and "fadd.s" in what and "sifive-e31" in what


@pytest.mark.toolchain
def test_unknown_thumb_instruction_is_reported_not_hidden(thumb_asm, platform):
    code = thumb_asm("adds r0, #1\nmcr p15, 0, r0, c1, c0, 0\nadds r0, #1")
    coster = BlockCoster(platform)
    info = coster.describe(code, 0x08000400)
    assert coster.unclassified_list() == [(0x08000402, "mcr")]
    static, _ = coster.histogram(0x08000400, len(code))
    assert static[C.UNCLASSIFIED] == 1 and info.n_insns == 3
    with pytest.raises(UnclassifiedInstructionError, match=r"mcr at 0x08000402"):
        BlockCoster(platform, strict=True).describe(code, 0x08000400)


def test_undecodable_bytes_are_reported(platform):
    # 0xde 0xff is UDF (decodable); a lone first half of a 32-bit encoding is not.
    coster = BlockCoster(platform)
    coster.describe(bytes.fromhex("00bf" "f0e7"[:2]) + b"\xf0", 0x08000000)  # NOP + truncated
    assert any("undecodable" in m for _, m in coster.unclassified_list())


def test_preset_core_mismatch_is_a_clear_error(platform):
    import dataclasses

    from tinysim.errors import PlatformError

    bad = dataclasses.replace(platform, core=dataclasses.replace(platform.core, timing="cv32e40p"))
    with pytest.raises(PlatformError, match="cv32e40p.*rv32.*armv7m"):
        BlockCoster(bad)
