"""Calibration overlays: a small TOML file of fitted cost parameters.

    [cost]            # timing and flash parameters (names of the preset / flash defaults)
    branch_refill = 1.4
    flash_penalty_scale = 0.55
    [energy]
    run_ua_per_mhz = 104.0

`tinysim calibrate` writes one; `tinysim sweep/profile --overlay FILE` apply it.
"""

from __future__ import annotations

import math
import tomllib
from pathlib import Path
from typing import Dict, Iterable, Mapping

from ..atomic import write_atomic
from ..errors import TinysimError

SECTIONS = ("cost", "energy")
# Every overlay parameter is a non-negative scale, a cycle count or a current in uA/MHz; a value
# beyond this is a damaged or hand-edited file, not a calibration (the fits clamp at 0).
MAX_PARAM = 1e6


def read_overlay(path) -> Dict[str, float]:
    p = Path(path)
    try:
        data = tomllib.loads(p.read_text())
    except FileNotFoundError:
        raise TinysimError(f"{p}: overlay file not found") from None
    except tomllib.TOMLDecodeError as err:
        raise TinysimError(f"{p}: not valid TOML ({err})") from None
    except UnicodeDecodeError:
        raise TinysimError(f"{p}: not a text file; an overlay is the TOML `tinysim calibrate` writes") from None
    except OSError as err:  # a directory, no permission
        raise TinysimError(f"{p}: cannot read overlay ({err.strerror}); give the overlay TOML file") from None
    params: Dict[str, float] = {}
    for section, values in data.items():
        if section not in SECTIONS or not isinstance(values, dict):
            raise TinysimError(f"{p}: unknown section [{section}] (expected: "
                               f"{', '.join(SECTIONS)})")
        for key, value in values.items():
            if isinstance(value, bool) or not isinstance(value, (int, float)):
                raise TinysimError(f"{p}: [{section}] {key} must be a number, got {value!r}")
            if not math.isfinite(value) or not 0 <= value <= MAX_PARAM:
                raise TinysimError(f"{p}: [{section}] {key} = {value!r} is not a finite number in "
                                   f"[0, {MAX_PARAM:g}]; run `tinysim calibrate` again")
            params[key] = float(value)
    return params


def write_overlay(path, params: Mapping[str, float], header: Iterable[str] = ()) -> Path:
    p = Path(path)
    bad = {k: v for k, v in params.items() if not math.isfinite(v) or not 0 <= v <= MAX_PARAM}
    if bad:
        raise TinysimError(f"{p}: not written: the fit gave {', '.join(f'{k} = {v!r}' for k, v in bad.items())} "
                           f"(not a finite number in [0, {MAX_PARAM:g}]); check the measurements")
    lines = [f"# {h}" for h in header]
    cost = {k: v for k, v in params.items() if k != "run_ua_per_mhz"}
    energy = {k: v for k, v in params.items() if k == "run_ua_per_mhz"}
    for section, values in (("cost", cost), ("energy", energy)):
        if values:
            lines.append(f"[{section}]")
            lines.extend(f"{k} = {float(f'{v:.6g}')!r}" for k, v in sorted(values.items()))
    if p.is_dir():
        raise TinysimError(f"{p}: cannot write the overlay (Is a directory); choose another -o path")
    write_atomic(p, ("\n".join(lines) + "\n").encode(), "overlay", "choose another -o path")
    return p
