"""Benchmark results: one row per workload run, written atomically as the run goes.

A row is identity | metrics | provenance (the project's result contract, docs/ARCHITECTURE.md):
  identity    workload, platform, engine ("unicorn" | "hardware"), mode, ELF path + sha256
  metrics     latency, throughput, energy, power, cycles / instructions per inference,
              cycles per MAC, bit-exactness against the TFLite interpreter, wall time, sim speed
  provenance  platform and cost-table file hashes, tinysim version, git revision, seed, quick flag
plus the per-window measurements and the artifacts (UART log, saved profiles) the row came from.

A run directory `results/<UTC timestamp>/` holds `results.json`, `results.csv` and per-workload
artifacts. Both tables are rewritten (temp file + os.replace) after each workload, so an
interrupted run leaves complete files holding every workload that finished.
"""

from __future__ import annotations

import csv
import dataclasses
import hashlib
import io
import json
import math
import os
import shutil
import subprocess
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Dict, List, Optional

from .. import __version__
from ..atomic import write_atomic as _write_atomic
from ..errors import TinysimError

SCHEMA = 1
RESULTS_JSON = "results.json"
RESULTS_CSV = "results.csv"
REPO_ROOT = Path(__file__).resolve().parent.parent.parent
COST_TABLES_DIR = REPO_ROOT / "tinysim" / "cost"   # timing presets, flash and energy models


@dataclass
class Identity:
    workload: str
    platform: str
    engine: str                     # "unicorn" | "hardware"
    mode: str = "performance"       # "performance" | "accuracy"
    elf: Optional[str] = None
    elf_sha256: Optional[str] = None


@dataclass
class Metrics:
    latency_ms: Optional[float] = None
    throughput_ips: Optional[float] = None      # median over the windows, inferences per second
    energy_uj: Optional[float] = None           # per inference
    energy_reason: Optional[str] = None         # why energy_uj is null
    avg_power_mw: Optional[float] = None
    cycles: Optional[float] = None              # per inference
    instructions: Optional[float] = None        # per inference
    macs: Optional[int] = None
    cycles_per_mac: Optional[float] = None
    bit_exact: Optional[bool] = None
    bit_exact_reason: Optional[str] = None      # what was compared, or why it could not be
    accuracy: Optional[float] = None            # accuracy mode: top-1 fraction or AUC
    accuracy_metric: Optional[str] = None
    accuracy_target: Optional[float] = None
    wall_s: Optional[float] = None
    device_s: Optional[float] = None            # device time inside the infer commands (m-lap-us)
    sim_speed: Optional[float] = None           # device s / wall s while inferring (simulation)


@dataclass
class Provenance:
    tinysim_version: str = __version__
    git_revision: Optional[str] = None
    engine_build: Optional[str] = None   # "unicorn 2.1.4" or "unicorn 2.1.4 (+tinysim patch 1)"
    platform_files: Dict[str, str] = field(default_factory=dict)   # path -> sha256
    cost_tables: Dict[str, str] = field(default_factory=dict)      # path -> sha256
    seed: Optional[int] = None
    dataset: Optional[str] = None
    quick: bool = False
    valid_for_submission: bool = True
    notes: List[str] = field(default_factory=list)
    finished_utc: Optional[str] = None


