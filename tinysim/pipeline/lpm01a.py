"""An emulated STMicroelectronics X-NUCLEO-LPM01A (PowerShield) power monitor, fed in device time.

The MLCommons runner's energy flow (power_manager/power_manager_lpm.py in the runner's folder)
talks to the monitor over a serial port: text commands ending "\\r\\n", each answered by a line
`ack <command>` (or `error <command>` and `Error detail: ...`); `stop` is also answered by
`Acquisition completed`. While acquiring, the monitor streams one value per sample period: with
`output energy` the energy integrated over the period in joules, with `output current` the mean
current in amperes, in `format ascii_dec` as four digits, a sign and a two-digit power of ten
(`3300-08` = 3300e-8 J = 33 uJ); once a second a line `TimeStamp: 001s 000ms, buff 00%`; and for
each timestamp pulse on its D7 input (the DUT's timestamp pin) a line `event <n> ris`, n counting
1, 2, ... from the start of the acquisition. The command list and value formats are the
PowerShield help text quoted in that runner file; the TimeStamp and event line formats are the
ones its parser (script.py `_gather_power_results`, power_manager_lpm.py `read_loop`) accepts -
no PowerShield manual was at hand, so their exact wording on silicon is taken from the runner,
not from ST's document.

Which edge makes an event: the runner configures `eventsrc d7 fal` yet parses only `event <n>
ris` lines. An EEMBC energy build's timestamp is a low pulse (pull low, ~2 us, release), and ST's
L4R5ZI-P builds leave the pin low at the end of boot, so the first timestamp of a session is a
release only; counting falling edges, the runner's first window has one event and its energy
report fails (`ts_seconds[-2]`), which ST's own runs with the same builds and runner (two or more
events in every window, shared/published/.../kws/energy-log.txt) did not. So the rig reports the
rising edge that ends each pulse (`EnergyRig._d7`): one event per timestamp, each ~2 us after the
falling edge the firmware's window starts or ends at (0.0002% of a 1 s window). Choose another
edge there if a monitor manual says otherwise.

What the board draws comes from outside: `supply(t0, t1, joules)` adds the energy the cost model
gives for the device-time interval [t0, t1) (spread evenly over it; `joules` at the platform's
`vdd_v`, scaled to the voltage the host set with `volt`: the model's current drawn at that voltage),
`edge(t)` a timestamp edge on D7 at device time t, and `take(now)` returns the stream up to `now`:
every sample period that has ended, each edge in its place between them. Nothing here runs the
emulator (tinysim.pipeline.energy_rig does); the same commands and numbers give the same bytes.
"""

from __future__ import annotations

import math
import re
from typing import List, Optional

# Sampling frequencies the PowerShield accepts (its `freq` help text), in Hz.
FREQUENCIES = {"100k": 100_000, "50k": 50_000, "20k": 20_000, "10k": 10_000, "5k": 5_000,
               "2k": 2_000, "1k": 1_000, "500": 500, "200": 200, "100": 100, "50": 50, "20": 20,
               "10": 10, "5": 5, "2": 2, "1": 1}
# `output energy` integrates at most 10 kHz; ascii_dec streams without limit up to 5 kHz (help text).
MAX_ENERGY_HZ = 10_000
MAX_ASCII_HZ = 5_000
VOLT_RANGE = (1.8, 3.3)        # `volt` help text: [1800m; 3300m]
DEFAULT_VOLT = 3.3             # its default
DEFAULT_HZ = 100               # `freq` default
PREFIXES = {"u": 1e-6, "m": 1e-3, "k": 1e3, "": 1.0}
NAME = "PowerShield"
VERSION = "1.0.0"   # what `version` answers: this emulation's, not an ST firmware revision
HELP = ("htc hrc lcd volt freq acqtime acqmode funcmode output format trigsrc trigdelay currthres "
        "eventsrc pwr pwrend start stop targrst temp powershield version range status echo help")


def ascii_dec(value: float) -> str:
    """A value as the PowerShield's ascii_dec: 4 digits, sign, 2-digit exponent (6409-07)."""
    if not value > 0:
        return "0000+00"
    exp = math.floor(math.log10(value)) - 3
    mant = int(round(value / 10.0 ** exp))
    if mant >= 10_000:
        mant, exp = mant // 10, exp + 1
    return f"{mant:04d}{'-' if exp < 0 else '+'}{abs(exp):02d}"


def parse_number(text: str) -> Optional[float]:
    """A PowerShield numeric argument: `3300m`, `2m`, `2-3`, `100`, `inf`/`0` (for acqtime)."""
    m = re.fullmatch(r"(\d+(?:\.\d+)?)([umk]?)", text)
    if m:
        return float(m.group(1)) * PREFIXES[m.group(2)]
    m = re.fullmatch(r"(\d+)([+-]\d{1,2})", text)
    if m:
        return float(m.group(1)) * 10.0 ** int(m.group(2))
    return None


