"""The one grammar for sizes and frequencies, in platform files and on the command line.

A size is a whole number of bytes: an integer, or a number with a unit, `B`, `K`/`KB`/`KiB`,
`M`/`MB`/`MiB`, `G`/`GB`/`GiB` (any case; all binary, as in datasheets: 1 KB = 1024 B), e.g.
`4096`, `"640KiB"`, `"1.5MiB"`. A frequency is a positive number with an optional unit `Hz`,
`kHz`, `MHz`, `GHz` (any case), e.g. `120000000`, `"120MHz"`, `"16 MHz"`, `4.5e6`. The platform
loader and the CLI options (`--clock`, `--sram`, ...) both read through here, so a value with a
unit works the same in both. One difference: on the command line a bare clock number is MHz
(`--clock 120` is 120 MHz, as a person means it), in a platform file it is Hz (the datasheet's
`120000000`); a bare command-line number too big to be MHz is refused with the fix.
Errors are `UnitError`s naming where the value came from.

Also the formatters every table shares: `fmt_size`, `fmt_clock`, and `micro()`, the micro sign
the terminal can show (`µ`, or `u` where its encoding has no µ).
"""

from __future__ import annotations

import math
import re
import sys
from typing import Any, List

import numpy as np

from .errors import TinysimError

SIZE_UNITS = {"": 1, "b": 1, "k": 1 << 10, "kb": 1 << 10, "kib": 1 << 10, "m": 1 << 20,
              "mb": 1 << 20, "mib": 1 << 20, "g": 1 << 30, "gb": 1 << 30, "gib": 1 << 30}
