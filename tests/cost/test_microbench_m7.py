"""Cortex-M7 microbenchmarks: short Thumb-2 sequences costed as one block by the `cortex-m7`
preset. Each expected count is worked out by hand from the rules in
tinysim/cost/timing/cortex_m7.py ([LLVM] ARMScheduleM7.td units and latencies, [QP]/[DSP]
measured dual-issue pairs), so a changed rule fails here by name.
"""

import dataclasses

import pytest

from tinysim.cost import BlockCoster, InsnClass
from tinysim.cost.timing.cortex_m7 import DEFAULTS
from tinysim.platform import Core

pytestmark = pytest.mark.toolchain

PRED = int(DEFAULTS["branch_taken_predicted"])
FWD = int(DEFAULTS["branch_forward_taken"])
MIS = int(DEFAULTS["branch_mispredict"])
DIV = int(DEFAULTS["div_cycles"])

CASES = [
    # (source, static cycles, taken extra, why)
    ("adds r0, r1, r2\nadds r3, r4, r5", 1, 0, "two independent ALU ops dual-issue"),
    ("adds r0, r1, r2\nadds r3, r0, r5", 2, 0, "dependent ALU pair issues apart, no stall"),
    ("adds r0, r1, r2\nadds r3, r4, r5\nadds r6, r7, r8", 2, 0, "pairs do not chain: 1 + 1"),
    ("ldr r0, [r1]\nldr r2, [r3]", 1, 0, "two load pipes: LDR;LDR pair"),
    ("str r0, [r1]\nstr r2, [r3]", 2, 0, "one store unit: STR;STR apart"),
    ("ldr r0, [r1]\nadds r2, r3, r4", 1, 0, "load + independent ALU pair"),
    ("ldr r0, [r1]\nadds r2, r0, r4", 2, 0, "word load result used next: latency 1, no stall"),
    ("ldrb r0, [r1]\nadds r2, r0, r4", 3, 0, "byte load result used next: latency 2, 1 stall"),
    ("ldr r0, [r1]\nldr r2, [r0]", 3, 0, "load result as the next address: 1 stall (EX1)"),
    ("adds r1, #4\nldr r0, [r1]", 3, 0, "ALU result as the next address: 1 stall (EX1)"),
    ("mul r0, r1, r2\nadds r3, r0, r4", 3, 0, "MUL latency 2: 1 stall"),
    ("mla r0, r1, r2, r0\nmla r0, r3, r4, r0", 2, 0, "MAC chain: accumulator read late, no stall"),
    ("mul r0, r1, r2\nmul r3, r4, r5", 2, 0, "one MAC unit: MUL;MUL apart"),
    ("smlad r0, r1, r2, r0\nldr r3, [r4]", 1, 0, "SMLAD + LDR dual-issue (the int8 MAC loop)"),
    ("sxtb16 r0, r1\nsxtb16 r2, r3", 2, 0, "one SIMD unit: DSP;DSP apart"),
    ("adds r0, r1, r2\nsxtb16 r3, r4", 2, 0, "a DSP op issues only as the older of a pair"),
    ("sxtb16 r3, r4\nadds r0, r1, r2", 1, 0, "DSP older + ALU younger pair"),
    ("sdiv r0, r1, r2", DIV, 0, "SDIV latency 7, single issue"),
    ("ldrd r0, r1, [r2]\nadds r3, r4, r5", 2, 0, "LDRD single issue, one 64-bit access"),
    ("ldm r0!, {r1-r4}", 3, 0, "LDM 1 + N/2"),
    ("push {r4-r7, lr}", 4, 0, "PUSH 1 + N/2 (5/2 rounds to 2 in the block)"),
    ("vadd.f32 s0, s1, s2\nvadd.f32 s3, s0, s4", 4, 0, "FP ALU latency 3: 2 stalls"),
    ("vfma.f32 s0, s1, s2\nvfma.f32 s0, s3, s4", 4, 0, "VFMA chain: latency 6 - 3 (late acc): 2"),
    ("vadd.f32 s0, s1, s2\nvmul.f32 s3, s4, s5", 2, 0, "one FP pipe: two FP ops apart"),
    ("vldr s0, [r0]\nvfma.f32 s1, s2, s3", 2, 0, "VFMA cannot dual issue with VLDR"),
    ("vldr s0, [r0]\nadds r1, r2, r3", 1, 0, "VLDR + ALU pair"),
    ("1: subs r0, #1\nbne 1b", 1, PRED, "loop: SUBS + B<c> pair; backward taken predicted"),
    ("cmp r0, #0\nbne 1f\nnop\n1: nop", 1, FWD, "forward taken B<c>: half a mispredict"),
    ("bx lr", 1, MIS, "BX LR: mispredict penalty"),
    ("tbb [pc, r0]", 2, MIS, "TBB: two issue cycles + refill"),
]


@pytest.fixture
def m7(platform):
    """The cost-model stand-in platform (tests/cost/conftest.py) with a Cortex-M7 core."""
    return dataclasses.replace(platform, name="standin-m7", core=Core(
        arch="armv7m", cpu="cortex-m7", timing="cortex-m7", max_clock_hz=280_000_000))


@pytest.mark.parametrize("src,cycles,taken,why", CASES, ids=[c[3] for c in CASES])
def test_block_cycles_follow_the_m7_rules(thumb_asm, m7, src, cycles, taken, why):
    code = thumb_asm(src)
    if "1f" in src:
        code = code[:4]   # CMP + B<c>, 16-bit each: the block ends at the branch
    info = BlockCoster(m7).describe(code, 0x08000100)
    assert (info.cycles, info.taken_extra) == (cycles, taken), why


def test_dual_issue_is_a_term_of_the_profile(thumb_asm, m7):
    code = thumb_asm("ldr r0, [r1]\nldr r2, [r3]\nadds r4, r5, r6")
    coster = BlockCoster(m7)
    coster.describe(code, 0x08000100)
    static, _ = coster.histogram(0x08000100, len(code))
    assert static[InsnClass.DUAL_ISSUE] == 1 and static[InsnClass.LOAD] == 2


def test_m7_is_faster_than_m4_on_an_int8_mac_loop(thumb_asm, m7, platform):
    code = thumb_asm("1: ldr r4, [r0], #4\nldr r5, [r1], #4\nsxtb16 r6, r4\nsxtb16 r7, r5\n"
                     "smlad r2, r6, r7, r2\nsubs r3, #1\nbne 1b")
    m4 = BlockCoster(platform).describe(code, 0x08000100)
    m7c = BlockCoster(m7).describe(code, 0x08000100)
    assert m7c.cycles + m7c.taken_extra < m4.cycles + m4.taken_extra


def test_parameters_change_the_table(thumb_asm, m7):
    code = thumb_asm("sdiv r0, r1, r2\nbx lr")
    info = BlockCoster(m7, params={"div_cycles": 12, "branch_mispredict": 6}).describe(
        code, 0x08000000)
    assert (info.cycles, info.taken_extra) == (12 + 1, 6)
