"""The prebuilt benchmark firmware is bit-exact with the TFLite interpreter on every platform."""

import json

import pytest

from tinysim.cli import main
from tinysim.firmware.images import DEFAULT_PLATFORMS, WORKLOADS, image_path, load_manifest
from tinysim.platform import load_platform
from tinysim.pipeline.verify import verify

CASES = [(p, w) for p in DEFAULT_PLATFORMS for w in WORKLOADS
         if load_manifest(p).get("images", {}).get(w, {}).get("fits")]


def test_every_workload_fits_the_reference_board():
    assert {w for p, w in CASES if p == "nucleo-l4r5zi"} == set(WORKLOADS)
    assert {w for p, w in CASES if p == "esp32c3-devkitm"} == set(WORKLOADS)
    assert {w for p, w in CASES if p == "nucleo-u575zi-q"} == set(WORKLOADS)
    assert {w for p, w in CASES if p == "nrf5340-dk"} == set(WORKLOADS)
    assert {w for p, w in CASES if p == "nucleo-u385rg-q"} == set(WORKLOADS)


@pytest.mark.tflite
@pytest.mark.parametrize("platform,workload", CASES)
def test_firmware_is_bit_exact_with_tflite(platform, workload, repo_root):
    plat = load_platform(platform)
    report = verify(repo_root / "models" / f"{workload}.tflite", plat, image_path(platform, workload),
                    inputs=2, seed=7)
    assert report.inputs == 2
    assert report.mismatches == 0, report.details[:1]


@pytest.mark.tflite
def test_verify_cli_json(capsys, repo_root):
    rc = main(["verify", "--model", str(repo_root / "models" / "kws01.tflite"), "--inputs", "2", "--json"])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["inputs"] == 2 and out["mismatches"] == 0 and out["max_abs_diff"] == 0


def test_verify_missing_model_is_a_clear_error(capsys):
    assert main(["verify", "--model", "no/such.tflite"]) == 2
    assert "no/such.tflite: no such model file" in capsys.readouterr().err


def test_workload_that_does_not_fit_says_why():
    entry = load_manifest("gd32vf103-longan")["images"]["ad01"]
    assert entry["fits"] is False
    assert "FLASH overflows by" in entry["why"] and "128 KiB flash" in entry["why"]


def test_firmware_that_never_answers_is_reported_not_waited_for(capsys, repo_root):
    """The emulated DUT's timeout runs on emulated time: a spinning firmware ends in a clear error."""
    elf = repo_root / "firmware_images" / "tests" / "nucleo-l4r5zi" / "runaway.elf"
    rc = main(["verify", "--model", str(repo_root / "models" / "kws01.tflite"), "--elf", str(elf)])
    err = capsys.readouterr().err
    assert rc == 2
    assert "runaway.elf" in err and "no m-ready" in err
