"""Result rows, the run directory and its atomic, per-workload updates."""

import csv
import json

import pytest

from tinysim.errors import TinysimError
from tinysim.harness.results import (CSV_COLUMNS, RESULTS_CSV, RESULTS_JSON, Identity, Metrics,
                                     Provenance, ResultRow, RunWriter, cost_tables, git_revision,
                                     load_results, platform_files, sha256_file, write_atomic)


def row(workload, latency=10.0, **metrics):
    return ResultRow(Identity(workload, "nucleo-l4r5zi", "unicorn", elf=f"/x/{workload}.elf",
                              elf_sha256="ab" * 32),
                     Metrics(latency_ms=latency, **metrics), Provenance(seed=3, quick=True))


class SavesProfile:
    def __init__(self, fail=False):
        self.fail = fail

    def save(self, path):
        if self.fail:
            raise RuntimeError("disk full (simulated)")
        path.write_bytes(b"npz")
        path.with_suffix(".json").write_text("{}")
        return path


def test_rows_accumulate_and_round_trip(tmp_path):
    w = RunWriter(tmp_path, stamp="20260101T000000Z", meta={"command": "bench"})
    assert w.directory == tmp_path / "20260101T000000Z"
    w.add(row("kws01", 12.5, energy_uj=100.0), uart_log="> infer 1 0%\n< m-ready\n",
          profiles={"w1": SavesProfile()})
    w.add(row("ad01", 1.5))
    res = load_results(w.directory)
    assert [r.workload for r in res.rows] == ["kws01", "ad01"]
    kws = res.by_workload()["kws01"]
    assert kws.metrics.latency_ms == 12.5 and kws.metrics.energy_uj == 100.0
    assert kws.provenance.seed == 3 and kws.provenance.quick is True
    assert kws.provenance.finished_utc
    assert res.meta["command"] == "bench" and res.meta["schema"] == 1
    # Artifacts named in the row exist in the run directory.
    assert (w.directory / kws.artifacts["uart_log"]).read_text().startswith("> infer")
    assert (w.directory / kws.artifacts["profile_w1"]).is_file()
    with open(w.directory / RESULTS_CSV) as f:
        lines = list(csv.DictReader(f))
    assert [ln["workload"] for ln in lines] == ["kws01", "ad01"]
    assert list(lines[0]) == CSV_COLUMNS
    assert float(lines[0]["latency_ms"]) == 12.5 and lines[1]["energy_uj"] == ""


def test_interrupted_run_keeps_finished_workloads(tmp_path):
    w = RunWriter(tmp_path)
    w.add(row("kws01"))
    w.add(row("vww01"))
    with pytest.raises(RuntimeError, match="simulated"):
        w.add(row("ic01"), profiles={"w1": SavesProfile(fail=True)})   # dies mid-workload
    doc = json.loads((w.directory / RESULTS_JSON).read_text())          # still complete JSON
    assert [r["identity"]["workload"] for r in doc["results"]] == ["kws01", "vww01"]
    assert not [p for p in w.directory.iterdir() if p.name.endswith(".tmp")]


def test_write_atomic_leaves_old_file_when_writing_fails(tmp_path):
    target = tmp_path / "results.json"
    write_atomic(target, b"old")

    with pytest.raises(TypeError):
        write_atomic(target, object())  # the write itself fails
    assert target.read_bytes() == b"old"
    assert [p.name for p in tmp_path.iterdir()] == ["results.json"]


def test_two_runs_in_one_second_get_separate_directories(tmp_path):
    a = RunWriter(tmp_path, stamp="20260101T000000Z")
    b = RunWriter(tmp_path, stamp="20260101T000000Z")
    assert a.directory != b.directory and b.directory.name.startswith("20260101T000000Z")


def test_same_workload_again_replaces_its_row(tmp_path):
    w = RunWriter(tmp_path)
    w.add(row("kws01", 1.0))
    w.add(row("kws01", 2.0))
    assert [r.metrics.latency_ms for r in load_results(w.directory).rows] == [2.0]


def test_load_results_errors_name_the_file(tmp_path):
    with pytest.raises(TinysimError, match="no such results file"):
        load_results(tmp_path)
    (tmp_path / RESULTS_JSON).write_text("{not json")
    with pytest.raises(TinysimError, match="results.json: not readable as JSON"):
        load_results(tmp_path)
    (tmp_path / RESULTS_JSON).write_text('{"schema": 99, "results": []}')
    with pytest.raises(TinysimError, match="schema 99"):
        load_results(tmp_path)
    (tmp_path / RESULTS_JSON).write_text('{"schema": 1, "results": [{"metrics": {}}]}')
    with pytest.raises(TinysimError, match=r"results\[0\]: not a tinysim result row"):
        load_results(tmp_path / RESULTS_JSON)


def test_provenance_helpers():
    from tinysim.platform import load_platform

    try:
        platform = load_platform("nucleo-l4r5zi")
    except TinysimError as err:
        pytest.skip(f"platform does not load yet: {err}")
    files = platform_files(platform)
    assert any(k.endswith("boards/nucleo-l4r5zi/nucleo-l4r5zi.toml") for k in files)
    assert any(k.endswith("socs/stm32l4r5/stm32l4r5.toml") for k in files)
    assert all(len(v) == 64 for v in files.values())
    tables = cost_tables()
    assert tables and all(len(v) == 64 for v in tables.values())
    rev = git_revision()
    assert rev is None or len(rev.split("-")[0]) == 40


def test_sha256_file(tmp_path):
    p = tmp_path / "x"
    p.write_bytes(b"abc")
    assert sha256_file(p) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
