"""Run catalogue entries in simulation and set the simulated figures beside the measured ones.

`plan(catalogue, entries)` turns each entry into a `Job` (a plain, picklable description of what
to run) or says honestly why it cannot run yet; `run_job(job)` runs one under the MLPerf Tiny run
rules (tinysim.harness.runner over the emulated DUT, tinysim.pipeline.emulated_dut) and returns a
plain dict; `validate(...)` maps `run_job` over the jobs with an executor.

The executor is anything with `map(fn, iterable)` returning results in order:
`concurrent.futures.ProcessPoolExecutor` (the default, `jobs` processes), `multiprocessing.Pool`,
or an external one such as Ray's `ray.util.multiprocessing.Pool`, which spreads a long catalogue
over a cluster. `SerialExecutor` runs in this process (jobs=1, and tests).

An energy entry runs its own build, as the submitter measured it: it talks at 9600 baud (ST's
builds on a second UART, behind the interface board) and marks its timed window with GPIO pulls
low, which the emulated DUT client times (tinysim.harness.protocol); its energy is the cost
model's integral over that window. Entries whose firmware is the same file (tinysim's own images
in a fixture catalogue) share one run.
"""

from __future__ import annotations

import concurrent.futures
import ctypes
import multiprocessing
import os
import shutil
import signal
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Dict, Iterable, List, Optional

from .. import __version__
from ..cost.flash import FLASH_DEFAULTS
from ..cost.timing import get_preset
from ..errors import TinysimError
from ..harness.runner import Runner
from ..harness.runs import RunnerOptions
from ..platform import load_platform
from ..published.catalogue import Catalogue, Entry, board_ref
from ..published.fetch import find_cached
from .emulated_dut import open_emulated

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "firmware_images"


@dataclass(frozen=True)
class Job:
    entry_id: str
    workload: str
    platform: str
    firmware: str           # path of the image that is run
    format: str             # "elf" | "ihex" (the catalogue's word for the file)
    quick: bool = False
    min_window_s: Optional[float] = None
    seed: int = 0
    profile_dir: str = ""   # when set, the first timed window's profile is saved there (calibrate)


@dataclass
class Row:
    """One entry: identity | measured | simulated | errors | status."""
    id: str
    kind: str
    workload: str
    mode: str
    board: str
    platform: str
    status: str                       # "ok" | "not runnable" | "failed"
    reason: str = ""
    measured_latency_ms: Optional[float] = None
    measured_energy_uj: Optional[float] = None
    simulated_latency_ms: Optional[float] = None
    simulated_energy_uj: Optional[float] = None
    latency_error_pct: Optional[float] = None
    energy_error_pct: Optional[float] = None
    firmware: str = ""
    profile: str = ""                 # saved window profile (validate --profiles)
    notes: List[str] = field(default_factory=list)
    wall_s: Optional[float] = None

    def to_dict(self) -> Dict[str, Any]:
        return asdict(self)


class SerialExecutor:
    """`map` in this process, in order: jobs=1, and runs that must not fork."""

    def map(self, fn: Callable, items: Iterable) -> Iterable:
        return map(fn, items)

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        return None


def default_executor(jobs: int):
    """A process pool of `jobs` workers (spawned: each worker starts its own emulator), or the
    serial executor for jobs <= 1. The workers end with the process that started them, however
    it ends (`_end_with_parent`)."""
    if jobs <= 1:
        return SerialExecutor()
    return concurrent.futures.ProcessPoolExecutor(max_workers=jobs,
                                                  mp_context=multiprocessing.get_context("spawn"),
                                                  initializer=_end_with_parent, initargs=(os.getpid(),))


_PR_SET_PDEATHSIG = 1  # prctl(2): the signal a process gets when its parent ends (Linux)


