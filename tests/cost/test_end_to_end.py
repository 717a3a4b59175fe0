"""A real firmware under the real emulator and native counter: re-costing equals the run.

Skips until the native counter (`tinysim.emu.counter`) is built.
"""

import pytest

from tinysim.cost import estimate
from tinysim.cost.attribution import block_names, by_function, call_graph, collapsed_stacks

pytestmark = pytest.mark.toolchain


def test_recorded_profile_recosts_to_the_counter_cycles(tmp_path):
    pytest.importorskip("tinysim.emu.counter", reason="native counter not built yet")
    from tinysim.pipeline.session import record_profile
    from tinysim.firmware.build import build_test_firmware
    from tinysim.platform import load_platform

    platform = load_platform("nucleo-l4r5zi")
    elf = build_test_firmware("hello", "nucleo-l4r5zi", out_dir=tmp_path)
    profile, result = record_profile(elf, platform, max_instructions=5_000_000)
    est = estimate(profile, platform)
    assert profile.meta["counter_cycles"] == est.cycles
    assert profile.instructions == profile.meta["counter_instructions"]
    assert est.instructions == profile.instructions
    assert not profile.meta["unclassified"], profile.meta["unclassified"]
    # call stacks for the flame graph come from the BL edges of the run
    rows, _ = by_function(profile, platform, elf)
    stacks = collapsed_stacks(rows, call_graph(profile, block_names(profile, elf)))
    assert any(line.startswith("Reset_Handler;main") for line in stacks), stacks[:5]
    # re-costing at 16 MHz removes every wait state and nothing else
    slow = estimate(profile, platform.with_overrides(clock_hz=16_000_000))
    assert slow.wait_states == 0 and slow.cycles <= est.cycles