class Lpm01a:
    """The monitor's host protocol and its sample stream (see the module docstring)."""

    def __init__(self, model_vdd_v: float):
        self.model_vdd_v = float(model_vdd_v)
        self.volt = DEFAULT_VOLT
        self.hz = DEFAULT_HZ
        self.output = "current"
        self.format = "ascii_dec"
        self.acq_time_s: Optional[float] = 10.0   # `acqtime` default 10 s; None: infinite
        self.trigsrc = "sw"
        self.eventsrc = None
        self.powered = False
        self.host_control = False
        self.lcd = ["", ""]
        self.acquiring = False
        self.warnings: List[str] = []
        self._inbox = bytearray()
        self._reset_stream(0.0)

    # -- host side -----------------------------------------------------------------------------
    def host_bytes(self, data: bytes, now_s: float) -> bytes:
        """Bytes the host wrote; returns the replies (commands end with a newline)."""
        self._inbox += data
        out = []
        while True:
            cut = min((i for i in (self._inbox.find(b"\n"), self._inbox.find(b"\r")) if i >= 0), default=-1)
            if cut < 0:
                break
            line = self._inbox[:cut].decode("ascii", "replace").strip()
            del self._inbox[:cut + 1]
            if line:
                out.extend(self.command(line, now_s))
        return "".join(f"{line}\r\n" for line in out).encode()

    def command(self, line: str, now_s: float) -> List[str]:
        """The reply lines to one command line."""
        word, _, arg = line.partition(" ")
        arg = arg.strip()
        handler = getattr(self, f"_cmd_{word}", None)
        if handler is None:
            return self._error(line, f"unknown command '{word}'")
        try:
            extra = handler(arg, now_s)
        except ValueError as err:
            return self._error(line, str(err))
        return [f"ack {line}", *(extra or [])]

    @staticmethod
    def _error(line: str, detail: str) -> List[str]:
        return [f"error {line}", f"Error detail: {detail}"]

    def _idle_only(self, what: str) -> None:
        if self.acquiring:
            raise ValueError(f"{what} cannot change during an acquisition (stop first)")

    # Each _cmd_<name>(arg, now_s) validates its argument (ValueError: the error detail) and
    # returns extra reply lines after the ack.
    def _cmd_htc(self, arg, now):
        self.host_control = True

    def _cmd_hrc(self, arg, now):
        self.host_control = False

    def _cmd_echo(self, arg, now):
        return [arg]

    def _cmd_help(self, arg, now):
        return [HELP]

    def _cmd_powershield(self, arg, now):
        return ["PowerShield present", "emulated by tinysim"]

    def _cmd_version(self, arg, now):
        return [VERSION]

    def _cmd_status(self, arg, now):
        return ["ok"]

    def _cmd_range(self, arg, now):
        return ["100n 50m"]   # the help text's dynamic + static ranges, as one string

    def _cmd_lcd(self, arg, now):
        m = re.fullmatch(r'([12]) "(.{0,16})"', arg)
        if not m:
            raise ValueError('lcd takes a line 1 or 2 and a quoted string of at most 16 characters')
        self.lcd[int(m.group(1)) - 1] = m.group(2)

    def _cmd_volt(self, arg, now):
        if arg == "get":
            return [f"{int(round(self.volt * 1000))}m"]
        self._idle_only("volt")
        v = parse_number(arg)
        if v is None or not VOLT_RANGE[0] - 1e-9 <= v <= VOLT_RANGE[1] + 1e-9:
            raise ValueError(f"volt {arg}: expected a voltage in [1800m; 3300m]")
        self.volt = v
        if abs(v - self.model_vdd_v) > 1e-6:
            self.warnings.append(
                f"the monitor supplies {v:g} V; the board's energy model is for {self.model_vdd_v:g} V "
                f"([energy] vdd_v): the samples are the model's current drawn at {v:g} V")

    def _cmd_freq(self, arg, now):
        self._idle_only("freq")
        if arg not in FREQUENCIES:
            raise ValueError(f"freq {arg}: expected one of {', '.join(FREQUENCIES)}")
        self.hz = FREQUENCIES[arg]

    def _cmd_acqtime(self, arg, now):
        self._idle_only("acqtime")
        if arg in ("inf", "0"):
            self.acq_time_s = None
            return
        v = parse_number(arg)
        if v is None or not 100e-6 <= v <= 100:
            raise ValueError(f"acqtime {arg}: expected [100u; 100] seconds, or 0 / inf")
        self.acq_time_s = v

    def _cmd_acqmode(self, arg, now):
        if arg not in ("dyn", "stat"):
            raise ValueError("acqmode takes dyn or stat")

    def _cmd_funcmode(self, arg, now):
        if arg not in ("optim", "high"):
            raise ValueError("funcmode takes optim or high")

    def _cmd_output(self, arg, now):
        self._idle_only("output")
        if arg not in ("current", "energy"):
            raise ValueError("output takes current or energy")
        self.output = arg

    def _cmd_format(self, arg, now):
        self._idle_only("format")
        if arg == "bin_hexa":
            raise ValueError("format bin_hexa is not emulated by tinysim; use ascii_dec")
        if arg != "ascii_dec":
            raise ValueError("format takes ascii_dec or bin_hexa")
        self.format = arg

    def _cmd_trigsrc(self, arg, now):
        if arg == "d7":
            raise ValueError("trigsrc d7 is not emulated by tinysim; use sw")
        if arg != "sw":
            raise ValueError("trigsrc takes sw or d7")
        self.trigsrc = arg

    def _cmd_trigdelay(self, arg, now):
        v = parse_number(arg)
        if v is None or v > 30:
            raise ValueError(f"trigdelay {arg}: expected [0; 30] seconds")

    def _cmd_currthres(self, arg, now):
        if parse_number(arg) is None:
            raise ValueError(f"currthres {arg}: expected a current in [100n; 50m] or 0")

    def _cmd_eventsrc(self, arg, now):
        if arg.split()[:1] != ["d7"] or arg.split()[1:] not in (["fal"], ["ris"]):
            raise ValueError(f"eventsrc {arg}: tinysim emulates D7 only (eventsrc d7 fal or ris; see the "
                             "module docstring for the edge it reports)")
        self.eventsrc = arg

    def _cmd_pwr(self, arg, now):
        state = arg.split()[0] if arg else ""
        if state == "get":
            return ["on" if self.powered else "off"]
        if state not in ("on", "off", "auto"):
            raise ValueError("pwr takes on, off, auto or get")
        self.powered = state != "off"

    def _cmd_pwrend(self, arg, now):
        if arg not in ("on", "off"):
            raise ValueError("pwrend takes on or off")

    def _cmd_targrst(self, arg, now):
        raise ValueError("targrst is not emulated by tinysim (the emulated board is not power-cycled)")

    def _cmd_temp(self, arg, now):
        return ["25.0"]   # no thermal model: a nominal room temperature

    def _cmd_start(self, arg, now):
        if self.acquiring:
            raise ValueError("an acquisition is already running")
        if self.output == "energy" and self.hz > MAX_ENERGY_HZ:
            raise ValueError(f"output energy integrates at most {MAX_ENERGY_HZ} Hz (freq {self.hz})")
        if self.hz > MAX_ASCII_HZ and (self.acq_time_s is None or self.acq_time_s * self.hz > 10_000):
            raise ValueError(f"ascii_dec at {self.hz} Hz is limited to 10000 samples (acqtime)")
        self.acquiring = True
        self._reset_stream(now)

    def _cmd_stop(self, arg, now):
        self.acquiring = False
        return ["Acquisition completed"]

    # -- board side ----------------------------------------------------------------------------
    def _reset_stream(self, start_s: float) -> None:
        self.start_s = start_s
        self.emitted = 0                       # sample periods streamed
        self.bins: dict = {}                   # sample index -> joules (model's, at model_vdd_v)
        self.edges: List[float] = []           # pending D7 falling edges (device s)
        self.events = 0

    def supply(self, t0: float, t1: float, joules: float) -> None:
        """The board used `joules` (at the model's vdd) evenly over device time [t0, t1)."""
        if not self.acquiring or joules <= 0:
            return
        if t1 <= max(t0, self.start_s):
            return
        rate = joules / (t1 - t0)          # the part before the start is not measured
        t0 = max(t0, self.start_s)
        dt = 1.0 / self.hz
        k = int((t0 - self.start_s) * self.hz)
        while True:
            a = self.start_s + k * dt
            b = a + dt
            lo, hi = max(a, t0), min(b, t1)
            if hi > lo:
                self.bins[k] = self.bins.get(k, 0.0) + rate * (hi - lo)
            if b >= t1:
                break
            k += 1

    def edge(self, t: float) -> None:
        """A timestamp edge on D7 at device time t."""
        if self.acquiring and self.eventsrc and t >= self.start_s:
            self.edges.append(t)

    def take(self, now_s: float) -> bytes:
        """The stream from the last call up to device time `now_s`."""
        if not self.acquiring:
            return b""
        lines: List[str] = []
        end = now_s
        if self.acq_time_s is not None:
            end = min(end, self.start_s + self.acq_time_s)
        dt = 1.0 / self.hz
        scale = self.volt / self.model_vdd_v
        while True:
            if self.edges and self.edges[0] <= end and self.edges[0] < self.start_s + (self.emitted + 1) * dt:
                self.edges.pop(0)
                self.events += 1
                lines.append(f"event {self.events} ris")
                continue
            if self.start_s + (self.emitted + 1) * dt > end + 1e-12:
                break
            joules = self.bins.pop(self.emitted, 0.0) * scale
            value = joules if self.output == "energy" else joules / dt / self.volt
            lines.append(ascii_dec(value))
            self.emitted += 1
            if self.emitted % self.hz == 0:
                secs = self.emitted // self.hz
                lines.append(f"TimeStamp: {secs % 1000:03d}s 000ms, buff 00%")
        if self.acq_time_s is not None and now_s >= self.start_s + self.acq_time_s:
            self.acquiring = False
            lines.append("Acquisition completed")
        return "".join(f"{line}\r\n" for line in lines).encode()
