"""`tinysim bench --jobs N`: workloads in worker processes give the same results as one after
another, and a failure or Ctrl-C keeps what finished (as the serial run does)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pytest

from tinysim.cli import main
from tinysim.harness.results import load_results

from cli_support import PLATFORM, REPO, benchmark_images, sigint_default

pytestmark = pytest.mark.toolchain

# what a run measures in device time and checks (wall-clock figures differ run to run)
MEASURED = ("latency_ms", "energy_uj", "cycles", "instructions", "throughput_ips", "bit_exact",
            "cycles_per_mac", "avg_power_mw")


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return benchmark_images(tmp_path_factory.mktemp("images"), ["ad01", "kws01"])


def _bench(capsys, *argv):
    code = main(["bench", *map(str, argv), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out)


def test_workers_give_the_results_of_one_after_another(images, tmp_path, capsys):
    args = ("--images", images, "--workload", "kws01", "ad01", "--min-window-s", "0.05")
    serial = _bench(capsys, *args, "--jobs", "1", "--out", tmp_path / "a")
    workers = _bench(capsys, *args, "--jobs", "2", "--out", tmp_path / "b")
    assert [r["identity"]["workload"] for r in workers["results"]] == ["kws01", "ad01"]
    for a, b in zip(serial["results"], workers["results"]):
        assert {k: a["metrics"][k] for k in MEASURED} == {k: b["metrics"][k] for k in MEASURED}
        assert [w["cycles"] for w in a["windows"]] == [w["cycles"] for w in b["windows"]]
        assert a["metrics"]["sim_speed"] > 0 and b["metrics"]["sim_speed"] > 0
    run = load_results(workers["results_dir"])
    for row in run.rows:   # the UART logs and window profiles the workers sent back are on disk
        assert row.artifacts["uart_log"] and any(k.startswith("profile_") for k in row.artifacts)
        for name in row.artifacts.values():
            assert (run.directory / name).is_file(), name


def test_a_failing_workload_keeps_the_one_that_finished(images, tmp_path, capsys):
    img = tmp_path / "img" / PLATFORM
    img.mkdir(parents=True)
    (img / "ad01.elf").write_bytes((images / PLATFORM / "ad01.elf").read_bytes())
    (img / "kws01.elf").write_bytes(b"not an ELF at all")
    code = main(["bench", "--images", str(tmp_path / "img"), "--workload", "kws01", "ad01", "--quick",
                 "--jobs", "2", "--json", "--out", str(tmp_path / "res")])
    err = capsys.readouterr().err
    assert code == 2 and "kws01.elf" in err and "Traceback" not in err
    (run_dir,) = (tmp_path / "res").iterdir()
    assert [r.workload for r in load_results(run_dir).rows] == ["ad01"]
    assert f"kept in {run_dir}" in err


def _bench_with_two_workers(tmp_path, sig):
    """Starts `tinysim bench` on ad01 and vww01 with full windows (vww01's input loads alone take
    ~30 s) in two workers, sends `sig` to the bench process alone once both run, and returns
    (process, its stderr, the worker pids)."""
    for w in ("ad01", "vww01"):
        if not (REPO / "firmware_images" / PLATFORM / f"{w}.elf").is_file():
            pytest.skip(f"needs the prebuilt images in firmware_images/{PLATFORM} (tinysim build)")
    proc = subprocess.Popen(
        [sys.executable, "-m", "tinysim", "bench", "--workload", "ad01", "vww01", "--jobs", "2",
         "--no-published", "--out", str(tmp_path / "res")], stdout=subprocess.PIPE,
        stderr=subprocess.PIPE, text=True, cwd=REPO, env={**os.environ, "PYTHONPATH": str(REPO)},
        preexec_fn=sigint_default)
    seen, workers, rest = [], [], ""
    try:
        for line in proc.stderr:
            seen.append(line)
            if "workloads in 2 processes" in line:
                for _ in range(100):       # the pool starts its workers
                    workers = _workers_of(proc.pid)
                    if len(workers) == 2:
                        break
                    time.sleep(0.1)
                time.sleep(2.0)            # both inside their runs
                proc.send_signal(sig)
                break
        # a bench that waited for its workers instead of stopping them would still be running
        # at this (generous) limit: vww01's run alone needs a minute
        _, rest = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert len(workers) == 2, "the two worker processes were not found"
    return proc, "".join(seen) + rest, workers


def _assert_workers_end(workers) -> None:
    deadline = time.monotonic() + 20          # a guard against waiting forever, not a speed figure
    while any(_alive(pid) for pid in workers) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert not any(_alive(pid) for pid in workers), "a worker ran on after the bench stopped"


def test_ctrl_c_stops_the_workers(tmp_path):
    """SIGINT to the bench process alone (not its workers): exit 130 without waiting for them,
    no worker left behind, and no empty results folder."""
    proc, err, workers = _bench_with_two_workers(tmp_path, signal.SIGINT)
    assert proc.returncode == 130, err
    assert "tinysim bench: interrupted" in err and "Traceback" not in err
    out = tmp_path / "res"
    assert not out.exists() or not any(out.iterdir())
    _assert_workers_end(workers)


def test_workers_end_when_the_bench_is_killed(tmp_path):
    """SIGKILL to the bench process (what a CI time limit or the OOM killer does) gives it no
    chance to stop its workers: they end by themselves instead of emulating on as orphans."""
    proc, err, workers = _bench_with_two_workers(tmp_path, signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL, err
    _assert_workers_end(workers)


def _workers_of(pid: int):
    """The pool's worker processes: children of `pid` started by multiprocessing's spawn."""
    out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout.split()
    found = []
    for child in map(int, out):
        try:
            cmd = open(f"/proc/{child}/cmdline", "rb").read()
        except OSError:
            continue
        if b"spawn_main" in cmd:
            found.append(child)
    return found


def _alive(pid: int) -> bool:
    try:
        status = open(f"/proc/{pid}/status").read()
    except OSError:
        return False
    return "\nState:\tZ" not in status   # a zombie has exited
