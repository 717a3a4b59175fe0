"""The arm_dsp port's one-SMMULR requantization (kernels/arm_dsp/ts_rq_dsp.h, built for
the host with the portable SMMULR) against the shared two-step ts_mbqm, which
test_quant_arith.py checks against TFLite's definitions."""

import ctypes
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinysim.compiler.compile import KERNELS_DIR
from tinysim.compiler.hostrun import host_cc

LIMIT = 1 << 30  # ts_rq_fast_ok keeps |acc| below this


@pytest.fixture(scope="module")
def lib(tmp_path_factory):
    so = tmp_path_factory.mktemp("rqshim") / "librqdsp.so"
    src = Path(__file__).with_name("ts_rq_dsp_shim.c")
    subprocess.run([host_cc(), "-std=c99", "-O2", "-Wall", "-Werror", "-shared", "-fPIC",
                    f"-I{KERNELS_DIR / 'common'}", f"-I{KERNELS_DIR / 'arm_dsp'}", str(src), "-o", str(so)],
                   check=True)
    return ctypes.CDLL(str(so))


def run_both(lib, x, m, s, zp):
    arrs = [np.ascontiguousarray(a, dtype=np.int32) for a in (x, m, s, zp)]
    n = len(arrs[0])
    fast, ref = np.zeros(n, np.int32), np.zeros(n, np.int32)
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    lib.shim_rq_both(*(ptr(a) for a in arrs), ctypes.c_int(n), ptr(fast), ptr(ref))
    return fast, ref


def test_fast_requant_matches_two_roundings_random(lib):
    rng = np.random.default_rng(7)
    n = 400_000
    x = rng.integers(-LIMIT + 1, LIMIT, n)
    # small accumulators and exact ties are where rounding goes wrong
    x[: n // 2] = rng.integers(-70_000, 70_000, n // 2)
    m = rng.integers(1 << 30, (1 << 31) - 1, n)
    m[:1000] = 1 << 30
    m[1000:2000] = 0
    s = rng.integers(-31, 0, n)
    s[2000:60_000] = rng.integers(-12, 0, 58_000)
    zp = rng.integers(-128, 128, n)
    fast, ref = run_both(lib, x, m, s, zp)
    bad = np.flatnonzero(fast != ref)
    assert bad.size == 0, f"first mismatch x={x[bad[0]]} m={m[bad[0]]} s={s[bad[0]]}: {fast[bad[0]]} != {ref[bad[0]]}"
    assert len(np.unique(ref)) > 1000  # the cases are not all saturated to one value


def test_fast_requant_edges(lib):
    xs = [0, 1, -1, 2, -2, 3, -3, LIMIT - 1, -LIMIT + 1, 1 << 20, -(1 << 20), (1 << 20) + (1 << 19),
          -(1 << 20) - (1 << 19)]
    ms = [0, 1 << 30, (1 << 30) + 1, (1 << 31) - 1, 1518500250]
    ss = [-1, -2, -3, -8, -20, -30, -31]
    cases = [(x, m, s) for x in xs for m in ms for s in ss]
    x, m, s = (np.array(c) for c in zip(*cases))
    fast, ref = run_both(lib, x, m, s, np.zeros(len(x)))
    assert np.array_equal(fast, ref)


def test_fast_ok_refuses_what_could_overflow(lib):
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    bias = np.array([5, -7, 1 << 29], np.int32)
    shift = np.array([-3, -1, -9], np.int8)
    assert lib.shim_rq_fast_ok(ptr(bias), ptr(shift), 3, 1000) == 1
    assert lib.shim_rq_fast_ok(ptr(bias), ptr(shift), 3, (1 << 15) - 1) == 1
    assert lib.shim_rq_fast_ok(ptr(bias), ptr(shift), 3, 1 << 15) == 0
    big = np.array([5, -(1 << 29) - 1, 0], np.int32)
    assert lib.shim_rq_fast_ok(ptr(big), ptr(shift), 3, 1000) == 0
    zero_shift = np.array([-3, 0, -9], np.int8)
    assert lib.shim_rq_fast_ok(ptr(bias), ptr(zero_shift), 3, 1000) == 0
