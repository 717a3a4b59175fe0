"""The MLPerf Tiny energy bench around an emulated board: an emulated LPM01A power monitor and an
emulated interface board, each on its own pty, fed by the board as it runs in device time.

On a real bench (the MLCommons runner's README, "Energy Test Connections") the monitor powers the
DUT and records, on its D7 input, the DUT's timestamp pin; the interface board relays the host's
commands to the DUT's UART. Here `tinysim serve --energy` plays both:

- the interface board (`tinysim.pipeline.io_manager`) passes `dut <cmd>%` to the console UART
  (paced at the DUT's baud rate in device time) and relays the DUT's lines back;
- the monitor (`tinysim.pipeline.lpm01a`) gets, after every slice the board runs, the energy the
  cost model gives for that slice (`EnergyTrace`: counter snapshots costed by
  `tinysim.cost.evaluate.estimate`, the same costing `bench` reports per timed window), spread
  over the slice's device time, and the timestamp pin's edges (the GPIO model's `watch`), timed
  in device time; it streams its samples at its own rate in device time.

The board's device time stands still while it waits for a command (tinysim.pipeline.serve_loop),
and so does the monitor's stream. A real monitor streams in real time, so its samples up to the
DUT's `m-ready` are on the host before that line; here the emulation can run ahead of the
host's reader, so the interface board holds a DUT response's final line until the host has read
the monitor's stream up to that moment (the monitor pty's input queue is empty), then waits
`SETTLE_S` more.
"""

from __future__ import annotations

import fcntl
import os
import select
import struct
import termios
import time
from typing import Callable, Optional, Tuple

from ..cost.evaluate import estimate
from ..cost.profile import ExecutionProfile
from ..errors import TinysimError
from .io_manager import IoManager, PREFIX
from .lpm01a import Lpm01a
from .segments import window_points
from .serve_loop import REPLY_PAUSE_S, BoardServer, read_burst, write_some

# The LPM01A's D7 input is wired to the DUT's timestamp pin, which an EEMBC energy build drives
# on the Arduino connector's D7. On the NUCLEO-144 boards D7 is PF13 (UM2179, the Arduino
# connector pin-out table; from memory of the table) and ST's L4R5ZI-P energy builds pulse PF13
# (tests/vendor/test_st_l4r5zip.py). Other boards: `tinysim serve --energy --timestamp-pin`.
ARDUINO_D7 = {"nucleo-l4r5zi": "gpio:PF13", "nucleo-l4r5zi-p": "gpio:PF13"}
# Host time the interface board waits, after the host has read the monitor's stream, before it
# passes on the DUT's m-ready (the runner's reader threads queue what they read): a tinysim choice.
SETTLE_S = 0.05
DRAIN_POLL_S = 0.005
DRAIN_MIN_S = 0.02   # a pty pushes written bytes to the reader's queue asynchronously
# A host that does not read the monitor at all still gets the DUT's answer after this long (a
# tinysim choice; the runner reads it continuously).
HOLD_LIMIT_S = 10.0


class EnergyTrace:
    """Energy the board used between successive calls, costed like a bench window."""

    def __init__(self, session):
        self.session = session
        self.restart()

    def _now_s(self) -> float:
        m = self.session.machine
        return m.seconds_at(m.now())

    def restart(self) -> None:
        self.snap = self.session.counter.snapshot()
        self.t = self._now_s()

    def advance(self) -> Tuple[float, float, float]:
        """(t0, t1, joules): device seconds since the last call and the energy used in them."""
        s = self.session
        snap, t1 = s.counter.snapshot(), self._now_s()
        t0, before = self.t, self.snap
        self.snap, self.t = snap, t1
        if int(snap.cycles) == int(before.cycles):
            return t0, t1, 0.0
        profile = ExecutionProfile.from_snapshots(before, snap, s.coster, platform=s.platform.name,
                                                  **window_points(s.machine, before, snap))
        return t0, t1, float(estimate(profile, s.platform).joules)


def timestamp_pin(platform_name: str, pin: Optional[str]) -> str:
    if pin:
        return pin
    if platform_name in ARDUINO_D7:
        return ARDUINO_D7[platform_name]
    raise TinysimError(f"serve --energy: no timestamp pin known for board {platform_name!r}; give "
                       "--timestamp-pin PERIPHERAL:PIN (the GPIO the energy firmware pulls low, e.g. gpio:PF13)")


