"""Host side of the EEMBC / MLPerf Tiny DUT protocol.

The host sends `<command>%`; the DUT answers with lines and always ends with `m-ready`. Lines the
client does not know (TFLM warnings, banners) are kept but ignored, as the MLCommons runner does.
Everything else is checked: a DUT that answers `e-[...]`, omits a line a command must produce,
garbles a number, stops answering, or reboots mid-command (`m-init-done` appears) raises
`ProtocolError` naming the command sent and the last lines received.
"""

from __future__ import annotations

import collections
import re
from dataclasses import dataclass, field
from typing import Callable, Deque, List, Optional, Sequence, Tuple

from ..errors import ProtocolError
from .transports import Transport, TransportClosed

# The MLCommons runner sends 31 bytes (62 hex digits) per `db` command to a directly attached
# DUT (runner/device_under_test.py); with "db " that stays well inside the 80-character buffer.
DB_CHUNK_BYTES = 31
# Per-line timeouts of the MLCommons runner (serial_device.py): 5 s, and 30 s while inferring.
LINE_TIMEOUT_S = 5.0
INFER_LINE_TIMEOUT_S = 30.0

_NAME = re.compile(r"^m-name-dut-\[([^\]]+)\]$")
_MODEL = re.compile(r"^m-model-\[([^\]]+)\]$")
_PROFILE = re.compile(r"^m-profile-\[([^\]]*)\]$")
_LAP = re.compile(r"^m-lap-us-(.*)$")
_EXPECTING = re.compile(r"^m-\[Expecting (\d+) bytes\]$")
_RESULTS = re.compile(r"^m-results-\[(.*)\]$")
_RESULTS_RAW = re.compile(r"^m-results-raw-\[(.*)\]$")
_BUFFER = re.compile(r"^m-buffer-([0-9a-fA-F]{2}(?:-[0-9a-fA-F]{2})*)$")
_RESET_MARKERS = ("m-init-done", "m-timestamp-mode-")


@dataclass
class InferResult:
    """One `infer N W` window: the DUT's two timestamps, its outputs, and everything it printed."""

    n: int
    warmup: int
    t1_us: int
    t2_us: int
    results: List[float]
    raw: Optional[List[int]]
    lines: List[str]
    # Emulated DUTs only: the emulator's counter snapshots taken while this command ran, i.e. when
    # the firmware read its clock for m-lap-us (the timed window is between the first and last).
    timestamps: List[object] = field(default_factory=list)

    @property
    def elapsed_us(self) -> int:
        """t2 - t1 on the DUT's 32-bit microsecond counter (one wrap tolerated)."""
        return (self.t2_us - self.t1_us) & 0xFFFFFFFF

    @property
    def throughput(self) -> float:
        """Inferences per second over the timed window, as the runners compute it."""
        if self.elapsed_us == 0:
            raise ProtocolError(
                f"infer {self.n} {self.warmup}: the timed window lasted 0 us (m-lap-us {self.t1_us} twice); "
                "raise N so the window spans at least one timer tick"
            )
        return self.n / (self.elapsed_us * 1e-6)


