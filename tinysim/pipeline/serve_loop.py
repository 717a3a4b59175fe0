"""The emulated board behind `tinysim serve --pty`: it runs in device time, whatever the client does.

A real board computes whether or not anyone reads its port. So does this loop: while the firmware
has work (receiving, computing, transmitting) it runs in slices of `slice_instructions`, passing
each complete line (or whatever a slice produced) to the client at once and queueing the client's
bytes on the console UART's RX line between slices, where the UART model delivers them at the
configured baud rate in device time. Once the firmware waits for input (the machine's "idle"
exit: an RX poll spinning on an empty receiver, or a core that only timers wake) the loop blocks
on the client, no device time passing, and resumes the board when bytes come.

At the end of a DUT response (a line holding "m-ready", the EEMBC protocol's end-of-response
marker) the board pauses for up to `REPLY_PAUSE_S` of host time for the client's next command,
device time frozen: a client that answers at once (every protocol client does) is answered
`HOST_TURNAROUND_S` after the response in device time, so a session's device time does not depend
on how fast the host is as long as it answers within the pause. A client that takes longer finds
the board running on (into its idle wait), as a real board would.

Device time is counted in two parts:
- **active**: from the first byte a client sends (or reset) to the board's last UART byte before
  it goes idle: receiving at the baud rate, computing, transmitting;
- **waiting**: from that last UART byte to the point the machine found the firmware waiting for
  input (at least `IDLE_SECONDS` of timer wake-ups for a firmware that sleeps in WFI); fast-
  forwarded from one timer event to the next, it costs little host time and is not the board's
  work.
"""

from __future__ import annotations

import errno
import os
import select
import time
from dataclasses import dataclass
from typing import Callable, List, Optional

from ..errors import EmulationError
from ..harness.transports import TransportClosed
from .emulated_transport import HOST_TURNAROUND_S, FirstWindowLearning, mark_rx_active, rx_line_busy

# Instructions per slice between two looks at the client: ~40 ms of host time at the ~50 MIPS
# measured for kws01 under serve, so a client's bytes wait about that long before they are queued.
SLICE_INSTRUCTIONS = 2_000_000
READ_CHUNK = 1 << 16
# A read of at least BURST_BYTES is a client streaming a long write: keep reading while more comes
# within BURST_GAP_S (host time), up to MAX_BURST bytes queued at once. Commands are shorter and
# pass without the wait.
BURST_BYTES = 1024
BURST_GAP_S = 0.005
MAX_BURST = 1 << 26
# Host time the board waits, frozen, after an end of response for the client's next command: a
# protocol client answers within a few ms; this is long enough on a loaded host (a tinysim choice).
REPLY_PAUSE_S = 0.1
END_OF_RESPONSE = b"m-ready"


def _line_end(data: bytes) -> bool:
    return b"\n" in data


@dataclass
class DeviceTime:
    """The board's device time so far, split into active work and fast-forwarded waiting."""

    total_s: float
    waiting_s: float
    instructions: int

    @property
    def active_s(self) -> float:
        return max(self.total_s - self.waiting_s, 0.0)

    def summary(self, board: str) -> str:
        return (f"{self.instructions} instructions, {self.total_s:.3f} s of {board} time: "
                f"{self.active_s:.3f} s active (receiving, computing, transmitting), "
                f"{self.waiting_s:.3f} s waiting for input (fast-forwarded)")


