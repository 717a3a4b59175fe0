"""The MLPerf Tiny procedure against the host-native harness (real C harness, stub model).

Device time here is the host clock, so windows are kept tiny (min_window_s 20-50 ms); the rules
are the same code path as the 10 s windows of a real run. No test asserts wall-clock times."""

import math
import statistics
import sys

import pytest

from tinysim.errors import ProtocolError, TinysimError
from tinysim.harness import datasets
from tinysim.harness.protocol import DutClient
from tinysim.harness.inputs import INPUT_BYTES, performance_inputs, random_inputs
from tinysim.harness.rules import choose_n, lap_elapsed_us, rerun_n, window_is_short
from tinysim.harness.runner import Runner
from tinysim.harness.runs import RunnerOptions
from tinysim.harness.transports import ProcessTransport

from test_runner_support import build_host_dut


@pytest.fixture(scope="module")
def duts(tmp_path_factory):
    root = tmp_path_factory.mktemp("host-dut")
    return {m.lower(): build_host_dut(root / m.lower(), m) for m in ("KWS01", "AD01")}


@pytest.fixture
def kws_client(duts):
    t = ProcessTransport([duts["kws01"]])
    client = DutClient(t)
    client.wait_ready()
    yield client
    t.close()


# ---------------------------------------------------------------- pure rules

def test_choose_n_meets_both_minimums():
    # 1 % past 10 s, since the calibrating inference runs cold: 56 x 181.9 ms = 10.19 s
    assert choose_n(0.1819) == 56
    assert 56 * 0.1819 >= 10.1 and 55 * 0.1819 < 10.1
    assert choose_n(2.0) == 10               # 5 inferences would make 10 s, the count rule wins
    assert choose_n(0.0) == 10               # a timer too coarse to measure one inference
    assert choose_n(0.00479, min_window_s=10) == math.ceil(10.1 / 0.00479)


def test_rerun_n_grows_past_the_minimum():
    n = rerun_n(100, 4.0)                     # 100 in 4 s -> need 250, aim 5 % beyond
    assert n >= 250 and n * 4.0 / 100 >= 10.0
    assert rerun_n(10, 0.0) > 10
    assert rerun_n(10, 9.999) > 10
    assert window_is_short(10, 9.99) and window_is_short(9, 11.0) and not window_is_short(10, 10.0)


def test_lap_elapsed_handles_counter_wrap():
    assert lap_elapsed_us(100, 350) == 250
    assert lap_elapsed_us(0xFFFFFF00, 0x100) == 0x200


def test_random_inputs_are_seeded_and_sized():
    a = random_inputs("kws01", 5, 7)
    assert [len(x.data) for x in a] == [490] * 5
    assert [x.data for x in a] == [x.data for x in random_inputs("kws01", 5, 7)]
    assert a[0].data != random_inputs("kws01", 1, 8)[0].data
    ad = random_inputs("ad01", 1, 7)[0].data
    assert len(ad) == INPUT_BYTES["ad01"] == 2560
    import numpy as np
    assert np.isfinite(np.frombuffer(ad, "<f4")).all()


def test_performance_inputs_take_the_first_five_dataset_files(tmp_path):
    datasets.make_dataset("kws01", tmp_path, 7, seed=3)
    items, source = performance_inputs("kws01", 5, tmp_path, seed=1)
    lines = (tmp_path / "y_labels.csv").read_text().splitlines()
    assert [i.name for i in items] == [ln.split(",")[0] for ln in lines[:5]]
    assert items[0].data == (tmp_path / items[0].name).read_bytes()
    assert source == str(tmp_path)


def test_performance_inputs_refuse_a_short_dataset(tmp_path):
    datasets.make_dataset("kws01", tmp_path, 3, seed=3)
    with pytest.raises(TinysimError, match="3 entries.*needs 5"):
        performance_inputs("kws01", 5, tmp_path, seed=1)


# ---------------------------------------------------------------- against the host-native DUT

def test_performance_mode_five_windows_median(kws_client):
    opts = RunnerOptions(min_window_s=0.02, seed=11)
    run = Runner(kws_client, opts).performance("kws01")
    assert len(run.windows) == 5
    for w in run.windows:
        assert w.elapsed_s >= 0.02 and w.n >= 10
        assert w.attempts[-1]["inferences"] == w.n
        assert len(w.results) == 12 and w.raw is not None and len(w.raw) == 12
    assert run.median_throughput == statistics.median(w.throughput for w in run.windows)
    assert run.latency_s == pytest.approx(1 / run.median_throughput)
    assert run.seed == 11 and "seed 11" in run.inputs_source
    # 20 ms windows are not the 10 s the rules ask: never valid for submission.
    assert not run.valid_for_submission
    assert any(line.startswith("> infer 1 0") for line in run.log)   # the calibration step


