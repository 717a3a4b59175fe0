"""`tinysim bench`: the MLPerf Tiny performance run of every workload on an emulated board.

For each workload: boot the prebuilt image in the emulator — `firmware_images/<platform>/
<workload>_official.elf` when the official MLPerf Tiny model is present (fetched to
models/pretrained/, hash-checked), else `<workload>.elf` of tinysim's synthetic-weight model, with a
note saying so — run the performance procedure over the DUT protocol (tinysim.harness.runner), cost each
timed window for energy, check the firmware's int8 outputs against the TFLite interpreter, and
append one row to `results/<UTC timestamp>/` (written after each workload).
"""

from __future__ import annotations

import argparse
import concurrent.futures
import dataclasses
import json
import os
import sys
import time
from pathlib import Path
from typing import Any, Dict, List, Optional, Tuple

from .. import report
from ..emu.engine_info import stock_engine_note, unicorn_build
from ..errors import TinysimError
from .. import workloads
from ..workloads import published as reference
from ..harness.progress import progress_wanted
from ..harness.results import (RESULTS_JSON, Identity, Metrics, Provenance, ResultRow, RunWriter, args_meta,
                               cost_tables, git_revision, platform_files, sha256_file)
from ..harness.rules import DEFAULT_SEED
from ..harness.runner import Runner
from ..harness.runs import PerformanceRun, RunnerOptions
from ..platform import load_platform
from .options import add_image_arguments, image_arg, load_manifest, manifest_entry, wrote

NAME = "bench"
HELP = "run the MLPerf Tiny performance procedure on emulated firmware (latency, energy, cycles)"

REPO_ROOT = Path(__file__).resolve().parents[2]
IMAGES_DIR = REPO_ROOT / "firmware_images"
MODELS_DIR = REPO_ROOT / "models"
PRETRAINED_DIR = MODELS_DIR / "pretrained"   # `tinysim models fetch` puts the official models here
OFFICIAL_NOTE = "official MLPerf Tiny model"   # how a row's provenance notes start for one
SYNTHETIC_NOTE = "synthetic-weight model"
DEFAULT_PLATFORM = "nucleo-l4r5zi"
# Relative wall time of a workload's performance run (bench/bench_phases.py on nucleo-l4r5zi:
# vww01 loads ~58k UART characters per input at 115200 baud, the others 1-6k): --jobs starts the
# longest first so the last one to finish is not a long one started late.
WALL_WEIGHT = {"vww01": 4.0}


def add_common_arguments(p) -> None:
    """Options shared by bench and hw."""
    p.add_argument("--platform", default=DEFAULT_PLATFORM, help=f"board name or TOML (default {DEFAULT_PLATFORM})")
    p.add_argument("--json", action="store_true", help="print the results as JSON on stdout (no progress bar)")
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="results root; each run writes <out>/<UTC timestamp>/ (default results)")
    p.add_argument("--dataset", type=Path, default=None,
                   help="MLPerf Tiny dataset root (<dir>/<workload>/y_labels.csv) or one workload's "
                        "directory; performance mode uses its first 5 inputs. Default: seeded random inputs")
    p.add_argument("--seed", type=int, default=DEFAULT_SEED, help="seed of the random inputs (no --dataset)")
    p.add_argument("--quick", action="store_true",
                   help="one short window per workload (CI smoke test; not valid for submission)")
    # Hidden: shorter windows for tests. Such runs are flagged not valid for submission.
    p.add_argument("--min-window-s", type=float, default=None, help=argparse.SUPPRESS)
    p.add_argument("--models", type=Path, default=MODELS_DIR,
                   help="directory of <workload>.tflite for the bit-exactness check (default models/)")


