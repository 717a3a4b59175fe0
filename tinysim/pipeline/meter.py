"""The simulation meter: cycles, instructions and energy of each timed window of an emulated DUT.

The host runner (tinysim.harness.runner) calls a meter after each timed window; on hardware there
is none. This one reads the emulator's counter snapshots and costs them with the cost model, so it
joins the emulator, the cost model and the runner, and lives in the pipeline layer.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional, Sequence, Tuple

from ..cost.evaluate import estimate
from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from ..harness.rules import lap_elapsed_us
from ..harness.runs import WindowMeasure
from .segments import window_points


class SimulationMeter:
    """Cycles, instructions and energy of each timed window of an emulated DUT.

    The machine snapshots its counters whenever the firmware reads its cycle counter. Among the
    reads during one `infer` command are the two `th_timestamp()` calls that print t1 and t2; the
    firmware may read the counter at other times too (timer wake-ups while idle), so the pair is
    the earliest two snapshots whose cycle difference is the printed t2 - t1 (within the 1 us
    resolution of m-lap-us). Their difference is an ExecutionProfile, costed by
    `tinysim.cost.evaluate.estimate` for the platform. Snapshots are recorded only while a timed
    window runs (`arm`), so loading inputs costs no copies."""

    def __init__(self, machine, coster, platform):
        self.machine = machine
        self.coster = coster
        self.platform = platform

    def arm(self) -> None:
        self.machine.timestamps.clear()
        self.machine.other_timestamps.clear()
        self.machine.record_timestamps = True

    def window_pair(self, stamps: Sequence[Any], elapsed_us: int) -> Optional[Tuple[Any, Any]]:
        machine = getattr(self, "machine", None)  # the clock the firmware runs (and timed) at
        per_us = (machine.clock_hz() if machine is not None else self.platform.clock_hz) / 1e6
        tolerance = 1.0 + 1e-6 * elapsed_us          # m-lap-us truncates to whole microseconds
        for i, a in enumerate(stamps):
            for b in stamps[i + 1:]:
                span_us = (int(b.cycles) - int(a.cycles)) / per_us
                if abs(span_us - elapsed_us) <= tolerance:
                    return a, b
                if span_us > elapsed_us + tolerance:
                    break
        return None

    def __call__(self, res) -> Optional[WindowMeasure]:
        stamps = list(getattr(res, "timestamps", None) or ())
        other = list(self.machine.other_timestamps)
        self.machine.record_timestamps = False
        self.machine.timestamps.clear()
        self.machine.other_timestamps.clear()
        elapsed = lap_elapsed_us(res.t1_us, res.t2_us)
        # The firmware's own cycle-counter reads first; else the reads inside interrupt handlers
        # and the GPIO pulls low (a firmware timing itself from its UART callback, or on a pin).
        pair = self.window_pair(stamps, elapsed) or self.window_pair(
            sorted(stamps + other, key=lambda s: int(s.cycles)), elapsed)
        if pair is None:
            raise TinysimError(
                f"infer {res.n} {res.warmup}: none of the {len(stamps) + len(other)} counter snapshots of the window "
                f"spans the printed m-lap-us interval ({res.t2_us} - {res.t1_us} us); does the board port "
                "derive board_micros() from the cycle counter?")
        profile = ExecutionProfile.from_snapshots(pair[0], pair[1], self.coster,
                                                  window=f"infer {res.n} {res.warmup}",
                                                  platform=self.platform.name,
                                                  inferences=int(res.n),
                                                  elf=_elf_path(self.machine),
                                                  elf_sha256=getattr(self.machine.firmware, "sha256", None),
                                                  **window_points(self.machine, pair[0], pair[1]))
        est = estimate(profile, self.platform)
        unlearned = int(getattr(pair[1], "unlearned_block_executions", 0)
                        - getattr(pair[0], "unlearned_block_executions", 0))
        return WindowMeasure(cycles=float(est.cycles), instructions=float(profile.instructions),
                             energy_j=float(est.joules), avg_power_w=float(est.avg_power_w),
                             profile=profile, unlearned_block_executions=unlearned)


def _elf_path(machine) -> str:
    """The absolute path of the image the window ran, recorded so `profile --profile` can name
    functions without being given the ELF again."""
    path = getattr(machine.firmware, "path", None)
    return str(Path(path).resolve()) if path else ""