class EnergyRig:
    """The board, its interface board and its power monitor, bridged to two ptys."""

    def __init__(self, session, *, pin: str, slice_instructions: Optional[int] = None):
        self.session = session
        m = session.machine
        self.board = BoardServer(m, **({"slice_instructions": slice_instructions} if slice_instructions else {}))
        self.monitor = Lpm01a(session.platform.energy.vdd_v)
        self.io = IoManager(self.board.feed, self._dut_baud)
        self.trace = EnergyTrace(session)
        periph, _, pin_name = pin.partition(":")
        gpio = m.peripherals.get(periph)
        if gpio is None or not hasattr(gpio, "watch") or not pin_name:
            raise TinysimError(f"timestamp pin {pin!r}: board {session.platform.name} has no GPIO "
                               f"peripheral {periph!r} with pins (expected PERIPHERAL:PIN, e.g. gpio:PF13)")
        try:
            gpio.watch(pin_name, self._d7)
        except Exception as err:   # the model's own message names the bad pin
            raise TinysimError(f"timestamp pin {pin!r}: {err}") from None
        self.pin = pin
        self.edges = 0

    def _dut_baud(self) -> Optional[float]:
        baud = getattr(self.session.machine.console(), "baud", None)
        return baud() if callable(baud) else None

    def _d7(self, level: int) -> None:
        if level == 1:   # the edge that ends a timestamp pulse: see tinysim.pipeline.lpm01a
            m = self.session.machine
            self.edges += 1
            self.monitor.edge(m.seconds_at(m.now()))

    def now_s(self) -> float:
        m = self.session.machine
        return m.seconds_at(m.now())

    def warnings(self):
        return self.monitor.warnings + self.io.warnings

    def serve(self, io_fd: int, pm_fd: int, pm_slave_fd: int, stop: Optional[Callable[[], bool]] = None,
              on_warning: Callable[[str], None] = lambda text: None) -> None:
        """Bridge until interrupted or `stop()`: the interface board on `io_fd`, the monitor on
        `pm_fd` (`pm_slave_fd`, its pty's other side, tells when the host has read the stream)."""
        board, monitor = self.board, self.monitor
        to_io, to_pm, held = bytearray(), bytearray(), bytearray()
        pm_written_at = held_at = 0.0
        pause = False
        warned = 0
        for fd in (io_fd, pm_fd):
            os.set_blocking(fd, False)
        while stop is None or not stop():
            if held:
                timeout = DRAIN_POLL_S
            elif board.busy:
                timeout = REPLY_PAUSE_S if pause and not to_io else 0
            else:
                timeout = 0.2 if stop is not None else None
            pause = False
            writers = [fd for fd, buf in ((io_fd, to_io), (pm_fd, to_pm)) if buf]
            readers = [pm_fd] if held else [io_fd, pm_fd]   # a held response: the host waits for it
            readable, writable, _ = select.select(readers, writers, [], timeout)
            if pm_fd in readable:
                data = read_burst(pm_fd)
                if data:
                    to_pm += monitor.take(self.now_s())
                    was = monitor.acquiring
                    to_pm += monitor.host_bytes(data, self.now_s())
                    if monitor.acquiring and not was:
                        self.trace.restart()
            if io_fd in readable:
                to_io += self.io.host_bytes(read_burst(io_fd))
            released = False
            if held and ((not to_pm and time.monotonic() - pm_written_at >= DRAIN_MIN_S and _unread(pm_slave_fd) == 0)
                         or time.monotonic() - held_at > HOLD_LIMIT_S):
                time.sleep(SETTLE_S)
                to_io += held
                held.clear()
                released = pause = True   # the DUT answered: it waits, frozen, for the next command
            if board.busy and not held and not released:
                out = board.step()
                if monitor.acquiring:
                    monitor.supply(*self.trace.advance())
                    to_pm += monitor.take(self.now_s())
                relayed = self.io.dut_bytes(out)
                if (PREFIX + "m-ready").encode() in relayed and (monitor.acquiring or to_pm):
                    held += relayed
                    held_at = time.monotonic()
                else:
                    to_io += relayed
                    pause = pause or board.reply_due
            for fd, buf in ((io_fd, to_io), (pm_fd, to_pm)):
                if buf:
                    n = write_some(fd, buf)
                    del buf[:n]
                    if n and fd == pm_fd:
                        pm_written_at = time.monotonic()
            while warned < len(self.warnings()):
                on_warning(self.warnings()[warned])
                warned += 1


def _unread(fd: int) -> int:
    """Bytes waiting in a tty's input queue (FIONREAD on its slave side): what the host has not read."""
    buf = fcntl.ioctl(fd, termios.FIONREAD, struct.pack("i", 0))
    return struct.unpack("i", buf)[0]
