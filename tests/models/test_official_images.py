"""The official MLPerf Tiny models' prebuilt images (firmware_images/<platform>/<id>_official.elf):
their manifest entries name the pinned model, they rebuild byte-identical from the official files
(../shared/models/mlperf-tiny-official, read in place when present), and `bench` picks them when
the models are present and says when it falls back to the synthetic-weight models."""

import argparse
import json
from pathlib import Path

import pytest

from tinysim.cli import cmd_bench, main
from tinysim.firmware import build
from tinysim.firmware.images import (IMAGES_DIR, OFFICIAL, _official_entries, build_official_image)
from tinysim.models.fetch import reference_expectations
from tinysim.platform import load_platform

REPO = Path(__file__).resolve().parents[2]
OFFICIAL_DIR = REPO.parent / "shared" / "models" / "mlperf-tiny-official"
WORKLOADS = ["kws01", "vww01", "ic01", "ad01"]
# where official images are committed, and which of them fit
FITTING = {"nucleo-l4r5zi": WORKLOADS, "esp32c3-devkitm": WORKLOADS, "gd32vf103-longan": ["kws01"]}


def _shared():
    if not (OFFICIAL_DIR / "kws01_official.tflite").is_file():
        pytest.skip(f"{OFFICIAL_DIR} not present (the official models live outside the repository)")
    return OFFICIAL_DIR


@pytest.mark.parametrize("platform", sorted(FITTING))
def test_manifest_entries_name_the_pinned_model(platform):
    images = json.loads((IMAGES_DIR / platform / "manifest.json").read_text())["images"]
    for w in WORKLOADS:
        entry = images[w + OFFICIAL]
        assert entry["model"] == f"models/pretrained/{w}.tflite" and entry["model_id"] == w
        assert entry["model_sha256"] == reference_expectations()[w].sha256
        assert "official" in entry["weights"]
        assert entry["fits"] == (w in FITTING[platform]), w
        elf = IMAGES_DIR / platform / f"{w}{OFFICIAL}.elf"
        if entry["fits"]:
            assert build.sha256_file(elf) == entry["sha256"], f"{elf} differs from its manifest entry"
        else:
            assert not elf.exists() and "overflows" in entry["why"]


def test_rebuilding_the_synthetic_images_keeps_the_official_entries(tmp_path):
    (tmp_path / "manifest.json").write_text(json.dumps({"images": {
        "kws01": {"sha256": "a"}, "kws01_official": {"sha256": "b"}}}))
    assert _official_entries(tmp_path) == {"kws01_official": {"sha256": "b"}}
    assert _official_entries(tmp_path / "none") == {}


@pytest.mark.toolchain
@pytest.mark.slow
@pytest.mark.parametrize("workload", WORKLOADS)
def test_official_image_rebuilds_byte_identical(workload, tmp_path):
    plat = load_platform("nucleo-l4r5zi")
    entry = build_official_image(workload, _shared(), plat, tmp_path / f"{workload}.elf")
    committed = json.loads((IMAGES_DIR / plat.name / "manifest.json").read_text())["images"]
    assert entry["sha256"] == committed[workload + OFFICIAL]["sha256"], (
        "rebuild with `python -m tinysim.firmware.images --official DIR` and commit")


def _args(**kw):
    base = dict(synthetic=False, official_models=OFFICIAL_DIR, images=IMAGES_DIR)
    return argparse.Namespace(**{**base, **kw})


def test_bench_picks_the_official_image_when_the_model_is_present():
    _shared()
    elf, entry, notes = cmd_bench.choose_image(_args(), "nucleo-l4r5zi", "vww01")
    assert elf.name == "vww01_official.elf"
    assert entry["model"] == str((OFFICIAL_DIR / "vww01_official.tflite").resolve())
    assert notes[0].startswith("official MLPerf Tiny model vww01 (sha256 597a384c8c2c")
    assert cmd_bench.models_measured([("vww01", elf, entry, notes)]) == "official models"


@pytest.mark.parametrize("why", ["missing", "synthetic", "no image"])
def test_bench_falls_back_with_a_note(tmp_path, why):
    if why == "missing":
        args, says = _args(official_models=tmp_path), f"no official kws01 model in {tmp_path}"
    elif why == "synthetic":
        args, says = _args(synthetic=True), "--synthetic was given"
    else:
        _shared()
        (tmp_path / "nucleo-l4r5zi").mkdir()
        (tmp_path / "nucleo-l4r5zi" / "kws01.elf").write_bytes(b"\x7fELF")
        args, says = _args(images=tmp_path), "no official-model image"
    elf, _entry, notes = cmd_bench.choose_image(args, "nucleo-l4r5zi", "kws01")
    assert elf.name == "kws01.elf"
    assert notes[0].startswith("synthetic-weight model") and says in notes[0]
    assert cmd_bench.models_measured([("kws01", elf, {}, notes)]) == "synthetic-weight models"
    assert cmd_bench.models_measured([("kws01", elf, {}, notes), ("ad01", elf, {}, ["official x"])]) == \
        "official models, synthetic-weight kws01"


@pytest.mark.tflite
def test_bench_measures_the_official_ad01_bit_exact(tmp_path, capsys):
    _shared()
    code = main(["bench", "--workload", "ad01", "--quick", "--official-models", str(OFFICIAL_DIR),
                 "--out", str(tmp_path), "--json"])
    out = capsys.readouterr()
    assert code == 0, out.err
    [ad] = [r["metrics"] for r in json.loads(out.out)["results"] if r["identity"]["workload"] == "ad01"]
    assert ad["bit_exact"] is True, ad["bit_exact_reason"]
    results = json.loads(next(tmp_path.glob("*/results.json")).read_text())
    assert "ad01_official.elf" in json.dumps(results)
    assert "official MLPerf Tiny model ad01" in json.dumps(results)