def add_arguments(p) -> None:
    add_common_arguments(p)
    p.add_argument("--workload", nargs="+", choices=workloads.ids(), default=None,
                   help="workloads to run (default: all four)")
    p.add_argument("--firmware", type=Path, default=None, metavar="FILE",
                   help="run this image (ELF, Intel HEX or raw binary, e.g. a vendor's build) for the one "
                        "--workload instead of the prebuilt image; it speaks at the baud it configures")
    add_image_arguments(p)
    p.add_argument("--images", type=Path, default=IMAGES_DIR,
                   help="prebuilt images root: <images>/<platform>/<workload>.elf + manifest.json")
    p.add_argument("--official-models", type=Path, default=PRETRAINED_DIR, metavar="DIR",
                   help="the official MLPerf Tiny models (default models/pretrained, filled by "
                        "`tinysim models fetch`); when a workload's model is there and verifies, "
                        "its <workload>_official.elf image is measured")
    p.add_argument("--synthetic", action="store_true",
                   help="measure tinysim's synthetic-weight models even when the official ones are present")
    p.add_argument("--no-published", action="store_true",
                   help="skip the like-for-like table: published builds of the same workloads "
                        "(`tinysim published fetch`) simulated on this board's settings, one window each")
    p.add_argument("--jobs", type=int, default=0, metavar="N",
                   help="workloads run at once, each in its own process (default 0: one per core); "
                        "the results are the same whatever N, 1 runs them one after another in "
                        "this process")


# ---------------------------------------------------------------- shared helpers (bench, hw, accuracy)

class ImageDoesNotFit(TinysimError):
    """The manifest says the workload's image does not fit the platform (and says why)."""


def image_for(images: Path, platform_name: str, workload: str) -> Tuple[Path, Dict[str, Any]]:
    directory = images / platform_name
    elf = directory / f"{workload}.elf"
    entry = manifest_entry(load_manifest(directory), workload, elf)
    if entry.get("fits") is False:
        raise ImageDoesNotFit(f"{workload} does not fit {platform_name}: {entry.get('why', 'see the manifest')} "
                              f"({directory / 'manifest.json'})")
    if not elf.is_file():
        raise TinysimError(f"{elf}: no prebuilt {workload} image for {platform_name}; build it with "
                           f"`tinysim build --model models/{workload}.tflite --platform {platform_name} -o {elf}` "
                           "or pass --images DIR")
    want = entry.get("sha256")
    if want:
        got = sha256_file(elf)
        if got != want:
            raise TinysimError(f"{elf}: sha256 {got[:12]}... differs from {directory / 'manifest.json'} "
                               f"({str(want)[:12]}...); the image was changed or the manifest is stale")
    return elf, entry


def choose_image(args, platform_name: str, workload: str) -> Tuple[Path, Dict[str, Any], List[str]]:
    """The official model's image when the model and the image are present, else the
    synthetic-weight one; the notes say which and, on fallback, why."""
    from ..models.fetch import official_model  # deferred: `tinysim --help` start-up speed
    why = "--synthetic was given"
    if not args.synthetic:
        try:
            model = official_model(workload, args.official_models)
            key = workload + "_official"
            if not (args.images / platform_name / f"{key}.elf").is_file():
                raise TinysimError(f"no official-model image {args.images / platform_name / key}.elf "
                                   f"(build it with `python -m tinysim.firmware.images --official "
                                   f"{args.official_models} --platform {platform_name} --workload {workload}`)")
            elf, entry = image_for(args.images, platform_name, key)
            return elf, dict(entry, model=str(model.resolve())), [
                f"{OFFICIAL_NOTE} {workload} (sha256 {str(entry.get('model_sha256', ''))[:12]}...)"]
        except TinysimError as err:
            why = str(err)
    elf, entry = image_for(args.images, platform_name, workload)
    return elf, entry, [f"{SYNTHETIC_NOTE} (tinysim's seeded training; same graph and MACs as "
                        f"the official one), not the {OFFICIAL_NOTE}: {why}"]