FREQUENCY_UNITS = {"": 1.0, "hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9}
SIZE_EXAMPLES = "4096, 256KiB, 2MiB"
FREQUENCY_EXAMPLES = "120MHz, 16 MHz, 4.5e6Hz"
# A number (integer, decimal or exponent form) then an optional unit word.
_QUANTITY = re.compile(r"([0-9.]+(?:e[+-]?[0-9]+)?)\s*([a-z]*)", re.IGNORECASE)


class UnitError(TinysimError):
    """A size or frequency that cannot be read; the message names where it came from."""


def _number_and_unit(value: Any, units: dict, where: str, what: str, examples: str) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return float(value)
    m = _QUANTITY.fullmatch(str(value).strip())
    number = None
    if m and m.group(2).lower() in units:
        try:  # the pattern lets "1.2.3" through; float() is the judge of the number
            number = float(m.group(1)) * units[m.group(2).lower()]
        except ValueError:
            number = None
    if number is None:
        raise UnitError(f"{where}: cannot read {what} {value!r} (examples: {examples})")
    return number


def parse_size(value: Any, where: str = "size") -> int:
    """Bytes from `4096`, `"640KiB"`, `"1.5MiB"`; refuses negative and fractional byte counts."""
    number = _number_and_unit(value, SIZE_UNITS, where, "size", SIZE_EXAMPLES)
    if not math.isfinite(number) or number < 0 or number != int(number):
        raise UnitError(f"{where}: size {value!r} is not a whole number of bytes "
                        f"(examples: {SIZE_EXAMPLES})")
    return int(number)


def parse_frequency(value: Any, where: str = "clock") -> float:
    """Hz (a float, as sweeps need) from `"120MHz"`, `"16 MHz"`, `4.5e6`; must be above 0."""
    hz = _number_and_unit(value, FREQUENCY_UNITS, where, "clock", FREQUENCY_EXAMPLES)
    if not math.isfinite(hz):
        raise UnitError(f"{where}: clock {value!r} is not a finite number (examples: {FREQUENCY_EXAMPLES})")
    if hz <= 0:
        raise UnitError(f"{where}: clock {value!r} must be above 0 Hz (examples: {FREQUENCY_EXAMPLES})")
    return hz


def parse_hz(value: Any, where: str = "clock") -> int:
    """Whole Hz, for platform files: `"120MHz"` -> 120000000; at least 1 Hz."""
    hz = parse_frequency(value, where)
    if not math.isfinite(hz) or round(hz) < 1:
        raise UnitError(f"{where}: clock {value!r} must be a finite whole number of Hz, at least 1 "
                        f"(examples: {FREQUENCY_EXAMPLES})")
    return int(round(hz))


# Most clock points one --clock may give: each is a full re-costing of the profile, and a sweep's
# table and plot are read by a person; 10,000 is far beyond any plot's resolution.
MAX_CLOCK_POINTS = 10_000


# A command-line clock without a unit is MHz; above this many MHz (10 GHz, far beyond any MCU)
# it is a number of Hz typed without its unit, refused with the fix rather than read as THz.
MAX_BARE_MHZ = 10_000


def parse_cli_frequency(value: Any, option: str = "--clock") -> float:
    """Hz from a command-line clock: `120MHz`, `16 MHz`, `48000kHz`, or a bare number of MHz."""
    hz = parse_frequency(value, option)   # the number's checks (finite, above 0) on the text typed
    m = _QUANTITY.fullmatch(str(value).strip())
    if not (m and not m.group(2)):
        return hz
    if hz > MAX_BARE_MHZ:
        raise UnitError(f"{option} {value}: a clock without a unit is MHz, and {hz:,.0f} MHz is "
                        f"no MCU clock; write the unit: {hz / 1e6:g}MHz (or {value}Hz)")
    return hz * 1e6


def parse_clock(text: str, option: str = "--clock") -> float:
    return parse_cli_frequency(text, option)


def parse_clocks(text: str, option: str = "--clock") -> List[float]:
    """`16MHz,48MHz` or a range `4MHz..120MHz:100` (100 evenly spaced points); a bare number is
    MHz (`16,48,120`, `4..120:30`)."""
    out: List[float] = []
    for part in text.split(","):
        if ".." in part:
            span, _, n = part.partition(":")
            lo, hi = (parse_cli_frequency(x, option) for x in span.split(".."))
            try:
                points = int(n or 10)
            except ValueError:
                points = 0
            if points < 1:
                raise UnitError(f"{option}: range {part!r} needs ':N' with N a count of at "
                                "least 1 (e.g. 4MHz..120MHz:100)") from None
            if points + len(out) > MAX_CLOCK_POINTS:
                raise UnitError(f"{option}: range {part!r} asks for {points:,} points; a sweep takes "
                                f"at most {MAX_CLOCK_POINTS:,} clocks: give a smaller ':N'")
            out.extend(np.linspace(lo, hi, points).tolist())
        elif part.strip():
            out.append(parse_cli_frequency(part, option))
        if len(out) > MAX_CLOCK_POINTS:
            raise UnitError(f"{option}: {len(out):,} clocks; a sweep takes at most "
                            f"{MAX_CLOCK_POINTS:,}: give fewer")
    if not out:
        raise UnitError(f"{option}: no clock given")
    return out


def parse_sizes(text: str, option: str) -> List[int]:
    return [parse_size(x, option) for x in text.split(",") if x.strip()]


def fmt_size(n: int) -> str:
    if n >= 1 << 20 and n % (1 << 20) == 0:
        return f"{n >> 20} MiB"
    if n >= 1024:
        return f"{n / 1024:.1f} KiB".replace(".0 KiB", " KiB")
    return f"{n} B"


def fmt_clock(hz: float) -> str:
    return f"{hz / 1e6:g} MHz"


def micro(stream=None) -> str:
    """The micro sign for unit labels (`µJ`, `µs`): `µ` when `stream` (default stdout) can encode
    it, else `u` (an ASCII-only terminal or a C-locale pipe)."""
    stream = sys.stdout if stream is None else stream
    try:
        "µ".encode(getattr(stream, "encoding", None) or "ascii")
    except (UnicodeEncodeError, LookupError):
        return "u"
    return "µ"
