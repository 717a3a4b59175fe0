"""Which prebuilt image `bench` and `verify` run: the `<workload>_official.elf` image when the
official MLPerf Tiny model is the one at hand (fetched, or the shared copy), the plain
synthetic-weight image otherwise (issue 14). The official models are read from
../shared/models/mlperf-tiny-official when present."""

import argparse
import shutil
from pathlib import Path

import pytest

from tinysim.cli import cmd_bench
from tinysim.cli.cmd_verify import resolve_image
from tinysim.firmware.images import IMAGES_DIR
from tinysim.platform import load_platform

REPO = Path(__file__).resolve().parents[2]
OFFICIAL_DIR = REPO.parent / "shared" / "models" / "mlperf-tiny-official"
PLATFORM = "nucleo-l4r5zi"
WORKLOADS = ["kws01", "vww01", "ic01", "ad01"]
needs_official = pytest.mark.skipif(not (OFFICIAL_DIR / "kws01_official.tflite").is_file(),
                                    reason=f"{OFFICIAL_DIR} not present (the official models live outside the repository)")


def _bench_args(official_dir):
    return argparse.Namespace(synthetic=False, official_models=official_dir, images=IMAGES_DIR)


@needs_official
@pytest.mark.parametrize("workload", WORKLOADS)
def test_official_model_present_official_image(workload, tmp_path):
    fetched = tmp_path / "pretrained"          # what `tinysim models fetch --from` leaves: <id>.tflite
    fetched.mkdir()
    shutil.copy(OFFICIAL_DIR / f"{workload}_official.tflite", fetched / f"{workload}.tflite")
    elf, _entry, notes = cmd_bench.choose_image(_bench_args(fetched), PLATFORM, workload)
    assert elf == IMAGES_DIR / PLATFORM / f"{workload}_official.elf", notes
    platform = load_platform(PLATFORM)
    for model in (fetched / f"{workload}.tflite", OFFICIAL_DIR / f"{workload}_official.tflite"):
        assert resolve_image(model, platform, None) == IMAGES_DIR / PLATFORM / f"{workload}_official.elf"


@pytest.mark.parametrize("workload", WORKLOADS)
def test_no_official_model_plain_image(workload, tmp_path, capsys):
    elf, _entry, notes = cmd_bench.choose_image(_bench_args(tmp_path), PLATFORM, workload)
    assert elf == IMAGES_DIR / PLATFORM / f"{workload}.elf"
    assert notes[0].startswith("synthetic-weight model")
    platform = load_platform(PLATFORM)
    assert resolve_image(REPO / "models" / f"{workload}.tflite", platform, None) == elf
    assert capsys.readouterr().err == ""       # no "building an image" detour
