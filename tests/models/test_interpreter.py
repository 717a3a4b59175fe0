"""End to end on the host: synthetic dataset files -> th_load_tensor view -> TFLite interpreter
running the committed int8 models -> MLPerf Tiny scoring. Accuracy must be well above chance."""

from pathlib import Path

import numpy as np
import pytest

from tinysim.harness import scoring
from tinysim.harness.datasets import input_to_model_tensor, make_dataset

MODELS = Path(__file__).resolve().parents[2] / "models"

pytestmark = pytest.mark.tflite


def _interpreter(workload):
    from ai_edge_litert.interpreter import Interpreter

    interp = Interpreter(model_path=str(MODELS / f"{workload}.tflite"), num_threads=1)
    interp.allocate_tensors()
    return interp


def _run(interp, window, workload):
    inp, out = interp.get_input_details()[0], interp.get_output_details()[0]
    tensor = input_to_model_tensor(workload, window, tuple(inp["quantization"]))
    interp.set_tensor(inp["index"], tensor.reshape(inp["shape"]))
    interp.invoke()
    return interp.get_tensor(out["index"]).reshape(-1), out["quantization"]


@pytest.mark.parametrize("workload,n,minimum", [("kws01", 48, 0.8), ("vww01", 40, 0.7),
                                                ("ic01", 40, 0.8)])
def test_classifier_accuracy_on_synthetic_dataset(tmp_path, workload, n, minimum):
    ds = make_dataset(workload, tmp_path, n, seed=123)
    interp = _interpreter(workload)
    results = {}
    for entry in ds.entries:
        q, (scale, zp) = _run(interp, entry.windows[0], workload)
        assert scale == pytest.approx(1 / 256) and zp == -128
        results[entry.file] = [((q.astype(np.int32) - zp) * scale).tolist()]  # what th_results prints
    s = scoring.score(workload, results, {e.file: e.label for e in ds.entries})
    print(s)
    assert s.value >= minimum, str(s)


def test_ad_auc_on_synthetic_dataset(tmp_path):
    ds = make_dataset("ad01", tmp_path, 16, seed=321)
    interp = _interpreter("ad01")
    results = {}
    for entry in ds.entries:
        mses = []
        for window in entry.windows:
            q, out_q = _run(interp, window, "ad01")
            mses.append(scoring.reconstruction_mse(q, out_q, np.frombuffer(window, "<f4")))
        results[entry.file] = mses
    s = scoring.score("ad01", results, {e.file: e.label for e in ds.entries})
    print(s)
    assert s.metric == "auc" and s.value >= 0.75, str(s)
