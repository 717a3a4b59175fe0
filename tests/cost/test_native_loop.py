"""An int8 MAC loop (SMLAD, weights streamed from flash) under Unicorn with the native counter
configured by `counter_caches`: the counter, the re-costed profile and the TRM arithmetic agree."""

import pytest

from tinysim.cost import BlockCoster, ExecutionProfile, estimate
from tinysim.cost.flash import counter_caches

pytestmark = pytest.mark.toolchain

FLASH, SRAM, WEIGHTS = 0x08000000, 0x20000000, 0x08010000
ITERATIONS = 256  # 4 weight bytes each: 1 KiB of weights = 64 16-byte flash lines

LOOP = f"""
    movw r0, #0
    movt r0, #0x2000
    movw r1, #0
    movt r1, #0x0801
    mov.w r3, #{ITERATIONS}
    mov.w r8, #0
1:  ldr r4, [r0], #4
    ldr r5, [r1], #4
    sxtb16 r6, r4
    sxtb16 r7, r5
    smlad r8, r6, r7, r8
    sxtb16 r4, r4, ror #8
    sxtb16 r5, r5, ror #8
    smlad r8, r4, r5, r8
    subs r3, #1
    bne 1b
2:  b 2b
"""


def _run(code, platform):
    unicorn = pytest.importorskip("unicorn")
    counter_mod = pytest.importorskip("tinysim.emu.counter", reason="native counter not built")
    uc = unicorn.Uc(unicorn.UC_ARCH_ARM, unicorn.UC_MODE_THUMB)
    uc.ctl_set_cpu_model(unicorn.arm_const.UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, 0x20000)
    uc.mem_map(SRAM, 0x10000)
    uc.mem_write(FLASH, code)
    uc.mem_write(WEIGHTS, bytes(range(256)) * 4)
    uc.mem_write(SRAM, bytes(range(255, -1, -1)) * 4)
    coster = BlockCoster(platform)
    counter = counter_mod.Counter(
        uc, coster.describer(uc.mem_read), flash_ranges=[(FLASH, FLASH + 0x200000)],
        regions=[("flash", FLASH, FLASH + 0x200000, "flash"), ("sram1", SRAM, SRAM + 0x30000,
                                                                "sram")],
        count_data=True, **counter_caches(platform))
    uc.emu_start(FLASH | 1, FLASH + code.index(bytes.fromhex("fee7")))
    snap = counter.snapshot()
    return ExecutionProfile.from_snapshots(None, snap, coster, window="mac loop"), snap


def test_mac_loop_counter_equals_recost(thumb_asm):
    from tinysim.platform import load_platform

    platform = load_platform("nucleo-l4r5zi")  # 120 MHz, 5 WS, 16-byte ART lines
    prof, snap = _run(thumb_asm(LOOP), platform)
    est = estimate(prof, platform)
    assert est.cycles == snap.cycles and prof.instructions == snap.instructions
    # TRM per iteration: LDR 2 + pipelined LDR 1 + 4 x SXTB16 + 2 x SMLAD + SUBS + BNE = 11,
    # plus the refill P=1 on the 255 taken back-edges.
    by = est.by_class
    assert by["LOAD"]["count"] == by["LOAD_PIPELINED"]["count"] == ITERATIONS
    assert by["DSP"]["count"] == 4 * ITERATIONS and by["MAC"]["count"] == 2 * ITERATIONS
    assert by["TAKEN_BRANCH_BACK"]["count"] == ITERATIONS - 1
    # weights come from flash through the D-cache: one 5-cycle miss per 16-byte line
    assert prof.dmiss == ITERATIONS * 4 // 16
    assert est.breakdown["flash_dmiss_cycles"] == 5 * prof.dmiss
    # the loop body fits the I-cache: only the first pass misses
    assert prof.imiss + prof.iprefetch <= 4
    core = est.breakdown["core_cycles"] + est.breakdown["taken_branch_cycles"]
    assert core == 6 + 11 * ITERATIONS + 1 * (ITERATIONS - 1)  # 6 setup instructions
    # The same run at 16 MHz (0 WS) costs only the core cycles, with no re-emulation.
    slow = estimate(prof, platform.with_overrides(clock_hz=16_000_000))
    assert slow.cycles == core
