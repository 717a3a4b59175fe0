"""Read `catalogue.toml`: one `Entry` per published firmware build (or tinysim "self" image).

Errors name the file, the entry and the field, and say what to write instead.
"""

from __future__ import annotations

import fnmatch
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Dict, Iterable, List, Mapping, Optional, Tuple

from ..errors import TinysimError

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")
# Boards of published measurement setups that are not tinysim build targets (boards/<b>/<b>.toml)
KINDS = ("published", "self")
MODES = ("performance", "energy")
FORMATS = ("ihex", "elf")
# measured keys a mode may carry, with their units
MEASURED_KEYS = {
    "performance": ("throughput_ips", "latency_ms"),
    "energy": ("energy_uj", "power_mw", "window_latency_ms"),
}


class CatalogueError(TinysimError):
    """The catalogue file is malformed."""


@dataclass(frozen=True)
class Entry:
    id: str
    kind: str                 # "published" | "self"
    workload: str             # MLPerf Tiny workload id (kws01, vww01, ic01, ad01)
    mode: str                 # "performance" | "energy": which build and which run
    platform: str             # tinysim board name; "" when tinysim has no board for it yet
    measured: Mapping[str, float]
    board: str = ""
    soc: str = ""
    benchmark: str = ""
    version: str = ""
    submitter: str = ""
    division: str = ""
    file: str = ""            # published: the firmware file name
    format: str = "elf"
    sha256: str = ""
    path: str = ""            # published: path in the source repository at the pinned commit
    results: str = ""         # published: the results file the figures come from
    image: str = ""           # self: <platform>/<workload>.elf under firmware_images/
    declared: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    @property
    def latency_ms(self) -> Optional[float]:
        """Measured latency per inference: the performance median, or the energy run's windows."""
        m = self.measured
        return m.get("latency_ms", m.get("window_latency_ms"))

    @property
    def energy_uj(self) -> Optional[float]:
        return self.measured.get("energy_uj")

    def label(self) -> str:
        who = f"{self.submitter} {self.version}".strip() or self.kind
        return f"{who} {self.board or self.platform} {self.workload} {self.mode}"


@dataclass(frozen=True)
class Catalogue:
    path: Path
    source: Mapping[str, str]
    entries: Tuple[Entry, ...]

    def url(self, entry: Entry) -> str:
        """Download URL of a published entry's firmware at the pinned commit."""
        template = self.source.get("url", "")
        if entry.kind != "published" or not template:
            return ""
        return template.format(commit=self.source.get("commit", ""), path=entry.path)

    def select(self, patterns: Iterable[str] = ()) -> List[Entry]:
        """Entries whose id, workload, mode, board or platform matches any glob (all if none).
        A pattern that matches nothing is an error, so a typo does not validate nothing."""
        pats = [p for p in patterns if p]
        if not pats:
            return list(self.entries)
        out, unmatched = [], []
        for p in pats:
            hits = [e for e in self.entries
                    if any(fnmatch.fnmatchcase(v.lower(), p.lower())
                           for v in (e.id, e.workload, e.mode, e.board, e.platform, e.kind) if v)]
            if not hits:
                unmatched.append(p)
            out.extend(h for h in hits if h not in out)
        if unmatched:
            raise CatalogueError(f"{self.path}: --filter {', '.join(unmatched)} matches no entry; ids "
                                 f"look like {self.entries[0].id if self.entries else '(empty)'}, and "
                                 "a filter may also name a workload, mode, board or platform (globs allowed)")
        return [e for e in self.entries if e in out]


def board_ref(name: str) -> str:
    """What `load_platform` takes for an entry's `platform`: the name of a board in platforms/
    (a measurement setup such as nucleo-l4r5zi-p is a board like any other)."""
    return name


def _fail(path: Path, where: str, msg: str) -> CatalogueError:
    return CatalogueError(f"{path}: {where}: {msg}")


def _entry(path: Path, k: int, raw: Mapping[str, Any]) -> Entry:
    where = f"entry {k + 1} ({raw.get('id', 'no id')})"
    for key in ("id", "kind", "workload", "mode", "measured"):
        if key not in raw:
            raise _fail(path, where, f"missing field {key!r}")
    kind, mode = raw["kind"], raw["mode"]
    if kind not in KINDS:
        raise _fail(path, where, f"kind {kind!r}: use one of {', '.join(KINDS)}")
    if mode not in MODES:
        raise _fail(path, where, f"mode {mode!r}: use one of {', '.join(MODES)}")
    fmt = raw.get("format", "elf")
    if fmt not in FORMATS:
        raise _fail(path, where, f"format {fmt!r}: use one of {', '.join(FORMATS)}")
    if kind == "published":
        for key in ("file", "sha256", "path"):
            if not raw.get(key):
                raise _fail(path, where, f"a published entry needs {key!r}")
        sha = str(raw["sha256"])
        if len(sha) != 64 or any(c not in "0123456789abcdef" for c in sha):
            raise _fail(path, where, "sha256 must be 64 lowercase hex digits")
    if kind == "self" and not raw.get("image"):
        raise _fail(path, where, "a self entry needs 'image' (<platform>/<workload>.elf under firmware_images/)")
    measured = raw["measured"]
    if not isinstance(measured, dict) or not measured:
        raise _fail(path, where, "'measured' must be a non-empty table of figures")
    allowed = MEASURED_KEYS[mode]
    for key, value in measured.items():
        if key not in allowed:
            raise _fail(path, where, f"measured.{key}: not a {mode} figure (use {', '.join(allowed)})")
        if not isinstance(value, (int, float)) or value <= 0:
            raise _fail(path, where, f"measured.{key} = {value!r}: must be a positive number")
    fields = {f: raw[f] for f in ("board", "soc", "benchmark", "version", "submitter", "division",
                                   "file", "sha256", "path", "results", "image") if f in raw}
    return Entry(id=str(raw["id"]), kind=kind, workload=str(raw["workload"]), mode=mode,
                 platform=str(raw.get("platform", "")), measured=MappingProxyType(dict(measured)),
                 format=fmt, declared=MappingProxyType(dict(raw.get("declared", {}))), **fields)


def load_catalogue(path: Optional[Path] = None) -> Catalogue:
    """The shipped catalogue, or another file in the same format (tests, private catalogues)."""
    path = Path(path) if path is not None else CATALOGUE_PATH
    try:
        doc = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as err:
        raise CatalogueError(f"{path}: cannot read the catalogue ({err.strerror})") from None
    except tomllib.TOMLDecodeError as err:
        raise CatalogueError(f"{path}: not valid TOML ({err})") from None
    raw_entries = doc.get("entry", [])
    if not isinstance(raw_entries, list):
        raise CatalogueError(f"{path}: 'entry' must be an array of tables ([[entry]])")
    entries = tuple(_entry(path, k, e) for k, e in enumerate(raw_entries))
    seen: Dict[str, int] = {}
    for k, e in enumerate(entries):
        if e.id in seen:
            raise _fail(path, f"entry {k + 1}", f"id {e.id!r} repeats entry {seen[e.id] + 1}")
        seen[e.id] = k
    source = {str(k): str(v) for k, v in doc.get("source", {}).items()}
    return Catalogue(path=path, source=MappingProxyType(source), entries=entries)
