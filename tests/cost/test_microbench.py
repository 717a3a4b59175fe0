"""Cortex-M4 microbenchmarks: short Thumb-2 sequences whose cycle counts follow from the TRM.

Each sequence is assembled by the real cross assembler and costed as one block; the expected
count is worked out by hand from Arm DDI 0439/100166 Table 3-1, its load/store timing notes and
the FPU table (P = the model's direct-branch refill, default 1). Two pairs the TRM gives no count
for follow a silicon measurement instead (marked below; the measured rules have their own file,
test_microbench_m4meas.py).
"""

import pytest

from tinysim.cost import BlockCoster, InsnClass
from tinysim.cost.timing.cortex_m4 import DEFAULTS

pytestmark = pytest.mark.toolchain

P = int(DEFAULTS["branch_refill"])
PI = int(DEFAULTS["branch_refill_indirect"])
DIV = int(DEFAULTS["div_cycles"])

CASES = [
    # (source, static cycles, taken extra, why)
    ("ldr r0, [r1]", 2, 0, "LDR 2"),
    ("ldr r0, [r1]\nldr r1, [r2]", 3, 0, "TRM: 'LDR R0,[R1]; LDR R1,[R2]: normally three cycles'"),
    ("ldr r0, [r1, r5]\nldr r1, [r2]\nldr r2, [r3, #4]", 4, 0, "TRM: three pipelined LDRs = 4"),
    # Table 3-1 and its notes give no count for the next two pairs; the model's reading of them
    # (2+2 and 1+2) is superseded by a DWT.CYCCNT measurement on a Cortex-M4 r0p1 (jnk0le,
    # doc/cortex_m3m4.md; tests/cost/test_microbench_m4meas.py): an address must be ready one
    # cycle earlier than an ALU operand, and a store's data phase cannot overlap a following load.
    ("ldr r0, [r1]\nldr r2, [r0]", 5, 0, "second address is the first load's result: 2+1+2"),
    ("ldr r0, [r1], #4\nldr r2, [r1]", 3, 0,
     "writeback base used next: pipelined (the TRM names only the loaded register)"),
    ("ldr r0, [r1, r2]\nstr r0, [r3, #20]", 3, 0, "TRM: LDR;STR pipelined = 3"),
    ("ldr r0, [r1, r2]\nstr r1, [r3, r2]", 3, 0, "TRM: LDR;STR reg offset pipelined = 3"),
    ("str r0, [r1]\nldr r2, [r3]", 4, 0, "nothing pipelines after a store: 1+1+2"),
    ("str r0, [r1, #4]", 1, 0, "STR [#imm] is always one cycle"),
    ("str r0, [r1, r2]", 2, 0, "STR register offset, unpaired: 2"),
    ("ldrd r0, r1, [r2]\nldr r3, [r4]", 5, 0, "LDRD 3, never pipelined with neighbours"),
    ("adds r1, #4\nldr r0, [r1]", 4, 0, "address-dependency stall: 1 + 2 + 1"),
    ("adds r2, #4\nldr r0, [r1]", 3, 0, "no dependency: 1 + 2"),
    ("ldm r0!, {r1-r4}", 5, 0, "LDM 1+N, N=4"),
    ("stmia r0!, {r1-r3}", 4, 0, "STM 1+N, N=3"),
    ("push {r4-r7, lr}", 6, 0, "PUSH 1+N, N=5"),
    ("pop {r4-r7, pc}", 6, PI, "POP with PC: 1+N (+P when it returns)"),
    ("sdiv r0, r1, r2", DIV, 0, "SDIV 2..12 -> the model's representative"),
    ("udiv r0, r1, r2\nmul r3, r0, r0", DIV + 1, 0, "UDIV + MUL 1"),
    ("mla r0, r1, r2, r3\nsmlal r0, r1, r2, r3\nsmlad r0, r1, r2, r3", 3, 0, "MAC ops 1 each"),
    ("smlabb r0, r1, r2, r3\nsxtb16 r0, r1\nssat r0, #8, r1\nqadd r0, r1, r2\nuxtb16 r0, r1", 5, 0,
     "DSP/SIMD ops 1 each"),
    ("vdiv.f32 s0, s1, s2", 14, 0, "VDIV.F32 14"),
    ("vsqrt.f32 s0, s1", 14, 0, "VSQRT.F32 14"),
    ("vmla.f32 s0, s1, s2", 3, 0, "VMLA.F32 3"),
    ("vfma.f32 s0, s1, s2", 3, 0, "VFMA.F32 3"),
    ("vadd.f32 s0, s1, s2\nvmul.f32 s3, s4, s5\nvcvt.f32.s32 s0, s0\nvcmp.f32 s0, #0", 4, 0,
     "VADD/VMUL/VCVT/VCMP 1 each"),
    ("vldr s0, [r0]\nvstr s0, [r0, #4]", 4, 0, "VLDR.F32 2, VSTR.F32 2"),
    ("vldmia r0!, {s0-s7}", 9, 0, "VLDM 1+N, N=8"),
    ("vpush {d8-d9}", 5, 0, "VPUSH doubles 1+2N, N=2"),
    ("vmov r0, s0\nvmov r0, r1, d0\nvmrs APSR_nzcv, fpscr", 4, 0, "VMOV 1, VMOV pair 2, VMRS 1"),
    ("1: subs r0, #1\nbne 1b", 2, P, "loop: SUBS 1 + B<c> 1, taken +P"),
    ("b.w 1f\nnop\n1: nop", 1, P, "B 1+P (block ends at the branch)"),
    ("bl 1f\n1: nop", 1, P, "BL 1+P"),
    ("bx lr", 1, PI, "BX 1+P (register target)"),
    ("ldr pc, [sp], #4", 2, 3, "LDR PC: 2 + 3-cycle reload"),
    ("tbb [pc, r0]", 3, 3, "TBB: 2 load + 1 add + 3 reload"),
    # Table 3-1 note d: "An IT instruction can be folded onto a preceding 16-bit Thumb
    # instruction, enabling execution in zero cycles"
    ("adds r0, #1\nit eq\nmoveq r1, r2", 2, 0, "IT folded onto a preceding 16-bit insn: 0"),
    ("add.w r0, r0, #1\nit eq\nmoveq r1, r2", 3, 0, "IT after a 32-bit insn: not folded, 1"),
    ("it eq\nmoveq r1, r2", 2, 0, "IT first in its block: not folded, 1"),
    ("vmla.f32 s0, s1, s2\nadds r0, #1\nit eq\nmoveq r1, r2\nadds r3, #1", 4, 0,
     "a folded IT hides no FPU cycle: VMLA 3, ADDS and MOVEQ hide its 2 busy cycles, IT 0, ADDS 1"),
]