class BoardServer:
    """Runs an emulated machine and bridges its console UART to a file descriptor (a pty master)."""

    def __init__(self, machine, *, slice_instructions: int = SLICE_INSTRUCTIONS):
        if machine.counter is None:
            raise EmulationError("BoardServer needs a machine with a counter (tinysim.pipeline.session)")
        self.machine = machine
        self.slice_instructions = slice_instructions
        self.waiting_s = 0.0
        self.busy = True  # a board out of reset runs until it first waits for input
        self.reply_due = False  # the firmware just ended a response: the client speaks next
        self._tx = bytearray()
        machine.on_uart_tx(self._tx.extend)
        self.learning = FirstWindowLearning(machine)

    # -- the board ---------------------------------------------------------------------------------
    def device_time(self) -> DeviceTime:
        m = self.machine
        return DeviceTime(total_s=m.seconds_at(m.now()), waiting_s=self.waiting_s,
                          instructions=int(m.counter.instructions))

    def feed(self, data: bytes) -> None:
        """Client bytes onto the RX line, after the host's turnaround (the UART paces them)."""
        if data:
            self.machine.uart_rx(data, turnaround_s=HOST_TURNAROUND_S)
            self.busy = True
            self.reply_due = False

    def step(self) -> bytes:
        """Run one slice (or to the end of a line, or until the firmware waits for input);
        returns what the firmware transmitted."""
        m = self.machine
        result = m.run(max_instructions=self.slice_instructions, until=_line_end)
        self.reply_due = result.exit == "until" and END_OF_RESPONSE in self._tx[-80:]
        if result.exit == "idle" and rx_line_busy(m):
            mark_rx_active(m)   # bytes landing are the board's work (emulated_transport.rx_line_busy)
        elif result.exit == "idle":
            self.busy = False
            now = m.now()
            waited_from = min(m.last_uart_cycles, now)
            self.waiting_s += m.seconds_at(now) - m.seconds_at(waited_from)
        elif result.exit == "halt":
            self.busy = False
            out = self.take_output()
            raise TransportClosed(f"the firmware halted{': last output ' + repr(out[-80:]) if out else ''}")
        elif result.exit == "fault":
            raise EmulationError(f"the firmware faulted:\n{result.message}")
        elif result.exit not in ("budget", "until"):
            raise EmulationError(f"unexpected run exit {result.exit!r}")
        return self.take_output()

    def take_output(self) -> bytes:
        data = bytes(self._tx)
        self._tx.clear()
        self.learning.saw(data)
        return data

    def boot(self, max_seconds: float = 5.0) -> List[str]:
        """Run from reset until the firmware first waits for input (or `max_seconds` of device
        time); returns its boot lines. Nothing is sent to a client: a board that booted before
        anyone opened its port."""
        m = self.machine
        limit = m.seconds_at(m.now()) + max_seconds
        out = bytearray()
        while self.busy and m.seconds_at(m.now()) < limit:
            out += self.step()
        text = out.decode("utf-8", "replace").replace("\r", "")
        return [line for line in text.split("\n") if line]

    # -- the bridge --------------------------------------------------------------------------------
    def serve(self, fd: int, stop: Optional[Callable[[], bool]] = None) -> None:
        """Bridge the board and `fd` until interrupted (KeyboardInterrupt) or `stop()` is true.

        Output the client has not read yet is kept here (never blocks the board): a board does not
        wait for its host either."""
        pending = bytearray()
        os.set_blocking(fd, False)
        while stop is None or not stop():
            if not self.busy:
                timeout = 0.2 if stop is not None else None
            else:
                timeout = REPLY_PAUSE_S if self.reply_due and not pending else 0
                self.reply_due = False
            writers = [fd] if pending else []
            readable, writable, _ = select.select([fd], writers, [], timeout)
            if readable:
                self.feed(read_burst(fd))
            if writable and pending:
                del pending[: write_some(fd, pending)]
            if self.busy:
                pending += self.step()
                if pending:
                    del pending[: write_some(fd, pending)]


def read_burst(fd: int) -> bytes:
    """What the client has written, taken whole when it streams a long write through the pty's
    small buffer: a host's serial driver queues a write and the line carries it at the baud rate
    without gaps, so the board must not sleep between two pty-buffers' worth of one write."""
    data = bytearray(_read(fd))
    if len(data) < BURST_BYTES:
        return bytes(data)
    while len(data) < MAX_BURST:
        ready, _, _ = select.select([fd], [], [], BURST_GAP_S)
        more = _read(fd) if ready else b""
        if not more:
            break
        data += more
    return bytes(data)


def _read(fd: int) -> bytes:
    try:
        return os.read(fd, READ_CHUNK)
    except BlockingIOError:
        return b""
    except OSError as err:
        if err.errno == errno.EIO:  # no client holds the other side: nothing to read
            time.sleep(0.05)
            return b""
        raise


def write_some(fd: int, data: bytearray) -> int:
    """Write what `fd` takes now; the count written (0 while the client does not read)."""
    try:
        return os.write(fd, data)
    except BlockingIOError:
        return 0  # the client is not reading: keep it for later
    except OSError as err:
        if err.errno == errno.EIO:
            return 0
        raise
