"""What a Counter is configured with, checked before anything reaches C: the flash-side cache
geometry and the address ranges (flash, data regions, stack guard)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Tuple, Union

from ...errors import TinysimError


@dataclass(frozen=True)
class CacheGeometry:
    """A flash-side cache: `lines` lines of `line_bytes`, `ways` per set (0 = fully associative),
    LRU replacement. Penalties are cycles per miss; the cost model derives them from the
    platform's flash wait states. With `prefetch`, a miss on the line right after the previously
    accessed one is a prefetch hit costing `prefetch_penalty` instead."""
    line_bytes: int
    lines: int
    miss_penalty: int
    ways: int = 0
    prefetch: bool = False
    prefetch_penalty: int = 0

    @classmethod
    def of(cls, value: Union["CacheGeometry", Mapping[str, Any]], what: str) -> "CacheGeometry":
        if isinstance(value, CacheGeometry):
            return value
        if isinstance(value, Mapping):
            try:
                return cls(**value)
            except TypeError as err:
                raise TinysimError(f"counter {what}: {err}; expected keys line_bytes, lines, "
                                   "miss_penalty, ways, prefetch, prefetch_penalty") from None
        raise TinysimError(f"counter {what}: expected a CacheGeometry or a mapping, got "
                           f"{type(value).__name__}")

    def sets_ways(self, what: str) -> Tuple[int, int]:
        ways = self.ways or self.lines
        lb = self.line_bytes
        if lb <= 0 or lb & (lb - 1):
            raise TinysimError(f"counter {what}: line_bytes={lb} must be a power of two")
        if self.lines <= 0 or ways <= 0 or self.lines % ways:
            raise TinysimError(f"counter {what}: lines={self.lines} must be a positive multiple "
                               f"of ways={ways}")
        sets = self.lines // ways
        if sets & (sets - 1):
            raise TinysimError(f"counter {what}: lines/ways = {sets} sets must be a power of two")
        for name in ("miss_penalty", "prefetch_penalty"):
            if not 0 <= getattr(self, name) < 2**32:
                raise TinysimError(f"counter {what}: {name}={getattr(self, name)} out of range")
        return sets, ways


def parse_range(r, what: str) -> Tuple[int, int]:
    try:
        lo, hi = (int(x) for x in r)
    except (TypeError, ValueError):
        raise TinysimError(f"counter {what}: expected (begin, end) addresses, got {r!r}") from None
    if not 0 <= lo < hi <= 2**64:
        raise TinysimError(f"counter {what}: range [{lo:#x}, {hi:#x}) is empty or out of order")
    return lo, hi


def parse_region(r, k: int) -> Tuple[str, str, int, int]:
    """(begin, end), (name, begin, end) or (name, begin, end, kind) -> (name, kind, begin, end)."""
    if isinstance(r, Mapping):
        r = (r.get("name", f"region{k}"), r.get("begin"), r.get("end"), r.get("kind", ""))
    r = tuple(r)
    if len(r) == 2:
        name, kind, span = f"region{k}", "", r
    elif len(r) in (3, 4) and isinstance(r[0], str):
        name, kind, span = r[0], (str(r[3]) if len(r) == 4 else ""), r[1:3]
    else:
        raise TinysimError(f"counter region #{k}: expected (begin, end) or (name, begin, end[, kind]), "
                           f"got {r!r}")
    lo, hi = parse_range(span, f"region {name!r}")
    return name, kind, lo, hi
