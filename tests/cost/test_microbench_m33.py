"""Cortex-M33 microbenchmarks: short Thumb-2 sequences costed as one block under the
`cortex-m33` preset, one case per timing rule of tinysim/cost/timing/cortex_m33.py. Its sources:
[MEAS] DWT.CYCCNT measurements on a Cortex-M33 (jnk0le's pipeline cycle test, RP2350) -- where a
case copies one of its measured loops the expected count is the measured one; [EN] Arm's
description of the pipeline at launch; [M4] the Cortex-M4 figure assumed unchanged; [INF] an
inference from the pipeline stages. The other counts are worked out by hand from those rules."""

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
    # -- loads and stores
    ("ldr r0, [r1]", 1, 0, "[EN] LDR issues in one cycle (address in stage 2)"),
    ("ldr r0, [r1]\nldr r1, [r2]", 2, 0, "[EN] independent loads: 1 each, no M4-style pairing needed"),
    ("ldr r0, [r1]\nadds r2, r0, #1", 3, 0, "[MEAS] load to use latency 2: +1"),
    ("ldrb r0, [r1]\nadds r2, r0, #1", 3, 0, "[MEAS] byte load-use: +1 as well"),
    ("ldr r0, [r1]\nadds r2, r3, #1", 2, 0, "[MEAS] no use of the loaded register: no stall"),
    ("ldr r0, [r1]\nldr r2, [r0]", 3, 0, "[MEAS] pointer chase: the second address is the load's result"),
    ("ldr r0, [r1]\nstr r0, [r2]", 2, 0, "[MEAS] load to store latency 1: storing the loaded value"),
    ("ldr r0, [r1]\nstr r2, [r0]", 3, 0, "[MEAS] the loaded value as a store address: +1"),
    ("ldr r3, [r1]\nmla r0, r1, r2, r3", 2, 0, "[MEAS] a load feeds a MAC accumulator in 1"),
    ("ldr r1, [r4]\nmla r0, r1, r2, r3", 3, 0, "[MEAS] a load feeding a multiplicand: +1"),
    ("str r0, [r1, #4]", 1, 0, "[M4] STR [#imm] 1"),
    ("str r0, [r1, r2]", 1, 0, "[EN] STR register offset 1: address in stage 2"),
    ("ldrd r0, r1, [r2]", 2, 0, "[MEAS] load double 2"),
    ("strd r0, r1, [r2]", 2, 0, "[MEAS] store double 2"),
    ("ldm r0!, {r1-r4}", 4, 0, "[MEAS] LDM of x registers: exactly x cycles"),
    ("push {r4-r7, lr}", 5, 0, "[MEAS] PUSH of 5 registers: 5"),
    ("vpush {s16-s19}", 4, 0, "[MEAS] VPUSH of 4 singles: 4 (applies to FPU)"),
    ("adds r1, #4\nldr r0, [r1]", 3, 0, "[M4] address from the previous ALU result: +1"),
    # -- two-cycle results: multiplies, MACs, shifted operand2, extend-and-add
    ("mul r0, r1, r2\nadds r3, r0, #1", 3, 0, "[MEAS] multiply result read next: +1"),
    ("mul r0, r1, r2\nadds r3, r4, #1", 2, 0, "[MEAS] independent instruction after MUL: no stall"),
    ("muls r0, r1, r0", 2, 0, "[MEAS] MULS.N sets flags through two stages: 2 cycles"),
    ("smlad r0, r1, r2, r0\nsmlad r0, r3, r4, r0", 2, 0, "[MEAS] MAC chain on one accumulator"),
    ("mla r0, r1, r2, r3\nmla r4, r5, r6, r0", 2, 0, "[MEAS] MAC result as the next MAC's Ra: chained"),
    ("smlad r0, r1, r2, r0\nadds r3, r0, #1", 3, 0, "[MEAS] MAC result read by an ALU insn: +1"),
    ("smlad r0, r1, r2, r0\nstr r0, [r3]", 2, 0, "[MEAS] store of an accumulate-stage result: 1"),
    ("sxtb16 r0, r1\nsmlad r2, r0, r3, r2", 3, 0, "[INF] SIMD result (stage 3) read next: +1"),
    ("add.w r0, r1, r2, lsl #2\nadds r3, r0, #1", 3, 0, "[MEAS] shifted-register operand2: 2-cycle result"),
    ("add.w r0, r1, r2, lsl #2\nadds r3, r4, #1", 2, 0, "[MEAS] shifted operand2, independent next: 1"),
    ("eor r0, r1, #0x1fc0\nadds r3, r0, #1", 3, 0, "[MEAS] shifted-constant operand2: 2-cycle result"),
    ("eor r0, r1, #0x1b1b1b1b\nadds r3, r0, #1", 2, 0, "[MEAS] constant pattern: a 1-cycle result"),
    ("addw r0, r1, #0xff9\nadds r3, r0, #1", 2, 0, "[MEAS] ADDW 12-bit constant: simple, 1-cycle"),
    ("add.w r3, r4, r5, lsl #1\nmla r0, r1, r2, r3", 2, 0, "[MEAS] operand2 result chains as Ra"),
    ("uxtab r0, r1, r2\nadds r3, r0, #1", 3, 0, "[MEAS] UXTAB: 2-cycle result"),
    ("uxtab r0, r1, r2\nuxtab r0, r0, r3", 2, 0, "[MEAS] UXTAB chained on its accumulate operand"),
    ("ands r0, r1, #0x1fc0", 2, 0, "[MEAS] ANDS with a shifted constant: 2 cycles"),
    ("ands r0, r1, #0xff", 1, 0, "[MEAS] ANDS with a plain constant: 1"),
    # -- FPU
    ("sdiv r0, r1, r2", DIV, 0, "[M4] SDIV representative"),
    ("vmla.f32 s0, s1, s2", 3, 0, "[MEAS] VMLA 1 + no FP insn in the next 2 cycles"),
    ("vdiv.f32 s0, s1, s2", 14, 0, "[M4] VDIV.F32 14"),
    ("vldr s0, [r0]\nvadd.f32 s1, s0, s0", 2, 0, "[MEAS] VLDR.32 load-to-use latency 1: no stall"),
    ("vldr s0, [r0]\nvstr s1, [r0, #4]", 2, 0, "[EN] VLDR 1, VSTR 1"),
    # -- dual issue and branches
    ("1: subs r0, #1\nbne 1b", 1, P + 1, "[MEAS] SUBS.N;BNE.N: 2 cycles taken, 0 not taken"),
    ("1: subs r7, #1\nadd r0, r1\nbne 1b", 2, P, "[MEAS] B<c>.N after a non-flag 16-bit insn: 1 taken"),
    ("1: subs r7, #1\nldmia r6!, {r0-r3}\nbne 1b", 5, P, "[MEAS] B<c>.N pairs with LDM.N as well"),
    ("1: subs.w r0, r0, #1\nbne 1b", 2, P, "[M4] after a 32-bit insn: no pair, 1 + P"),
    ("1: subs r0, #1\nbne.w 1b", 2, P, "[M4] a 32-bit B<c>: no pair, 1 + P"),
    ("1: add r0, r1\nb 1b", 1, P, "[MEAS] taken B.N after a non-flag 16-bit insn: 1 cycle"),
    ("1: adds r0, #1\nb 1b", 2, P, "B.N after a flag setter: not measured, no pair"),
    ("adds r0, #1\nit eq\nmoveq r1, r2", 2, 0, "[MEAS] IT dual-issues with the preceding insn"),
    ("adds r0, #1\nnop", 1, 0, "[MEAS] a NOP after an arithmetic insn issues with it"),
    ("nop\nadds r0, #1", 2, 0, "[MEAS] ... but not an arithmetic insn after a NOP"),
    ("adds r0, #1\nadds r1, #1", 2, 0, "[MEAS] arithmetic + arithmetic: no dual issue"),
    ("bx lr", 1, PI, "[M4] BX 1+P"),
    ("ldr pc, [sp], #4", 1, 3, "[EN] LDR PC: load 1 + 3-cycle reload"),
    ("tbb [pc, r0]", 2, 3, "[INF] TBB: load 1 + add 1 + reload"),
]


