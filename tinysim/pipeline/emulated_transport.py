"""The firmware running in the emulator as a Transport: the host runner's view of an emulated board.

It builds a session (emulator + counter + cost model) and moves bytes through the console UART,
so it sits in the pipeline layer; it registers itself in the harness's transport registry under
"emulated", next to the serial and process transports.
"""

from __future__ import annotations

from typing import List, Optional

from ..errors import EmulationError, ProtocolError
from ..harness.transports import TRANSPORTS, Transport, TransportClosed
from .session import build_session


# The host's reply starts this long after the DUT's last character has left: one USB full-speed
# frame (1 ms, USB 2.0 section 5.3.3), the least a USB-serial host link adds. (A tinysim
# convention; a firmware that re-arms its receiver after answering needs a pause there.)
HOST_TURNAROUND_S = 1e-3


def _LINE_END(data: bytes) -> bool:
    return b"\n" in data


def rx_line_busy(machine) -> bool:
    """Whether host bytes are still on the console's RX line (sent, not yet landed).

    The machine's idle rule counts host writes and transmitted bytes as UART traffic, not bytes
    landing: a firmware sleeping between received bytes of an input longer than its idle time
    (a second of device time: 11.5 kB at 115200 baud) looks idle with the rest still on the wire.
    It is not: the line is its work. A caller that finds the machine "idle" with the line busy
    marks it active (`mark_rx_active`) and runs on."""
    return bool(getattr(machine.console(), "wire", None))


def mark_rx_active(machine) -> None:
    """Bytes landing count as UART activity: restart the machine's idle rule from now."""
    machine.last_uart_cycles = machine.now()


# The DUT protocol's line that ends an `infer` command's timed inferences.
WINDOW_END = b"m-infer-done"


class FirstWindowLearning:
    """Freezes the flash D-cache model (tinysim.emu.counter: exact, then per-block rates) once the
    firmware has ended its first inference window, for a firmware spoken to in the DUT protocol.

    The machine's own trigger, the firmware's third cycle-counter read, fits a firmware that
    timestamps with that counter (boot, window start, window end). One that timestamps on a pin
    may read the counter for other reasons first: ST's energy-mode builds busy-wait on DWT_CYCCNT
    to shape each timestamp pulse, so their third read came at the start of the first window and
    the inference kernels, first run after the freeze, were charged no flash data stalls (an
    anomaly-detection build ran 16 % fast). The end of the first `infer` is the point both kinds
    share: everything the inferences run has then been run exactly once at least."""

    def __init__(self, machine):
        self.machine = machine
        self._tail = b""
        self.done = getattr(machine, "counter", None) is None
        if not self.done:
            machine.learn_data_cache_after_timestamps = None

    def saw(self, output: bytes) -> None:
        """Output the firmware transmitted (call between runs): freeze on the first WINDOW_END."""
        if self.done or not output:
            return
        text = self._tail + bytes(output)
        if WINDOW_END in text:
            self.done = True
            self.machine.counter.freeze_data_model()
        self._tail = text[-(len(WINDOW_END) - 1):]


@TRANSPORTS.register("emulated")
class EmulatedTransport(Transport):
    """The firmware running in the emulator, reached through its console UART.

    `write` queues bytes on the UART receiver; reading runs the machine in slices of
    `slice_instructions` until the firmware transmits or is idle (waiting for input again). The
    DUT's pace is virtual, so the wall-clock `timeout` of a read is ignored (a long `infer` may
    take minutes of host time between two lines): when the firmware is idle and has said
    everything, `read_line` returns None at once (the emulated equivalent of a timeout). A
    firmware that runs away without ever going idle is stopped by `max_instructions_per_read`
    (None: no limit) and reported like a timeout.
    """

    NAME = "emulated"

    def __init__(
        self,
        platform,
        elf,
        *,
        slice_instructions: int = 5_000_000,
        max_instructions_per_read: Optional[int] = None,
        record_timestamps: bool = True,
        session=None,
        machine=None,
    ):
        """`platform` (name or Platform) and `elf` (path or Firmware) build a fresh session;
        pass `session=` (tinysim.pipeline.session.Session) or `machine=` to drive an existing one."""
        super().__init__()
        self.slice_instructions = slice_instructions
        self.max_instructions_per_read = max_instructions_per_read
        if machine is None:
            if session is None:
                session = build_session(elf, platform)
            machine = session.machine
        self.session = session
        self.machine = machine
        # Snapshot the native counters at every cycle-counter read, so a runner can cut an
        # ExecutionProfile per timed window (between the two m-lap-us reads).
        self.machine.record_timestamps = record_timestamps
        self._tx = bytearray()
        self._idle = False
        self.last_result = None  # RunResult of the latest slice
        self.machine.on_uart_tx(self._on_tx)
        self.learning = FirstWindowLearning(self.machine)

    def _on_tx(self, data) -> None:
        if isinstance(data, int):
            self._tx.append(data & 0xFF)
        else:
            self._tx += bytes(data)

    def describe(self) -> str:
        return f"emulated {self.machine.platform.name} running {self.machine.firmware.path.name}"

    @property
    def timestamps(self) -> List[object]:
        return list(getattr(self.machine, "timestamps", []))

    @property
    def pin_timestamps(self) -> List[tuple]:
        hz = self.machine.clock_hz()
        return [(cycles * 1e6 / hz, pin) for cycles, pin in self.machine.pin_lows]

    def write(self, data: bytes) -> None:
        self.machine.uart_rx(bytes(data), turnaround_s=HOST_TURNAROUND_S)
        self._idle = False

    def _read_raw(self, timeout: float) -> Optional[bytes]:
        budget = self.max_instructions_per_read
        if budget is None:
            # An emulated DUT's timeout runs on its own clock: silent for `timeout` seconds of
            # emulated time (counted as one instruction per cycle, an upper bound on the time
            # those instructions take) it is hung, not busy. Deterministic, unlike wall time.
            budget = int(max(timeout, 1.0) * self.machine.platform.clock_hz)
        executed = 0
        while not self._tx and not self._idle:
            step = self.slice_instructions if budget is None else min(self.slice_instructions, budget - executed)
            if step <= 0:
                return None  # runaway firmware: report it as a timeout
            # Stop at the end of a line: a firmware that sleeps between commands would otherwise
            # run on until the idle detection (a second of device time, a timer wake-up each
            # millisecond) before the host could answer its m-ready.
            result = self.machine.run(max_instructions=step, until=_LINE_END)
            self.last_result = result
            executed += result.instructions
            if result.exit == "idle" and rx_line_busy(self.machine):
                mark_rx_active(self.machine)   # the rest of a long input is still arriving
            elif result.exit == "idle":
                self._idle = True
            elif result.exit == "halt":
                if not self._tx:
                    raise TransportClosed(f"{self.describe()}: the firmware halted")
                break
            elif result.exit == "fault":
                raise EmulationError(f"{self.describe()}: the firmware faulted:\n{result.message}")
            elif result.exit not in ("budget", "until"):
                raise ProtocolError(f"{self.describe()}: unexpected run exit {result.exit!r}")
        if not self._tx:
            return None  # idle: nothing more until the host writes
        data = bytes(self._tx)
        self._tx.clear()
        self.learning.saw(data)
        return data

    def close(self) -> None:
        close = getattr(self.machine, "close", None)
        if callable(close):
            close()
