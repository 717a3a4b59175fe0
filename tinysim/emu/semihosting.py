"""Semihosting: the firmware asks its debugger, here tinysim, for console output, the time, its
command line and an exit status (Arm "Semihosting for AArch32 and AArch64", version 3.0; the
RISC-V semihosting specification reuses its operation numbers and parameter blocks).

A call is BKPT #0xAB on a Cortex-M (operation in r0, parameter in r1, result in r0) and, on
RISC-V, EBREAK between `slli zero, zero, 0x1f` and `srai zero, zero, 7` (a0, a1). Firmware built
with newlib's `--specs=rdimon.specs` (Arm) or picolibc's `--oslib=semihost` (RISC-V) makes them
for printf, exit() and clock(). What tinysim answers:

- Console: SYS_WRITEC, SYS_WRITE0 and SYS_WRITE to a handle of ":tt" (the C libraries open it
  at start-up) append to the console output, with the console UART's bytes (`run` streams them,
  RunResult.uart holds them). Nothing feeds the console's input: a read of ":tt" finds end of
  file, and SYS_READC, which has no way to say so, ends the run as "idle" (waiting for input, as
  QEMU blocks there). A seek on the console fails with ESPIPE, as on a terminal.
- ":semihosting-features" reads "SHFB" and EXIT_EXTENDED | STDOUT_STDERR, so the libraries
  report exit() statuses through SYS_EXIT_EXTENDED and open stderr apart.
- SYS_EXIT and SYS_EXIT_EXTENDED end the run with exit "exit" and the status (0 for the reason
  ADP_Stopped_ApplicationExit without a status, 1 for any other reason).
- Time in device time, so runs stay deterministic: SYS_CLOCK (centiseconds) and SYS_TIME
  (seconds) count from reset, not from the host's date; SYS_ELAPSED counts core cycles and
  SYS_TICKFREQ gives the core clock.
- SYS_HEAPINFO answers zeros ("unknown": the start-up code keeps the vector table's stack and its
  linker-script heap); SYS_GET_CMDLINE gives the firmware file's name; SYS_ERRNO the last error.
- No host files or commands: opening another name, SYS_REMOVE, SYS_RENAME, SYS_TMPNAM and
  SYS_SYSTEM fail (-1, errno EACCES) with a warning naming the call.

Timing: a call costs its BKPT or EBREAK only. On silicon a debugger takes milliseconds per call,
and a board with no debugger attached takes a HardFault at the BKPT (a RISC-V core traps).
"""

from __future__ import annotations

import struct
from pathlib import Path
from typing import Callable, Dict, Optional, Tuple

from unicorn import UcError

SYS_OPEN, SYS_CLOSE, SYS_WRITEC, SYS_WRITE0, SYS_WRITE, SYS_READ, SYS_READC = 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07
SYS_ISERROR, SYS_ISTTY, SYS_SEEK, SYS_FLEN, SYS_TMPNAM, SYS_REMOVE, SYS_RENAME = 0x08, 0x09, 0x0A, 0x0C, 0x0D, 0x0E, 0x0F
SYS_CLOCK, SYS_TIME, SYS_SYSTEM, SYS_ERRNO, SYS_GET_CMDLINE, SYS_HEAPINFO = 0x10, 0x11, 0x12, 0x13, 0x15, 0x16
SYS_EXIT, SYS_EXIT_EXTENDED, SYS_ELAPSED, SYS_TICKFREQ = 0x18, 0x20, 0x30, 0x31
ADP_STOPPED_APPLICATION_EXIT = 0x20026
# The feature file's bytes (spec section "The semihosting feature file"): magic, then feature
# byte 0 with SH_EXT_EXIT_EXTENDED (bit 0) and SH_EXT_STDOUT_STDERR (bit 1).
FEATURES = b"SHFB\x03"
# errno values the C libraries share (newlib, picolibc and Linux agree on these)
ENOENT, EBADF, EACCES, EFAULT, ESPIPE = 2, 9, 13, 14, 29
_MINUS_1 = 0xFFFFFFFF
_TTY_MODES = {0: "stdin", 1: "stdin", 2: "stdin", 3: "stdin", 4: "stdout", 5: "stdout", 6: "stdout",
              7: "stdout", 8: "stderr", 9: "stderr", 10: "stderr", 11: "stderr"}
_REFUSED = {SYS_REMOVE: "SYS_REMOVE", SYS_RENAME: "SYS_RENAME", SYS_TMPNAM: "SYS_TMPNAM",
            SYS_SYSTEM: "SYS_SYSTEM"}


class WaitsForInput(Exception):
    """SYS_READC: the firmware waits for a console character nothing will send."""


class Exited(Exception):
    """SYS_EXIT or SYS_EXIT_EXTENDED: the firmware ended with `status`."""

    def __init__(self, status: int):
        super().__init__(status)
        self.status = status


