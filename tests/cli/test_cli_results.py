"""`tinysim compare` and `tinysim hw` through tinysim.cli.main, without the emulator: compare
reads result directories; hw talks to a host-native DUT behind `tinysim serve --pty --exec`, i.e.
through the real SerialTransport on a pseudo-terminal (the code path of a physical board)."""

import json
import shutil

import pytest

from tinysim.cli import main
from tinysim.harness.results import Identity, Metrics, Provenance, ResultRow, RunWriter, load_results

from cli_support import build_host_dut, served_pty


def make_run(root, stamp, latencies):
    w = RunWriter(root, stamp=stamp)
    for workload, lat in latencies.items():
        w.add(ResultRow(Identity(workload, "nucleo-l4r5zi", "unicorn", elf_sha256="aa"),
                        Metrics(latency_ms=lat, energy_uj=lat * 40), Provenance()))
    return w.directory


def test_compare_prints_deltas(tmp_path, capsys):
    a = make_run(tmp_path, "A", {"kws01": 200.0, "ad01": 10.0})
    b = make_run(tmp_path, "B", {"kws01": 150.0, "ad01": 11.0})
    assert main(["compare", str(a), str(b)]) == 0
    out = capsys.readouterr().out
    assert "-25.0%" in out and "+10.0%" in out and "kws01" in out and "ad01" in out
    assert main(["compare", str(a), str(b), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    kws = next(e for e in doc["workloads"] if e["workload"] == "kws01")
    assert kws["latency_ms"] == {"a": 200.0, "b": 150.0, "delta_pct": -25.0}


def test_compare_missing_dir_is_a_clear_error(tmp_path, capsys):
    assert main(["compare", str(tmp_path / "nope"), str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "nope: no such results file" in err and "Traceback" not in err


@pytest.fixture(scope="module")
def host_kws(tmp_path_factory):
    return build_host_dut(tmp_path_factory.mktemp("hw-dut"), "KWS01")


def test_hw_over_a_pty_measures_the_board(host_kws, tmp_path, capsys):
    elf = tmp_path / "placeholder.elf"      # --no-sim: the ELF is only recorded, not emulated
    elf.write_bytes(b"\x7fELF")
    with served_pty(["--exec", host_kws]) as port:
        code = main(["hw", "--port", port, "--elf", str(elf), "--no-sim", "--json",
                     "--min-window-s", "0.02", "--out", str(tmp_path / "res")])
    assert code == 0
    doc = json.loads(capsys.readouterr().out)
    m = doc["measured"]
    assert m["engine"] == "hardware" and m["latency_ms"] > 0
    assert m["energy_uj"] is None and "power monitor" in m["energy_reason"]
    assert m["sim_speed"] is None
    run = load_results(doc["results_dir"])
    row = run.rows[0]
    assert row.identity.engine == "hardware" and len(row.windows) == 5
    assert all(w["elapsed_s"] >= 0.02 and w["inferences"] >= 10 for w in row.windows)
    assert (run.directory / row.artifacts["uart_log"]).read_text().count("> infer") >= 6


def test_hw_flash_without_pyocd_says_how_to_install(tmp_path, capsys, monkeypatch, host_kws):
    if shutil.which("pyocd"):
        pytest.skip("pyocd is installed here")
    elf = tmp_path / "x.elf"
    elf.write_bytes(b"\x7fELF")
    with served_pty(["--exec", host_kws]) as port:
        code = main(["hw", "--port", port, "--elf", str(elf), "--flash", "--out", str(tmp_path)])
    assert code == 2
    assert "pip install pyocd" in capsys.readouterr().err


def test_hw_bad_port_is_a_clear_error(tmp_path, capsys):
    elf = tmp_path / "x.elf"
    elf.write_bytes(b"\x7fELF")
    code = main(["hw", "--port", str(tmp_path / "ttyNOPE"), "--elf", str(elf), "--out", str(tmp_path)])
    assert code == 2
    err = capsys.readouterr().err
    assert "ttyNOPE" in err and "Traceback" not in err
