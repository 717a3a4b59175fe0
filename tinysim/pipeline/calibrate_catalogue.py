"""Fit cost-model parameters to the catalogue of published measurements, inside documented ranges,
with leave-one-out errors.

Input: the directory `tinysim validate --profiles DIR` wrote (validate.json + one window profile
per entry that ran). Each entry that ran becomes a measurement for `tinysim.cost.calibrate`:
a performance entry gives cycles = measured latency x clock x inferences in the window, an energy
entry gives joules = measured energy per inference x inferences. Parameters and their ranges:

  branch_refill        [1, 3]  Cortex-M4 TRM Table 3-1: "P ... ranges from 1 to 3"
  flash_penalty_scale  [0, 1]  0 = the ART hides every wait state, 1 = each miss pays all of them
                               (RM0432 3.3.3: an access takes WS + 1 cycles); not a documented
                               parameter, a physical bound
  run_ua_per_mhz       none    no documented range for the board-level current was found
                               (DS12023's tables were not in the corpus); unconstrained, > 0
  static_ua, sleep_ua_per_mhz  held at the board file's figures (reported with the board file's
                               own mark: documented, or FITTED there to other measurements)

The cycle model is linear in the first two, so the fit is least squares over the box: the
unconstrained solution if it lies inside, else the best of the solutions with parameters pinned
to their bounds. Leave-one-out: each measurement predicted by a fit made without it.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..cost.calibrate import REFILL_TERMS, Measurement
from ..cost.energy import EnergyModel, fit_run_ua_per_mhz
from ..cost.evaluate import estimate
from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from ..platform import load_platform
from ..published.catalogue import Catalogue, board_ref

BOUNDS = {"branch_refill": (1.0, 3.0), "flash_penalty_scale": (0.0, 1.0)}
SOURCES = {
    "branch_refill": "Cortex-M4 TRM Table 3-1, P = 1..3",
    "flash_penalty_scale": "physical bound: 0 (ART hides all) .. 1 (full wait states, RM0432 3.3.3)",
    "run_ua_per_mhz": "no documented range found; unconstrained",
    "static_ua": "held at the board file's figure (see its [energy] comment)",
    "sleep_ua_per_mhz": "held at the board file's figure (see its [energy] comment)",
}


def _mark(name: str, fitted: Dict[str, float], platform) -> str:
    if name in fitted:
        return "fitted"
    return "board file: FITTED" if name in getattr(platform.energy, "fitted", ()) else "documented"



def measurements_from(validated: Path, catalogue: Catalogue) -> Dict[str, List[Measurement]]:
    """Per platform, the measurements of every entry that ran and left a profile."""
    doc_path = Path(validated) / "validate.json"
    try:
        doc = json.loads(doc_path.read_text(encoding="utf-8"))
    except OSError:
        raise TinysimError(f"{doc_path}: not found; run `tinysim validate --profiles {validated}` "
                           "first") from None
    except ValueError as err:
        raise TinysimError(f"{doc_path}: not valid JSON ({err})") from None
    entries = {e.id: e for e in catalogue.entries}
    out: Dict[str, List[Measurement]] = {}
    for row in doc.get("entries", []):
        entry = entries.get(row.get("id"))
        if entry is None or row.get("status") != "ok" or not row.get("profile"):
            continue
        profile = ExecutionProfile.load(Path(row["profile"]))
        n = int(profile.meta.get("inferences", 1))
        platform = load_platform(board_ref(entry.platform))
        joules = entry.energy_uj * 1e-6 * n if entry.energy_uj else None
        if entry.latency_ms:          # measured time: a performance median or an energy window
            cycles, timed = entry.latency_ms * 1e-3 * platform.clock_hz * n, True
        else:                         # no measured time: the model's, and no timing fit from it
            cycles, timed = float(estimate(profile, platform).cycles), False
        m = Measurement(profile, float(cycles), joules, None, entry.id)
        m.timed = timed
        out.setdefault(entry.platform, []).append(m)
    return out


def _design(ms: List[Measurement], platform) -> Tuple[np.ndarray, np.ndarray]:
    rows, ys = [], []
    for m in ms:
        zero = float(estimate(m.profile, platform, {"flash_penalty_scale": 0.0, "branch_refill": 0.0}).cycles)
        one = float(estimate(m.profile, platform, {"flash_penalty_scale": 1.0, "branch_refill": 0.0}).cycles)
        totals = m.profile.term_totals()
        rows.append([float(sum(totals[t] for t in REFILL_TERMS)), one - zero])
        ys.append(m.cycles - zero)
    return np.array(rows, dtype=np.float64), np.array(ys, dtype=np.float64)


def bounded_lstsq(A: np.ndarray, y: np.ndarray, bounds: List[Tuple[float, float]]) -> np.ndarray:
    """min |Ax - y| with lo <= x <= hi, by active sets (exact for the two parameters here)."""
    best, best_res = None, np.inf
    n = A.shape[1]
    for pinned in itertools.product(*[(None, lo, hi) for lo, hi in bounds]):
        x = np.array([p if p is not None else 0.0 for p in pinned], dtype=np.float64)
        free = [k for k in range(n) if pinned[k] is None]
        if free:
            rhs = y - A[:, [k for k in range(n) if k not in free]] @ x[[k for k in range(n) if k not in free]]
            sol, *_ = np.linalg.lstsq(A[:, free], rhs, rcond=None)
            x[free] = sol
        if any(not (lo - 1e-9 <= x[k] <= hi + 1e-9) for k, (lo, hi) in enumerate(bounds)):
            continue
        res = float(np.sum((A @ x - y) ** 2))
        if res < best_res - 1e-12:
            best, best_res = x, res
    return best


def fit_platform(ms: List[Measurement], platform) -> Dict[str, float]:
    params: Dict[str, float] = {}
    timed = [m for m in ms if getattr(m, "timed", True)]
    if timed:
        A, y = _design(timed, platform)
        x = bounded_lstsq(A, y, [BOUNDS["branch_refill"], BOUNDS["flash_penalty_scale"]])
        params = {"branch_refill": float(x[0]), "flash_penalty_scale": float(x[1])}
    energy = [m for m in ms if m.joules is not None]
    if energy:
        windows = []
        for m in energy:
            est = estimate(m.profile, platform, params)
            deltas = est.breakdown["class_deltas_j"] + est.breakdown["flash_event_j"]
            windows.append((m.joules, float(est.cycles), platform.clock_hz,
                            est.breakdown.get("sleep_cycles", 0.0), deltas))
        params["run_ua_per_mhz"] = fit_run_ua_per_mhz(EnergyModel.from_platform(platform),
                                                      windows)
    return params


def _errors(m: Measurement, platform, params) -> Dict[str, Optional[float]]:
    est = estimate(m.profile, platform, params)
    return {"cycle_error": (float(est.cycles) / m.cycles - 1) if getattr(m, "timed", True) else None,
            "energy_error": (est.joules / m.joules - 1) if m.joules is not None else None}


def calibrate(catalogue: Catalogue, validated: Path) -> Dict[str, Any]:
    """{platform: {documented, fitted, marks, in_sample, leave_one_out}} for each platform."""
    out: Dict[str, Any] = {}
    for name, ms in measurements_from(validated, catalogue).items():
        platform = load_platform(board_ref(name))
        documented = {"branch_refill": 1.0, "flash_penalty_scale": 1.0,
                      "run_ua_per_mhz": float(platform.energy.run_ua_per_mhz),
                      "static_ua": float(platform.energy.static_ua)}
        if platform.energy.sleep_ua_per_mhz is not None:
            documented["sleep_ua_per_mhz"] = float(platform.energy.sleep_ua_per_mhz)
        fitted = fit_platform(ms, platform)
        loo = []
        for k, m in enumerate(ms):
            rest = ms[:k] + ms[k + 1:]
            if not rest:
                loo.append({"label": m.label, "cycle_error": None, "energy_error": None,
                            "note": "only one measurement: nothing to fit without it"})
                continue
            loo.append({"label": m.label, **_errors(m, platform, fit_platform(rest, platform))})
        out[name] = {
            "documented": documented, "fitted": fitted,
            "marks": {k: _mark(k, fitted, platform) for k in documented},
            "ranges": {k: list(BOUNDS.get(k, (None, None))) for k in documented},
            "sources": SOURCES,
            "in_sample": [{"label": m.label, **_errors(m, platform, fitted)} for m in ms],
            "leave_one_out": loo,
        }
    if not out:
        raise TinysimError(f"{validated}: no entry ran with a saved profile; `tinysim validate "
                           f"--profiles {validated}` must run at least one entry")
    return out
