"""Each int8 kernel, in both ports, against the TFLite interpreter's reference kernels, bit for bit.

The arm_dsp port is built for the host with the portable emulations of its
DSP intrinsics (kernels/arm_dsp/ts_simd.h), so the same source that runs on
the Cortex-M4 is checked here."""

import numpy as np
import pytest

from tinysim.compiler import compile_model
from tinysim.compiler.hostrun import HostModel
from tinysim.compiler.interp import run_interpreter

import ts_opmodels

pytestmark = pytest.mark.tflite

PORTS = ["reference", "arm_dsp"]


def _inputs(size: int, n: int = 40, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    x = rng.integers(-128, 128, (n, size), dtype=np.int8)
    x[0] = -128  # extremes exercise saturation and clamps
    x[1] = 127
    return x


@pytest.fixture(scope="module")
def compiled(op_model, tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            path = op_model(name)
            model = compile_model(path, tmp_path_factory.mktemp(name))
            x = _inputs(model.input_size)
            cache[name] = (model, x, run_interpreter(path, x))
        return cache[name]

    return get


@pytest.mark.parametrize("port", PORTS)
@pytest.mark.parametrize("name", sorted(ts_opmodels.OP_MODELS))
def test_op_bit_exact(compiled, name, port):
    model, x, expected = compiled(name)
    got = HostModel(model, port).run(x)
    assert got.shape == expected.shape
    mismatch = np.argwhere(got != expected)
    assert mismatch.size == 0, (
        f"{name} [{port}]: {len(mismatch)} of {got.size} outputs differ, first at "
        f"{tuple(mismatch[0])}: got {got[tuple(mismatch[0])]}, want {expected[tuple(mismatch[0])]}")


def test_outputs_are_not_trivial(compiled):
    """Guards the comparison itself: the test models produce varied outputs."""
    for name in ("conv_s1_same_relu", "dw_s1_same_relu", "softmax", "add"):
        _, _, expected = compiled(name)
        assert len(np.unique(expected)) > 5, name


def test_ops_used_are_the_single_op(compiled):
    model, _, _ = compiled("dw_s2_valid_relu6")
    assert model.ops_used == ["DEPTHWISE_CONV_2D"]
    assert model.kernel_files == ["depthwise_conv.c"]
    model, _, _ = compiled("conv_per_tensor")
    assert model.ops_used == ["CONV_2D"]
