"""The runner on emulated firmware: the energy/cycle meter picks exactly the timed window.

The matching rule is tested on plain cycle values; the end-to-end test runs a real benchmark ELF
in the emulator and checks the costed window against the DUT's own m-lap-us interval."""

import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tinysim.harness.runner import Runner
from tinysim.harness.runs import RunnerOptions
from tinysim.pipeline.meter import SimulationMeter

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "cli"))
from cli_support import PLATFORM, benchmark_images  # noqa: E402


@dataclass
class Stamp:          # what the rule reads of a counter snapshot: its cycle count
    cycles: int


class Board:
    clock_hz = 120_000_000
    name = "board"


def meter():
    m = SimulationMeter.__new__(SimulationMeter)
    m.platform = Board()
    return m


def test_window_pair_skips_idle_timer_reads():
    # t1 read at 1,200,000 cycles, t2 120,000,120 cycles (1,000,001 us) later, then idle wake-ups.
    stamps = [Stamp(1_200_000), Stamp(121_200_120), Stamp(121_200_120 + 2**24), Stamp(121_200_120 + 2**25)]
    a, b = meter().window_pair(stamps, 1_000_001)
    assert (a.cycles, b.cycles) == (1_200_000, 121_200_120)


def test_window_pair_skips_reads_before_the_window():
    stamps = [Stamp(0), Stamp(5_000), Stamp(5_000 + 1_200_000), Stamp(9_000_000)]
    a, b = meter().window_pair(stamps, 10_000)
    assert (a.cycles, b.cycles) == (5_000, 1_205_000)


def test_window_pair_none_when_nothing_matches():
    assert meter().window_pair([Stamp(0), Stamp(100)], 10_000) is None


@pytest.mark.toolchain
def test_meter_costs_exactly_the_timed_window(tmp_path_factory):
    from tinysim.pipeline.emulated_dut import open_emulated
    from tinysim.platform import load_platform

    images = benchmark_images(tmp_path_factory.mktemp("img"), ["ad01"])
    platform = load_platform(PLATFORM)
    transport, client, m = open_emulated(platform, images / PLATFORM / "ad01.elf")
    try:
        run = Runner(client, RunnerOptions(min_window_s=0.03, windows=3), meter=m).performance("ad01")
    finally:
        transport.close()
    assert run.energy_per_inference_j > 0 and run.avg_power_w > 0
    for w in run.windows:
        # The cost model's cycles for the window are the cycles the DUT timed itself with.
        assert w.measure.cycles / platform.clock_hz == pytest.approx(w.elapsed_s, abs=2e-6)
        assert w.measure.instructions > w.n * 1000
        assert w.measure.profile.instructions == w.measure.instructions
        assert w.measure.energy_j / w.elapsed_s == pytest.approx(w.measure.avg_power_w, rel=1e-4)
    assert run.sim_speed is not None and run.sim_speed > 0
