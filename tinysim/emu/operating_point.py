"""The operating point the firmware has configured, followed in device time (mixed into Machine).

Which core clock, flash wait states, prefetch and caches, and voltage range are in force comes
from the SoC's clock, flash and power controller models when it has them (on the STM32L4R5:
`clock.stm32l4_rcc`, `flash.stm32l4_flash`, `power.stm32l4_pwr`); they tell the machine of each
change (`Host.clock_changed`, `Host.flash_changed`). The machine then

- keeps the clock segments: device time = sum over segments of cycles / f (the counter counts
  core cycles, which is what DWT CYCCNT and SysTick count);
- checks the new point against what the silicon allows (wait states per voltage range from the
  SoC file's `[flash.wait_states]`, the HCLK limit per range from the power model's
  `max_hclk_hz` param). A point outside the manual's limits is reported as a
  `clock-configuration` warning naming the register values, the manual's rule and where the
  firmware was, and the run goes on at the configured settings: the datasheet limits hold over
  the full temperature and voltage range, and firmware that breaks them briefly runs on real
  parts (ST's published MLPerf Tiny builds lower FLASH_ACR.LATENCY to 3 at 120 MHz just before
  HAL_RCC_DeInit). With `strict_clocks` set the point stops the run with a fault instead, for
  firmware authors who want their start-up held to the manual;
- tells listeners (the pipeline's Session, which re-times the flash model of the counter).

A platform variant with a clock override (`Platform.with_overrides(clock_hz=...)`, what-if
sweeps) is timed at that clock with the table's wait states whatever the firmware configures:
the override wins, and no check is made.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Callable, List, Optional, Tuple

from ..errors import PlatformError

CLOCK_CONFIG_FAULT = "clock-configuration"


@dataclass(frozen=True)
class OperatingPoint:
    clock_hz: float
    latency: Optional[int] = None       # flash wait states the firmware set (None: no model)
    prefetch: Optional[bool] = None
    icache: Optional[bool] = None
    dcache: Optional[bool] = None
    voltage_range: Optional[str] = None
    cache_ways: Optional[int] = None    # associativity the firmware selected (STM32U5 ICACHE WAYSEL)

    def as_dict(self) -> dict:
        return asdict(self)

    def describe(self) -> str:
        parts = [f"{self.clock_hz / 1e6:g} MHz"]
        if self.latency is not None:
            parts.append(f"LATENCY={self.latency}")
            parts.append("PRFTEN=" + str(int(bool(self.prefetch))))
            parts.append("ICEN=" + str(int(bool(self.icache))) + " DCEN=" + str(int(bool(self.dcache))))
        if self.voltage_range:
            parts.append(self.voltage_range)
        return ", ".join(parts)


class OperatingPoints:
    """Mixin: `clock_hz()`, `operating_point`, `op_changes`, `seconds_at(cycle)`,
    `on_operating_point(cb)`, and the Host methods `clock_changed`, `flash_changed`,
    `kernel_clock_hz`."""

    def _init_operating_points(self) -> None:
        self._op_listeners: List[Callable] = []
        self.clock_override: Optional[float] = (self.platform.overrides or {}).get("clock_hz")
        self._clock_model = self._provider("core_clock_hz")
        self._flash_model = self._provider("latency")
        self._power_model = self._provider("voltage_range")
        self.strict_clocks = False
        self._out_of_spec: Optional[Tuple[int, int]] = None   # (pc, cycle) while out of spec
        self._restart_operating_points()

    def _provider(self, attribute: str):
        for p in self.peripherals.values():
            if hasattr(type(p), attribute):
                return p
        return None

    def _restart_operating_points(self) -> None:
        """At power-on and after a system reset: the point the reset values give, from now on."""
        self._out_of_spec = None
        point = self._read_operating_point()
        if getattr(self, "counter", None) is None or not hasattr(self, "op_changes"):
            self.operating_point = point
            self.op_changes: List[Tuple[int, OperatingPoint]] = [(0, point)]
            # (counter totals at the change, point from then on): `Counter.flash_event_totals`
            self.op_marks: List[Tuple[tuple, OperatingPoint]] = [((0, 0, 0, 0, 0, 0), point)]
        elif point != self.operating_point:
            self.operating_point = point
            self.op_changes.append((self.now(), point))
            self.op_marks.append((self._totals(), point))
        self.clock_tree_written()
        self._notify_operating_point(False, False)

    def _read_operating_point(self) -> OperatingPoint:
        hz = float(self.clock_override or 0) or (
            self._clock_model.core_clock_hz() if self._clock_model is not None
            else float(self.platform.clock_hz))
        f, pw = self._flash_model, self._power_model
        return OperatingPoint(
            clock_hz=float(hz),
            latency=None if f is None else int(f.latency),
            prefetch=None if f is None else bool(f.prefetch),
            icache=None if f is None else bool(f.icache),
            dcache=None if f is None else bool(f.dcache),
            voltage_range=None if pw is None else str(pw.voltage_range),
            cache_ways=getattr(f, "cache_ways", None))

    def _totals(self) -> tuple:
        totals = getattr(getattr(self, "counter", None), "flash_event_totals", None)
        return totals() if totals is not None else (self.now(), 0, 0, 0, 0, 0)

    def flash_read_bytes(self) -> Optional[int]:
        """Bytes per flash read the flash controller's option bytes select, if it says."""
        return getattr(self._flash_model, "read_width_bytes", None)

    # ---- Host methods --------------------------------------------------------------------------
    def clock_hz(self) -> float:
        return self.operating_point.clock_hz

    def kernel_clock_hz(self, name: str) -> Optional[float]:
        query = getattr(self._clock_model, "kernel_clock_hz", None)
        return query(name) if query is not None else None

    def clock_changed(self) -> None:
        # the core clock first: peripherals that re-sync in `clocks_changed` (timers) must see
        # the new core clock together with their new kernel clock
        self._operating_point_changed(False, False)
        self.clock_tree_written()

    def clock_tree_written(self) -> None:
        """A clock controller register was written, or the clock tree changed: a UART kernel
        clock can change with the core clock unchanged (RCC CCIPR, an oscillator turned on), so
        the peripherals drop what they derived from their clocks (`Peripheral.clocks_changed`)."""
        for p in self.peripherals.values():
            p.clocks_changed()

    def flash_changed(self, icache_reset: bool = False, dcache_reset: bool = False) -> None:
        self._operating_point_changed(icache_reset, dcache_reset)

    # ---- following the firmware ----------------------------------------------------------------
    def on_operating_point(self, callback: Callable[[OperatingPoint, bool, bool], None]) -> None:
        """`callback(point, icache_reset, dcache_reset)` now and at every change."""
        self._op_listeners.append(callback)
        callback(self.operating_point, False, False)

    def _notify_operating_point(self, icache_reset: bool, dcache_reset: bool) -> None:
        for cb in self._op_listeners:
            cb(self.operating_point, icache_reset, dcache_reset)

    def _operating_point_changed(self, icache_reset: bool, dcache_reset: bool) -> None:
        point = self._read_operating_point()
        if point == self.operating_point and not (icache_reset or dcache_reset):
            return
        if point != self.operating_point:
            self.operating_point = point
            self.op_changes.append((self.now(), point))
            self.op_marks.append((self._totals(), point))
            if self.clock_override is None:
                self._check_operating_point(point)
            self.timers_changed()
        self._notify_operating_point(icache_reset, dcache_reset)

    def _check_operating_point(self, point: OperatingPoint) -> None:
        problem = self.operating_point_problem(point)
        if problem and self.strict_clocks:
            self._pending_fault = self.make_fault(CLOCK_CONFIG_FAULT, problem)
            self.request_stop("fault")
            return
        if self._out_of_spec is not None and not problem:
            pc, since = self._out_of_spec     # warnings are append-only (runs copy the list)
            self.warnings.append(f"{CLOCK_CONFIG_FAULT}: back within the limits at cycle "
                                 f"{self.now()}, {self.now() - since} core cycles after "
                                 f"{pc:#010x} left them.")
            self._out_of_spec = None
        elif problem and self._out_of_spec is None:
            pc = self.uc.reg_read(self.pc_reg())
            where = self.firmware.symbolize(pc)
            where = f"{where} ({pc:#010x})" if not where.startswith("0x") else where
            self.warnings.append(
                f"{CLOCK_CONFIG_FAULT} at {where}, cycle {self.now()}: {problem}. The run goes on at the configured settings (run with "
                "--strict-clocks to stop here instead).")
            self._out_of_spec = (pc, self.now())

    def operating_point_problem(self, point: OperatingPoint) -> Optional[str]:
        """What the silicon would not do at `point`, or None (the checks in the module doc)."""
        if self._clock_model is not None:
            tree_problems = getattr(self._clock_model.tree(), "problems", ())
            if tree_problems:
                return "; ".join(tree_problems)
        if point.latency is None or point.voltage_range is None:
            return None
        vr = point.voltage_range
        mhz = point.clock_hz / 1e6
        if vr == "invalid":
            return ("PWR_CR1.VOS is 00 or 11, which RM0432 section 5.4.1 does not allow "
                    "(01 = Range 1, 10 = Range 2)")
        limits = dict(self._power_model.params.get("max_hclk_hz") or {})
        limit = limits.get(vr)
        if limit is not None and point.clock_hz > float(limit):
            # the power model may name its own registers and manual (RANGE_RULE); else the L4+'s
            rule = getattr(self._power_model, "RANGE_RULE", (
                "(PWR_CR1.VOS, PWR_CR5.R1MODE; RM0432 section 5.1.8): raise the voltage range "
                "(Range 1 boost: VOS=01, R1MODE=0) before the clock"))
            return f"HCLK {mhz:g} MHz exceeds the {float(limit) / 1e6:g} MHz that {vr} allows {rule}"
        # the SoC's table for that range (STM32H7, U5: one per scale); the L4+ boost range and
        # its external-VDD12 supply use its "range1" table
        table = vr if vr in self.platform.flash.wait_state_table else "range1"
        try:
            need = int(self.platform.flash.wait_states(point.clock_hz, table, self.platform.name))
        except PlatformError as err:
            return f"HCLK {mhz:g} MHz cannot be timed in {vr}: {err}"
        if point.latency < need:
            table_src = getattr(self._flash_model, "WAIT_STATE_TABLE", "RM0432 section 3.3.3 Table 12")
            return (f"FLASH_ACR.LATENCY={point.latency} wait states at HCLK {mhz:g} MHz in {vr}: "
                    f"{table_src} requires at least {need} (set LATENCY before "
                    f"raising the clock, lower it only after lowering the clock); flash reads are not "
                    f"guaranteed correct below that")
        return None

    def seconds_at(self, cycle: int) -> float:
        """Device time at core cycle `cycle`: the sum over clock segments of cycles / f."""
        total = 0.0
        changes = self.op_changes
        for k, (start, point) in enumerate(changes):
            if start >= cycle:
                break
            end = changes[k + 1][0] if k + 1 < len(changes) else cycle
            end = min(end, cycle)
            if point.clock_hz > 0:
                total += (end - start) / point.clock_hz
        return total

    def operating_points_between(self, begin: int, end: int) -> List[OperatingPoint]:
        """The distinct points in force during cycles [begin, end)."""
        out: List[OperatingPoint] = []
        for k, (start, point) in enumerate(self.op_changes):
            stop = self.op_changes[k + 1][0] if k + 1 < len(self.op_changes) else None
            if start < end and (stop is None or stop > begin) and point not in out:
                out.append(point)
        return out
