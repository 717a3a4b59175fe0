"""The shared requantization arithmetic (kernels/common) against a direct Python
transcription of TFLite's definitions, on edge cases and random values."""

import ctypes
import math
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinysim.compiler.compile import KERNELS_DIR
from tinysim.compiler.hostrun import host_cc
from tinysim.compiler.quant import quantize_multiplier

I32_MIN, I32_MAX = -(1 << 31), (1 << 31) - 1


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = tmp_path_factory.mktemp("shim") / "libtsquant.so"
    src = Path(__file__).with_name("ts_quant_shim.c")
    subprocess.run([host_cc(), "-std=c99", "-O2", "-Wall", "-Werror", "-shared", "-fPIC",
                    f"-I{KERNELS_DIR / 'common'}", str(src), "-o", str(so)], check=True)
    lib = ctypes.CDLL(str(so))
    for name in ("shim_srdhm", "shim_rdbpot", "shim_mbqm", "shim_mbqm_single", "shim_mbqm_r2", "shim_exp_q5", "shim_one_over_one_plus_x"):
        getattr(lib, name).restype = ctypes.c_int32
    return lib


def srdhm_ref(a, b):
    """gemmlowp SaturatingRoundingDoublingHighMul, with C++'s truncating division."""
    if a == b == I32_MIN:
        return I32_MAX
    ab = a * b
    nudge = (1 << 30) if ab >= 0 else 1 - (1 << 30)
    q = abs(ab + nudge) // (1 << 31)
    return q if ab + nudge >= 0 else -q


def rdbpot_ref(x, e):
    mask = (1 << e) - 1
    remainder = x & mask
    threshold = (mask >> 1) + (1 if x < 0 else 0)
    return (x >> e) + (1 if remainder > threshold else 0)


def wrap32(v):
    return (v + (1 << 31)) % (1 << 32) - (1 << 31)


def mbqm_ref(x, m, s):
    left, right = max(s, 0), max(-s, 0)
    return rdbpot_ref(srdhm_ref(wrap32(x * (1 << left)), m), right)


EDGES = [0, 1, -1, 2, -2, 3, (1 << 30), -(1 << 30), I32_MAX, I32_MIN, I32_MIN + 1, 12345, -12345]


def test_srdhm_edges_and_random(lib):
    rng = np.random.default_rng(0)
    pairs = [(a, b) for a in EDGES for b in EDGES]
    pairs += [tuple(int(v) for v in rng.integers(I32_MIN, I32_MAX, 2, dtype=np.int64)) for _ in range(3000)]
    for a, b in pairs:
        assert lib.shim_srdhm(a, b) == srdhm_ref(a, b), (a, b)


def test_rounding_divide_ties_away_from_zero(lib):
    assert lib.shim_rdbpot(5, 1) == 3 and lib.shim_rdbpot(-5, 1) == -3
    assert lib.shim_rdbpot(6, 2) == 2 and lib.shim_rdbpot(-6, 2) == -2
    rng = np.random.default_rng(1)
    for x in list(EDGES) + [int(v) for v in rng.integers(I32_MIN, I32_MAX, 2000, dtype=np.int64)]:
        for e in (0, 1, 7, 20, 31):
            assert lib.shim_rdbpot(x, e) == rdbpot_ref(x, e), (x, e)


def test_multiply_by_quantized_multiplier(lib):
    rng = np.random.default_rng(2)
    for _ in range(3000):
        x = int(rng.integers(-(1 << 24), 1 << 24))
        m, s = quantize_multiplier(float(rng.uniform(1e-5, 4.0)))
        assert lib.shim_mbqm(x, m, s) == mbqm_ref(x, m, s), (x, m, s)


def test_one_multiply_form_equals_double_rounding(lib):
    """ts_mbqm_r2 against the two-step definition over the whole int32 range, every
    right shift it accepts, and the multiplier edges."""
    rng = np.random.default_rng(4)
    xs = EDGES + [int(v) for v in rng.integers(I32_MIN, I32_MAX, 400, dtype=np.int64)]
    xs += [int(v) for v in rng.integers(-70000, 70000, 400)]
    ms = [0, 1 << 30, (1 << 30) + 1, I32_MAX] + [int(v) for v in rng.integers(1 << 30, 1 << 31, 6)]
    n = 0
    for s in range(-31, -1):
        for m in ms:
            for x in xs:
                assert lib.shim_mbqm_r2(x, m, s) == lib.shim_mbqm(x, m, s) == mbqm_ref(x, m, s), (x, m, s)
                n += 1
    assert n == 30 * len(ms) * len(xs)


def test_single_rounding_multiply(lib):
    """round(x * m / 2^(31 - s)) once, ties toward +infinity."""
    rng = np.random.default_rng(3)
    for _ in range(3000):
        x = int(rng.integers(-(1 << 24), 1 << 24))
        m, s = quantize_multiplier(float(rng.uniform(1e-5, 4.0)))
        total = 31 - s
        want = (x * m + (1 << (total - 1))) >> total
        assert lib.shim_mbqm_single(x, m, s) == want, (x, m, s)
    m, s = 1 << 30, -1          # x * 0.25: ties at x = 2 mod 4 round up
    assert [lib.shim_mbqm_single(x, m, s) for x in (2, -2, 6, -6)] == [1, 0, 2, -1]


def test_quantize_multiplier_round_trip():
    for real in (1.0, 0.5, 0.75, 1e-4, 0.123456789, 3.9):
        m, s = quantize_multiplier(real)
        assert (1 << 30) <= m < (1 << 31)
        assert math.isclose(m * 2.0 ** (s - 31), real, rel_tol=1e-9)
    assert quantize_multiplier(0.0) == (0, 0)


def test_fixed_point_exp_tracks_float_exp(lib):
    for a in np.linspace(-31.9, 0.0, 400):
        raw = int(round(a * (1 << 26)))                   # Q5
        got = lib.shim_exp_q5(raw) / 2.0 ** 31             # Q0
        assert abs(got - math.exp(raw / 2.0 ** 26)) < 2e-6, a


def test_fixed_point_reciprocal_tracks_float(lib):
    for x in np.linspace(0.0, 0.999, 200):
        raw = int(x * 2 ** 31)
        got = lib.shim_one_over_one_plus_x(raw) / 2.0 ** 31
        assert abs(got - 1.0 / (1.0 + raw / 2.0 ** 31)) < 1e-6, x
