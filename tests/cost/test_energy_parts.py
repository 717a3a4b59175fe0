"""The energy model's parts: a static current, a dynamic current per MHz in Run and in Sleep, the
regulator a board's figures are for, and the window integral that charges slept cycles at the
sleep current (tinysim/cost/energy.py)."""

import dataclasses
from pathlib import Path

import pytest

from tinysim.cost import estimate
from tinysim.cost.energy import EnergyModel, fit_run_ua_per_mhz
from tinysim.cost.synthetic import synthetic_profile
from tinysim.errors import PlatformError
from tinysim.platform import load_platform


def _with_energy(platform, **changes):
    return dataclasses.replace(platform, energy=dataclasses.replace(platform.energy, **changes))


def test_static_run_and_sleep_parts_by_hand(platform):
    p = _with_energy(platform, run_ua_per_mhz=60.0, static_ua=3000.0, sleep_ua_per_mhz=20.0)
    model = EnergyModel.from_platform(p)
    f, cycles, sleep = 120e6, 1_200_000, 300_000          # 10 ms, 2.5 ms of it asleep
    parts = model.parts_joules(cycles, f, sleep)
    v = p.energy.vdd_v
    assert parts["static_j"] == pytest.approx(v * 3000e-6 * 0.010)
    assert parts["run_dynamic_j"] == pytest.approx(v * 60e-6 * 120 * 0.0075)
    assert parts["sleep_dynamic_j"] == pytest.approx(v * 20e-6 * 120 * 0.0025)
    assert model.base_joules(cycles, f, sleep) == pytest.approx(sum(parts.values()))
    # a board without a sleep figure charges sleep at the run current
    no_sleep = EnergyModel.from_platform(_with_energy(p, sleep_ua_per_mhz=None))
    assert no_sleep.base_joules(cycles, f, sleep) == pytest.approx(no_sleep.base_joules(cycles, f))


def test_estimate_charges_the_slept_cycles_at_the_sleep_current(platform):
    p = _with_energy(platform, run_ua_per_mhz=60.0, static_ua=3000.0, sleep_ua_per_mhz=20.0)
    prof = synthetic_profile(200, seed=5)
    awake = estimate(prof, p)
    prof.meta["counter_outside_cycles"] = 1_000_000
    prof.meta["counter_sleep_cycles"] = 1_000_000
    asleep = estimate(prof, p)
    assert asleep.cycles == awake.cycles + 1_000_000
    extra = asleep.joules - awake.joules
    assert extra == pytest.approx(p.energy.vdd_v * (3000e-6 + 20e-6 * 120) * 1_000_000 / 120e6)
    assert asleep.breakdown["sleep_cycles"] == 1_000_000


def test_the_smps_board_reproduces_the_runs_it_was_fitted_to():
    """nucleo-l4r5zi-p's figures come from ST's six published v1.3 runs (its board file): the
    four 120 MHz energy runs (busy) and the streaming-wakeword runs at 120 and 70 MHz (busy for
    their duty cycle, asleep otherwise). Re-deriving each power checks the arithmetic there."""
    p = load_platform("nucleo-l4r5zi-p")
    model = EnergyModel.from_platform(p)
    assert p.energy.regulator == "smps"
    assert set(p.energy.fitted) == {"run_ua_per_mhz", "static_ua", "sleep_ua_per_mhz"}

    def mw(mhz, duty):
        cycles = mhz * 1e6   # one second
        return 1e3 * float(model.base_joules(cycles, mhz * 1e6, (1 - duty) * cycles))

    assert mw(120, 1.0) == pytest.approx((32.8768 + 33.7389 + 33.0735 + 33.3646) / 4, rel=1e-3)
    assert mw(120, 0.56085) == pytest.approx(25.6220, rel=1e-3)
    assert mw(70, 0.95857) == pytest.approx(22.7190, rel=1e-3)


def test_the_ldo_board_says_its_regulator():
    assert load_platform("nucleo-l4r5zi").energy.regulator == "ldo"


def test_fit_holds_the_static_and_sleep_parts(platform):
    p = _with_energy(platform, run_ua_per_mhz=1.0, static_ua=2000.0, sleep_ua_per_mhz=10.0)
    model = EnergyModel.from_platform(p)
    truth = EnergyModel.from_platform(_with_energy(p, run_ua_per_mhz=70.0))
    windows = [(float(truth.base_joules(c, f, s)) + 1e-6, c, f, s, 1e-6)
               for c, f, s in ((1.2e6, 120e6, 0), (2.0e6, 80e6, 5e5), (7e5, 24e6, 1e5))]
    assert fit_run_ua_per_mhz(model, windows) == pytest.approx(70.0)


@pytest.mark.parametrize("old,new,key", [
    ('regulator = "smps"', 'regulator = "buck"', "regulator"),
    ('fitted = ["run_ua_per_mhz"', 'fitted = ["vdd_v"', "fitted"),
    ("sleep_ua_per_mhz = 19.16", "sleep_ua_per_mhz = -1", "sleep_ua_per_mhz"),
])
def test_bad_energy_fields_name_the_file_and_key(tmp_path, old, new, key):
    text = open(load_platform("nucleo-l4r5zi-p").source_path).read()
    assert old in text
    board = tmp_path / "board.toml"          # a board kept anywhere names a shipped SoC
    board.write_text(text.replace(old, new, 1))
    with pytest.raises(PlatformError, match=rf"board.toml: energy\.{key}"):
        load_platform(str(board))


TICK = Path(__file__).resolve().parents[2] / "firmware_images" / "tests" / "nucleo-l4r5zi" / "tick.elf"


@pytest.mark.skipif(not TICK.is_file(), reason=f"{TICK} not built")
def test_a_wfi_wait_is_recorded_as_sleep_in_the_window_profile():
    """The tick firmware waits for SysTick in WFI between the two timestamps it prints: those
    cycles reach the window profile as sleep (part of the outside cycles), and the estimate
    charges them at the sleep current."""
    from tinysim.cost.profile import ExecutionProfile
    from tinysim.pipeline.session import build_session
    s = build_session(TICK, "nucleo-l4r5zi-p")
    s.machine.record_timestamps = True
    s.run(max_instructions=2_000_000)
    first, last = s.machine.timestamps
    window = ExecutionProfile.from_snapshots(first, last, s.coster)
    assert 0 < window.sleep_cycles <= window.outside_cycles
    est = estimate(window, load_platform("nucleo-l4r5zi-p"))
    assert est.breakdown["sleep_cycles"] == window.sleep_cycles
    assert est.breakdown["sleep_dynamic_j"] > 0
