"""Regenerate models/{kws01,vww01,ic01,ad01}.tflite byte-identically (needs `pip install .[models]`).

    python -m tinysim.models.generate [--out models/] [--only kws01,ad01]
    tinysim models generate [--out models/]

Each model: seeded short training on tinysim.models.synthetic data, int8 PTQ as the reference,
then an accuracy check of the int8 file on a held-out synthetic split with the TFLite interpreter.
Training is not bit-reproducible across CPUs: TensorFlow's float kernels take different paths
(and round differently) with AVX2, AVX-512 or NEON, and a few hundred seeded steps amplify the last
bit into different weights. Byte-identical output needs the same TensorFlow version and the same
CPU float ISA; both are recorded in the manifest (`generator.tensorflow`, `generator.cpu`).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
from pathlib import Path

import numpy as np

from tinysim import workloads
from tinysim.errors import TinysimError
from tinysim.models import synthetic
from tinysim.models.manifest import (MANIFEST, default_models_dir, load_manifest, model_entry,
                                     write_manifest)
from tinysim.models.recipes import RECIPES
from tinysim.workloads import input_to_model_tensor, scoring

# CPU flags that change which float kernels TensorFlow (Eigen, oneDNN, XNNPACK) runs.
FLOAT_ISA_FLAGS = ("sse4_2", "avx", "avx2", "fma", "avx512f", "avx512_bf16", "avx512_fp16", "amx_tile",
                   "asimd", "sve")


def cpu_fingerprint() -> str:
    """The machine's float-relevant ISA, e.g. "x86_64 avx avx2 avx512f fma sse4_2": what the
    manifest records next to the TensorFlow version, since both decide the trained bytes."""
    flags: set = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith(("flags", "Features")):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return " ".join([platform.machine()] + sorted(f for f in FLOAT_ISA_FLAGS if f in flags))


# The registered workloads this generator has a training recipe for, in registry order.
WORKLOAD_IDS = tuple(w for w in workloads.ids() if w in RECIPES)


def _import_tensorflow():
    """Import TensorFlow configured for reproducibility: no oneDNN (its kernels depend on the
    CPU's ISA), deterministic ops, one thread for intra- and inter-op work."""
    os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    os.environ["TF_DETERMINISTIC_OPS"] = "1"
    try:
        import tensorflow as tf
    except ImportError:
        raise TinysimError("generating models needs TensorFlow: pip install '.[models]' "
                           "(tensorflow-cpu + ai-edge-litert)") from None
    try:
        tf.config.threading.set_intra_op_parallelism_threads(1)
        tf.config.threading.set_inter_op_parallelism_threads(1)
    except RuntimeError:
        pass  # already initialized in this process (e.g. under pytest): keep its settings
    tf.config.experimental.enable_op_determinism()
    tf.get_logger().setLevel("ERROR")
    return tf


def _interpreter(model_bytes: bytes):
    try:
        from ai_edge_litert.interpreter import Interpreter
    except ImportError:
        import tensorflow as tf
        Interpreter = tf.lite.Interpreter
    interp = Interpreter(model_content=model_bytes, num_threads=1)
    interp.allocate_tensors()
    return interp


def _run_int8(interp, tensor: np.ndarray) -> np.ndarray:
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    interp.set_tensor(inp["index"], tensor.reshape(inp["shape"]))
    interp.invoke()
    return interp.get_tensor(out["index"]).reshape(-1).copy()


def evaluate_int8(workload: str, model_bytes: bytes) -> dict:
    """Accuracy of the int8 model on the held-out synthetic split, fed as the DUT feeds it."""
    from tinysim.models import generate_train as gt  # imports TensorFlow

    interp = _interpreter(model_bytes)
    recipe = gt.RECIPES[workload]
    if workloads.get(workload).metric == "auc":
        clips, labels = gt.ad_clips(recipe.test // 2, gt.TEST_SEED)
        inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
        in_q = tuple(inp["quantization"])
        out_q = tuple(out["quantization"])
        scores = []
        for windows in clips:
            mses = [scoring.reconstruction_mse(
                _run_int8(interp, input_to_model_tensor(workload, w.astype("<f4").tobytes(), in_q)),
                out_q, w) for w in windows]
            scores.append(float(np.mean(mses)))
        return {"metric": "auc", "int8": round(scoring.roc_auc(labels, scores), 4),
                "files": len(labels)}
    raw, labels = synthetic.SAMPLERS.get(workload)(recipe.test, np.random.default_rng(gt.TEST_SEED))
    hits = 0
    for sample, label in zip(raw, labels):
        result = _run_int8(interp, input_to_model_tensor(workload, sample.tobytes()))
        hits += int(np.argmax(result)) == int(label)
    return {"metric": "top1", "int8": round(hits / len(labels), 4), "files": len(labels)}


def generate_one(workload: str, log=print) -> tuple[bytes, dict]:
    """Train, quantize and check one model; returns (tflite bytes, manifest extras)."""
    from tinysim.models import generate_convert as gc  # imports TensorFlow
    from tinysim.models import generate_train as gt  # imports TensorFlow

    log(f"{workload}: training ({gt.RECIPES[workload]})")
    model, x = gt.train(workload)
    calib = gt.calibration_set(workload, x, gt.RECIPES[workload].calib)
    tflite_bytes = gc.quantize(gt.batch1_copy(workload, model), calib)
    evaluation = evaluate_int8(workload, tflite_bytes)
    log(f"{workload}: {len(tflite_bytes)} bytes, synthetic {evaluation['metric']} "
        f"{evaluation['int8']} on {evaluation['files']} held-out files")
    recipe = gt.RECIPES[workload]
    extras = {
        "training": {"data": "tinysim.models.synthetic", "seed": gt.TRAIN_SEED,
                     "samples": recipe.train, "epochs": recipe.epochs, "batch": recipe.batch,
                     "learning_rate": recipe.lr, "calibration_samples": recipe.calib},
        "synthetic_eval": {**evaluation, "seed": gt.TEST_SEED},
    }
    return tflite_bytes, extras


def generate(out_dir: Path, workloads=WORKLOAD_IDS, log=print) -> Path:
    """Regenerate the given models into out_dir and (re)write its manifest."""
    tf = _import_tensorflow()
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    old = load_manifest(out_dir)["models"] if (out_dir / MANIFEST).is_file() else {}
    entries = {}
    for workload in WORKLOAD_IDS:
        path = out_dir / f"{workload}.tflite"
        if workload in workloads:
            data, extras = generate_one(workload, log)
            path.write_bytes(data)
        elif path.is_file() and workload in old:
            extras = {k: old[workload][k] for k in ("training", "synthetic_eval") if k in old[workload]}
        else:
            continue
        entries[workload] = {**model_entry(path), **extras}
    return write_manifest(
        out_dir, entries,
        generator={"command": "python -m tinysim.models.generate", "tensorflow": tf.__version__,
                   "cpu": cpu_fingerprint()},
        weights="synthetic-data training, NOT the MLPerf Tiny pretrained weights (see README.md)")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tinysim.models.generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(parser)
    args = parser.parse_args(argv)
    try:
        return run(args)
    except TinysimError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.exit_code


def add_arguments(parser) -> None:
    parser.add_argument("--out", type=Path, default=default_models_dir(),
                        help="output directory (default: the repository's models/)")
    parser.add_argument("--only", default=",".join(WORKLOAD_IDS),
                        help="comma-separated subset of " + ",".join(WORKLOAD_IDS))


def run(args) -> int:
    wanted = tuple(w.strip() for w in args.only.split(",") if w.strip())
    unknown = [w for w in wanted if w not in WORKLOAD_IDS]
    if unknown:
        raise TinysimError(f"--only: unknown workload(s) {', '.join(unknown)}; "
                           f"choose from {', '.join(WORKLOAD_IDS)}")
    manifest = generate(args.out, wanted)
    print(f"wrote {manifest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
