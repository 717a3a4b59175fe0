"""The few facts the cost model reads from a `tinysim.platform.Platform`, in one place.

The cost model only reads; it never builds platforms. Keeping every attribute access here means a
change in the platform dataclasses touches one file, and errors name the missing field.
"""

from __future__ import annotations

from typing import Any, List, Mapping, Optional, Tuple

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
    """(name, kind, base, size) of every address window onto a memory. An alias window (the
    ESP32-C3's DROM view of the flash, say) carries the name of the storage it shows, so what
    lies in it is counted against that storage."""
    out = []
    for m in _field(platform, "memories", default=()) or ():
        name = _field(m, "alias_of", default=None) or _field(m, "name")
        out.append((str(name), str(_field(m, "kind")), int(_field(m, "base")), int(_field(m, "size"))))
    return out


def wait_state_table(platform) -> List[Tuple[float, int]]:
    """[(max_hz, wait_states)] for the platform's voltage range, sorted by frequency; empty when
    the platform has no flash latency (e.g. code in zero-wait-state memory)."""
    flash = _field(platform, "flash")
    rows = _field(flash, "wait_state_table", "wait_states", default=()) or ()
    if isinstance(rows, Mapping):  # per voltage range (tinysim.platform.FlashTiming)
        vrange = _field(platform, "voltage_range", default=None)
        if vrange not in rows:
            raise PlatformError(f"platform {_name(platform)} [flash.wait_states]: no table for "
                                f"voltage range {vrange!r} (have: {', '.join(rows) or 'none'})")
        rows = rows[vrange]
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


def cache_lines(platform) -> Tuple[int, int]:
    """(I-cache lines, D-cache lines) of the flash accelerator; 0 = none."""
    flash = _field(platform, "flash")
    return (int(_field(flash, "icache_lines", default=0) or 0),
            int(_field(flash, "dcache_lines", default=0) or 0))


def prefetch_enabled(platform) -> bool:
    return bool(_field(_field(platform, "flash"), "prefetch", default=True))


def energy_fields(platform) -> Tuple[float, Any, float, Mapping[str, float]]:
    """(vdd_v, run current (uA/MHz scalar or [(MHz, uA/MHz)]), static uA, per-class deltas pJ)."""
    energy = _field(platform, "energy", required=f"platform {_name(platform)}")
    where = f"platform {_name(platform)} [energy]"
    vdd = float(_field(energy, "vdd_v", "vdd", required=where))
    run = _field(energy, "run_ua_per_mhz", "run_current_ua_per_mhz", required=where)
    static = float(_field(energy, "static_ua", default=0.0) or 0.0)
    deltas = _field(energy, "class_pj", "deltas_pj", default=None) or {}
    return vdd, run, static, dict(deltas)