@pytest.mark.parametrize("src,cycles,taken,why", CASES, ids=[c[3] for c in CASES])
def test_block_cycles_follow_the_trm(thumb_asm, platform, src, cycles, taken, why):
    code = thumb_asm(src)
    if src.startswith(("b.w", "bl ")):
        code = code[:4]  # the block ends at the branch
    info = BlockCoster(platform).describe(code, 0x08000100)
    assert (info.cycles, info.taken_extra) == (cycles, taken), why


def test_instruction_count_and_histogram(thumb_asm, platform):
    code = thumb_asm("ldr r0, [r1]\nldr r1, [r2]\nadds r3, #1\nvmla.f32 s0, s1, s2")
    coster = BlockCoster(platform)
    info = coster.describe(code, 0x08000101)  # Thumb bit is ignored
    static, taken = coster.histogram(0x08000100, len(code))
    assert info.n_insns == 4
    assert static[InsnClass.LOAD] == 1 and static[InsnClass.LOAD_PIPELINED] == 1
    assert static[InsnClass.ALU] == 1 and static[InsnClass.FP_MAC] == 1
    assert not taken.any()


def test_parameters_change_the_table(thumb_asm, platform):
    code = thumb_asm("sdiv r0, r1, r2\n1: b 1b")
    info = BlockCoster(platform, params={"div_cycles": 12, "branch_refill": 3}).describe(
        code, 0x08000000)
    assert (info.cycles, info.taken_extra) == (12 + 1, 3)


# Refill by the target's alignment and width: "P ... ranges from 1 to 3 depending on the alignment
# and width of the target instruction" (TRM Table 3-1); one more cycle for a 32-bit target at an
# odd halfword, as measured on an STM32 Cortex-M4 (compendium.i-0.nl instruction-alignment rules).
WIDE_ODD = int(DEFAULTS["branch_refill_wide_odd"])


@pytest.mark.parametrize("src,taken,why", [
    ("b.w 1f\nnop\n1: add.w r0, r0, #1", P + WIDE_ODD, "32-bit target at an odd halfword: P + 1"),
    ("b.w 1f\n1: add.w r0, r0, #1", P, "32-bit target, word aligned: P"),
    ("b.w 1f\nnop\n1: adds r0, #1", P, "16-bit target at an odd halfword: P"),
    ("1: add.w r0, r0, #1\nnop\nbne 1b", P, "backward to a word-aligned 32-bit target: P"),
])
def test_refill_follows_the_target_width_and_alignment(thumb_asm, platform, src, taken, why):
    base = 0x08000100
    code = thumb_asm(src)
    branch_at = 0 if src.startswith("b.w") else len(code) - 2
    size = 4 if src.startswith("b.w") else 2
    read = lambda a, n: code[a - base:a - base + n]  # noqa: E731 - the block's memory
    describe = BlockCoster(platform).describer(read)
    info = describe(base + branch_at, size)
    assert info.taken_extra == taken, why
    # without memory to read, the target is unknown and the refill is P
    assert BlockCoster(platform).describe(code[branch_at:branch_at + size],
                                          base + branch_at).taken_extra == P