@dataclass
class ResultRow:
    identity: Identity
    metrics: Metrics = field(default_factory=Metrics)
    provenance: Provenance = field(default_factory=Provenance)
    windows: List[Dict[str, Any]] = field(default_factory=list)
    artifacts: Dict[str, str] = field(default_factory=dict)   # kind -> file name in the run dir

    @property
    def workload(self) -> str:
        return self.identity.workload

    def to_dict(self) -> Dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: Dict[str, Any], where: str = "result") -> "ResultRow":
        try:
            row = cls(
                identity=_build(Identity, data["identity"]),
                metrics=_build(Metrics, data.get("metrics", {})),
                provenance=_build(Provenance, data.get("provenance", {})),
                windows=list(data.get("windows", [])),
                artifacts=dict(data.get("artifacts", {})),
            )
        except (KeyError, TypeError, AttributeError) as err:
            raise TinysimError(f"{where}: not a tinysim result row ({err})") from None
        row.check_metrics(where)
        return row

    def check_metrics(self, where: str) -> None:
        """Metric fields hold what their annotation says: a (finite) number, true/false, text or
        null; anything else (a string latency, NaN) would break the tables that read them."""
        for f in dataclasses.fields(Metrics):
            value = getattr(self.metrics, f.name)
            if value is None:
                continue
            kind = f.type if isinstance(f.type, str) else str(f.type)
            if "bool" in kind:
                ok = isinstance(value, bool)
            elif "str" in kind:
                ok = isinstance(value, str)
            else:
                ok = isinstance(value, (int, float)) and not isinstance(value, bool) \
                    and math.isfinite(value)
            if not ok:
                want = "true/false" if "bool" in kind else "text" if "str" in kind else "a finite number"
                raise TinysimError(f"{where}: metrics.{f.name} is {value!r}, expected {want} or "
                                   "null; the file was edited or damaged: write it again with "
                                   "`tinysim bench`")

    def flat(self) -> Dict[str, Any]:
        """One CSV line: identity and metrics columns, and the provenance that fits a cell."""
        row: Dict[str, Any] = {}
        row.update(dataclasses.asdict(self.identity))
        row.update(dataclasses.asdict(self.metrics))
        p = self.provenance
        row.update(tinysim_version=p.tinysim_version, git_revision=p.git_revision, seed=p.seed,
                   quick=p.quick, valid_for_submission=p.valid_for_submission, dataset=p.dataset)
        return row


def args_meta(args) -> Dict[str, Any]:
    """The parsed command-line options, as JSON-friendly values, for a run's metadata."""
    out = {}
    for key, value in sorted(vars(args).items()):
        if key.startswith("_") or callable(value):
            continue
        if isinstance(value, (list, tuple)):
            value = [str(v) if isinstance(v, Path) else v for v in value]
        elif isinstance(value, Path):
            value = str(value)
        out[key] = value
    return out


def _build(cls, data: Dict[str, Any]):
    known = {f.name for f in dataclasses.fields(cls)}
    return cls(**{k: v for k, v in data.items() if k in known})


CSV_COLUMNS = [f.name for f in dataclasses.fields(Identity)] + \
    [f.name for f in dataclasses.fields(Metrics)] + \
    ["tinysim_version", "git_revision", "seed", "quick", "valid_for_submission", "dataset"]


# ---------------------------------------------------------------- provenance helpers

def sha256_file(path: os.PathLike) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(REPO_ROOT))
    except ValueError:
        return str(path)


def platform_files(platform) -> Dict[str, str]:
    """sha256 of the board file and the SoC file it names (what the numbers were computed from)."""
    files = [Path(p) for p in platform.source_files]
    return {_rel(p): sha256_file(p) for p in files if p.is_file()}


def cost_tables(directory: Path = COST_TABLES_DIR) -> Dict[str, str]:
    """sha256 of every file of the cost model (per-core timing tables, flash and energy models);
    the platform files' hashes cover the board's own figures."""
    if not directory.is_dir():
        return {}
    return {_rel(p): sha256_file(p) for p in sorted(directory.rglob("*"))
            if p.is_file() and p.suffix in (".toml", ".json", ".py", ".csv")}


def git_revision(root: Path = REPO_ROOT) -> Optional[str]:
    """`git describe`-like revision of the source tree ("<sha>" or "<sha>-dirty"), None outside git."""
    try:
        sha = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                             timeout=10)
        if sha.returncode != 0:
            return None
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=root,
                               capture_output=True, text=True, timeout=30)
        suffix = "-dirty" if dirty.returncode == 0 and dirty.stdout.strip() else ""
        return sha.stdout.strip() + suffix
    except (OSError, subprocess.SubprocessError):
        return None


def utc_stamp(now: Optional[datetime] = None) -> str:
    now = now or datetime.now(timezone.utc)
    return now.strftime("%Y%m%dT%H%M%SZ")


# ---------------------------------------------------------------- atomic files

def write_atomic(path: Path, data: bytes) -> None:
    """Write `data` to `path` so that a reader, a crash or a full disk sees the old file or the
    new one (mode 0644 like every other file of a run; `tinysim.atomic`)."""
    _write_atomic(path, data, what="results file",
                  hint="free some space or choose another directory with --out")


def _csv_text(rows: List[ResultRow]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.flat().items()})
    return out.getvalue()


@dataclass
class RunResults:
    directory: Path
    rows: List[ResultRow]
    meta: Dict[str, Any]

    def by_workload(self) -> Dict[str, ResultRow]:
        return {r.workload: r for r in self.rows}