def macs_of(entry: Dict[str, Any], workload: str) -> Tuple[Optional[int], Optional[str]]:
    for key in ("macs", "MACs"):
        if isinstance(entry.get(key), (int, float)) and entry[key] > 0:
            return int(entry[key]), None
    model = entry.get("model")
    if isinstance(model, dict) and isinstance(model.get("macs"), (int, float)):
        return int(model["macs"]), None
    return reference.reference_macs(workload), "MACs of the reference model (manifest has none)"


def dataset_dir_for(root: Optional[Path], workload: str) -> Optional[Path]:
    """`--dataset` is the runner's root (<root>/<workload>/) or one workload's own directory."""
    if root is None:
        return None
    if (root / workload / "y_labels.csv").is_file():
        return root / workload
    if (root / "y_labels.csv").is_file():
        return root
    for labels in (root / workload / "y_labels.csv", root / "y_labels.csv"):
        if labels.exists():
            raise TinysimError(f"--dataset {root}: {labels} is not a file; it must be the label "
                               "CSV (file name, label per line)")
    raise TinysimError(f"--dataset {root}: neither {root / workload / 'y_labels.csv'} nor "
                       f"{root / 'y_labels.csv'} exists (expected the MLPerf Tiny dataset layout)")


def runner_options(args, workload: str) -> RunnerOptions:
    # a worker process of --jobs shows no progress bar: several would overwrite each other
    o = RunnerOptions(quick=args.quick, seed=args.seed, dataset_dir=dataset_dir_for(args.dataset, workload),
                      progress=progress_wanted(args.json) and not getattr(args, "in_worker", False))
    if getattr(args, "min_window_s", None):
        o.min_window_s = args.min_window_s
    return o


def model_path(entry: Dict[str, Any], workload: str, models_dir: Optional[Path]) -> Optional[Path]:
    """The .tflite an image was compiled from (its manifest's 'model', relative to the repository),
    else <models_dir>/<workload>.tflite."""
    named = entry.get("model")
    if isinstance(named, str) and named:
        p = Path(named)
        p = p if p.is_absolute() else REPO_ROOT / p
        if p.is_file():
            return p
    return (models_dir / f"{workload}.tflite") if models_dir else None


def row_from_performance(run: PerformanceRun, *, platform, engine: str, elf: Optional[Path],
                         entry: Dict[str, Any], models_dir: Optional[Path]) -> ResultRow:
    from ..harness.bitexact import compare_with_tflite  # deferred: `tinysim --help` start-up speed
    macs, macs_note = macs_of(entry, run.workload)
    energy = run.energy_per_inference_j
    power = run.avg_power_w
    cycles = run.cycles_per_inference
    if cycles is None and engine == "hardware":
        cycles = run.latency_s * platform.clock_hz   # a board gives time, not cycles: clock x time
    m = Metrics(
        latency_ms=run.latency_s * 1e3, throughput_ips=run.median_throughput,
        energy_uj=None if energy is None else energy * 1e6,
        energy_reason=None if energy is not None else (
            "measuring energy on a board needs a power monitor (not driven by tinysim)"
            if engine == "hardware" else "no counter snapshots for the timed window"),
        avg_power_mw=None if power is None else power * 1e3,
        cycles=cycles, instructions=run.instructions_per_inference, macs=macs,
        cycles_per_mac=(cycles / macs) if cycles and macs else None,
        wall_s=run.wall_s, device_s=run.device_s,
        sim_speed=run.sim_speed if engine != "hardware" else None)
    model = model_path(entry, run.workload, models_dir)
    cases = [(w.file, w.input_data, w.raw) for w in run.windows]
    m.bit_exact, m.bit_exact_reason = compare_with_tflite(run.workload, model, cases)
    notes = [macs_note] if macs_note else []
    if run.quick:
        notes.append("quick mode: one short window; not valid for submission")
    unlearned = sum(w.measure.unlearned_block_executions for w in run.windows if w.measure is not None)
    if unlearned:
        notes.append(f"{unlearned} block executions in the timed windows had no learned flash data-cache "
                     "rate (code first run after the model was frozen): their flash data stalls are "
                     "missing, so cycles and energy are low")
    prov = Provenance(git_revision=git_revision(), platform_files=platform_files(platform),
                      cost_tables=cost_tables(), seed=run.seed, dataset=run.inputs_source,
                      quick=run.quick, valid_for_submission=run.valid_for_submission, notes=notes)
    ident = Identity(workload=run.workload, platform=platform.label, engine=engine, mode="performance",
                     elf=str(elf) if elf else None, elf_sha256=sha256_file(elf) if elf else None)
    return ResultRow(ident, m, prov, windows=[w.to_dict() for w in run.windows])


