"""Fit free cost parameters to board measurements (DWT.CYCCNT cycles, measured energy).

The cycle model is linear in the parameters fitted here, so the fit is ordinary least squares:

    measured_cycles_i = base_i + P * refills_i + s * flash_i

base_i = cycles with P = 0 and flash penalties off; refills_i = taken direct branches (the terms
whose weight is the preset's `branch_refill`); flash_i = flash penalty cycles at scale 1.
Energy: measured_joules_i - deltas_i - static_i - sleep_i = VDD * k * 1e-12 * run_cycles_i  ->  k
in uA/MHz, the dynamic Run part; the board's static and sleep parts are held (valid for a flat
uA/MHz; a per-frequency table is replaced by the fitted scalar).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional

import numpy as np

from ..errors import TinysimError
from .classes import InsnClass
from .energy import EnergyModel, fit_run_ua_per_mhz
from .evaluate import estimate
from .profile import ExecutionProfile
from .timing import get_preset

REFILL_TERMS = (InsnClass.TAKEN_BRANCH_FWD, InsnClass.TAKEN_BRANCH_BACK, InsnClass.TAKEN_JUMP,
                InsnClass.TAKEN_CALL)


@dataclass
class Measurement:
    profile: ExecutionProfile
    cycles: float
    joules: Optional[float]
    clock_hz: Optional[float]
    label: str


@dataclass
class Fit:
    params: Dict[str, float]
    residuals: List[Dict[str, float]]
    notes: List[str]


def _positive(item: dict, key: str, where: str) -> float:
    """A measured quantity: a positive number (a string or a negative count is a typo)."""
    value = item[key]
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not value > 0 \
            or not math.isfinite(value):
        raise TinysimError(f"{where}: '{key}' must be a positive number, got {value!r}")
    return float(value)


def load_measurements(path) -> List[Measurement]:
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except FileNotFoundError:
        raise TinysimError(f"{p}: measurements file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as err:
        raise TinysimError(f"{p}: not valid JSON ({err})") from None
    except OSError as err:  # a directory, no permission
        raise TinysimError(f"{p}: cannot read measurements ({err.strerror}); give the JSON file") from None
    items = data.get("measurements") if isinstance(data, dict) else data
    if not isinstance(items, list) or not items:
        raise TinysimError(f"{p}: expected a list of {{profile, cycles[, joules, clock_hz]}}")
    out = []
    for k, item in enumerate(items):
        where = f"{p}: measurement {k}"
        if not isinstance(item, dict) or "profile" not in item or "cycles" not in item:
            raise TinysimError(f"{where}: needs 'profile' (path to .npz) and 'cycles'")
        if not isinstance(item["profile"], str):
            raise TinysimError(f"{where}: 'profile' must be a path string to the .npz, "
                               f"got {item['profile']!r}")
        prof_path = Path(item["profile"])
        if not prof_path.is_absolute():
            prof_path = p.parent / prof_path
        cycles = _positive(item, "cycles", where)
        joules = None if item.get("joules") is None else _positive(item, "joules", where)
        clock = None if item.get("clock_hz") is None else _positive(item, "clock_hz", where)
        out.append(Measurement(ExecutionProfile.load(prof_path), cycles, joules,
                               clock, item.get("label", str(prof_path.name))))
    return out


def fit(measurements: List[Measurement], platform) -> Fit:
    """Least-squares fit of the cost (and energy) parameters; a non-finite result is refused."""
    with np.errstate(all="ignore"):   # overflow shows as a non-finite result, reported below
        return _fit(measurements, platform)


def _fit(measurements: List[Measurement], platform) -> Fit:
    preset = get_preset(platform.core.timing)
    notes: List[str] = []
    has_refill = "branch_refill" in preset.defaults
    rows, ys, bases = [], [], []
    for m in measurements:
        variant = platform if m.clock_hz is None else platform.with_overrides(
            clock_hz=float(m.clock_hz))
        zero = {"flash_penalty_scale": 0.0}
        if has_refill:
            zero["branch_refill"] = 0.0
        base = float(estimate(m.profile, variant, zero).cycles)
        one = float(estimate(m.profile, variant, {"flash_penalty_scale": 1.0,
                                                   **({"branch_refill": 0.0} if has_refill
                                                      else {})}).cycles)
        totals = m.profile.term_totals()
        refills = float(sum(totals[t] for t in REFILL_TERMS)) if has_refill else 0.0
        rows.append([refills, one - base] if has_refill else [one - base])
        ys.append(m.cycles - base)
        bases.append(base)
    A, y = np.array(rows, dtype=np.float64), np.array(ys)
    names = (["branch_refill"] if has_refill else []) + ["flash_penalty_scale"]
    if np.linalg.matrix_rank(A) < A.shape[1]:
        notes.append(f"only {np.linalg.matrix_rank(A)} independent measurement(s) for "
                     f"{A.shape[1]} parameters: minimum-norm solution; measure at more clocks")
    x, *_ = np.linalg.lstsq(A, y, rcond=None)
    for k in range(len(x)):  # non-negative: clamp and refit the others
        if x[k] < 0:
            notes.append(f"{names[k]} fitted negative ({x[k]:.3g}); clamped to 0")
            x[k] = 0.0
            free = [j for j in range(len(x)) if j != k]
            if free:
                sub, *_ = np.linalg.lstsq(A[:, free], y, rcond=None)
                x[free] = np.maximum(sub, 0)
    params = {n: float(v) for n, v in zip(names, x)}

    energy_pairs = [(m, variant_of(m, platform)) for m in measurements if m.joules is not None]
    if energy_pairs:
        # The static and sleep parts are the board file's, not the fit's: their energy comes out
        # first, or the fitted uA/MHz would absorb it and estimate() would add it again.
        windows = []
        for m, variant in energy_pairs:
            est = estimate(m.profile, variant, params)
            deltas = est.breakdown["class_deltas_j"] + est.breakdown["flash_event_j"]
            windows.append((m.joules, m.cycles, variant.clock_hz,
                            est.breakdown.get("sleep_cycles", 0.0), deltas))
        params["run_ua_per_mhz"] = fit_run_ua_per_mhz(EnergyModel.from_platform(platform), windows)

    residuals = []
    for m in measurements:
        variant = variant_of(m, platform)
        before, after = estimate(m.profile, variant), estimate(m.profile, variant, params)
        row = {"label": m.label, "measured_cycles": m.cycles,
               "model_cycles_before": float(before.cycles),
               "model_cycles_after": float(after.cycles),
               "cycle_error_before": float(before.cycles) / m.cycles - 1,
               "cycle_error_after": float(after.cycles) / m.cycles - 1}
        if m.joules is not None:
            row.update(measured_joules=m.joules, model_joules_before=before.joules,
                       model_joules_after=after.joules,
                       energy_error_before=before.joules / m.joules - 1,
                       energy_error_after=after.joules / m.joules - 1)
        residuals.append(row)
    bad = [f"{k} = {v!r}" for k, v in params.items() if not math.isfinite(v)]
    bad += [f"{r['label']}: {k} = {v!r}" for r in residuals for k, v in r.items()
            if isinstance(v, float) and not math.isfinite(v)]
    if bad:
        raise TinysimError(f"the fit is not finite ({'; '.join(bad[:3])}): a measured cycle or "
                           "energy figure is far outside what the profiles can give; check the "
                           "measurements file (cycles per timed window, joules per window)")
    return Fit(params, residuals, notes)


def variant_of(m: Measurement, platform):
    return platform if m.clock_hz is None else platform.with_overrides(clock_hz=float(m.clock_hz))
