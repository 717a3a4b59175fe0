"""Byte pipes to a device under test (DUT) that speaks the EEMBC / MLPerf Tiny protocol.

A `Transport` moves bytes and cuts the DUT's output into lines; it knows nothing about commands
(that is `protocol.DutClient`). Implementations:

* `serial`    - a real board (or `tinysim serve --pty`) through pyserial;
* `emulated`  - the firmware ELF running in the emulator, fed through its UART; it joins the
                emulator to the host side, so it lives in `tinysim.pipeline.emulated_transport`
                and registers itself here when `tinysim.pipeline` is imported;
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

from ..errors import ProtocolError
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

    @property
    def pin_timestamps(self) -> Optional[List[tuple]]:
        """(device time in us, pin) of every GPIO pull-low so far, for an EEMBC energy-mode DUT
        (it timestamps by pulling a pin low); None when the transport cannot see pins (on
        hardware the energy monitor watches the pin)."""
        return None

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


def open_transport(kind: str, *args, **kwargs) -> Transport:
    """`open_transport("serial", "/dev/ttyACM0", 115200)`: a transport by registry name."""
    return TRANSPORTS.get(kind)(*args, **kwargs)