def window_profiles(run: PerformanceRun) -> Dict[str, Any]:
    return {f"w{w.index + 1}": w.measure.profile for w in run.windows
            if w.measure is not None and w.measure.profile is not None}


def bench_workload(platform, workload: str, elf: Path, entry: Dict[str, Any], args,
                   writer: RunWriter, firmware=None, notes=()) -> ResultRow:
    """`firmware`: the loaded image of `elf` when it is not a prebuilt ELF (--firmware);
    `notes`: which model the image holds (added to the row's provenance)."""
    row, uart_log, profiles = measure_workload(platform, workload, elf, entry, args, firmware, notes)
    writer.add(row, uart_log=uart_log, profiles=profiles)
    return row


def measure_workload(platform, workload: str, elf: Path, entry: Dict[str, Any], args,
                     firmware=None, notes=()) -> Tuple[ResultRow, str, Dict[str, Any]]:
    """The performance run of one workload: its row, UART log and window profiles."""
    from ..pipeline.emulated_dut import open_emulated  # deferred: `tinysim --help` start-up speed
    transport, client, meter = open_emulated(platform, firmware or elf)
    try:
        runner = Runner(client, runner_options(args, workload), meter=meter)
        run = runner.performance(workload)
    finally:
        transport.close()
    row = row_from_performance(run, platform=platform, engine="unicorn", elf=elf, entry=entry,
                               models_dir=args.models)
    row.provenance.notes.extend(notes)
    row.provenance.engine_build = unicorn_build()
    return row, "\n".join(run.log) + "\n", window_profiles(run)


def _measure_in_worker(job) -> Tuple[ResultRow, str, Dict[str, Any], float]:
    """One workload of `--jobs` in a worker process (the platform is loaded again there: a
    Platform does not pickle): what measure_workload returns, and its wall seconds."""
    platform_arg, workload, elf, entry, args, notes = job
    start = time.perf_counter()
    args.in_worker = True
    return (*measure_workload(load_platform(platform_arg), workload, elf, entry, args, notes=notes),
            time.perf_counter() - start)


def published_beside(rows: List[ResultRow], platform, args) -> Dict[str, Dict[str, Any]]:
    """The catalogue's published builds of the benched workloads whose board has this platform's
    settings, simulated here in one timed window each (issue 12's like-for-like column); only
    builds already fetched run, the others say what to fetch."""
    from ..pipeline.published_side import side_by_side  # deferred: `tinysim --help` start-up speed
    side = side_by_side(platform, [r.workload for r in rows], quick=True, seed=args.seed)
    ours = {r.workload: r.metrics.latency_ms for r in rows}
    return {w: dict(dataclasses.asdict(b), ours_latency_ms=ours.get(w))
            for w, b in side.items() if b.entry_id}


def print_rows(rows: List[ResultRow], args, writer: RunWriter, title: str, platform=None,
               beside: bool = False) -> None:
    if beside:
        writer.meta["published_beside"] = published_beside(rows, platform, args)
        writer.flush()
    if args.json:   # the results.json document (docs/CONTRACTS.md) and where it was written
        print(json.dumps({"results_dir": str(writer.directory), **writer.document()}, indent=2))
        return
    con = report.console()
    report.print_bench(con, rows, title, writer.meta.get("published_beside"))
    wrote(writer.directory / RESULTS_JSON, "results; also results.csv, UART logs, window profiles")


