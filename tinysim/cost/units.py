"""Parse the clock and size lists the cost CLI commands take (`16MHz,48MHz`, `256KiB`)."""

from __future__ import annotations

import re
from typing import List

import numpy as np

from ..errors import TinysimError

_FREQ = {"": 1.0, "hz": 1.0, "khz": 1e3, "mhz": 1e6, "ghz": 1e9}
_SIZE = {"": 1, "b": 1, "k": 1024, "kb": 1024, "kib": 1024, "m": 1 << 20, "mb": 1 << 20,
         "mib": 1 << 20}


def _split(text: str, what: str, pattern: str, units: dict, option: str) -> float:
    m = re.fullmatch(pattern, text.strip(), flags=re.IGNORECASE)
    try:  # the pattern lets "1.2.3" through; float() is the judge of the number
        value = float(m.group(1)) if m and m.group(2).lower() in units else None
    except ValueError:
        value = None
    if value is None:
        raise TinysimError(f"{option}: cannot read {what} {text!r} "
                           f"(examples: {'16MHz, 4.5e6' if what == 'clock' else '256KiB, 1MiB'})")
    return value * units[m.group(2).lower()]


def parse_clock(text: str, option: str = "--clock") -> float:
    hz = _split(text, "clock", r"([0-9.]+(?:e[0-9]+)?)\s*([a-z]*)", _FREQ, option)
    if hz <= 0:
        raise TinysimError(f"{option}: clock {text!r} must be above 0 Hz (examples: 16MHz, 4.5e6)")
    return hz


def parse_clocks(text: str, option: str = "--clock") -> List[float]:
    """`16MHz,48MHz` or a range `4MHz..120MHz:100` (100 evenly spaced points)."""
    out: List[float] = []
    for part in text.split(","):
        if ".." in part:
            span, _, n = part.partition(":")
            lo, hi = (parse_clock(x, option) for x in span.split(".."))
            try:
                points = int(n or 10)
            except ValueError:
                points = 0
            if points < 1:
                raise TinysimError(f"{option}: range {part!r} needs ':N' with N a count of at "
                                   "least 1 (e.g. 4MHz..120MHz:100)") from None
            out.extend(np.linspace(lo, hi, points).tolist())
        elif part.strip():
            out.append(parse_clock(part, option))
    if not out:
        raise TinysimError(f"{option}: no clock given")
    return out


def parse_size(text: str, option: str) -> int:
    return int(_split(text, "size", r"([0-9.]+)\s*([a-z]*)", _SIZE, option))


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