class RunWriter:
    """A run directory that grows one workload at a time.

    `add(row, uart_log=..., profiles=...)` saves the row's artifacts, then rewrites
    results.json and results.csv atomically with every row so far.
    """

    def __init__(self, root: os.PathLike = "results", stamp: Optional[str] = None,
                 meta: Optional[Dict[str, Any]] = None):
        root = Path(root)
        stamp = stamp or utc_stamp()
        directory = root / stamp
        n = 1
        while directory.exists():            # two runs in the same second get distinct dirs
            directory = root / f"{stamp}-{n}"
            n += 1
        try:
            directory.mkdir(parents=True)
        except OSError as err:
            raise TinysimError(f"cannot create the results directory {directory}: {err.strerror}; "
                               "choose another with --out") from None
        self.directory = directory
        self.rows: List[ResultRow] = []
        self.meta = {"schema": SCHEMA, "started_utc": stamp, "tinysim_version": __version__}
        self.meta.update(meta or {})

    def discard_if_empty(self) -> bool:
        """A run that failed before any workload finished leaves no empty `results/<stamp>/`:
        remove the directory when it holds no result (only this run's own files). True if removed."""
        if self.rows or not self.directory.is_dir():
            return False
        shutil.rmtree(self.directory, ignore_errors=True)
        return not self.directory.exists()

    def __enter__(self) -> "RunWriter":
        return self

    def __exit__(self, *exc) -> None:
        self.discard_if_empty()

    def artifact_path(self, workload: str, kind: str, suffix: str) -> Path:
        # One dot only: ExecutionProfile.save swaps the last suffix for .npz / .json.
        return self.directory / f"{workload}-{kind}{suffix}"

    def add(self, row: ResultRow, uart_log: Optional[str] = None,
            profiles: Optional[Dict[str, Any]] = None) -> Path:
        """Record one finished workload. `profiles` maps a name to an object with `save(path)`
        (an ExecutionProfile: .npz + .json) or to raw bytes; each lands as
        `<workload>-profile-<name>.npz`. The UART log is `<workload>-uart.log`."""
        if uart_log is not None:
            path = self.artifact_path(row.workload, "uart", ".log")
            write_atomic(path, uart_log.encode("utf-8", "replace"))
            row.artifacts["uart_log"] = path.name
        for name, profile in (profiles or {}).items():
            path = self.artifact_path(row.workload, f"profile-{name}", ".npz")
            if isinstance(profile, (bytes, bytearray)):
                write_atomic(path, bytes(profile))
            else:
                saved = profile.save(path)
                path = Path(saved) if isinstance(saved, (str, os.PathLike)) else path
            row.artifacts[f"profile_{name}"] = path.name
        row.provenance.finished_utc = utc_stamp()
        key = (row.workload, row.identity.mode, row.identity.engine)
        before = self.rows
        self.rows = [r for r in self.rows
                     if (r.workload, r.identity.mode, r.identity.engine) != key] + [row]
        try:
            self.flush()
        except BaseException:
            self.rows = before       # the files on disk still hold the rows before this one
            raise
        return self.directory

    def document(self) -> Dict[str, Any]:
        """The results.json document (also what `bench --json` prints: one schema)."""
        return dict(self.meta, results=[r.to_dict() for r in self.rows])

    def flush(self) -> None:
        doc = self.document()
        write_atomic(self.directory / RESULTS_JSON,
                     (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode())
        write_atomic(self.directory / RESULTS_CSV, _csv_text(self.rows).encode())


def load_results(path: os.PathLike) -> RunResults:
    """Read a run directory (or its results.json). Errors name the file and what is wrong."""
    path = Path(path)
    file = path / RESULTS_JSON if path.is_dir() else path
    if not file.is_file():
        raise TinysimError(f"{file}: no such results file (give a directory written by "
                           "`tinysim bench`, e.g. results/<timestamp>)")
    try:
        doc = json.loads(file.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as err:
        raise TinysimError(f"{file}: not readable as JSON ({err})") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("results"), list):
        raise TinysimError(f"{file}: not a tinysim results file (no 'results' list)")
    if doc.get("schema") != SCHEMA:
        raise TinysimError(f"{file}: results schema {doc.get('schema')!r}, this tinysim reads "
                           f"schema {SCHEMA}")
    rows = [ResultRow.from_dict(r, f"{file}: results[{i}]") for i, r in enumerate(doc["results"])]
    meta = {k: v for k, v in doc.items() if k != "results"}
    return RunResults(file.parent, rows, meta)