class DutClient:
    """Drives a DUT over a `Transport`: one method per protocol command."""

    def __init__(
        self,
        transport: Transport,
        *,
        timeout: float = LINE_TIMEOUT_S,
        infer_timeout: float = INFER_LINE_TIMEOUT_S,
        chunk_bytes: int = DB_CHUNK_BYTES,
        log: Optional[Callable[[str, str], None]] = None,
    ):
        if not 1 <= chunk_bytes <= 38:  # "db " + 2*38 hex digits = 79 characters < 80
            raise ValueError(f"chunk_bytes must be 1..38 to fit the DUT's 80-character command, not {chunk_bytes}")
        self.transport = transport
        self.timeout = timeout
        self.infer_timeout = infer_timeout
        self.chunk_bytes = chunk_bytes
        self.log = log  # called as log("host", command) / log("dut", line) for session logs
        self.recent: Deque[str] = collections.deque(maxlen=8)  # for error messages
        self.timestamp_mode = "performance"   # from the boot banner; "energy": a GPIO timestamp

    # -- the generic exchange ---------------------------------------------------------------------
    def wait_ready(self, timeout: Optional[float] = None) -> List[str]:
        """Read the boot banner (or anything pending) up to its `m-ready`; returns the lines.
        A banner's `m-timestamp-mode-<mode>` sets `timestamp_mode` ("performance" | "energy")."""
        lines = self._read_response("(boot)", timeout if timeout is not None else self.timeout, allow_reset=True)
        for line in lines:
            if line.startswith("m-timestamp-mode-"):
                self.timestamp_mode = line[len("m-timestamp-mode-"):].strip()
        return lines

    def command(self, text: str, timeout: Optional[float] = None) -> List[str]:
        """Send `text%` and return the lines up to (without) `m-ready`. `e-[...]` raises."""
        if "%" in text or "\r" in text or "\n" in text or not text.isascii():
            raise ValueError(f"a DUT command is ASCII without '%', CR or LF: {text!r}")
        if self.log:
            self.log("host", text)
        self.recent.append(f"> {_short(text)}")
        try:
            self.transport.write(text.encode("ascii") + b"%")
        except TransportClosed as err:
            raise self._error(text, f"the DUT went away ({err})") from None
        return self._read_response(text, timeout if timeout is not None else self.timeout)

    def _read_response(self, sent: str, timeout: float, allow_reset: bool = False) -> List[str]:
        lines: List[str] = []
        errors: List[str] = []
        while True:
            try:
                line = self.transport.read_line(timeout)
            except TransportClosed as err:
                raise self._error(sent, f"the DUT went away ({err})") from None
            if line is None:
                if lines:
                    raise self._error(sent, f"{len(lines)} line(s) but no m-ready within {timeout:g} s "
                                            "(a wrong baud rate, or not running the DUT harness?)")
                raise self._error(sent, f"no answer within {timeout:g} s (no m-ready)")
            if self.log:
                self.log("dut", line)
            self.recent.append(f"< {line}")
            if not allow_reset and line.startswith(_RESET_MARKERS):
                raise self._error(sent, f"the DUT reset while answering (it printed {line!r})")
            if line.startswith("e-"):
                errors.append(line)
            if line.strip() == "m-ready":
                break
            lines.append(line)
        if errors:
            raise self._error(sent, f"the DUT reported {'; '.join(errors)}")
        return lines

    def _error(self, sent: str, what: str) -> ProtocolError:
        tail = " | ".join(self.recent) or "(nothing)"
        return ProtocolError(
            f"{self.transport.describe()}: command {_short(sent)!r}: {what}. Last lines: {tail}"
        )

    # -- commands ---------------------------------------------------------------------------------
    def name(self) -> str:
        """`name%` -> the vendor string in `m-name-dut-[...]`."""
        return _one(self, "name", self.command("name"), _NAME)

    def profile(self) -> str:
        """`profile%` -> the model id (a tinysim.workloads id) from `m-model-[...]`."""
        lines = self.command("profile")
        _one(self, "profile", lines, _PROFILE)
        return _one(self, "profile", lines, _MODEL)

    def help(self) -> List[str]:
        return self.command("help")

    def timestamp(self) -> int:
        """`timestamp%` -> the DUT's microsecond counter."""
        lines = self.command("timestamp")
        return _lap_values(self, "timestamp", lines, expected=1)[0]

    def load(self, data: bytes) -> None:
        """`db load N` then the bytes, `chunk_bytes` per `db <hex>` command; checks m-load-done."""
        data = bytes(data)
        if not data:
            raise ValueError("cannot load an empty input (the DUT refuses db load 0)")
        sent = f"db load {len(data)}"
        announced = _one(self, sent, self.command(sent), _EXPECTING)
        if int(announced) != len(data):
            raise self._error(sent, f"the DUT expects {announced} bytes, not {len(data)}")
        for start in range(0, len(data), self.chunk_bytes):
            chunk = data[start : start + self.chunk_bytes]
            sent = f"db {chunk.hex()}"
            done = "m-load-done" in self.command(sent)
            last = start + len(chunk) == len(data)
            if done != last:
                where = "before the last chunk" if done else "after the last chunk"
                raise self._error(sent, f"m-load-done {'came' if done else 'missing'} {where} "
                                        f"(byte {start + len(chunk)} of {len(data)})")

    def db_print(self) -> bytes:
        """`db print%` -> the bytes the DUT holds."""
        out = bytearray()
        for line in self.command("db print"):
            m = _BUFFER.match(line)
            if m:
                out += bytes.fromhex(m.group(1).replace("-", ""))
            elif line.startswith("m-buffer"):
                raise self._error("db print", f"garbled buffer line {line!r}")
        return bytes(out)

    def infer(self, n: int, warmup: int) -> InferResult:
        """`infer N W%`: W warm-ups, then N timed inferences between two m-lap-us timestamps."""
        if n <= 0 or warmup < 0:
            raise ValueError(f"infer needs n > 0 and warmup >= 0, not n={n} warmup={warmup}")
        sent = f"infer {n} {warmup}"
        mark = len(self.transport.timestamps)
        pins = self.transport.pin_timestamps
        pin_mark = len(pins) if pins is not None else 0
        lines = self.command(sent, timeout=self.infer_timeout)
        stamps = self.transport.timestamps[mark:]
        _expect_sequence(
            self, sent, lines,
            [f"m-warmup-start-{warmup}", "m-warmup-done", f"m-infer-start-{n}", "m-infer-done"],
        )
        # The timed window is what lies between the two timestamps; they must bracket the N runs.
        start, done = lines.index(f"m-infer-start-{n}"), lines.index("m-infer-done")
        if self.timestamp_mode == "energy":
            t1, t2 = _pin_window(self, sent, pin_mark)
            results, raw = self._parse_results(sent, lines)
            return InferResult(n, warmup, t1, t2, results, raw, lines, stamps)
        t1, t2 = _lap_values(self, sent, lines, expected=2)
        if not all(start < i < done for i, line in enumerate(lines) if line.startswith("m-lap-us-")):
            raise self._error(sent, "the m-lap-us lines must come between m-infer-start and m-infer-done")
        results, raw = self._parse_results(sent, lines)
        return InferResult(n, warmup, t1, t2, results, raw, lines, stamps)

    def results(self):
        """`results%` -> (dequantized outputs, raw int8 outputs or None)."""
        return self._parse_results("results", self.command("results"))

    def _parse_results(self, sent: str, lines: Sequence[str]):
        text = _one(self, sent, lines, _RESULTS)
        try:
            # Lenient like the MLCommons runner: VWW's reference prints a trailing comma.
            values = [float(v) for v in text.split(",") if v.strip()]
        except ValueError:
            raise self._error(sent, f"garbled results line m-results-[{text}]") from None
        raw = None
        raw_lines = [m.group(1) for m in map(_RESULTS_RAW.match, lines) if m]
        if raw_lines:
            try:
                raw = [int(v) for v in raw_lines[-1].split(",") if v.strip()]
            except ValueError:
                raise self._error(sent, f"garbled raw results m-results-raw-[{raw_lines[-1]}]") from None
            if any(not -128 <= q <= 127 for q in raw):
                raise self._error(sent, f"raw results outside int8: m-results-raw-[{raw_lines[-1]}]")
        return values, raw