def test_short_window_is_rerun_longer(kws_client):
    # Without calibration the first window starts at the 10-inference minimum, which the stub
    # model finishes in microseconds: the runner must re-run it with a larger N.
    opts = RunnerOptions(min_window_s=0.05, calibrate=False)
    run = Runner(kws_client, opts).performance("kws01")
    first = run.windows[0]
    assert len(first.attempts) >= 2
    assert first.attempts[0]["inferences"] == 10 and first.attempts[0]["elapsed_s"] < 0.05
    assert first.attempts[-1]["inferences"] > first.attempts[0]["inferences"]
    assert first.elapsed_s >= 0.05
    assert all(w.elapsed_s >= 0.05 for w in run.windows)
    assert any("re-running longer" in line for line in run.log)


def test_quick_mode_is_one_short_window(kws_client):
    run = Runner(kws_client, RunnerOptions(quick=True)).performance("kws01")
    assert len(run.windows) == 1 and run.windows[0].n == 3 and run.windows[0].attempts[0]["inferences"] == 3
    assert run.quick and not run.valid_for_submission


def test_wrong_workload_is_a_protocol_error(kws_client):
    with pytest.raises(ProtocolError, match="reports model 'kws01' but workload 'ic01'"):
        Runner(kws_client, RunnerOptions(quick=True)).performance("ic01")


def test_accuracy_mode_scores_every_input(kws_client, tmp_path):
    datasets.make_dataset("kws01", tmp_path, 6, seed=5)
    acc = Runner(kws_client).accuracy("kws01", tmp_path)
    assert len(acc.results) == 6
    assert all(len(v) == 1 and len(v[0]) == 12 for v in acc.results.values())
    assert acc.score.files == 6 and acc.score.metric == "top1"
    assert 0.0 <= acc.score.value <= 1.0
    infers = [ln for ln in acc.log if ln.startswith("> infer")]
    assert infers == ["> infer 1 0%"] * 6


def test_accuracy_mode_ad_sends_every_window(duts, tmp_path):
    datasets.make_dataset("ad01", tmp_path, 2, seed=5)
    t = ProcessTransport([duts["ad01"]])
    try:
        client = DutClient(t)
        client.wait_ready()
        acc = Runner(client).accuracy("ad01", tmp_path, limit=2)
    finally:
        t.close()
    # 200 frames -> 196 windows of 5 frames per file, one MSE per window.
    assert all(len(v) == 196 for v in acc.results.values())
    assert all(isinstance(x, float) and x >= 0 for v in acc.results.values() for x in v)
    assert acc.score.metric == "auc" and acc.score.files == 2


def test_silent_dut_is_a_protocol_error_naming_the_command(tmp_path):
    # `cat` echoes what it is sent and never says m-ready: the client must time out cleanly.
    t = ProcessTransport(["cat"])
    try:
        client = DutClient(t, timeout=0.3, infer_timeout=0.3)
        with pytest.raises(ProtocolError, match="profile"):
            Runner(client, RunnerOptions(quick=True)).performance("kws01")
    finally:
        t.close()


# A DUT that answers every command with just "m-ready": protocol-shaped, but wrong.
_ONLY_READY = r"""
import sys
while True:
    c = sys.stdin.buffer.read(1)
    if not c:
        break
    if c == b"%":
        sys.stdout.write("m-ready\r\n")
        sys.stdout.flush()
"""

# A DUT whose infer answer has its timestamps garbled.
_BAD_LAP = r"""
import sys
cmd = b""
while True:
    c = sys.stdin.buffer.read(1)
    if not c:
        break
    if c != b"%":
        cmd += c
        continue
    if cmd == b"profile":
        out = ["m-profile-[x]", "m-model-[kws01]"]
    elif cmd.startswith(b"db load"):
        out = ["m-[Expecting 490 bytes]"]
    elif cmd.startswith(b"db "):
        out = ["m-load-done"] if len(cmd) < 65 else []
    elif cmd.startswith(b"infer"):
        out = ["m-warmup-start-0", "m-warmup-done", "m-infer-start-3", "m-lap-us-12x", "m-lap-us-40",
               "m-infer-done", "m-results-[0.5]"]
    else:
        out = []
    sys.stdout.write("".join(line + "\r\n" for line in out + ["m-ready"]))
    sys.stdout.flush()
    cmd = b""
"""


@pytest.mark.parametrize("script,match", [(_ONLY_READY, r"'profile'.*m-profile"),
                                          (_BAD_LAP, r"'infer 3 0'.*garbled timestamp line 'm-lap-us-12x'")])
def test_wrong_answers_are_protocol_errors_with_the_exchange(script, match):
    t = ProcessTransport([sys.executable, "-c", script])
    try:
        with pytest.raises(ProtocolError, match=match) as info:
            Runner(DutClient(t, timeout=5), RunnerOptions(quick=True)).performance("kws01")
        assert "Last lines" in str(info.value)
    finally:
        t.close()
