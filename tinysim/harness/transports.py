"""Byte pipes to a device under test (DUT) that speaks the EEMBC / MLPerf Tiny protocol.

A `Transport` moves bytes and cuts the DUT's output into lines; it knows nothing about commands
(that is `protocol.DutClient`). Implementations:

* `serial`    - a real board (or `tinysim serve --pty`) through pyserial;
* `emulated`  - the firmware ELF running in `tinysim.emu.machine.Machine`, fed through its UART;
* `process`   - a local program on stdin/stdout, e.g. the host-native build of the harness
                (`tinysim/firmware/boards/host`), useful to test the protocol without a board.

Lines are split on "\\n"; "\\r" and NUL bytes are dropped, as the MLCommons runner does.
`read_line` returns None when nothing complete arrived within the timeout, and raises
`TransportClosed` when the other side is gone for good (process exit, port closed, halt).
"""

from __future__ import annotations

import abc
import os
import select
import subprocess
import time
from typing import List, Optional, Sequence, Union

from ..errors import EmulationError, ProtocolError
from ..registry import Registry

TRANSPORTS: Registry = Registry("transport")


class TransportClosed(ProtocolError):
    """The DUT side of the transport is gone (process exited, port closed, firmware halted)."""


class Transport(abc.ABC):
    """Bytes in, lines out. Subclasses implement `write`, `_read_raw` and `close`."""

    NAME = "transport"

    def __init__(self) -> None:
        self._pending = bytearray()  # received bytes not yet returned as a line

    # -- what subclasses provide ------------------------------------------------------------
    @abc.abstractmethod
    def write(self, data: bytes) -> None:
        """Send bytes to the DUT."""

    @abc.abstractmethod
    def _read_raw(self, timeout: float) -> Optional[bytes]:
        """Bytes the DUT sent, waiting at most `timeout` s; b"" if none yet; None if none will
        come without more input (an emulated DUT gone idle); TransportClosed at EOF."""

    @abc.abstractmethod
    def close(self) -> None:
        """Release the port / process / machine."""

    def describe(self) -> str:
        """Names the DUT in error messages."""
        return self.NAME

    @property
    def timestamps(self) -> List[object]:
        """Counter snapshots the DUT took when it read its clock (emulated DUTs only)."""
        return []

    def fileno(self) -> Optional[int]:
        """A descriptor that turns readable when the DUT sends, or None (the emulator)."""
        return None

    # -- shared line handling ---------------------------------------------------------------
    def read_bytes(self, timeout: float) -> bytes:
        """Raw bytes (including any already buffered), for byte bridges such as `serve --pty`."""
        if self._pending:
            data = bytes(self._pending)
            self._pending.clear()
            return data
        return self._read_raw(timeout) or b""

    def read_line(self, timeout: float) -> Optional[str]:
        """The next complete line without its terminator, or None after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while True:
            line = self._take_line()
            if line is not None:
                return line
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return None
            data = self._read_raw(remaining)
            if data is None:
                return None  # the DUT is waiting for input: nothing more is coming
            self._pending += data

    def _take_line(self) -> Optional[str]:
        end = self._pending.find(b"\n")
        if end < 0:
            return None
        raw = bytes(self._pending[:end])
        del self._pending[: end + 1]
        raw = raw.replace(b"\r", b"").replace(b"\0", b"")
        return raw.decode("ascii", errors="replace")

    def __enter__(self) -> "Transport":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


@TRANSPORTS.register("serial")
class SerialTransport(Transport):
    """A serial port through pyserial: a real board, or the pty of `tinysim serve --pty`."""

    NAME = "serial"

    def __init__(self, port: str, baud: int = 115200):
        super().__init__()
        try:
            import serial  # pyserial
        except ImportError:  # pragma: no cover - pyserial is a declared dependency
            raise ProtocolError("the serial transport needs pyserial: pip install pyserial") from None
        self.port = port
        self.baud = baud
        try:
            self._serial = serial.Serial(port, baudrate=baud, timeout=0)
        except (serial.SerialException, OSError) as err:
            raise ProtocolError(
                f"cannot open serial port {port} at {baud} baud: {err}; check the device path and "
                "that no other program (terminal, runner) holds it"
            ) from None
        try:
            self._poll_fd: Optional[int] = self._serial.fileno()
        except Exception:  # pyserial ports without a descriptor
            self._poll_fd = None

    def describe(self) -> str:
        return f"serial port {self.port} @ {self.baud} baud"

    def fileno(self) -> Optional[int]:
        return self._poll_fd

    def write(self, data: bytes) -> None:
        try:
            self._serial.write(data)
            self._serial.flush()
        except Exception as err:  # pyserial raises SerialException or OSError
            raise TransportClosed(f"{self.describe()}: write failed: {err}") from None

    def _read_raw(self, timeout: float) -> bytes:
        try:
            waiting = self._serial.in_waiting
            if not waiting:
                if self._poll_fd is not None:
                    # Sleep in select() rather than re-programming the port's timeout per read
                    # (pyserial applies a timeout change with tcsetattr).
                    ready, _, _ = select.select([self._poll_fd], [], [], max(timeout, 0.0))
                    if not ready:
                        return b""
                else:  # a port without a descriptor (e.g. on Windows): a timed read instead
                    self._serial.timeout = max(timeout, 0.0)
                    first = self._serial.read(1)
                    self._serial.timeout = 0
                    return first + self._serial.read(self._serial.in_waiting) if first else b""
                waiting = self._serial.in_waiting
            # pyserial raises if the descriptor is readable but yields nothing (device gone).
            return self._serial.read(max(waiting, 1))
        except Exception as err:
            raise TransportClosed(f"{self.describe()}: read failed: {err}") from None

    def close(self) -> None:
        self._serial.close()


@TRANSPORTS.register("process")
class ProcessTransport(Transport):
    """A local program whose stdin/stdout is the DUT's UART (e.g. the host-native harness)."""

    NAME = "process"

    def __init__(self, argv: Union[str, Sequence[str]], cwd: Optional[str] = None):
        super().__init__()
        self.argv = [argv] if isinstance(argv, (str, os.PathLike)) else list(argv)
        try:
            self._proc = subprocess.Popen(
                [str(a) for a in self.argv],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                cwd=cwd,
                bufsize=0,
            )
        except OSError as err:
            raise ProtocolError(f"cannot start DUT program {self.argv[0]}: {err}") from None

    def describe(self) -> str:
        return f"process {os.path.basename(str(self.argv[0]))} (pid {self._proc.pid})"

    def fileno(self) -> Optional[int]:
        return self._proc.stdout.fileno()

    def write(self, data: bytes) -> None:
        try:
            self._proc.stdin.write(data)
            self._proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError):
            raise TransportClosed(self._exit_message()) from None

    def _read_raw(self, timeout: float) -> bytes:
        fd = self._proc.stdout.fileno()
        ready, _, _ = select.select([fd], [], [], max(timeout, 0.0))
        if not ready:
            return b""
        data = os.read(fd, 65536)
        if not data:
            raise TransportClosed(self._exit_message())
        return data

    def _exit_message(self) -> str:
        code = self._proc.poll()
        state = "closed its output" if code is None else f"exited with status {code}"
        return f"{self.describe()} {state}"

    def close(self) -> None:
        if self._proc.poll() is None:
            try:
                self._proc.stdin.close()
            except OSError:
                pass
            try:
                self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                self._proc.kill()
                self._proc.wait()
        self._proc.stdout.close()


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
        pass `session=` (tinysim.emu.session.Session) or `machine=` to drive an existing one."""
        super().__init__()
        self.slice_instructions = slice_instructions
        self.max_instructions_per_read = max_instructions_per_read
        if machine is None:
            if session is None:
                session = _make_session(platform, elf)
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

    def write(self, data: bytes) -> None:
        self.machine.uart_rx(bytes(data))
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
            result = self.machine.run(max_instructions=step)
            self.last_result = result
            executed += result.instructions
            if result.exit == "idle":
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
        return data

    def close(self) -> None:
        close = getattr(self.machine, "close", None)
        if callable(close):
            close()


def _make_session(platform, elf):
    """Machine + counter + cost model for (platform name/object, ELF path/Firmware)."""
    from ..emu.session import build_session

    return build_session(elf, platform)


def open_transport(kind: str, *args, **kwargs) -> Transport:
    """`open_transport("serial", "/dev/ttyACM0", 115200)`: a transport by registry name."""
    return TRANSPORTS.get(kind)(*args, **kwargs)