def run(args) -> int:
    platform = load_platform(args.platform)
    images = []
    firmware = None
    if args.firmware is not None:
        if not args.workload or len(args.workload) != 1:
            raise TinysimError("--firmware runs one image: name its workload with --workload (e.g. kws01)")
        firmware = image_arg(args.firmware, platform, args)
        images.append((args.workload[0], args.firmware, {}, []))
    elif args.base is not None or args.symbols is not None:
        raise TinysimError("--base and --symbols describe a --firmware image; give --firmware FILE")
    for w in [] if firmware is not None else (args.workload or workloads.ids()):
        try:
            images.append((w, *choose_image(args, platform.name, w)))
        except ImageDoesNotFit as err:
            if args.workload:          # asked for by name: say why it cannot run
                raise
            print(f"skipping {err}", file=sys.stderr)
    if not images:
        raise TinysimError(f"no workload image fits {platform.name} (see {args.images / platform.name / 'manifest.json'})")
    writer = RunWriter(args.out, meta={"command": "bench", "platform": platform.label,
                                       "options": args_meta(args), "quick": args.quick})
    with writer:   # a run that fails before a workload finishes leaves no empty results folder
        return _bench_all(images, args, writer, platform, firmware)


def synthetic_notes(images) -> Dict[str, str]:
    """workload -> why its synthetic-weight model is measured (choose_image's note)."""
    return {w: notes[0] for w, _elf, _entry, notes in images if notes and notes[0].startswith(SYNTHETIC_NOTE)}


def models_measured(images) -> str:
    """'official models', 'synthetic-weight models' or the mix, for the table title."""
    synthetic = synthetic_notes(images)
    if synthetic and len(synthetic) == len(images):
        return "synthetic-weight models"
    if synthetic:
        return f"official models, synthetic-weight {', '.join(synthetic)}"
    return "official models"


def _bench_all(images, args, writer: RunWriter, platform, firmware=None) -> int:
    measured = models_measured(images) if firmware is None else "your --firmware image"
    if firmware is None and not args.synthetic:
        for workload, note in synthetic_notes(images).items():
            print(f"note: {workload}: {note}", file=sys.stderr)
    if not args.json and (engine_note := stock_engine_note()):
        print(engine_note, file=sys.stderr)
    jobs = bench_jobs(args, len(images))
    if jobs > 1 and firmware is None:
        rows = _bench_parallel(images, args, writer, jobs)
    else:
        rows = _bench_serial(images, args, writer, platform, firmware)
    print_rows(rows, args, writer, title=f"tinysim bench: {platform.label}, {measured}"
                                          + (" (quick)" if args.quick else ""),
               platform=platform, beside=firmware is None and not args.no_published)
    return 0


def bench_jobs(args, n_workloads: int) -> int:
    """Worker processes for --jobs N: N, or one per core for 0; never more than the workloads."""
    jobs = getattr(args, "jobs", 1)
    if jobs < 0:
        raise TinysimError(f"--jobs {jobs}: give 0 (one per core) or a positive number")
    return max(1, min(jobs or os.cpu_count() or 1, n_workloads))