def _end_with_parent(parent_pid: int) -> None:
    """Worker start-up: be sent SIGTERM when the parent process ends, even killed outright
    (SIGKILL, the OOM killer, a CI job's time limit), so no orphan goes on emulating a workload
    whose results nobody will read. Linux only (elsewhere a no-op)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):
        return
    if os.getppid() != parent_pid:  # the parent ended before the request took effect
        os._exit(1)


def error_pct(simulated: Optional[float], measured: Optional[float]) -> Optional[float]:
    if simulated is None or measured is None or measured <= 0:
        return None
    return (simulated - measured) / measured * 100.0


def _firmware_of(entry: Entry, images_dir: Path, cache: Optional[Path]) -> Path:
    if entry.kind == "self":
        path = images_dir / entry.image
        if not path.is_file():
            raise TinysimError(f"{entry.id}: tinysim image {path} does not exist; build it with "
                               f"`tinysim build` or check the entry's 'image'")
        return path
    hit = find_cached(entry, cache)
    if hit is None:
        raise TinysimError(f"firmware {entry.file} not fetched; run `tinysim published fetch "
                           f"--filter {entry.id}` (or add --from DIR with a local copy)")
    return hit


def plan(catalogue: Catalogue, entries: List[Entry], *, quick: bool = False,
         min_window_s: Optional[float] = None, seed: int = 0, images_dir: Path = IMAGES_DIR,
         cache: Optional[Path] = None, profile_dir: Optional[Path] = None):
    """(jobs, rows): a Job per runnable entry, and a Row for every entry (not-runnable ones final)."""
    jobs, rows = [], []
    for e in entries:
        row = Row(id=e.id, kind=e.kind, workload=e.workload, mode=e.mode, board=e.board,
                  platform=e.platform, status="pending",
                  measured_latency_ms=e.latency_ms, measured_energy_uj=e.energy_uj)
        rows.append(row)
        if not e.platform:
            row.status, row.reason = "not runnable", f"tinysim has no board for {e.board or e.soc} yet"
            continue
        try:
            firmware = _firmware_of(e, images_dir, cache)
            load_platform(board_ref(e.platform))
        except TinysimError as err:
            row.status, row.reason = "not runnable", str(err)
            continue
        row.firmware = str(firmware)
        jobs.append(Job(entry_id=e.id, workload=e.workload, platform=e.platform,
                        firmware=str(firmware), format=e.format, quick=quick,
                        min_window_s=min_window_s, seed=seed,
                        profile_dir=str(profile_dir) if profile_dir else ""))
    return jobs, rows


def run_job(job: Job) -> Dict[str, Any]:
    """Run one job; never raises for a firmware or tinysim error (the result says what failed)."""
    start = time.perf_counter()
    try:
        platform = load_platform(board_ref(job.platform))
        transport, client, meter = open_emulated(platform, Path(job.firmware))
        try:
            options = RunnerOptions(quick=job.quick, seed=job.seed)
            if job.min_window_s:
                options.min_window_s = job.min_window_s
            run = Runner(client, options, meter=meter).performance(job.workload)
        finally:
            transport.close()
    except TinysimError as err:
        if _loader_refused(err):
            return {"id": job.entry_id, "status": "not runnable", "wall_s": time.perf_counter() - start,
                    "reason": f"tinysim cannot load this {job.format} image yet ({err})"}
        return {"id": job.entry_id, "status": "failed", "reason": str(err),
                "wall_s": time.perf_counter() - start}
    energy = run.energy_per_inference_j
    out = {"id": job.entry_id, "status": "ok", "latency_ms": run.latency_s * 1e3,
           "energy_uj": None if energy is None else energy * 1e6,
           "quick": run.quick, "wall_s": time.perf_counter() - start}
    window = run.windows[0] if run.windows else None
    if job.profile_dir and window is not None and window.measure is not None \
            and window.measure.profile is not None:
        profile = window.measure.profile
        profile.meta["inferences"] = window.n
        out["profile"] = str(profile.save(Path(job.profile_dir) / f"{job.entry_id}.npz"))
    return out


def _shared(res: Dict[str, Any], job: Job) -> Dict[str, Any]:
    """`res` of the run that served `job` too (entries with the same firmware file), as
    `job`'s own result: its id, and a copy of the saved profile under its id."""
    if res["id"] == job.entry_id:
        return res
    out = dict(res, id=job.entry_id, wall_s=0.0)   # the run's wall time is on the first row
    if res.get("profile"):
        src, dest = Path(res["profile"]), Path(job.profile_dir) / f"{job.entry_id}.npz"
        for suffix in (".npz", ".json"):          # a profile is the pair (ExecutionProfile.save)
            if src.with_suffix(suffix).is_file():
                shutil.copyfile(src.with_suffix(suffix), dest.with_suffix(suffix))
        out["profile"] = str(dest)
    return out


