"""`tinysim accuracy`: the MLPerf Tiny accuracy mode on emulated firmware, beside TFLite.

    tinysim accuracy --workload kws01 --dataset DIR [--platform P] [--limit N]

Every input of the dataset (every window of an AD file) goes through the emulated firmware with
`infer 1 0`; the score (top-1, or AUC for ad01) is compared with the quality target. When a TFLite
interpreter is installed the same inputs go through models/<workload>.tflite too, so the two
scores (and the raw int8 outputs, input by input) can be shown equal.

Inputs go over the emulated UART as the runners send them (`db load N` + hex `db` lines, at the
baud rate) unless `--direct` asks for speed: then each input is written straight into the
firmware's db buffer by ELF symbol (tinysim.pipeline.direct_load) and only `infer 1 0` goes over
the UART; the output says which path fed the inputs.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List, Optional, Tuple

import numpy as np

from .. import report
from ..errors import TinysimError
from .. import workloads
from ..harness import datasets, scoring
from ..harness.progress import progress_wanted
from ..harness.results import (Identity, Metrics, Provenance, ResultRow, RunWriter, args_meta,
                               cost_tables, git_revision, platform_files, sha256_file)
from ..harness.runner import Runner
from ..harness.runs import RunnerOptions
from ..platform import load_platform
from . import cmd_bench

NAME = "accuracy"
INPUT_PATHS = {False: "sent over the emulated UART (db load + db hex lines, at the baud rate)",
               True: "written straight into the firmware's db buffer (--direct; infer over the UART)"}
HELP = "score a dataset through the emulated firmware (top-1 / AUC vs the MLPerf Tiny target)"
DATASET_HELP = (
    "dataset root (<dir>/<workload>/y_labels.csv + the .bin inputs it names, the MLCommons runner's "
    "layout) or the workload's own directory. The MLPerf Tiny input sets: kws01's 1000 .bin files are "
    "in the EEMBC energyrunner repository (datasets/kws01); the others are made with the mlcommons/tiny "
    "repository's scripts (vww01: training/visual_wake_words generate_y_labels.py on the vw_coco2014_96 "
    "set; ic01: training/image_classification perf_samples_loader.py; ad01: "
    "training/anomaly_detection convert_dataset.py). A synthetic set in the same layout: "
    "tinysim.harness.datasets.make_dataset(workload, dir, n, seed)")


def add_arguments(p) -> None:
    p.add_argument("--workload", required=True, choices=workloads.ids(),
                   help="which MLPerf Tiny workload the dataset and the firmware image are")
    p.add_argument("--dataset", required=True, type=Path, help=DATASET_HELP)
    p.add_argument("--platform", default=cmd_bench.DEFAULT_PLATFORM,
                   help=f"board name or TOML path (default {cmd_bench.DEFAULT_PLATFORM})")
    p.add_argument("--limit", type=int, default=None, help="only the first N files of y_labels.csv")
    p.add_argument("--elf", type=Path, default=None,
                   help="firmware ELF (default firmware_images/<platform>/<workload>.elf)")
    p.add_argument("--images", type=Path, default=cmd_bench.IMAGES_DIR,
                   help="directory of prebuilt images, <platform>/<workload>.elf (default firmware_images/)")
    p.add_argument("--models", type=Path, default=cmd_bench.MODELS_DIR,
                   help="directory of <workload>.tflite for the interpreter's score (default models/)")
    p.add_argument("--out", type=Path, default=Path("results"),
                   help="results directory; each run writes a dated folder in it (default results/)")
    p.add_argument("--json", action="store_true",
                   help="print the scores as one JSON object (no progress bar) instead of the report")
    p.add_argument("--direct", action="store_true",
                   help="for speed: write each input straight into the firmware's db buffer (by ELF "
                        "symbol) instead of sending db commands over the emulated UART; infer still "
                        "goes over the UART. The default UART path is what a runner does")


def tflite_scores(workload: str, model: Path, dataset_dir: Path, limit: Optional[int]):
    """(Score, raw outputs per file) of the TFLite interpreter on the dataset, or (None, reason)."""
    from ..harness.bitexact import tflite_int8_outputs, tflite_interpreter  # deferred: `tinysim --help` start-up speed
    if not model.is_file():
        return None, f"{model} missing"
    interp = tflite_interpreter(model)
    if interp is None:
        return None, "no TFLite interpreter installed (pip install ai-edge-litert)"
    out_scale, out_zp = interp.get_output_details()[0]["quantization"]
    ds = datasets.load_dataset(workload, dataset_dir, limit)
    results: Dict[str, list] = {}
    raw: Dict[str, List[List[int]]] = {}
    for entry in ds.entries:
        per, per_raw = [], []
        for window in entry.windows:
            q = tflite_int8_outputs(interp, workload, window)
            per_raw.append(q.astype(int).tolist())
            if workloads.get(workload).metric == "auc":  # the DUT prints the window MSE
                per.append(scoring.reconstruction_mse(q, (out_scale, out_zp), np.frombuffer(window, "<f4")))
            else:
                per.append(((q.astype(np.int32) - int(out_zp)) * np.float32(out_scale)).tolist())
        results[entry.file], raw[entry.file] = per, per_raw
    return scoring.score(workload, results, {e.file: e.label for e in ds.entries}), raw


def raw_agreement(fw: Dict[str, List[List[int]]], ref: Dict[str, List[List[int]]]) -> Tuple[int, int]:
    """(identical inferences, compared inferences) between firmware and interpreter raw outputs."""
    same = total = 0
    for name, outs in fw.items():
        for a, b in zip(outs, ref.get(name, [])):
            if a:
                total += 1
                same += int(list(a) == list(b))
    return same, total


def check_dataset(workload: str, dataset_dir, limit) -> None:
    """Read the dataset (every file, its size and values) and, for an AUC workload, check both
    classes are among the files scored, before any emulation (37 s per ad01 file)."""
    ds = datasets.load_dataset(workload, dataset_dir, limit)
    if workloads.get(workload).metric == "auc" and len(set(ds.labels)) < 2:
        only = ds.labels[0]
        raise TinysimError(f"{ds.directory / datasets.LABELS_FILE}: the {len(ds)} file(s) scored all have "
                           f"label {only}; AUC needs both normal (0) and anomalous (1) files: "
                           + ("raise --limit or " if limit else "") + "add files of the other class")


def run(args) -> int:
    from ..pipeline.direct_load import DirectLoadClient  # deferred: `tinysim --help` start-up speed
    from ..pipeline.emulated_dut import open_emulated
    if args.limit is not None and args.limit <= 0:
        raise TinysimError(f"--limit must be positive, got {args.limit}")
    platform = load_platform(args.platform)
    dataset_dir = cmd_bench.dataset_dir_for(args.dataset, args.workload)
    if args.elf is not None:
        if not args.elf.is_file():
            raise TinysimError(f"--elf {args.elf}: " + ("is a directory; give the firmware .elf file"
                                                      if args.elf.is_dir() else "no such file"))
        elf = args.elf
    else:
        elf, _ = cmd_bench.image_for(args.images, platform.name, args.workload)
    check_dataset(args.workload, dataset_dir, args.limit)   # minutes of emulation come after
    transport, client, _ = open_emulated(platform, elf, count_data=False, metered=False)
    if args.direct:
        booted = client
        client = DirectLoadClient(transport, timeout=booted.timeout, infer_timeout=booted.infer_timeout)
        client.timestamp_mode = booted.timestamp_mode
    try:
        opts = RunnerOptions(progress=progress_wanted(args.json))
        acc = Runner(client, opts).accuracy(args.workload, dataset_dir, args.limit)
    finally:
        transport.close()
    ref_score, ref_raw = tflite_scores(args.workload, args.models / f"{args.workload}.tflite",
                                       dataset_dir, args.limit)
    same, total = raw_agreement(acc.raw, ref_raw) if ref_score is not None else (0, 0)

    s = acc.score
    m = Metrics(accuracy=s.value, accuracy_metric=s.metric, accuracy_target=s.target, wall_s=acc.wall_s,
                bit_exact=(same == total) if total else None,
                bit_exact_reason=(f"{same} of {total} inferences identical to the TFLite interpreter"
                                  if total else (ref_raw if ref_score is None else
                                                 "the firmware printed no m-results-raw-[...] lines")))
    prov = Provenance(git_revision=git_revision(), platform_files=platform_files(platform),
                      cost_tables=cost_tables(), dataset=str(dataset_dir),
                      valid_for_submission=args.limit is None)
    row = ResultRow(Identity(args.workload, platform.label, "unicorn", "accuracy", str(elf), sha256_file(elf)),
                    m, prov)
    writer = RunWriter(args.out, meta={"command": "accuracy", "platform": platform.label, "options": args_meta(args)})
    with writer:   # a failed write leaves no empty results folder
        writer.add(row, uart_log="\n".join(acc.log) + "\n")

    if args.json:
        print(json.dumps({"results_dir": str(writer.directory), "workload": args.workload,
                          "inputs_via": INPUT_PATHS[args.direct],
                          "metric": s.metric, "firmware": s.value, "target": s.target, "passed": s.passed,
                          "files": s.files, "tflite": None if ref_score is None else ref_score.value,
                          "tflite_reason": ref_raw if ref_score is None else None,
                          "identical_inferences": same, "compared_inferences": total}, indent=2))
        return 0
    con = report.console()
    con.print(f"inputs: {INPUT_PATHS[args.direct]}; {acc.wall_s:.1f} s of host time, "
              f"{acc.wall_s / max(s.files, 1):.2f} s per file")
    con.print(f"firmware ({elf.name}): {s}")
    if ref_score is None:
        con.print(f"TFLite interpreter: not run ({ref_raw})")
    else:
        con.print(f"TFLite interpreter:   {ref_score}")
        con.print(f"raw int8 outputs: {same} of {total} inferences identical"
                  + ("" if same == total else "  [red]<- the firmware differs from TFLite[/]"))
    con.print(f"results: {writer.directory}")
    return 0
