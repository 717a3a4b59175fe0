"""The timing follows what the firmware configures (issue 11): clock, wait states, prefetch and
caches set at run time by the test firmwares clock70, noprefetch and latency_low (sources in
tinysim/firmware/tests/), each phase timed by the firmware's own DWT cycle counter."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tinysim.cost import estimate
from tinysim.cost.flash import penalties_for_ws
from tinysim.cost.profile import ExecutionProfile
from tinysim.pipeline.segments import window_points
from tinysim.pipeline.session import build_session, record_profile
from tinysim.platform import load_platform

BOARD = "nucleo-l4r5zi"


def run_phases(elf, platform=BOARD):
    """Run to the end; {phase: (printed cycles, checksum, profile of the phase)}."""
    s = build_session(elf, platform)
    s.machine.record_timestamps = True
    r = s.run(max_instructions=30_000_000)
    assert r.exit == "halt", r.message
    stamps = s.machine.timestamps
    phases = {}
    for name, cycles, crc in re.findall(r"phase (\S+) cycles (\d+) checksum ([0-9a-f]+)", r.uart):
        cycles = int(cycles)
        pair = next((a, b) for i, a in enumerate(stamps) for b in stamps[i + 1:]
                    if b.cycles - a.cycles == cycles)
        profile = ExecutionProfile.from_snapshots(*pair, s.coster, platform=s.platform.name,
                                                  **window_points(s.machine, *pair))
        phases[name] = (cycles, crc, profile, pair)
    return s, r, phases


def at_point(profile, **changes):
    """The profile re-costed as if its window had run at another operating point."""
    point = {**profile.meta["operating_point"], **changes}
    return dataclasses.replace(profile, meta={**profile.meta, "operating_point": point})


def test_a_firmware_that_switches_to_70_mhz_is_timed_at_70_mhz(fw):
    platform = load_platform(BOARD)
    s, r, phases = run_phases(fw("clock70"))
    (c120, crc120, p120, _), (c70, crc70, p70, pair70) = phases["120MHz"], phases["70MHz"]
    assert crc120 == crc70
    assert p120.meta["operating_point"]["clock_hz"] == 120e6
    assert p120.meta["operating_point"]["latency"] == 5
    op70 = p70.meta["operating_point"]
    assert (op70["clock_hz"], op70["latency"], op70["voltage_range"]) == (70e6, 3, "range1")
    # the cost model charged each phase at the wait states the firmware had set ...
    e120, e70 = estimate(p120, platform), estimate(p70, platform)
    assert e120.cycles == c120 and e70.cycles == c70
    assert e70.wait_states == 3 and e70.clock_hz == 70e6
    # ... device time is cycles / 70 MHz, in the estimate and in the machine's clock segments
    assert e70.seconds == pytest.approx(c70 / 70e6, rel=1e-12)
    a, b = pair70
    assert s.machine.seconds_at(b.cycles) - s.machine.seconds_at(a.cycles) == \
        pytest.approx(c70 / 70e6, rel=1e-12)
    # fewer wait states, fewer cycles, by what the cost model says 3 instead of 5 WS cost
    expected = estimate(at_point(p120, clock_hz=70e6, latency=3), platform).cycles
    assert c70 < c120
    assert c70 / c120 == pytest.approx(expected / c120, rel=0.01)


def test_a_firmware_that_turns_prefetch_off_is_timed_without_prefetch(fw):
    platform = load_platform(BOARD)
    _, _, phases = run_phases(fw("noprefetch"))
    on, off, nocache = phases["all-on"], phases["no-prefetch"], phases["no-caches"]
    assert on[2].meta["operating_point"]["prefetch"] is True
    assert off[2].meta["operating_point"]["prefetch"] is False
    assert nocache[2].meta["operating_point"]["icache"] is False
    for cycles, _, profile, _ in (on, off, nocache):
        assert estimate(profile, platform).cycles == cycles
    # without prefetch every line the prefetcher served is a full miss (5 WS at 120 MHz)
    imiss, ipre, _, _ = (float(x) for x in penalties_for_ws(5, platform.flash.line_bytes, True))
    assert off[2].iprefetch == 0
    expected = on[0] + on[2].iprefetch * (imiss - ipre)
    assert off[0] == pytest.approx(expected, rel=0.01)
    assert off[0] > on[0] and nocache[0] > on[0]


def test_latency_too_low_for_the_clock_is_a_warning_and_goes_on(fw):
    s = build_session(fw("latency_low"), BOARD)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt" and "still running" in r.uart
    warning = [w for w in r.warnings if w.startswith("clock-configuration")][0]
    assert "FLASH_ACR.LATENCY=2" in warning and "120 MHz" in warning
    assert "requires at least 5" in warning and "Table 12" in warning
    # the firmware's own code is named, and the run says how to make it a fault instead
    assert " at main" in warning and "--strict-clocks" in warning
    # timed at what the firmware set: the 2-wait-state segment is on record
    assert any(p.latency == 2 and p.clock_hz == 120e6 for _, p in s.machine.op_changes)


def test_latency_too_low_for_the_clock_is_a_fault_when_strict(fw):
    s = build_session(fw("latency_low"), BOARD)
    s.machine.strict_clocks = True
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "fault" and r.fault.kind == "clock-configuration"
    assert "FLASH_ACR.LATENCY=2" in r.fault.message and "120 MHz" in r.fault.message
    assert "requires at least 5" in r.fault.message and "Table 12" in r.fault.message
    assert "lowering LATENCY" in r.uart and "still running" not in r.uart


def test_a_what_if_clock_overrides_what_the_firmware_set(fw):
    variant = load_platform(BOARD).with_overrides(clock_hz=80_000_000)
    s = build_session(fw("latency_low"), variant)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt" and "still running" in r.uart      # no check under an override
    assert s.machine.clock_hz() == 80e6
    assert any("what-if clock 80 MHz" in w for w in r.warnings)


def test_a_whole_run_records_its_segments_and_recosts_exactly(fw):
    platform = load_platform(BOARD)
    profile, result = record_profile(fw("clock70"), platform, max_instructions=30_000_000)
    segments = profile.meta["segments"]
    assert [seg["point"]["clock_hz"] for seg in segments][0] == 4e6       # MSI after reset
    assert {70e6, 120e6} <= {seg["point"]["clock_hz"] for seg in segments}
    est = estimate(profile, platform)
    assert est.cycles == profile.meta["counter_cycles"] == result.cycles
    assert est.seconds == pytest.approx(sum(seg["cycles"] / seg["point"]["clock_hz"]
                                            for seg in segments), rel=1e-9)
    # a what-if clock ignores the segments: the platform table at that clock
    assert estimate(profile, platform, clock_hz=120e6).clock_hz == 120e6


def test_the_console_kernel_clock_comes_from_ccipr(fw):
    s = build_session(fw("hello"), BOARD)
    s.run(max_instructions=1_000_000)
    assert s.machine.kernel_clock_hz("lpuart1") == 16e6      # LPUART1SEL = HSI16 (board.c)
    assert s.machine.console().kernel_clock_hz() == 16e6


def test_benchmark_boards_end_at_the_platform_files_operating_point(fw):
    s = build_session(fw("compute"), BOARD)
    r = s.run()
    point = s.machine.operating_point
    assert (point.clock_hz, point.latency, point.prefetch, point.icache, point.dcache) == \
        (120e6, 5, True, True, True)
    assert point.voltage_range == "range1-boost" and not r.warnings


def test_the_voltage_range_limits_the_clock(fw):
    from tinysim.emu.operating_point import OperatingPoint
    m = build_session(fw("hello"), BOARD).machine
    ok = OperatingPoint(120e6, 5, True, True, True, "range1-boost")
    assert m.operating_point_problem(ok) is None
    normal = m.operating_point_problem(OperatingPoint(100e6, 4, True, True, True, "range1"))
    assert "exceeds the 80 MHz that range1 allows" in normal and "R1MODE" in normal
    low = m.operating_point_problem(OperatingPoint(24e6, 1, True, True, True, "range2"))
    assert "LATENCY=1" in low and "requires at least 2" in low
    assert "26 MHz" in m.operating_point_problem(OperatingPoint(30e6, 2, True, True, True, "range2"))
    assert "VOS" in m.operating_point_problem(OperatingPoint(4e6, 0, False, True, True, "invalid"))


def test_run_cli_strict_clocks_stops_at_the_out_of_spec_point(fw):
    import subprocess
    import sys
    cmd = [sys.executable, "-m", "tinysim", "run", str(fw("latency_low")), "--platform", BOARD,
           "--max-instructions", "1000000"]
    relaxed = subprocess.run(cmd, capture_output=True, text=True)
    strict = subprocess.run(cmd + ["--strict-clocks"], capture_output=True, text=True)
    assert "still running" in relaxed.stdout and "clock-configuration" in relaxed.stdout + relaxed.stderr
    assert "still running" not in strict.stdout
    assert "clock-configuration" in strict.stdout + strict.stderr and strict.returncode != 0
