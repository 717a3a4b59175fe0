"""The few facts the cost model reads from a `tinysim.platform.Platform`, in one place.

The cost model only reads; it never builds platforms. Keeping every attribute access here means a
change in the platform dataclasses touches one file, and errors name the missing field.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Sequence, Tuple

from ..errors import PlatformError


def _name(platform) -> str:
    return str(getattr(platform, "name", "<platform>"))


def _field(obj, *names, default: Any = None, required: Optional[str] = None):
    for name in names:
        if obj is not None and hasattr(obj, name):
            return getattr(obj, name)
        if isinstance(obj, Mapping) and name in obj:
            return obj[name]
    if required:
        raise PlatformError(f"{required}: missing field {names[0]!r}")
    return default


def arch(platform) -> str:
    return _field(_field(platform, "core", required=_name(platform)), "arch",
                  required=f"platform {_name(platform)} [core]")


def timing_preset(platform) -> str:
    core = _field(platform, "core", required=_name(platform))
    return _field(core, "timing", "timing_preset", required=f"platform {_name(platform)} [core]")


def clock_hz(platform) -> float:
    return float(_field(platform, "clock_hz", required=f"platform {_name(platform)}"))


def memories(platform) -> List[Tuple[str, str, int, int]]:
    """(name, kind, base, size) of every memory."""
    out = []
    for m in _field(platform, "memories", default=()) or ():
        out.append((str(_field(m, "name")), str(_field(m, "kind")), int(_field(m, "base")),
                    int(_field(m, "size"))))
    return out


def wait_state_table(platform) -> List[Tuple[float, int]]:
    """[(max_hz, wait_states)] sorted by frequency; empty when the platform has no flash
    latency (e.g. code in zero-wait-state memory)."""
    flash = _field(platform, "flash")
    rows = _field(flash, "wait_states", "ws_table", "latency", default=()) or ()
    table = []
    for row in rows:
        if isinstance(row, Mapping):
            table.append((float(row["max_hz"]), int(row["ws"])))
        else:
            max_hz, ws = row
            table.append((float(max_hz), int(ws)))
    return sorted(table)


def flash_line_bytes(platform) -> int:
    flash = _field(platform, "flash")
    icache = _field(flash, "icache")
    return int(_field(flash, "line_bytes", default=None)
               or _field(icache, "line_bytes", default=None) or 8)


def prefetch_enabled(platform) -> bool:
    return bool(_field(_field(platform, "flash"), "prefetch", default=True))


def energy_fields(platform) -> Tuple[float, Any, Mapping[str, float], Sequence[str]]:
    """(vdd_v, run current (uA/MHz scalar or [(MHz, uA/MHz)]), per-class deltas in pJ, sources)."""
    energy = _field(platform, "energy", required=f"platform {_name(platform)}")
    where = f"platform {_name(platform)} [energy]"
    vdd = float(_field(energy, "vdd_v", "vdd", required=where))
    run = _field(energy, "run_ua_per_mhz", "run_current_ua_per_mhz", "run_current",
                 required=where)
    deltas = _field(energy, "class_pj", "deltas_pj", "per_class_pj", default=None) or {}
    sources = _field(energy, "sources", default=()) or ()
    return vdd, run, dict(deltas), tuple(sources)
