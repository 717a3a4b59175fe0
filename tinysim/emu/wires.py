"""Board wiring between peripherals: an output pin drives an input pin (`Platform.wires`).

A wire end is `<peripheral>:<pin>`; the peripheral model offers `output_level(pin)`,
`watch(pin, callback)` and `drive(pin, level)` (tinysim/emu/peripherals/gpio/stm32_gpio.py).
A level change reaches the input `delay_s` of device time later (a settle time from the board's
manual); with no delay it arrives at once. The machine asks `next_event`/`tick` like a timer's.
"""

from __future__ import annotations

from typing import List, Optional, Tuple

from ..errors import PlatformError


class Wires:
    def __init__(self, machine, wires):
        self.machine = machine
        self.wires = tuple(wires)
        self._pending: List[Tuple[int, object, str, int]] = []   # (due cycle, target, pin, level)
        self._ends = []
        for w in self.wires:
            src, src_pin = self._end(w.source, "output_level", "watch")
            dst, dst_pin = self._end(w.target, "drive")
            self._ends.append((w, src, src_pin, dst, dst_pin))
            src.watch(src_pin, lambda level, w=w, dst=dst, pin=dst_pin: self._changed(w, dst, pin, level))

    def _end(self, end: str, *methods):
        name, _, pin = end.partition(":")
        periph = self.machine.peripherals.get(name)
        if periph is None or not all(hasattr(periph, m) for m in methods):
            raise PlatformError(f"platform {self.machine.platform.name}: wire end {end!r}: peripheral "
                                f"{name!r} has no pins a wire can use")
        periph._pin(pin) if hasattr(periph, "_pin") else None   # a bad pin name fails at load
        return periph, pin

    def reset(self) -> None:
        """Inputs follow the outputs' reset levels (after the peripherals' own reset)."""
        self._pending = []
        for w, src, src_pin, dst, dst_pin in self._ends:
            dst.drive(dst_pin, src.output_level(src_pin) ^ w.invert)

    def _changed(self, wire, dst, pin, level) -> None:
        level ^= wire.invert
        if wire.delay_s <= 0:
            dst.drive(pin, level)
            return
        due = self.machine.now() + int(round(wire.delay_s * self.machine.clock_hz()))
        self._pending.append((due, dst, pin, level))
        self.machine.timers_changed()

    def next_event(self, now: int) -> Optional[int]:
        if not self._pending:  # the usual case (the run loop asks at every stop)
            return None
        return min(p[0] for p in self._pending)

    def tick(self, now: int) -> None:
        if not self._pending:
            return
        due = [p for p in self._pending if p[0] <= now]
        if due:
            self._pending = [p for p in self._pending if p[0] > now]
            for _, dst, pin, level in sorted(due, key=lambda p: p[0]):
                dst.drive(pin, level)