def _loader_refused(err: Exception) -> bool:
    """A firmware format tinysim cannot load yet (e.g. Intel HEX before its loader lands)."""
    text = str(err).lower()
    return any(s in text for s in ("not an elf", "not elf", "elf magic", "intel hex", "ihex"))


def validate(catalogue: Catalogue, entries: List[Entry], *, executor=None, jobs: int = 0,
             quick: bool = False, min_window_s: Optional[float] = None, seed: int = 0,
             images_dir: Path = IMAGES_DIR, cache: Optional[Path] = None,
             profile_dir: Optional[Path] = None) -> List[Row]:
    """Rows for `entries`: planned, run with `executor` (default: a pool of `jobs` processes,
    0 = one per core up to the number of jobs), errors computed."""
    if profile_dir is not None:
        Path(profile_dir).mkdir(parents=True, exist_ok=True)
    todo, rows = plan(catalogue, entries, quick=quick, min_window_s=min_window_s, seed=seed,
                      images_dir=images_dir, cache=cache, profile_dir=profile_dir)
    by_id = {r.id: r for r in rows}
    # Entries with the same firmware file (and run settings) share one run.
    groups: Dict[tuple, List[Job]] = {}
    for job in todo:
        key = (job.platform, job.firmware, job.workload, job.quick, job.min_window_s, job.seed)
        groups.setdefault(key, []).append(job)
    unique = [g[0] for g in groups.values()]
    if unique:
        if executor is None:
            n = jobs if jobs > 0 else min(len(unique), os.cpu_count() or 1)
            with default_executor(min(n, len(unique))) as pool:
                results = list(pool.map(run_job, unique))
        else:
            results = list(executor.map(run_job, unique))
        results = [_shared(res, job) for res, group in zip(results, groups.values()) for job in group]
        for res in results:
            row = by_id[res["id"]]
            row.status, row.wall_s = res["status"], res.get("wall_s")
            if res["status"] != "ok":
                row.reason = res.get("reason", "")
                continue
            row.simulated_latency_ms = res["latency_ms"]
            row.profile = res.get("profile", "")
            row.simulated_energy_uj = res["energy_uj"]
            if res.get("quick"):
                row.notes.append("quick mode: one short window, not the full run rules")
    for row in rows:
        row.latency_error_pct = error_pct(row.simulated_latency_ms, row.measured_latency_ms)
        row.energy_error_pct = error_pct(row.simulated_energy_uj, row.measured_energy_uj)
    return rows


def model_parameters(platform_names: Iterable[str]) -> Dict[str, Any]:
    """What the figures depend on: tinysim version, timing/flash parameters, each platform's
    clock, flash geometry and energy figures."""
    out: Dict[str, Any] = {"tinysim_version": __version__, "platforms": {}}
    for name in sorted(set(p for p in platform_names if p)):
        try:
            p = load_platform(board_ref(name))
        except TinysimError as err:
            out["platforms"][name] = {"error": str(err)}
            continue
        preset = get_preset(p.core.timing)
        out["platforms"][name] = {
            "clock_hz": p.clock_hz, "voltage_range": p.voltage_range,
            "wait_states": p.wait_states_at(float(p.clock_hz)),
            "flash": {"line_bytes": p.flash.line_bytes, "prefetch": p.flash.prefetch,
                      "icache_lines": p.flash.icache_lines, "dcache_lines": p.flash.dcache_lines,
                      "shared_cache": p.flash.shared_cache,
                      "refill_reads": p.flash.refill_reads},
            "energy": {"vdd_v": p.energy.vdd_v, "regulator": p.energy.regulator,
                       "run_ua_per_mhz": p.energy.run_ua_per_mhz, "static_ua": p.energy.static_ua,
                       "sleep_ua_per_mhz": p.energy.sleep_ua_per_mhz,
                       "fitted": list(p.energy.fitted)},
            "timing": {"preset": preset.name, **preset.params({})},
            "flash_model": dict(FLASH_DEFAULTS),
        }
    return out
