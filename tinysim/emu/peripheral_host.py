"""What the machine offers its peripheral models (the `Host` interface: time, interrupts, UART
bytes, stop requests, unmodelled-register reports, cycle-counter reads) and the host side of the
console UART (input queue, output listeners, idle detection). Mixed into `Machine`."""

from __future__ import annotations

import collections
from typing import Callable, List, Optional, Tuple

from unicorn import UcError

from ..errors import EmulationError
from .peripherals.base import Host, Peripheral
from .semihosting import Exited, WaitsForInput

# A core sleeping in WFI that only timers wake, at least IDLE_WAKES times and for at least
# IDLE_SECONDS of virtual time since the last UART traffic, while a UART receive interrupt is
# enabled, is waiting for host input: the run exits "idle". (A tinysim convention: the periodic
# tick a board keeps for its clock would otherwise wake it forever.)
IDLE_WAKES = 8
IDLE_SECONDS = 1.0
UART_TAIL_LINES = 8


class PeripheralHost(Host):
    """The Host interface and the console UART of a Machine."""

    # ---- Host interface for peripherals -------------------------------------------------------
    def now(self) -> int:
        return self.counter.cycles if self.counter is not None else 0

    def uart_tx(self, periph, byte: int) -> None:
        if periph.name != self.console_name and self.console_name in self.peripherals:
            if self.console_fixed or self._console_spoke:
                return  # only the console UART's output is the firmware's output
            # The board's console UART has said nothing and the firmware talks on another one
            # (ST's energy builds speak the DUT protocol on USART3): that one is the console.
            self.warnings.append(f"console: the firmware writes to {periph.name}, not the board's "
                                 f"{self.console_name}; {periph.name} is the console from now on")
            self.console_name = periph.name
        self._console_spoke = True
        self.console_output(bytes([byte]))

    def console_output(self, b: bytes) -> None:
        """Bytes of the firmware's console output: the console UART's, or semihosting's."""
        self._uart_activity()
        self.uart_out += b
        self._run_tx += b
        for cb in self._tx_listeners:
            cb(b)
        if self._until is not None and self._until(self._run_tx):
            self.request_stop("until")

    def semihost(self, op: int, param: int) -> Tuple[Optional[int], Optional[str]]:
        """A semihosting call (semihosting.py), made at a stop: the value for the result
        register (None: leave it) and how the run goes on (None to go on, "exit", "idle" at a
        console read nothing answers, "until")."""
        try:
            value = self.semihosting.call(op, param)
        except Exited as done:
            self.exit_status = done.status
            return None, "exit"
        except WaitsForInput:
            self.semihosting_waits = True
            return None, "idle"
        if self._until is not None and self._until(self._run_tx):
            return value, "until"
        return value, None

    def warn(self, note: str) -> None:
        if note not in self.warnings:
            self.warnings.append(note)

    def request_stop(self, reason: str) -> None:
        """Stop at the next block boundary (called from MMIO callbacks).

        Never `uc.emu_stop()` here: stopping inside an MMIO access leaves the PC on the access
        itself, so the store (a TDR byte, an ISPR bit) would be executed again on resume.
        Instead the counter's cycle deadline is pulled in to now: the current block completes
        and emulation stops at the next block entry."""
        if self._stop_reason is None:
            self._stop_reason = reason
        if self.counter is not None:
            self._lower_deadline(self.counter.cycles)
        else:
            self.uc.emu_stop()

    def _lower_deadline(self, cycles: int) -> None:
        """Make emulation stop at the first block entry at or after `cycles`, unless it already
        stops sooner (or the counter has already stopped it for another reason)."""
        cycles = max(1, cycles)
        if self.counter.stop_reason is not None:
            return
        if self._deadline is None or cycles < self._deadline:
            self._deadline = cycles
            self.counter.set_deadline(cycles)

    def timers_changed(self) -> None:
        self._live_fns = None  # a reprogrammed timer may have left quiescence (Machine._time_fns)
        if self.counter is None:
            return
        event = self.next_event()
        if event is not None:
            self._lower_deadline(event)

    def peripheral(self, name: str) -> Optional[Peripheral]:
        return self.peripherals.get(name)

    def bus_read(self, addr: int, size: int) -> Optional[int]:
        """A bus master's (DMA's) read: a peripheral register through its model, else memory;
        None where nothing answers (a bus error)."""
        for bus in self.buses:
            if bus.base <= addr < bus.end:
                p, off = bus.find(addr)
                return None if p is None else p.read(off, size)
        try:
            return int.from_bytes(self.uc.mem_read(addr, size), "little")
        except UcError:
            return None

    def bus_write(self, addr: int, size: int, value: int) -> bool:
        for bus in self.buses:
            if bus.base <= addr < bus.end:
                p, off = bus.find(addr)
                if p is not None:
                    p.write(off, size, value)
                return p is not None
        if any(m.kind in ("flash", "rom") and m.base <= addr < m.base + m.size for m in self.platform.memories):
            return False   # flash is written only by its controller's programming sequence
        try:
            self.uc.mem_write(addr, (value & ((1 << 8 * size) - 1)).to_bytes(size, "little"))
        except UcError:
            return False
        return True

    def stop_now(self, reason: str) -> None:
        """Stop immediately (from the CPU interrupt hook: BKPT, SVC, a fault)."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self.uc.emu_stop()

    def note_unmodelled(self, periph: Optional[Peripheral], register: str, kind: str) -> None:
        pc = self.uc.reg_read(self.pc_reg())
        self._unmodelled[(periph.name if periph else "(no peripheral)", register, kind, pc)] += 1

    def unmodelled(self, periph, register, kind):
        self.note_unmodelled(periph, register, kind)

    def in_handler(self) -> bool:
        """Whether the core is running an exception/interrupt handler (arch-specific)."""
        return False

    def cycle_counter_read(self) -> None:
        """The firmware read its cycle counter: note a timestamp. Reads from interrupt handlers
        (e.g. a periodic tick extending the counter past 32 bits) are not the application timing
        itself, so they are counted in `handler_timestamp_reads` and left out of `timestamps`
        and `timestamp_cycles`; while recording, their snapshots go to `other_timestamps`, which
        a meter consults when the firmware's own reads do not match its printed window."""
        if self.counter is None:
            return
        if self.in_handler():
            # Some firmware runs its whole command loop in an interrupt handler (ST's MLPerf
            # Tiny builds execute each DUT command in the UART receive callback).
            self.handler_timestamp_reads += 1
            if self.record_timestamps:
                self.other_timestamps.append(self.counter.snapshot())
            return
        self.timestamp_cycles.append(self.counter.cycles)
        if self.record_timestamps:
            self.timestamps.append(self.counter.snapshot())
        if len(self.timestamp_cycles) == self.learn_data_cache_after_timestamps:
            if self.counter.freeze_data_model():
                self._lower_deadline(self.counter.cycles)   # leave emu_start: the fast path returns

    def pin_driven(self, periph, pin: str, level: int) -> None:
        """A GPIO write drove `pin` to `level`. Pulls low are kept in `pin_lows` as
        (cycle, "<peripheral>:<pin>"): an EEMBC energy-mode firmware timestamps by pulling its
        timestamp pin low. While recording, each pull low also takes a counter snapshot (into
        `other_timestamps`), so a meter can cut the window between two of them."""
        if level or self.counter is None:
            return
        self.pin_lows.append((self.counter.cycles, f"{periph.name}:{pin}"))
        if self.record_timestamps:
            self.other_timestamps.append(self.counter.snapshot())

    def unmodelled_accesses(self) -> List[Tuple[str, str, str, str, int]]:
        """(peripheral, register, read|write, PC symbol, count) for every access to a register
        no model emulates (it read as its reset value), most frequent first."""
        merged: collections.Counter = collections.Counter()
        for (periph, reg, kind, pc), n in self._unmodelled.items():
            merged[(periph, reg, kind, self.firmware.symbolize(pc))] += n
        return [(*k, n) for k, n in merged.most_common()]

    def flash_config(self) -> Optional[dict]:
        """The flash interface set-up the firmware chose (wait states, prefetch, caches), read
        from the flash controller model, or None when the platform has none."""
        for p in self.peripherals.values():
            if hasattr(p, "latency"):
                return {"latency": p.latency, "prefetch": p.prefetch, "icache": p.icache, "dcache": p.dcache}
        return None

    def _flash_warning(self) -> Optional[str]:
        """Under a what-if clock override the platform's wait states time the run, not what the
        firmware set: say so when they differ (otherwise the timing follows the firmware)."""
        cfg = self.flash_config()
        override = getattr(self, "clock_override", None)
        if cfg is None or override is None or self.counter is None or self.counter.instructions == 0:
            return None
        try:
            model_ws = int(self.platform.wait_states_at(float(override)))
        except Exception:  # noqa: BLE001 - no table: nothing to compare
            return None
        if cfg["latency"] != model_ws:
            return (f"firmware set flash LATENCY={cfg['latency']} wait states; at the what-if clock "
                    f"{float(override) / 1e6:g} MHz ({self.platform.label}) the cost model uses "
                    f"{model_ws} from the platform file")
        return None

    # ---- host-side API ------------------------------------------------------------------------
    # The console UART: the board file's, or the one the firmware turns out to talk on (uart_tx),
    # or the one the user names (`use_console`, which fixes it).
    console_name: str = ""
    console_fixed = False
    _console_spoke = False

    def use_console(self, name: str) -> None:
        if name not in self.peripherals or not hasattr(self.peripherals[name], "inject"):
            uarts = [n for n, p in self.peripherals.items() if hasattr(p, "inject")]
            raise EmulationError(f"platform {self.platform.name}: no UART named {name!r} "
                                 f"(UARTs: {', '.join(uarts)})")
        self.console_name, self.console_fixed = name, True

    def console(self):
        return self.peripherals.get(self.console_name or self.platform.console)

    def uart_rx(self, data: bytes, turnaround_s: float = 0.0) -> None:
        """Host bytes onto the console's RX line. With `turnaround_s` they start that long after
        the console's TX line has fallen idle (a host answers what it has received)."""
        con = self.console()
        if con is None:
            raise EmulationError(f"platform {self.platform.name} has no console UART {self.console_name!r}")
        self._uart_activity()
        delay = 0
        if turnaround_s > 0 and hasattr(con, "tx_idle_at"):
            delay = con.tx_idle_at() - self.now() + int(turnaround_s * self.clock_hz())
        con.inject(bytes(data), delay) if delay > 0 else con.inject(bytes(data))

    def _uart_activity(self) -> None:
        self.idle_wakes = 0
        self.last_uart_cycles = self.now()

    def sleep_or_idle(self) -> Optional[str]:
        """WFI with nothing pending: sleep to the next timer event, or decide the firmware is
        waiting for host input ("idle"), or that nothing can ever wake it ("halt")."""
        waiting_for_host = self.any_wake_source()
        if waiting_for_host and self.idle_wakes >= IDLE_WAKES and \
                self.now() - self.last_uart_cycles >= IDLE_SECONDS * self.clock_hz():
            self.idle_wakes = 0
            return "idle"
        if self.skip_to_next_event():
            if waiting_for_host:
                self.idle_wakes += 1
            return None
        return "idle" if waiting_for_host else "halt"

    def on_uart_tx(self, callback: Callable[[bytes], None]) -> None:
        self._tx_listeners.append(callback)

    def uart_tail(self, lines: int = UART_TAIL_LINES) -> List[str]:
        text = self.uart_out.decode("utf-8", "replace").replace("\r", "")
        return [ln for ln in text.split("\n") if ln][-lines:]
