"""Cortex-M4 FPU pipelining microbenchmarks: one case per rule added to the TRM table.

[FPU-P] in tinysim/cost/timing/cortex_m4.py: VLDR.F32 pipelines behind a load like LDR;LDR, and
integer-only instructions complete while VMLA/VFMA (3 FPU cycles) or VDIV/VSQRT (14) finish,
hiding one FPU cycle each; an FPU instruction waits. Expected counts are worked by hand.
"""

import pytest

from tinysim.cost import BlockCoster, InsnClass

pytestmark = pytest.mark.toolchain

ADDS14 = "\n".join(f"adds r{k % 8}, #1" for k in range(14))

CASES = [
    # (source, cycles, why)
    ("vldr s0, [r0]\nvldr s1, [r0, #4]", 3, "VLDR;VLDR pipelined: 2 + 1"),
    ("vldr s0, [r0]\nvldr s1, [r1]\nvldr s2, [r2, #8]", 4, "three pipelined VLDRs: 2 + 1 + 1"),
    ("ldr r1, [r2]\nvldr s0, [r0]", 3, "LDR;VLDR pipelined: 2 + 1"),
    ("vldr s0, [r0]\nldr r1, [r2]", 3, "VLDR;LDR pipelined: 2 + 1"),
    # + 1: a loaded address is a cycle late for any load's address ([MEAS], test_microbench_m4meas)
    ("ldr r0, [r1]\nvldr s0, [r0]", 5, "VLDR address from the preceding load: not pipelined, 2+1+2"),
    ("vldr d0, [r0]\nvldr s2, [r1]", 5, "VLDR.F64 is not a single load: 3 + 2"),
    ("vmla.f32 s0, s1, s2\nadds r0, #1\nadds r1, #1", 3, "VMLA 3 with two integer insns hidden"),
    ("vmla.f32 s0, s1, s2\nadds r0, #1\nadds r1, #1\nadds r2, #1", 4, "only 2 FPU cycles to hide"),
    ("vfma.f32 s0, s1, s2\nsubs r3, #1", 3, "VFMA like VMLA: 3 + 1 - 1"),
    ("vmla.f32 s0, s1, s2\nvadd.f32 s3, s4, s5", 4, "an FPU insn waits: 3 + 1, nothing hidden"),
    ("vmla.f32 s0, s1, s2\nadds r0, #1\nvmla.f32 s3, s4, s5", 6, "3 + (1 - 1) + 3"),
    ("vmla.f32 s0, s1, s2\nvmov r0, s0\nadds r1, #1", 5, "VMOV uses the FPU: 3 + 1 + 1"),
    ("vdiv.f32 s0, s1, s2\n" + ADDS14, 15, "VDIV 14 with 13 of 14 integer insns hidden"),
]


@pytest.mark.parametrize("src,cycles,why", CASES, ids=[c[2] for c in CASES])
def test_fpu_pipelining_rules(thumb_asm, platform, src, cycles, why):
    info = BlockCoster(platform).describe(thumb_asm(src), 0x08000100)
    assert (info.cycles, info.taken_extra) == (cycles, 0), why


def test_pipelined_vldr_still_counts_as_an_instruction(thumb_asm, platform):
    from tinysim.cost.classes import INSTRUCTION_TERMS
    code = thumb_asm("vldr s0, [r0]\nvldr s1, [r0, #4]\nvmla.f32 s0, s1, s2\nadds r0, #1")
    coster = BlockCoster(platform)
    info = coster.describe(code, 0x08000100)
    static, _ = coster.histogram(0x08000100, len(code))
    assert static[InsnClass.FP_LOAD_PIPELINED] == 1 and static[InsnClass.FP_OVERLAP] == 1
    assert info.n_insns == 4 == sum(int(static[c]) for c in INSTRUCTION_TERMS)
