"""Re-cost a saved `ExecutionProfile` for a platform variant with numpy only.

cycles = term_totals @ cycles_per_term(core, params)
       + imiss * miss_penalty(WS(f)) + iprefetch * prefetch_penalty(WS(f))
       + dmiss * WS(f) + dprefetch * prefetch_penalty(WS(f))

`term_totals` (executions x static histogram + taken exits x taken histogram) is computed once per
profile, so each variant costs a dot product of ~50 numbers: a 100-point clock sweep is
milliseconds. For the platform and parameters a profile was recorded with, the result equals the
cycles the native counter accumulated from the blocks, exactly (integer arithmetic when all weights
are integral). Cycles the emulator charged outside blocks (exception entry/return, WFI sleep, a
core spinning on a UART flag, skipped to its change) are in the profile's metadata and added as
device time, so the estimate of a window equals the cycles the firmware's own DWT timestamps saw.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Dict, List, Mapping, Optional, Tuple

import numpy as np

from .. import __version__
from ..errors import PlatformError
from .classes import INSTRUCTION_TERMS, InsnClass
from .energy import EnergyModel, window_energy
from .flash import FLASH_DEFAULTS, penalties_for_ws, window_flash_setting, window_segments
from .segments import cost_segments
from .timing import get_preset


@dataclass(frozen=True)
class Estimate:
    cycles: float
    seconds: float
    joules: float
    avg_power_w: float
    wait_states: int
    clock_hz: float
    instructions: int
    by_class: Dict[str, Dict[str, float]]  # term -> {"count", "cycles"}
    breakdown: Dict[str, float]  # core/taken/flash cycles, energy parts
    unclassified: List[Tuple[int, str]] = field(default_factory=list)
    provenance: Dict[str, Any] = field(default_factory=dict)  # the tables and parameters used

    def as_dict(self) -> Dict[str, Any]:
        return {"cycles": self.cycles, "seconds": self.seconds, "joules": self.joules,
                "avg_power_w": self.avg_power_w, "wait_states": self.wait_states,
                "clock_hz": self.clock_hz, "instructions": self.instructions,
                "by_class": self.by_class, "breakdown": self.breakdown,
                "unclassified": [[a, m] for a, m in self.unclassified],
                "provenance": self.provenance}


ENERGY_PARAMS = ("run_ua_per_mhz", "static_ua", "sleep_ua_per_mhz")


def split_params(params: Optional[Mapping[str, float]]) -> Tuple[dict, dict, dict]:
    """(timing, flash, energy) parameter overrides from one flat mapping."""
    timing, flash, energy = {}, {}, {}
    for key, value in (params or {}).items():
        if key.startswith("flash_"):
            flash[key] = value
        elif key in ENERGY_PARAMS:
            energy[key] = value
        else:
            timing[key] = value
    return timing, flash, energy


def _check_arch(profile, platform) -> None:
    arch = profile.meta.get("arch")
    if arch and arch != platform.core.arch:
        raise PlatformError(f"profile was recorded on a {arch} core; platform "
                            f"{platform.name} is {platform.core.arch}: re-emulate "
                            "instead of re-costing")


def term_weights(profile, platform, params=None) -> np.ndarray:
    timing, _, _ = split_params(params)
    return get_preset(platform.core.timing).cycles(timing)


def provenance(platform, params=None) -> Dict[str, Any]:
    """Which cost tables and parameter values produced an estimate (for result rows)."""
    timing, flash, energy = split_params(params)
    preset = get_preset(platform.core.timing)
    model = EnergyModel.from_platform(platform, energy)
    return {"tinysim_version": __version__, "timing_preset": preset.name,
            "timing_source": preset.source, "timing_params": preset.params(timing),
            "flash_params": {**FLASH_DEFAULTS, **flash},
            "energy": {"vdd_v": model.vdd_v, "regulator": model.regulator,
                       "run_ua_per_mhz": model.run_ua_per_mhz, "static_ua": model.static_ua,
                       "sleep_ua_per_mhz": model.sleep_ua_per_mhz,
                       "deltas_pj": dict(model.deltas_pj)}}


def _dot(totals: np.ndarray, weights: np.ndarray):
    if np.all(weights == np.round(weights)):
        return int(totals.astype(np.int64) @ weights.astype(np.int64))  # exact
    return float(totals.astype(np.float64) @ weights)


def estimate(profile, platform, params: Optional[Mapping[str, float]] = None,
             clock_hz: Optional[float] = None) -> Estimate:
    """Cycles, time and energy of `profile` on `platform` (optionally at another clock). A
    window recorded with the firmware's operating point is costed at that point unless a clock
    is given (`tinysim.cost.flash.window_flash_setting`)."""
    _check_arch(profile, platform)
    _, flash_params, energy_params = split_params(params)
    clock, ws, prefetch, recorded = window_flash_setting(profile, platform, clock_hz)
    clock = float(clock)
    weights = term_weights(profile, platform, params)
    totals = profile.term_totals()
    core = _dot(totals, weights)

    pen = [float(x) for x in penalties_for_ws(ws, platform.flash.line_bytes, prefetch,
                                              flash_params, platform.flash.refill_reads)]
    if all(p == round(p) for p in pen):
        pen = [int(round(p)) for p in pen]
    imiss, ipre, dmiss, dpre = (profile.imiss, profile.iprefetch, profile.dmiss,
                                profile.dprefetch)
    flash_parts = (imiss * pen[0], ipre * pen[1], dmiss * pen[2], dpre * pen[3])
    flash_cycles = sum(flash_parts)
    outside = _outside_cycles(profile, platform, clock, recorded)
    sleep = _device_cycles(profile.sleep_cycles, platform, clock, recorded)
    segments = window_segments(profile, platform, clock_hz)
    seconds = None
    if segments:  # the firmware changed its set-up inside the window: cost each part at its own
        seg = cost_segments(segments, core, platform.flash.line_bytes, flash_params,
                            reads=platform.flash.refill_reads)
        flash_parts, flash_cycles, outside = seg.penalties, seg.flash_cycles, seg.outside_cycles
        clock, ws, seconds = seg.clock_hz, seg.wait_states, seg.seconds
    cycles = core + flash_cycles + outside

    model = EnergyModel.from_platform(platform, energy_params)
    joules, watts, ebreak = window_energy(model, float(cycles), clock, totals, imiss + ipre,
                                          dmiss + dpre, sleep_cycles=float(sleep))
    taken_terms = np.array([c.name.startswith("TAKEN_") for c in InsnClass])
    by_class = {c.name: {"count": int(totals[c]), "cycles": float(totals[c] * weights[c])}
                for c in InsnClass if totals[c]}
    breakdown = {
        "core_cycles": float(totals[~taken_terms] @ weights[~taken_terms]),
        "taken_branch_cycles": float(totals[taken_terms] @ weights[taken_terms]),
        "flash_imiss_cycles": float(flash_parts[0]),
        "flash_iprefetch_cycles": float(flash_parts[1]),
        "flash_dmiss_cycles": float(flash_parts[2]),
        "flash_dprefetch_cycles": float(flash_parts[3]),
        "outside_block_cycles": float(outside),
        "imiss": imiss, "iprefetch": ipre, "dmiss": dmiss, "dprefetch": dpre,
        **ebreak,
    }
    return Estimate(
        cycles=cycles, seconds=float(cycles) / clock if seconds is None else seconds, joules=joules, avg_power_w=watts,
        wait_states=int(ws), clock_hz=clock,
        instructions=int(sum(int(totals[c]) for c in INSTRUCTION_TERMS)),
        by_class=by_class, breakdown=breakdown,
        unclassified=[tuple(x) for x in profile.meta.get("unclassified", [])],
        provenance=provenance(platform, params))


def _outside_cycles(profile, platform, clock, recorded=None):
    """Cycles spent outside blocks, at `clock`. They were recorded at `recorded` (the window's
    clock; the platform's by default) and are mostly device time (a UART character, a sleep
    until a timer), so they keep their seconds when the clock changes. Integral at the recorded
    clock, so the estimate stays exact there."""
    return _device_cycles(profile.outside_cycles, platform, clock, recorded)


def _device_cycles(n, platform, clock, recorded=None):
    """`n` cycles of device time recorded at `recorded` (the platform's clock by default),
    at `clock`: the same seconds."""
    recorded = float(platform.clock_hz) if recorded is None else float(recorded)
    if not n:
        return 0
    if np.ndim(clock) == 0 and float(clock) == recorded:
        return n
    return n * np.asarray(clock, dtype=np.float64) / recorded


def sweep_clocks(profile, platform, clocks_hz, params=None) -> Dict[str, np.ndarray]:
    """Vectorised clock sweep: arrays of cycles, seconds, joules, watts and wait states."""
    _check_arch(profile, platform)
    _, flash_params, energy_params = split_params(params)
    clocks = np.asarray(clocks_hz, dtype=np.float64)
    core = float(profile.term_totals().astype(np.float64) @ term_weights(profile, platform, params))
    ws = platform.wait_states_at(clocks)
    imiss_p, ipre_p, dmiss_p, dpre_p = penalties_for_ws(
        ws, platform.flash.line_bytes, platform.flash.prefetch, flash_params,
        platform.flash.refill_reads)
    recorded = window_flash_setting(profile, platform)[3]
    cycles = core + profile.imiss * imiss_p + profile.iprefetch * ipre_p \
        + profile.dmiss * dmiss_p + profile.dprefetch * dpre_p \
        + _outside_cycles(profile, platform, clocks, recorded)
    model = EnergyModel.from_platform(platform, energy_params)
    deltas = float(profile.term_totals() @ model.delta_vector()) + model.event_joules(
        profile.imiss + profile.iprefetch, profile.dmiss + profile.dprefetch)
    sleep = _device_cycles(profile.sleep_cycles, platform, clocks, recorded)
    joules = model.base_joules(cycles, clocks, sleep) + deltas
    seconds = cycles / clocks
    return {"clock_hz": clocks, "cycles": cycles, "seconds": seconds, "joules": joules,
            "avg_power_w": joules / seconds, "wait_states": ws}