def _short(text: str, limit: int = 72) -> str:
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _one(client: DutClient, sent: str, lines: Sequence[str], pattern: "re.Pattern[str]") -> str:
    """The single line matching `pattern` (its first group); missing or repeated raises."""
    found = [m.group(1) for m in map(pattern.match, lines) if m]
    if len(found) != 1:
        what = "no" if not found else f"{len(found)}"
        raise client._error(sent, f"expected one line like {pattern.pattern!r}, got {what}")
    return found[0]


def _lap_values(client: DutClient, sent: str, lines: Sequence[str], expected: int) -> List[int]:
    values = []
    for line in lines:
        m = _LAP.match(line)
        if m:
            digits = m.group(1)
            if not digits.isdigit() or int(digits) > 0xFFFFFFFF:
                raise client._error(sent, f"garbled timestamp line {line!r}")
            values.append(int(digits))
    if len(values) != expected:
        raise client._error(sent, f"expected {expected} m-lap-us line(s), got {len(values)}")
    return values


def _pin_window(client: DutClient, sent: str, mark: int) -> Tuple[int, int]:
    """An energy-mode DUT prints no m-lap-us: its timestamps are pulls of a GPIO pin low. The
    window is the first and last pull of the pin pulled low during the command (warm-ups are
    not timestamped: EEMBC th_timestamp brackets the timed runs only)."""
    pins = client.transport.pin_timestamps
    if pins is None:
        raise client._error(sent, "the DUT is in energy mode (timestamps on a GPIO pin) and this "
                                  "transport cannot see pins: use an energy monitor, or a performance build")
    by_pin: dict = {}
    for us, pin in pins[mark:]:
        by_pin.setdefault(pin, []).append(us)
    usable = {p: v for p, v in by_pin.items() if len(v) >= 2}
    if len(usable) != 1:
        raise client._error(sent, f"energy mode: expected one GPIO pin pulled low at least twice, got "
                                  f"{', '.join(f'{p} x{len(v)}' for p, v in by_pin.items()) or 'none'}")
    (values,) = usable.values()
    return int(values[0]), int(values[-1])


def _expect_sequence(client: DutClient, sent: str, lines: Sequence[str], wanted: Sequence[str]) -> None:
    """`wanted` must appear in this order (other lines may come in between)."""
    pos = 0
    for line in lines:
        if pos < len(wanted) and line == wanted[pos]:
            pos += 1
    if pos < len(wanted):
        raise client._error(sent, f"missing {wanted[pos]!r} in the answer")
