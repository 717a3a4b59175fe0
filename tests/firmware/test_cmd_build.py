"""`tinysim build` from the command line."""

from __future__ import annotations

import pytest

from tinysim.cli import main
from tinysim.firmware import build


@pytest.mark.toolchain
def test_build_test_firmware_to_a_file(tmp_path, capsys):
    out = tmp_path / "x" / "hello-gd32.elf"
    assert main(["build", "--test", "hello", "--platform", "gd32vf103-longan", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.is_file() and f"wrote {out}" in text
    assert build.sha256_file(out) in text
    # the committed image is the same bytes
    assert out.read_bytes() == (build.PREBUILT_TESTS_DIR / "gd32vf103-longan" / "hello.elf").read_bytes()


def test_build_list_names_ports_platforms_and_tests(capsys):
    assert main(["build", "--list"]) == 0
    text = capsys.readouterr().out
    assert "gd32vf103" in text and "gd32vf103-longan" in text and "stack_overflow" in text


def test_build_errors_are_one_line_and_exit_2(tmp_path, capsys):
    assert main(["build", "--test", "hello"]) == 2
    assert "--test needs --platform" in capsys.readouterr().err
    assert main(["build", "--test", "hello", "--platform", "pdp11", "-o", str(tmp_path / "a.elf")]) == 2
    err = capsys.readouterr().err
    assert "unknown platform 'pdp11'" in err and "Traceback" not in err


@pytest.mark.toolchain
def test_build_model_links_a_benchmark_image(tmp_path, capsys, repo_root):
    out = tmp_path / "kws01.elf"
    assert main(["build", "--model", str(repo_root / "models" / "kws01.tflite"),
                 "--platform", "nucleo-l4r5zi", "-o", str(out)]) == 0
    text = capsys.readouterr().out
    assert out.is_file() and "2,656,768 MACs" in text and "kernels arm_dsp" in text


@pytest.mark.toolchain
def test_build_model_that_does_not_fit_names_the_overflow(tmp_path, capsys, repo_root):
    rc = main(["build", "--model", str(repo_root / "models" / "ad01.tflite"),
               "--platform", "gd32vf103-longan", "-o", str(tmp_path / "ad01.elf")])
    err = capsys.readouterr().err
    assert rc == 2
    assert "ad01.tflite does not fit gd32vf103-longan" in err and "FLASH overflows by" in err
