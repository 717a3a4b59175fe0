"""`tinysim bench`, `hw` and `accuracy` end to end on emulated firmware (real ELF, real Unicorn,
real cost model), through tinysim.cli.main. Uses firmware_images/ when present, else builds the
images from models/ with the cross toolchain. Windows are shortened with the hidden
--min-window-s so the suite stays fast; the rules code is the same as for 10 s windows."""

import json

import pytest

from tinysim.cli import main
from tinysim.emu.engine_info import stock_engine_note
from tinysim.harness import datasets
from tinysim.harness.results import load_results

from cli_support import PLATFORM, benchmark_images, served_pty

pytestmark = pytest.mark.toolchain


@pytest.fixture(scope="module")
def images(tmp_path_factory):
    return benchmark_images(tmp_path_factory.mktemp("images"), ["ad01", "kws01"])


def bench_json(capsys, *argv):
    code = main(["bench", *map(str, argv), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    assert "note: engine" not in out.err     # the stock-engine note is for human output only
    return json.loads(out.out)


def flat(doc, workload):
    """One workload's row of the results.json schema `bench --json` prints: its metrics, with
    the provenance flags beside them."""
    row = next(r for r in doc["results"] if r["identity"]["workload"] == workload)
    return {**row["provenance"], **row["identity"], **row["metrics"]}


def test_bench_quick_json_and_artifacts(images, tmp_path, capsys):
    doc = bench_json(capsys, "--images", images, "--workload", "ad01", "--quick", "--out", tmp_path)
    ad = flat(doc, "ad01")
    for key in ("latency_ms", "energy_uj", "cycles", "instructions", "avg_power_mw", "wall_s", "sim_speed",
                "cycles_per_mac"):
        assert ad[key] is not None and ad[key] > 0, key
    assert ad["quick"] is True and ad["valid_for_submission"] is False
    # The check ran: True/False with what was compared, or None saying why it could not run.
    assert ad["bit_exact"] in (True, False, None) and ad["bit_exact_reason"]
    if ad["bit_exact"] is not None:
        assert "TFLite" in ad["bit_exact_reason"]
    # cycles per inference and latency agree at the board clock (120 MHz).
    assert ad["latency_ms"] == pytest.approx(ad["cycles"] / 120e6 * 1e3, rel=0.02)
    run = load_results(doc["results_dir"])
    # one schema: what --json printed is what results.json holds
    saved = json.loads((run.directory / "results.json").read_text())
    assert {k: v for k, v in doc.items() if k != "results_dir"} == saved
    row = run.by_workload()["ad01"]
    assert row.identity.engine == "unicorn" and row.identity.elf_sha256
    assert row.provenance.platform_files and row.provenance.seed is not None
    assert row.provenance.engine_build.startswith("unicorn 2.1.4")  # stock or tinysim's patched build
    for name in row.artifacts.values():
        assert (run.directory / name).is_file(), name
    assert (run.directory / "results.csv").is_file()


def test_bench_is_deterministic(images, tmp_path, capsys):
    a = bench_json(capsys, "--images", images, "--workload", "ad01", "--quick", "--out", tmp_path)
    b = bench_json(capsys, "--images", images, "--workload", "ad01", "--quick", "--out", tmp_path)
    for key in ("latency_ms", "energy_uj", "cycles", "instructions"):
        assert flat(a, "ad01")[key] == flat(b, "ad01")[key], key


def test_bench_performance_rules_on_emulated_firmware(images, tmp_path, capsys):
    datasets.make_dataset("ad01", tmp_path / "ds" / "ad01", 5, seed=2)
    doc = bench_json(capsys, "--images", images, "--workload", "ad01", "--out", tmp_path,
                     "--dataset", tmp_path / "ds", "--min-window-s", "0.05")
    row = load_results(doc["results_dir"]).by_workload()["ad01"]
    assert len(row.windows) == 5
    assert [w["file"] for w in row.windows] == [f"{'anomaly' if i % 2 else 'normal'}_id_00_{i:08d}.bin"
                                                for i in range(5)]
    for w in row.windows:
        assert w["elapsed_s"] >= 0.05 and w["inferences"] >= 10
        assert w["energy_j"] > 0 and w["cycles"] > 0
    med = sorted(w["throughput_ips"] for w in row.windows)[2]
    assert row.metrics.throughput_ips == pytest.approx(med)
    assert row.metrics.latency_ms == pytest.approx(1e3 / med)
    assert row.provenance.seed is None and row.provenance.dataset.endswith("ad01")


def test_interrupted_bench_keeps_finished_workloads(images, tmp_path, capsys):
    broken = tmp_path / "img" / PLATFORM
    broken.mkdir(parents=True)
    (broken / "ad01.elf").write_bytes((images / PLATFORM / "ad01.elf").read_bytes())
    (broken / "kws01.elf").write_bytes(b"not an ELF at all")
    code = main(["bench", "--images", str(tmp_path / "img"), "--workload", "ad01", "kws01", "--quick",
                 "--json", "--out", str(tmp_path / "res")])
    err = capsys.readouterr().err
    assert code == 2 and "kws01.elf" in err and "Traceback" not in err
    (run_dir,) = (tmp_path / "res").iterdir()
    run = load_results(run_dir)
    assert [r.workload for r in run.rows] == ["ad01"]


def test_bench_missing_image_names_the_file(tmp_path, capsys):
    assert main(["bench", "--images", str(tmp_path), "--workload", "kws01", "--quick"]) == 2
    err = capsys.readouterr().err
    assert f"{PLATFORM}/kws01.elf" in err and "tinysim build --model models/kws01.tflite" in err


def test_hw_against_an_emulated_board_on_a_pty(images, tmp_path, capsys):
    elf = images / PLATFORM / "ad01.elf"
    with served_pty(["--platform", PLATFORM, "--elf", elf]) as port:
        code = main(["hw", "--port", port, "--elf", str(elf), "--quick", "--json", "--timeout", "120",
                     "--out", str(tmp_path)])
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert doc["measured"]["engine"] == "hardware" and doc["simulated"]["engine"] == "unicorn"
    # The "board" is the same emulator behind a serial port: its m-lap-us timing matches.
    assert abs(doc["latency_error_pct"]) < 1.0
    run = load_results(doc["results_dir"])
    assert sorted(r.identity.engine for r in run.rows) == ["hardware", "unicorn"]


def test_accuracy_scores_through_the_firmware(images, tmp_path, capsys):
    ds = tmp_path / "kws01"
    datasets.make_dataset("kws01", ds, 4, seed=9)
    code = main(["accuracy", "--workload", "kws01", "--dataset", str(ds), "--images", str(images),
                 "--json", "--out", str(tmp_path / "res")])
    out = capsys.readouterr()
    assert code == 0, out.err
    doc = json.loads(out.out)
    assert doc["metric"] == "top1" and doc["files"] == 4 and doc["target"] == 0.9
    assert 0.0 <= doc["firmware"] <= 1.0
    if doc["tflite"] is None:
        assert doc["tflite_reason"]
        return
    assert doc["compared_inferences"] == 4 and 0 <= doc["tflite"] <= 1
    if doc["identical_inferences"] != 4:
        pytest.xfail(f"firmware int8 outputs differ from TFLite on {4 - doc['identical_inferences']} of 4 "
                     "inputs (a kernel/emulation bit-exactness bug, reported, not a runner bug)")
    assert doc["tflite"] == doc["firmware"]     # identical outputs -> identical score


def test_bench_table_output(images, tmp_path, capsys):
    code = main(["bench", "--images", str(images), "--workload", "ad01", "--quick", "--out", str(tmp_path)])
    out, err = capsys.readouterr()
    assert code == 0
    assert "ad01 (quick)" in out and "v0.5-ref" in out and "416.3" in out and "…" not in out
    assert f"wrote {tmp_path}" in err and "results.json" in err
    assert "[1/1] ad01" in err
    note = stock_engine_note()      # one line on the stock wheel, none on the patched build
    assert err.count("note: engine") == (1 if note else 0) and (note is None or note in err)


def test_bench_skips_images_that_do_not_fit(tmp_path, capsys):
    import json as _json

    d = tmp_path / PLATFORM
    d.mkdir()
    (d / "manifest.json").write_text(_json.dumps({"images": {
        w: {"fits": False, "why": "FLASH overflows by 1 byte"} for w in ("kws01", "vww01", "ic01", "ad01")}}))
    assert main(["bench", "--images", str(tmp_path), "--quick", "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert "skipping kws01 does not fit" in err and "no workload image fits" in err
    assert main(["bench", "--images", str(tmp_path), "--workload", "ic01", "--out", str(tmp_path)]) == 2
    assert "ic01 does not fit nucleo-l4r5zi: FLASH overflows by 1 byte" in capsys.readouterr().err
