"""CONV_2D channels whose weights are all zero: their output is a compile-time constant
(ts_conv2d_const), the conv runs on the other channels only, and the result stays bit-exact
with the interpreter in both kernel ports. The official MLPerf Tiny vww01 (read from
../shared/models/mlperf-tiny-official when present) is the model that has them."""

from pathlib import Path

import numpy as np
import pytest

import ts_opmodels
from tinysim.compiler import compile_model, quant
from tinysim.compiler.hostrun import HostModel
from tinysim.compiler.interp import run_interpreter
from tinysim.compiler.lowering import lower
from tinysim.compiler.reader import read_tflite

OFFICIAL = Path(__file__).resolve().parents[2].parent / "shared" / "models" / "mlperf-tiny-official"
# the pointwise layers of the official vww01 with all-zero channels: op index -> how many
VWW01_CONSTANT = {10: 4, 12: 21, 14: 71, 16: 98, 18: 109, 20: 109, 22: 101, 24: 224, 26: 234}


def _zeroed_conv(directory: Path, name: str, shape, filters, kernel, zero, relu) -> Path:
    """A one-layer conv whose channels `zero` have all-zero weights (their biases stay)."""
    tf = ts_opmodels._tf()
    tf.keras.utils.set_random_seed(0)
    model = ts_opmodels._conv(shape, filters, kernel, 1, "same", "relu" if relu else None)
    layer = model.layers[-1]
    w, b = layer.get_weights()
    w[..., list(zero)] = 0.0
    layer.set_weights([w, b])
    return ts_opmodels.convert(model, directory / f"{name}.tflite")


CASES = {
    # pointwise: the input is read in place; 3x3: receptive fields through the scratch
    "pointwise": dict(shape=(6, 5, 16), filters=12, kernel=1, zero=(0, 3, 4, 11), relu=False),
    "k3_relu": dict(shape=(5, 6, 8), filters=7, kernel=3, zero=(2, 5), relu=True),
    "all_zero": dict(shape=(4, 4, 8), filters=5, kernel=1, zero=range(5), relu=False),
}


@pytest.mark.tflite
@pytest.mark.parametrize("case", sorted(CASES))
def test_zero_channels_are_constant_and_bit_exact(tf_model_dir, tmp_path, case):
    spec = CASES[case]
    path = _zeroed_conv(tf_model_dir, f"zero_{case}", **spec)
    model = compile_model(path, tmp_path)
    assert "conv_const.c" in model.kernel_files
    assert f"{len(spec['zero'])} of {spec['filters']} channels constant" in model.layers[0]["summary"]
    x = np.random.default_rng(3).integers(-128, 128, (4, model.input_size), dtype=np.int8)
    want = run_interpreter(path, x)
    for port in ("reference", "arm_dsp"):
        got = HostModel(model, port, build_dir=tmp_path).run(x)
        assert np.array_equal(got, want), port
    # the constant channels really are constant across pixels and inputs
    per_channel = want.reshape(-1, spec["filters"])[:, list(spec["zero"])]
    assert (per_channel == per_channel[0]).all()


def test_requantize_follows_the_kernels_rounding():
    # double rounding: round(x * m / 2^31), then / 2^-shift rounded half away from zero
    assert quant.multiply_by_quantized_multiplier(3, 1 << 30, -1) == 1      # 1.5 / 2 = 0.75 -> 1
    assert quant.multiply_by_quantized_multiplier(-3, 1 << 30, -1) == -1
    assert quant.multiply_by_quantized_multiplier(5, 1 << 30, -2) == 1      # 2.5 -> 3, / 4 -> 0.75
    assert quant.multiply_by_quantized_multiplier(1 << 30, 0, 0) == 0       # the official models' m=0
    assert quant.multiply_by_quantized_multiplier(3, 1 << 30, 1) == 3       # 6 * 0.5
    assert quant.multiply_by_quantized_multiplier(1 << 29, 1 << 30, 2) == -(1 << 30)  # 2^31 wraps
    assert quant.requantize(1 << 30, 1146154694, -27, -128, -128, 127) == -124
    assert quant.requantize(-(1 << 30), 1146154694, -27, 5, 0, 127) == 1      # -4.27 -> -4
    assert quant.requantize(-(1 << 30), 1146154694, -27, -128, -128, 127) == -128  # clamped


def _official(name: str) -> Path:
    path = OFFICIAL / f"{name}_official.tflite"
    if not path.is_file():
        pytest.skip(f"{path} not present (the official MLPerf Tiny models live in ../shared, "
                    "outside the repository)")
    return path


def test_official_vww01_constant_channels_leave_the_fast_path_open():
    """ts_rq_fast_ok (kernels/arm_dsp/ts_rq_dsp.h) needs shift <= -1 and |bias| <= 2^29 on every
    channel the conv computes: true once the all-zero channels are taken out."""
    graph = read_tflite(_official("vww01"))
    found = {}
    for op in graph.operators:
        if op.name != "CONV_2D":
            continue
        lo = lower(graph, op)
        if lo.func != "ts_conv2d_const":
            continue
        arrays = {a.suffix: a.values for a in lo.consts}
        found[op.index] = int((arrays["live"] == 0).sum())
        assert lo.fields["conv"]["out_c"] == int(arrays["live"].sum())
        assert (arrays["shift"] <= -1).all() and (np.abs(arrays["bias"]) <= 1 << 29).all()
    assert found == VWW01_CONSTANT


@pytest.mark.tflite
@pytest.mark.parametrize("name", ["vww01", "kws01", "ic01", "ad01"])
def test_official_models_bit_exact(tmp_path, name):
    path = _official(name)
    model = compile_model(path, tmp_path, model_id=name)
    x = np.random.default_rng(17).integers(-128, 128, (3, model.input_size), dtype=np.int8)
    want = run_interpreter(path, x)
    for port in ("reference", "arm_dsp"):
        assert np.array_equal(HostModel(model, port).run(x), want), port
