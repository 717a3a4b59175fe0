"""Cortex-M33 microbenchmarks: short Thumb-2 sequences costed as one block under the
`cortex-m33` preset, one case per timing rule of tinysim/cost/timing/cortex_m33.py (its sources:
[EN] Arm's description of the pipeline at launch, [LLVM] LLVM's LDR latency on the M33, [M4] the
Cortex-M4 figure assumed unchanged, [INF] an inference from the pipeline stages). The counts are
worked out by hand from those rules; they are not silicon measurements."""

import dataclasses

import pytest

from tinysim.cost import BlockCoster, InsnClass
from tinysim.cost.timing.cortex_m33 import DEFAULTS
from tinysim.platform import Core

pytestmark = pytest.mark.toolchain

P = int(DEFAULTS["branch_refill"])
PI = int(DEFAULTS["branch_refill_indirect"])
DIV = int(DEFAULTS["div_cycles"])


@pytest.fixture
def m33(platform):
    """The cost tests' stand-in platform (tests/cost/conftest.py) with a Cortex-M33 core."""
    return dataclasses.replace(platform, name="standin-m33", core=Core(
        arch="armv7m", cpu="cortex-m33f", timing="cortex-m33", max_clock_hz=160_000_000,
        features=("dsp", "fpv4-sp", "fpv5-sp")))


CASES = [
    # (source, static cycles, taken extra, why)
    ("ldr r0, [r1]", 1, 0, "[EN] LDR issues in one cycle (address in stage 2)"),
    ("ldr r0, [r1]\nldr r1, [r2]", 2, 0, "[EN] independent loads: 1 each, no M4-style pairing needed"),
    ("ldr r0, [r1]\nadds r2, r0, #1", 3, 0, "[LLVM] load-use: the next insn reads r0, +1"),
    ("ldrb r0, [r1]\nadds r2, r0, #1", 3, 0, "[LLVM] byte load-use: +1 as well"),
    ("ldr r0, [r1]\nadds r2, r3, #1", 2, 0, "[LLVM] no use of the loaded register: no stall"),
    ("ldr r0, [r1]\nldr r2, [r0]", 3, 0, "[LLVM] pointer chase: the second address is the load's result"),
    ("str r0, [r1, #4]", 1, 0, "[M4] STR [#imm] 1"),
    ("str r0, [r1, r2]", 1, 0, "[EN] STR register offset 1: address in stage 2"),
    ("ldrd r0, r1, [r2]", 2, 0, "[INF] LDRD: two words"),
    ("adds r1, #4\nldr r0, [r1]", 3, 0, "[M4] address from the previous ALU result: +1"),
    ("mul r0, r1, r2\nadds r3, r0, #1", 3, 0, "[INF] multiply result (stage 3) read next: +1"),
    ("mul r0, r1, r2\nadds r3, r4, #1", 2, 0, "[INF] independent instruction after MUL: no stall"),
    ("smlad r0, r1, r2, r0\nsmlad r0, r3, r4, r0", 2, 0, "[INF] MAC chain on one accumulator: forwarded"),
    ("smlad r0, r1, r2, r0\nadds r3, r0, #1", 3, 0, "[INF] MAC result read by an ALU insn: +1"),
    ("sxtb16 r0, r1\nsmlad r2, r0, r3, r2", 3, 0, "[INF] SIMD result (stage 3) read next: +1"),
    ("ldm r0!, {r1-r4}", 5, 0, "[M4] LDM 1+N"),
    ("push {r4-r7, lr}", 6, 0, "[M4] PUSH 1+N"),
    ("sdiv r0, r1, r2", DIV, 0, "[M4] SDIV representative"),
    ("vmla.f32 s0, s1, s2", 3, 0, "[M4] VMLA.F32 3"),
    ("vdiv.f32 s0, s1, s2", 14, 0, "[M4] VDIV.F32 14"),
    ("vldr s0, [r0]\nvadd.f32 s1, s0, s0", 3, 0, "[LLVM] VLDR 1 + use stall + VADD 1"),
    ("vldr s0, [r0]\nvstr s1, [r0, #4]", 2, 0, "[EN] VLDR 1, VSTR 1"),
    ("1: subs r0, #1\nbne 1b", 2, P, "[M4] loop: SUBS 1 + B<c> 1, taken +P"),
    ("bx lr", 1, PI, "[M4] BX 1+P"),
    ("ldr pc, [sp], #4", 1, 3, "[EN] LDR PC: load 1 + 3-cycle reload"),
    ("tbb [pc, r0]", 2, 3, "[INF] TBB: load 1 + add 1 + reload"),
]


@pytest.mark.parametrize("src,cycles,taken,why", CASES, ids=[c[3] for c in CASES])
def test_block_cycles_follow_the_m33_rules(thumb_asm, m33, src, cycles, taken, why):
    info = BlockCoster(m33).describe(thumb_asm(src), 0x08000100)
    assert (info.cycles, info.taken_extra) == (cycles, taken), why


def test_stalls_are_their_own_terms(thumb_asm, m33):
    code = thumb_asm("ldr r0, [r1]\nadds r2, r0, #1\nmul r3, r2, r2\nadds r4, r3, #1")
    coster = BlockCoster(m33)
    coster.describe(code, 0x08000100)
    static, _ = coster.histogram(0x08000100, len(code))
    assert static[InsnClass.LOAD] == 1 and static[InsnClass.LOAD_USE_STALL] == 1
    assert static[InsnClass.MUL_USE_STALL] == 1
    assert static[InsnClass.LOAD_PIPELINED] == 0


def test_the_m33_is_faster_than_the_m4_on_a_load_loop(thumb_asm, m33, platform):
    """The difference the issue asks to cite: M4 LDR 2 (DDI 0439 Table 3-1) vs M33 1 [EN]."""
    code = thumb_asm("ldr r0, [r1, #0]\nadds r2, #1\nldr r3, [r1, #4]\nadds r4, #1")
    m4 = BlockCoster(platform).describe(code, 0x08000100).cycles
    m33_cycles = BlockCoster(m33).describe(code, 0x08000100).cycles
    assert (m4, m33_cycles) == (6, 4)


def test_stall_parameters_change_the_table(thumb_asm, m33):
    code = thumb_asm("ldr r0, [r1]\nadds r2, r0, #1")
    assert BlockCoster(m33, {"load_use_stall": 0}).describe(code, 0x08000100).cycles == 2
