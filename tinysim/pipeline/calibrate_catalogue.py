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
  load_wb_chain        [0, 1]  Cortex-M4 only: the extra cycle of a load on the base the load
                               before it wrote back; 1 = measured on an STM32F407 (jnk0le, "cannot
                               be chained back to back on same register base"), 0 = the Cortex-M4
                               TRM's pipelining rule, which names no written-back base
  run_ua_per_mhz       none    no documented range for the board-level current was found
                               (DS12023's tables were not in the corpus); unconstrained, > 0
  static_ua, sleep_ua_per_mhz  held at the board file's figures (reported with the board file's
                               own mark: documented, or FITTED there to other measurements)

The cycle model is linear in the first three, so the fit is least squares over the box: the
unconstrained solution if it lies inside, else the best of the solutions with parameters pinned
to their bounds. Leave-one-out: each measurement predicted by a fit made without it; and, the
honest one, leave-workload-out: predicted by a fit made without every entry of its workload (a
performance and an energy build of one model are near twins).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

import numpy as np

from ..cost.calibrate import REFILL_TERMS, Measurement
from ..cost.classes import InsnClass
from ..cost.energy import EnergyModel, fit_run_ua_per_mhz
from ..cost.evaluate import estimate
from ..cost.profile import ExecutionProfile
from ..cost.timing import get_preset
from ..errors import TinysimError
from ..platform import load_platform
from ..published.catalogue import Catalogue, board_ref

BOUNDS = {"branch_refill": (1.0, 3.0), "flash_penalty_scale": (0.0, 1.0),
          "load_wb_chain": (0.0, 1.0)}
SOURCES = {
    "branch_refill": "Cortex-M4 TRM Table 3-1, P = 1..3",
    "flash_penalty_scale": "physical bound: 0 (ART hides all) .. 1 (full wait states, RM0432 3.3.3)",
    "load_wb_chain": "0 (Cortex-M4 TRM 3.3.2 pipelining rule) .. 1 (STM32F407 measurement, jnk0le)",
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
        m.workload = entry.workload
        out.setdefault(entry.platform, []).append(m)
    return out


def _fitted_names(platform) -> List[str]:
    """The cycle parameters fitted for `platform`: the chain weight only where its core's timing
    preset has the term (the Cortex-M4)."""
    has_chain = "load_wb_chain" in get_preset(platform.core.timing).defaults
    return ["branch_refill", "flash_penalty_scale"] + (["load_wb_chain"] if has_chain else [])


def _design(ms: List[Measurement], platform, names: List[str]) -> Tuple[np.ndarray, np.ndarray]:
    rows, ys = [], []
    held = {"branch_refill": 0.0, **({"load_wb_chain": 0.0} if "load_wb_chain" in names else {})}
    for m in ms:
        zero = float(estimate(m.profile, platform, {"flash_penalty_scale": 0.0, **held}).cycles)
        one = float(estimate(m.profile, platform, {"flash_penalty_scale": 1.0, **held}).cycles)
        totals = m.profile.term_totals()
        row = [float(sum(totals[t] for t in REFILL_TERMS)), one - zero]
        if "load_wb_chain" in names:
            row.append(float(totals[InsnClass.LOAD_WB_STALL]))
        rows.append(row)
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
        names = _fitted_names(platform)
        A, y = _design(timed, platform, names)
        # a parameter whose term never occurs in these windows cannot be fitted: it keeps its
        # documented value (and is reported as such) rather than an arbitrary one
        keep = [k for k in range(len(names)) if np.any(A[:, k])]
        names, A = [names[k] for k in keep], A[:, keep]
        x = bounded_lstsq(A, y, [BOUNDS[n] for n in names])
        params = {n: float(v) for n, v in zip(names, x)}
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
        preset = get_preset(platform.core.timing).defaults
        documented = {"branch_refill": float(preset.get("branch_refill", 1.0)),
                      "flash_penalty_scale": 1.0,
                      **({"load_wb_chain": float(preset["load_wb_chain"])}
                         if "load_wb_chain" in _fitted_names(platform) else {}),
                      "run_ua_per_mhz": float(platform.energy.run_ua_per_mhz),
                      "static_ua": float(platform.energy.static_ua)}
        if platform.energy.sleep_ua_per_mhz is not None:
            documented["sleep_ua_per_mhz"] = float(platform.energy.sleep_ua_per_mhz)
        fitted = fit_platform(ms, platform)
        # Leave one WORKLOAD out: a submission's performance and energy builds of one model run
        # nearly the same code, so leaving out one build alone would let its twin carry the
        # answer (that optimistic figure is kept as `leave_one_out`).
        loo, lowo = [], []
        for k, m in enumerate(ms):
            rest = ms[:k] + ms[k + 1:]
            others = [o for o in ms if getattr(o, "workload", o.label) != getattr(m, "workload", m.label)]
            for out_list, pool in ((loo, rest), (lowo, others)):
                if not pool:
                    out_list.append({"label": m.label, "cycle_error": None, "energy_error": None,
                                     "note": "nothing left to fit without it"})
                else:
                    out_list.append({"label": m.label, **_errors(m, platform, fit_platform(pool, platform))})
        out[name] = {
            "documented": documented, "fitted": fitted,
            "marks": {k: _mark(k, fitted, platform) for k in documented},
            "ranges": {k: list(BOUNDS.get(k, (None, None))) for k in documented},
            "sources": SOURCES,
            "in_sample": [{"label": m.label, **_errors(m, platform, fitted)} for m in ms],
            "leave_one_out": loo,
            "leave_workload_out": lowo,
        }
    if not out:
        raise TinysimError(f"{validated}: no entry ran with a saved profile; `tinysim validate "
                           f"--profiles {validated}` must run at least one entry")
    return out
