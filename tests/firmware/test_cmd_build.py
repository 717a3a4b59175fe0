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
    assert "no firmware port for platform 'pdp11'" in err and "Traceback" not in err
