"""Energy: the integral of VDD x I(t) over the timed window, with a board-level supply current
made of a static part and a dynamic part per MHz, in Run and in Sleep, plus small per-class
corrections.

    I_run(f)   = static_ua + run_ua_per_mhz   x f[MHz]   (cycles the core works)
    I_sleep(f) = static_ua + sleep_ua_per_mhz x f[MHz]   (cycles it waits in WFI/Sleep)
    E = VDD x (I_run(f) x run_cycles + I_sleep(f) x sleep_cycles) / f  + deltas

The static part is what does not follow the clock (leakage, regulator and board quiescent
current); the dynamic parts follow it. A board gives the figures for its own supply: `regulator`
names it ("ldo" = the internal regulator, "smps" = an external switched-mode supply on VDD12,
the -P parts; AN4978 gives the SMPS's run-mode gain as "up to ~60%", so the two boards of one
SoC carry different figures). A board without `sleep_ua_per_mhz` charges sleep at the run
current. `run_ua_per_mhz` may also be a per-frequency table [(MHz, uA/MHz), ...], interpolated.

STM32L4R5: DS12023's "Current consumption in Run/Sleep mode" tables (per voltage range, LDO and
SMPS) could NOT be found with the search tools available (the documents in the corpus are other
STM32 datasheets and application notes), so no figure here is a datasheet figure and no
per-voltage-range table is given (both boards run at 120 MHz: Range 1 boost on the LDO board; on
the -P board the core runs from the SMPS and VOS does not set its voltage).
  nucleo-l4r5zi (LDO): run 110 uA/MHz from ST's STM32L4+ overview ("down to 110 uA/MHz"),
      static 0; cross-check: the MLPerf Tiny v0.5 reference KWS energy (7374 uJ in 181.9 ms at
      3.0 V) is 112 uA/MHz.
  nucleo-l4r5zi-p (SMPS): static, run and sleep parts FITTED to six published measurements of
      ST's MLPerf Tiny v1.3 submission on this board (mlcommons/tiny_results_v1.3, see the board
      file): the four energy runs at 120 MHz (busy all the window) fix static + 120 x run, the
      streaming-wakeword runs at 120 MHz (duty cycle 0.56) and 70 MHz (duty 0.96) split the
      static from the dynamic part and give the idle (sleep) part.

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
from typing import Any, Dict, Mapping, Optional, Sequence, Tuple

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
    static_ua: float = 0.0  # clock-independent current (leakage, regulator, board), Run and Sleep
    sleep_ua_per_mhz: Optional[float] = None  # dynamic part in Sleep; None = the run current
    regulator: str = ""

    @classmethod
    def from_platform(cls, platform, overrides: Mapping[str, float] = None) -> "EnergyModel":
        e = platform.energy
        vdd, run, static, deltas = float(e.vdd_v), e.run_ua_per_mhz, float(e.static_ua), dict(e.class_pj)
        sleep = getattr(e, "sleep_ua_per_mhz", None)
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
        overrides = overrides or {}
        if "run_ua_per_mhz" in overrides:
            run = float(overrides["run_ua_per_mhz"])
        if "static_ua" in overrides:
            static = float(overrides["static_ua"])
        if "sleep_ua_per_mhz" in overrides:
            sleep = float(overrides["sleep_ua_per_mhz"])
        return cls(vdd, run, merged, static, None if sleep is None else float(sleep),
                   getattr(e, "regulator", ""))

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

    def sleep_current_a(self, clock_hz):
        if self.sleep_ua_per_mhz is None:
            return self.run_current_a(clock_hz)
        mhz = np.asarray(clock_hz, dtype=np.float64) / 1e6
        return (self.sleep_ua_per_mhz * mhz + self.static_ua) * 1e-6

    def parts_joules(self, cycles, clock_hz, sleep_cycles=0) -> Dict[str, Any]:
        """The integral over a window of `cycles`, `sleep_cycles` of them in Sleep: its static,
        run-dynamic and sleep-dynamic parts in joules (arrays when the clock is)."""
        f = np.asarray(clock_hz, dtype=np.float64)
        mhz = f / 1e6
        total = np.asarray(cycles, dtype=np.float64)
        sleep = np.minimum(np.asarray(sleep_cycles, dtype=np.float64), total)
        run = total - sleep
        static = self.vdd_v * self.static_ua * 1e-6 * total / f
        run_dyn = self.vdd_v * self.ua_per_mhz(f) * mhz * 1e-6 * run / f
        if self.sleep_ua_per_mhz is None:
            sleep_dyn = self.vdd_v * self.ua_per_mhz(f) * mhz * 1e-6 * sleep / f
        else:
            sleep_dyn = self.vdd_v * self.sleep_ua_per_mhz * mhz * 1e-6 * sleep / f
        return {"static_j": static, "run_dynamic_j": run_dyn, "sleep_dynamic_j": sleep_dyn}

    def base_joules(self, cycles, clock_hz, sleep_cycles=0):
        """VDD x (I_run(f) x run cycles + I_sleep(f) x sleep cycles) / f."""
        parts = self.parts_joules(cycles, clock_hz, sleep_cycles)
        return parts["static_j"] + parts["run_dynamic_j"] + parts["sleep_dynamic_j"]

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


def fit_run_ua_per_mhz(model: EnergyModel, windows) -> float:
    """Least-squares run current per MHz (the dynamic Run part) for measured windows, the static
    and sleep parts held at the model's: `windows` = [(measured joules, cycles, clock Hz, sleep
    cycles, per-class and flash-event joules), ...]. The run part of a window is
    VDD x k x 1e-12 x run cycles (k in uA/MHz), whatever the clock."""
    xs, es = [], []
    for joules, cycles, clock_hz, sleep_cycles, deltas_j in windows:
        parts = model.parts_joules(cycles, clock_hz, sleep_cycles)
        sleep = min(float(sleep_cycles), float(cycles))
        held = float(parts["static_j"]) + (float(parts["sleep_dynamic_j"])
                                           if model.sleep_ua_per_mhz is not None else 0.0)
        run_cycles = float(cycles) - (sleep if model.sleep_ua_per_mhz is not None else 0.0)
        xs.append(model.vdd_v * 1e-12 * run_cycles)
        es.append(float(joules) - float(deltas_j) - held)
    xs, es = np.array(xs), np.array(es)
    return float(xs @ es / (xs @ xs))


def window_energy(model: EnergyModel, cycles: float, clock_hz: float,
                  term_counts: Sequence[float], instruction_lines: int, data_lines: int,
                  sleep_cycles: float = 0) -> Tuple[float, float, Dict[str, float]]:
    """(joules, average watts, breakdown) of one timed window; `sleep_cycles` of its `cycles`
    were spent in Sleep (WFI)."""
    parts = {k: float(v) for k, v in model.parts_joules(cycles, clock_hz, sleep_cycles).items()}
    base = sum(parts.values())
    classes = float(np.asarray(term_counts, dtype=np.float64) @ model.delta_vector())
    events = model.event_joules(instruction_lines, data_lines)
    joules = base + classes + events
    seconds = cycles / clock_hz
    watts = joules / seconds if seconds > 0 else 0.0
    return joules, watts, {"base_j": base, **parts, "class_deltas_j": classes,
                           "flash_event_j": events, "sleep_cycles": float(sleep_cycles)}
