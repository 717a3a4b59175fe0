"""Adding a workload = one registry entry + its model + its dataset loader (docs/HOWTO.md).

A dummy workload (16 int8 features -> 4 classes, one FULLY_CONNECTED) is registered the way the
HOWTO says, and flows through everything that reads the registry: duplicate ids are refused, the
dataset is written and loaded, a run is scored, and its model compiles, builds for the reference
board and runs bit-exact with the TFLite interpreter under emulation.
"""

import subprocess
import sys

import numpy as np
import pytest

from tinysim import workloads
from tinysim.compiler.compile import compile_model
from tinysim.errors import ModelError
from tinysim.firmware.images import build_model_image
from tinysim.harness import scoring
from tinysim.harness.datasets import load_dataset, make_dataset, random_window
from tinysim.models import synthetic
from tinysim.platform import load_platform
from tinysim.pipeline.verify import verify
from tinysim.workloads import DatasetLayout, Workload

DUMMY = Workload(
    id="dummy01", task="test: 16 int8 features, 4 classes", model_file="dummy01.tflite",
    input_shape=(1, 16), output_shape=(1, 4), num_classes=4, params=16 * 4 + 4, macs=16 * 4,
    ops={"FULLY_CONNECTED": 1}, metric="top1", target=0.5, conversion="int8",
    dataset=DatasetLayout(file_bytes=16, file_format="int8 features, already quantized"),
    sources=("made up for tests/test_workload_registry.py",))


def dummy_samples(n, rng, labels=None):
    """The dataset loader's synthetic data: class k has feature k raised (int8 codes)."""
    if labels is None:
        labels = rng.integers(0, 4, n)
    x = rng.integers(-20, 20, (n, 16)).astype(np.int8)
    for i, label in enumerate(labels):
        x[i, int(label)] = 100
    return x, np.asarray(labels, np.int64)


@pytest.fixture
def dummy(monkeypatch):
    workloads.WORKLOADS.entry(DUMMY)
    monkeypatch.setitem(synthetic.SAMPLERS._items, DUMMY.id, dummy_samples)
    yield DUMMY
    workloads.WORKLOADS.remove(DUMMY.id)


def test_registry_lists_the_four_mlperf_workloads_in_benchmark_order():
    assert workloads.ids()[:4] == ("kws01", "vww01", "ic01", "ad01")
    assert workloads.get("ad01").dataset.payload_bytes == 2560
    assert workloads.get("kws01").input_bytes == 490


def test_duplicate_and_unknown_ids_are_refused(dummy):
    assert workloads.get("dummy01") is dummy
    with pytest.raises(ValueError, match="duplicate workload name 'dummy01'"):
        workloads.WORKLOADS.entry(dummy)
    with pytest.raises(ValueError, match="duplicate workload name 'kws01'"):
        workloads.WORKLOADS.entry(workloads.get("kws01"))
    with pytest.raises(ModelError, match="unknown workload 'nope01'.*dummy01"):
        workloads.get("nope01")


def test_dummy_dataset_loads_and_scores(dummy, tmp_path):
    ds = make_dataset("dummy01", tmp_path, 8, seed=1)
    assert len(ds) == 8 and ds.labels == [0, 1, 2, 3, 0, 1, 2, 3]
    assert load_dataset("dummy01", tmp_path).entries == ds.entries
    assert all(len(e.windows) == 1 and len(e.windows[0]) == 16 for e in ds.entries)
    assert len(random_window("dummy01", np.random.default_rng(0))) == 16
    # A "perfect" DUT: its result vector is the one-hot of the raised feature.
    results = {e.file: [list(np.eye(4)[int(np.argmax(np.frombuffer(e.windows[0], np.int8)[:4]))])]
               for e in ds.entries}
    score = scoring.score("dummy01", results, {e.file: e.label for e in ds.entries})
    assert score.metric == "top1" and score.value == 1.0 and score.passed
    (tmp_path / ds.entries[0].file).write_bytes(bytes(15))
    with pytest.raises(ModelError, match="15 bytes, a dummy01 input has 16"):
        load_dataset("dummy01", tmp_path)


def test_workload_layer_imports_nothing_above_it():
    code = ("import sys, tinysim.workloads\n"
            "print(sorted(m for m in sys.modules if m.startswith('tinysim.')))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    loaded = {m for m in eval(out) if not m.startswith("tinysim.workloads")}  # noqa: S307 (our own output)
    assert loaded <= {"tinysim.errors", "tinysim.registry", "tinysim.units"}, loaded


def _dummy_tflite(path):
    """A one-layer int8 model: Dense(4) on 16 inputs, int8 in and out."""
    tf = pytest.importorskip("tensorflow", reason="building the dummy model needs TensorFlow: "
                             "pip install '.[models]'")
    tf.keras.utils.set_random_seed(0)
    inp = tf.keras.Input((16,), batch_size=1)
    model = tf.keras.Model(inp, tf.keras.layers.Dense(4)(inp))
    rng = np.random.default_rng(0)

    def representative():
        for _ in range(16):
            yield [rng.uniform(-128, 127, (1, 16)).astype(np.float32)]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    path.write_bytes(conv.convert())
    return path


@pytest.mark.toolchain
@pytest.mark.tflite
def test_dummy_model_compiles_builds_and_runs_bit_exact(dummy, tmp_path):
    model = _dummy_tflite(tmp_path / dummy.model_file)
    compiled = compile_model(model, tmp_path / "c")
    header = compiled.h_path.read_text()
    assert '#define TS_MODEL_ID "dummy01"' in header
    assert "#define TS_INPUT_CONVERSION 0 /* int8 */" in header
    platform = load_platform("nucleo-l4r5zi")
    entry = build_model_image(model, platform, tmp_path / "dummy01.elf", work_dir=tmp_path / "build")
    assert entry["fits"] and entry["model_id"] == "dummy01" and entry["macs"] == dummy.macs
    report = verify(model, platform, tmp_path / "dummy01.elf", inputs=2, seed=3)
    assert report.inputs == 2 and report.mismatches == 0, report.details[:1]