class Semihosting:
    """The debugger side of semihosting for one machine. `output(bytes)` takes console bytes,
    `now()` gives the core cycles since reset and `clock_hz()` the core clock; `warn(text)`
    records a warning once."""

    def __init__(self, uc, output: Callable[[bytes], None], now: Callable[[], int],
                 clock_hz: Callable[[], float], warn: Callable[[str], None], program: str):
        self.uc, self.output, self.now, self.clock_hz, self.warn = uc, output, now, clock_hz, warn
        self.program = Path(program).name.encode()
        self.errno = 0
        self.files: Dict[int, Tuple[str, int]] = {}  # handle -> (what: stdin/stdout/stderr/features, read offset)
        self.calls = 0

    def call(self, op: int, param: int) -> Optional[int]:
        """Run operation `op` with its parameter register; the value for the result register,
        or None to leave it. Raises Exited for an exit."""
        self.calls += 1
        try:
            return self._call(op, param)
        except UcError:
            self.errno = EFAULT
            return _MINUS_1

    def _words(self, addr: int, n: int):
        return struct.unpack(f"<{n}I", self.uc.mem_read(addr, 4 * n))

    def _fail(self, errno: int) -> int:
        self.errno = errno
        return _MINUS_1

    def _call(self, op: int, param: int) -> Optional[int]:
        if op == SYS_WRITEC:
            self.output(bytes(self.uc.mem_read(param, 1)))
            return None
        if op == SYS_WRITE0:
            self.output(self._string(param))
            return None
        if op == SYS_WRITE:
            handle, buf, length = self._words(param, 3)
            what = self.files.get(handle, ("", 0))[0]
            if what not in ("stdout", "stderr"):
                self.errno = EBADF
                return length  # nothing written
            self.output(bytes(self.uc.mem_read(buf, length)) if length else b"")
            return 0
        if op == SYS_READ:
            return self._read(*self._words(param, 3))
        if op == SYS_OPEN:
            return self._open(*self._words(param, 3))
        if op == SYS_CLOSE:
            (handle,) = self._words(param, 1)
            return 0 if self.files.pop(handle, None) is not None else self._fail(EBADF)
        if op == SYS_ISTTY:
            (handle,) = self._words(param, 1)
            what = self.files.get(handle, ("", 0))[0]
            return int(what in ("stdin", "stdout", "stderr")) if what else self._fail(EBADF)
        if op == SYS_FLEN:
            (handle,) = self._words(param, 1)
            what = self.files.get(handle, ("", 0))[0]
            return len(FEATURES) if what == "features" else self._fail(EBADF if not what else ESPIPE)
        if op == SYS_SEEK:
            handle, position = self._words(param, 2)
            what = self.files.get(handle, ("", 0))[0]
            if what != "features":
                return self._fail(ESPIPE if what else EBADF)  # the console cannot seek
            self.files[handle] = (what, position)
            return 0
        if op == SYS_ISERROR:
            (status,) = self._words(param, 1)
            return int(status >= 0x80000000)
        if op == SYS_READC:
            raise WaitsForInput()
        if op == SYS_CLOCK:
            return int(self.now() * 100 // self.clock_hz()) & 0xFFFFFFFF
        if op == SYS_TIME:
            return int(self.now() // self.clock_hz()) & 0xFFFFFFFF
        if op == SYS_ELAPSED:
            self.uc.mem_write(param, struct.pack("<Q", self.now()))
            return 0
        if op == SYS_TICKFREQ:
            return int(self.clock_hz())
        if op == SYS_ERRNO:
            return self.errno
        if op == SYS_HEAPINFO:
            (block,) = self._words(param, 1)
            self.uc.mem_write(block, bytes(16))
            return None
        if op == SYS_GET_CMDLINE:
            buf, size = self._words(param, 2)
            text = self.program[:max(size - 1, 0)]
            self.uc.mem_write(buf, text + b"\0")
            self.uc.mem_write(param + 4, struct.pack("<I", len(text)))
            return 0
        if op == SYS_EXIT:
            raise Exited(0 if param == ADP_STOPPED_APPLICATION_EXIT else 1)
        if op == SYS_EXIT_EXTENDED:
            reason, status = self._words(param, 2)
            raise Exited(status if reason == ADP_STOPPED_APPLICATION_EXIT else 1)
        name = _REFUSED.get(op, f"operation {op:#x}")
        self.warn(f"semihosting: the firmware asked for {name}, which tinysim does not give firmware "
                  "(no host files or commands): it got -1")
        return self._fail(EACCES)

    def _string(self, addr: int, limit: int = 1 << 16) -> bytes:
        out = bytearray()
        while len(out) < limit:
            chunk = bytes(self.uc.mem_read(addr + len(out), 64 - (addr + len(out)) % 64))
            end = chunk.find(b"\0")
            if end >= 0:
                return bytes(out + chunk[:end])
            out += chunk
        return bytes(out)

    def _open(self, name_addr: int, mode: int, length: int) -> int:
        name = bytes(self.uc.mem_read(name_addr, length)).decode("latin-1")
        if name == ":tt" and mode in _TTY_MODES:
            what = _TTY_MODES[mode]
        elif name == ":semihosting-features" and mode in (0, 1):
            what = "features"
        else:
            self.warn(f"semihosting: the firmware opened {name!r} (mode {mode}); tinysim gives "
                      "firmware no host files: it got -1")
            return self._fail(ENOENT)
        handle = max(self.files, default=0) + 1
        self.files[handle] = (what, 0)
        return handle

    def _read(self, handle: int, buf: int, length: int) -> int:
        what, offset = self.files.get(handle, ("", 0))
        if what == "features":
            data = FEATURES[offset:offset + length]
            self.uc.mem_write(buf, data)
            self.files[handle] = (what, offset + len(data))
            return length - len(data)
        if what == "stdin":
            return length  # end of file: no console input reaches semihosting
        self.errno = EBADF
        return _MINUS_1
