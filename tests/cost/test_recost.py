"""Re-costing: wait states, clock sweeps, energy, and what-if parameters."""

import numpy as np
import pytest

from tinysim.cost import estimate, sweep_clocks, wait_states
from tinysim.cost.energy import EnergyModel
from tinysim.cost.synthetic import synthetic_profile
from tinysim.errors import PlatformError


@pytest.fixture(scope="module")
def prof():
    return synthetic_profile(400, seed=3)


@pytest.mark.parametrize("mhz,ws", [(16, 0), (20, 0), (21, 1), (48, 2), (80, 3), (100, 4),
                                    (120, 5)])
def test_stm32l4r5_wait_states(platform, mhz, ws):
    assert wait_states(platform, mhz * 1e6) == ws  # RM0432 3.3.3, Range 1


def test_clock_above_table_is_a_clear_error(platform, prof):
    with pytest.raises(PlatformError, match="150 MHz is above.*120 MHz"):
        estimate(prof, platform.with_overrides(clock_hz=150e6))


def test_sweep_matches_per_variant_estimates(platform, prof):
    clocks = np.array([16e6, 48e6, 80e6, 120e6])
    sweep = sweep_clocks(prof, platform, clocks)
    for k, f in enumerate(clocks):
        est = estimate(prof, platform.with_overrides(clock_hz=f))
        assert sweep["cycles"][k] == est.cycles
        assert sweep["wait_states"][k] == est.wait_states
        assert sweep["joules"][k] == pytest.approx(est.joules, rel=1e-12)
    assert list(sweep["wait_states"]) == [0, 2, 3, 5]
    assert np.all(np.diff(sweep["cycles"]) > 0)  # more wait states, more cycles
    assert np.all(np.diff(sweep["seconds"]) < 0)  # but still faster


def test_energy_is_vdd_times_current_times_time(platform, prof):
    est = estimate(prof, platform)
    # 3.3 V x 110 uA/MHz x 120 MHz x t, plus the estimated per-class/event deltas
    base = 3.3 * 110e-6 * 120 * est.seconds
    assert est.breakdown["base_j"] == pytest.approx(base, rel=1e-12)
    deltas = (est.by_class.get("FP_DIVSQRT", {"count": 0})["count"] * 23e-12
              + (est.breakdown["imiss"] + est.breakdown["iprefetch"]) * 20e-12
              + est.breakdown["dmiss"] * 20e-12)
    assert est.joules == pytest.approx(base + deltas, rel=1e-12)
    assert est.avg_power_w == pytest.approx(est.joules / est.seconds)


def test_run_current_table_is_interpolated(platform):
    import dataclasses

    p = dataclasses.replace(platform, energy=dataclasses.replace(
        platform.energy, run_ua_per_mhz=((24, 100.0), (120, 120.0))))
    model = EnergyModel.from_platform(p)
    assert model.ua_per_mhz(72e6) == pytest.approx(110.0)
    assert model.run_current_a(120e6) == pytest.approx(120e-6 * 120)


def test_what_if_parameters(platform, prof):
    base = estimate(prof, platform)
    slower_div = estimate(prof, platform, params={"div_cycles": 12})
    assert slower_div.cycles == base.cycles + 5 * base.by_class.get("DIV", {"count": 0})["count"]
    refill = estimate(prof, platform, params={"branch_refill": 2})
    n_taken = sum(base.by_class.get(t, {"count": 0})["count"]
                  for t in ("TAKEN_BRANCH_FWD", "TAKEN_BRANCH_BACK", "TAKEN_JUMP", "TAKEN_CALL"))
    assert refill.cycles == base.cycles + n_taken
    half_flash = estimate(prof, platform, params={"flash_penalty_scale": 0.5})
    flash = sum(base.breakdown[k] for k in ("flash_imiss_cycles", "flash_iprefetch_cycles",
                                            "flash_dmiss_cycles"))
    assert half_flash.cycles == pytest.approx(base.cycles - flash / 2)
    with pytest.raises(PlatformError, match="no parameter 'bogus'"):
        estimate(prof, platform, params={"bogus": 1})


def test_profile_from_other_arch_refused(rv_platform, prof):
    with pytest.raises(PlatformError, match="armv7m core.*rv32"):
        estimate(prof, rv_platform("cv32e40p"))