@pytest.mark.parametrize("src,cycles,taken,why", CASES, ids=[c[3] for c in CASES])
def test_block_cycles_follow_the_m33_rules(thumb_asm, m33, src, cycles, taken, why):
    info = BlockCoster(m33).describe(thumb_asm(src), 0x08000100)
    assert (info.cycles, info.taken_extra) == (cycles, taken), why


TERM_CASES = [
    # (source, {term: count} of the static histogram, {term: count} of the taken one)
    ("ldr r0, [r1]\nadds r2, r0, #1\nmul r3, r2, r2\nadds r4, r3, #1",
     {InsnClass.LOAD: 1, InsnClass.LOAD_USE_STALL: 1, InsnClass.MUL_USE_STALL: 1,
      InsnClass.LOAD_PIPELINED: 0}, {}),
    ("1: eor r0, r1, #0x1fc0\nadds r2, r0, #1\nmuls r3, r2, r3\nsubs r4, #1\nbne 1b",
     {InsnClass.LATE_ALU_USE_STALL: 1, InsnClass.TWO_STAGE_FLAGS: 1, InsnClass.DUAL_ISSUE: 1},
     {InsnClass.TAKEN_FLAG_WAIT: 1}),
]


@pytest.mark.parametrize("src,static_terms,taken_terms", TERM_CASES)
def test_stalls_and_pairs_are_their_own_terms(thumb_asm, m33, src, static_terms, taken_terms):
    code = thumb_asm(src)
    coster = BlockCoster(m33)
    coster.describe(code, 0x08000100)
    static, taken = coster.histogram(0x08000100, len(code))
    assert {t: static[t] for t in static_terms} == static_terms
    assert {t: taken[t] for t in taken_terms} == taken_terms


def test_the_m33_is_faster_than_the_m4_on_a_load_loop(thumb_asm, m33, platform):
    """The difference the issue asks to cite: M4 LDR 2 (DDI 0439 Table 3-1) vs M33 1 [EN]."""
    code = thumb_asm("ldr r0, [r1, #0]\nadds r2, #1\nldr r3, [r1, #4]\nadds r4, #1")
    m4 = BlockCoster(platform).describe(code, 0x08000100).cycles
    m33_cycles = BlockCoster(m33).describe(code, 0x08000100).cycles
    assert (m4, m33_cycles) == (6, 4)


def test_stall_parameters_change_the_table(thumb_asm, m33):
    code = thumb_asm("ldr r0, [r1]\nadds r2, r0, #1")
    assert BlockCoster(m33, {"load_use_stall": 0}).describe(code, 0x08000100).cycles == 2