def _bench_parallel(images, args, writer: RunWriter, jobs: int) -> List[ResultRow]:
    """The workloads in `jobs` worker processes (pipeline/validate.py's spawned pool), the
    longest first; rows are recorded in the workloads' order once all have finished. As one
    after another: a workload that fails stops those not started yet (the running ones finish
    and are kept), then its error is raised; Ctrl-C stops at once and keeps what finished."""
    from ..pipeline.validate import default_executor  # deferred: `tinysim --help` start-up speed
    order = sorted(range(len(images)), key=lambda k: -WALL_WEIGHT.get(images[k][0], 1.0))
    done: Dict[int, Tuple[ResultRow, str, Dict[str, Any], float]] = {}
    if not args.json:
        print(f"running {len(images)} workloads in {jobs} processes: "
              f"{', '.join(images[k][0] for k in order)}", file=sys.stderr)
    started = time.perf_counter()
    pool = default_executor(jobs)
    futures = {pool.submit(_measure_in_worker, (args.platform, w, elf, entry, args, notes)): k
               for k in order for w, elf, entry, notes in [images[k]]}
    failed: Optional[BaseException] = None
    try:
        for future in concurrent.futures.as_completed(futures):
            k = futures[future]
            if future.cancelled():
                continue
            try:
                done[k] = future.result()
            except Exception as err:   # noqa: BLE001 - raised below, after the others finish
                if failed is None:
                    failed = err
                    for f in futures:
                        f.cancel()     # those not started yet
                continue
            if not args.json:
                print(f"[{len(done)}/{len(images)}] {images[k][0]}: done in {done[k][3]:.1f} s "
                      f"({time.perf_counter() - started:.0f} s since the start)", file=sys.stderr)
    except BaseException:  # Ctrl-C: the workers too (a signal sent to this process alone)
        for proc in list((getattr(pool, "_processes", None) or {}).values()):   # CPython's pool
            proc.terminate()
        pool.shutdown(wait=False, cancel_futures=True)
        _keep(done, images, writer)
        raise
    pool.shutdown()
    if failed is not None:
        _keep(done, images, writer)
        raise failed
    return _record(done, images, writer)


def _keep(done, images, writer: RunWriter) -> None:
    """Record the workloads that finished before a failure or Ctrl-C, and say where they are."""
    _say_kept(_record(done, images, writer), writer)


def _say_kept(rows: List[ResultRow], writer: RunWriter, prefix: str = "") -> None:
    if rows:
        print(f"{prefix}stopped; the {len(rows)} finished workload(s) "
              f"({', '.join(r.identity.workload for r in rows)}) are kept in "
              f"{writer.directory}", file=sys.stderr)


def _record(done, images, writer: RunWriter) -> List[ResultRow]:
    rows = []
    for k in range(len(images)):
        if k in done:
            row, uart_log, profiles, _wall = done[k]
            writer.add(row, uart_log=uart_log, profiles=profiles)
            rows.append(row)
    return rows


def _bench_serial(images, args, writer: RunWriter, platform, firmware=None) -> List[ResultRow]:
    rows = []
    started = time.perf_counter()
    for k, (workload, elf, entry, notes) in enumerate(images):
        if not args.json:
            print(f"[{k + 1}/{len(images)}] {workload}: {elf}", file=sys.stderr)
        start = time.perf_counter()
        try:
            rows.append(bench_workload(platform, workload, elf, entry, args, writer, firmware, notes))
        except BaseException:  # Ctrl-C or an error: say where the finished workloads are kept
            _say_kept(rows, writer, f"{workload}: ")
            raise
        if not args.json:
            print(f"[{k + 1}/{len(images)}] {workload}: done in {time.perf_counter() - start:.1f} s"
                  + eta_note(time.perf_counter() - started, k + 1, len(images)), file=sys.stderr)
    return rows


def eta_note(elapsed_s: float, done: int, total: int) -> str:
    """`; about 2 min left for 3 workloads`: the mean wall time of the finished workloads times
    those left (each runs the same device-time windows, so their wall times are alike)."""
    left = total - done
    if left <= 0 or done <= 0:
        return ""
    eta = elapsed_s / done * left
    when = f"{eta:.0f} s" if eta < 90 else f"{eta / 60:.0f} min"
    return f"; about {when} left for {left} more workload{'s' if left > 1 else ''}"
