"""Energy: E = VDD * I_run(f) * t, plus small per-class corrections.

I_run(f) = run current per MHz (at f) * f + static current, from the board's [energy] table. The
datasheet run-mode figure is measured with code running from flash with the ART on, so it already
holds an average instruction mix and flash traffic. With a flat uA/MHz the base energy per cycle
is VDD * uA/MHz pJ: energy follows cycles, and the clock acts through wait states (more cycles at
a higher clock) and the static current. A board may give a per-frequency table
[(MHz, uA/MHz), ...] instead of one number; it is interpolated.

STM32L4R5: the DS12023 "Current consumption in Run mode" tables could NOT be found with the search
tool available while writing this. nucleo-l4r5zi.toml uses 110 uA/MHz from ST's STM32L4+ overview
("down to 110 uA/MHz", LDO) and cross-checks it against the MLPerf Tiny v0.5 reference energy
(KWS 7374 uJ / 181.9 ms at 3.0 V = ~112 uA/MHz); treat it as a figure to calibrate
(`tinysim calibrate`), not a datasheet-sourced one.

Boards by regulator (issue 12): nucleo-l4r5zi (internal LDO) keeps the 110 uA/MHz above;
nucleo-l4r5zi-p (external SMPS at 3.0 V) uses 92.4 uA/MHz FITTED to ST's four published MLPerf
Tiny v1.3 energy runs (tinysim/published/catalogue.toml), since DS12023's SMPS run-current tables
were not found either. Static current 0 on both (folded into the per-MHz figure at 120 MHz);
per-voltage-range figures are not needed at 120 MHz (Range 1 only) and were not found; sleep/WFI
current is not modelled separately (the counter reports outside-block cycles as one total, and a
timed inference window has practically none), so those cycles are charged at the run current.

Per-class deltas (pJ per instruction or event) are corrections on top of that average. Defaults
below are ESTIMATES; a board's [energy] class_pj table overrides them:
  FP_DIVSQRT  +23 pJ: Horowitz (ISSCC 2014, 45 nm) fp32 multiply 3.7 pJ x 7.1 (FP divide vs
              multiply energy measured on an Ambiq Apollo3 Cortex-M4F, PMC8934428) minus the
              multiply already in an average cycle. Estimate.
  FLASH_LINE  +20 pJ per instruction line read from the flash array (cache miss or prefetch).
              Guess: no public per-access figure for the L4+ flash was found.
  FLASH_DATA  +20 pJ per data line read from the flash array (D-cache miss). Guess, as above.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Dict, Mapping, Sequence, Tuple

import numpy as np

from ..errors import PlatformError
from .classes import InsnClass

ESTIMATED_DELTAS_PJ: Dict[str, float] = {
    "FP_DIVSQRT": 23.0,  # estimate, see module docstring
    "FLASH_LINE": 20.0,  # guess
    "FLASH_DATA": 20.0,  # guess
}
EVENT_DELTAS = ("FLASH_LINE", "FLASH_DATA")


@dataclass(frozen=True)
class EnergyModel:
    vdd_v: float
    run_ua_per_mhz: Any  # float, or ((MHz, uA/MHz), ...) sorted by MHz
    deltas_pj: Mapping[str, float]
    static_ua: float = 0.0  # clock-independent current (leakage, regulator), added to I_run

    @classmethod
    def from_platform(cls, platform, overrides: Mapping[str, float] = None) -> "EnergyModel":
        e = platform.energy
        vdd, run, static, deltas = float(e.vdd_v), e.run_ua_per_mhz, float(e.static_ua), dict(e.class_pj)
        if not isinstance(run, (int, float)):
            run = tuple(sorted((float(mhz), float(ua)) for mhz, ua in run))
        merged = dict(ESTIMATED_DELTAS_PJ)
        merged.update(deltas)
        for name in merged:
            if name not in InsnClass.__members__ and name not in EVENT_DELTAS:
                raise PlatformError(
                    f"platform {getattr(platform, 'name', '?')} [energy]: unknown energy delta "
                    f"{name!r}; use an instruction class ({', '.join(InsnClass.__members__)}) "
                    f"or an event ({', '.join(EVENT_DELTAS)})")
        if overrides and "run_ua_per_mhz" in overrides:
            run = float(overrides["run_ua_per_mhz"])
        return cls(vdd, run, merged, static)

    def ua_per_mhz(self, clock_hz):
        mhz = np.asarray(clock_hz, dtype=np.float64) / 1e6
        if isinstance(self.run_ua_per_mhz, (int, float)):
            return np.full(mhz.shape, float(self.run_ua_per_mhz))
        xs = np.array([p[0] for p in self.run_ua_per_mhz])
        ys = np.array([p[1] for p in self.run_ua_per_mhz])
        return np.interp(mhz, xs, ys)  # flat beyond the table's ends

    def run_current_a(self, clock_hz):
        mhz = np.asarray(clock_hz, dtype=np.float64) / 1e6
        return (self.ua_per_mhz(clock_hz) * mhz + self.static_ua) * 1e-6

    def base_joules(self, cycles, clock_hz):
        """VDD * I_run(f) * cycles / f."""
        seconds = np.asarray(cycles, dtype=np.float64) / np.asarray(clock_hz, dtype=np.float64)
        return self.vdd_v * self.run_current_a(clock_hz) * seconds

    def delta_vector(self) -> np.ndarray:
        """Per-term deltas in joules, indexed by InsnClass."""
        vec = np.zeros(len(InsnClass))
        for name, pj in self.deltas_pj.items():
            if name in InsnClass.__members__:
                vec[InsnClass[name]] = pj * 1e-12
        return vec

    def event_joules(self, instruction_lines, data_lines) -> float:
        """Flash array reads: instruction lines (misses + prefetches), data lines likewise."""
        d = self.deltas_pj
        return 1e-12 * (instruction_lines * d.get("FLASH_LINE", 0.0)
                        + data_lines * d.get("FLASH_DATA", 0.0))


def window_energy(model: EnergyModel, cycles: float, clock_hz: float,
                  term_counts: Sequence[float], instruction_lines: int, data_lines: int
                  ) -> Tuple[float, float, Dict[str, float]]:
    """(joules, average watts, breakdown) of one timed window."""
    base = float(model.base_joules(cycles, clock_hz))
    classes = float(np.asarray(term_counts, dtype=np.float64) @ model.delta_vector())
    events = model.event_joules(instruction_lines, data_lines)
    joules = base + classes + events
    seconds = cycles / clock_hz
    watts = joules / seconds if seconds > 0 else 0.0
    return joules, watts, {"base_j": base, "class_deltas_j": classes, "flash_event_j": events}
