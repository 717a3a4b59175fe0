"""The committed models/*.tflite against the published MLPerf Tiny figures (parsed without TF)."""

from pathlib import Path

import pytest

from tinysim.errors import ModelError
from tinysim.models.graph import read_graph
from tinysim.models.manifest import load_manifest, model_entry, verify_files
from tinysim.workloads import WORKLOADS

MODELS = Path(__file__).resolve().parents[2] / "models"

# Published figures (research notes section 3 / Appendix A), written out again on purpose so a
# typo in the workload registry cannot make both sides agree.
PUBLISHED = {
    "kws01": (22_604, 2_656_768),
    "vww01": (210_850, 7_489_664),
    "ic01": (77_706, 12_501_632),
    "ad01": (265_864, 264_192),
}


@pytest.fixture(scope="module", params=sorted(PUBLISHED))
def model(request):
    return request.param, read_graph(MODELS / f"{request.param}.tflite")


def test_params_and_macs_match_published(model):
    workload, graph = model
    assert (graph.params, graph.macs) == PUBLISHED[workload]


def test_op_set_and_io_shapes_match_reference(model):
    workload, graph = model
    spec = WORKLOADS.get(workload)
    assert graph.op_set() == spec.ops
    assert graph.input.shape == spec.input_shape and graph.output.shape == spec.output_shape
    assert graph.input.dtype == graph.output.dtype == "int8"


def test_full_integer_quantization_reference_style(model):
    _, graph = model
    assert all(t.dtype != "float32" for t in graph.tensors)
    for op in graph.ops:
        if op.name not in ("CONV_2D", "DEPTHWISE_CONV_2D", "FULLY_CONNECTED"):
            continue
        weights, bias = graph.tensors[op.inputs[1]], graph.tensors[op.inputs[2]]
        assert weights.dtype == "int8" and bias.dtype == "int32"
        assert set(weights.zero_point) == {0}  # symmetric weights
        if op.name == "CONV_2D":  # per output channel, axis 0
            assert (len(weights.scale), weights.quantized_dimension) == (weights.shape[0], 0)
        elif op.name == "DEPTHWISE_CONV_2D":  # per channel, axis 3
            assert (len(weights.scale), weights.quantized_dimension) == (weights.shape[3], 3)
        else:  # FC per tensor
            assert len(weights.scale) == 1


@pytest.mark.parametrize("workload,scale,zp", [("kws01", 0.5847029, 83), ("vww01", 1 / 255, -128),
                                               ("ic01", 1.0, -128)])
def test_input_quantization_follows_reference(workload, scale, zp):
    graph = read_graph(MODELS / f"{workload}.tflite")
    assert graph.input.scale[0] == pytest.approx(scale, rel=1e-6)
    assert graph.input.zero_point[0] == zp
    assert graph.output.quant() == {"scale": 1 / 256, "zero_point": -128}  # int8 softmax


def test_flatten_is_an_explicit_reshape_before_the_classifier():
    graph = read_graph(MODELS / "kws01.tflite")
    names = [op.name for op in graph.ops]
    assert names[-4:] == ["AVERAGE_POOL_2D", "RESHAPE", "FULLY_CONNECTED", "SOFTMAX"]
    reshape = graph.ops[names.index("RESHAPE")]
    assert graph.tensors[reshape.outputs[0]].shape == (1, 64)


def test_manifest_matches_files():
    assert verify_files(MODELS) == []
    doc = load_manifest(MODELS)
    assert sorted(doc["models"]) == sorted(PUBLISHED)
    for workload, entry in doc["models"].items():
        fresh = model_entry(MODELS / entry["file"])
        assert {k: entry[k] for k in fresh} == fresh
        assert entry["training"]["seed"] == doc["models"]["kws01"]["training"]["seed"]
        assert entry["synthetic_eval"]["int8"] > (0.5 if workload in ("vww01", "ad01") else 0.2)


def test_manifest_mismatch_reported(tmp_path):
    for name in ("manifest.json", "ic01.tflite"):
        (tmp_path / name).write_bytes((MODELS / name).read_bytes())
    data = bytearray((tmp_path / "ic01.tflite").read_bytes())
    data[-100] ^= 0xFF
    (tmp_path / "ic01.tflite").write_bytes(bytes(data))
    problems = verify_files(tmp_path)
    assert any("ic01.tflite: sha256" in p for p in problems)
    assert any("kws01.tflite" in p and "missing" in p for p in problems)


def test_not_a_tflite_file(tmp_path):
    bad = tmp_path / "x.tflite"
    bad.write_bytes(b"hello world, not a flatbuffer")
    with pytest.raises(ModelError, match=r"x\.tflite is not a TFLite model"):
        read_graph(bad)
    with pytest.raises(ModelError, match="cannot read"):
        read_graph(tmp_path / "missing.tflite")


def test_truncated_tflite_rejected(tmp_path):
    data = (MODELS / "kws01.tflite").read_bytes()
    with pytest.raises(ModelError, match="kws01-cut"):
        read_graph(data[:4000], label="kws01-cut")


def test_model_path_finds_committed_models_and_explains_missing(tmp_path):
    from tinysim.models.manifest import model_path

    assert model_path("vww01") == MODELS / "vww01.tflite"
    with pytest.raises(ModelError, match="tinysim models fetch"):
        model_path("vww01", tmp_path / "pretrained")
