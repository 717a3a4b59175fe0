"""Helpers for the runner tests (no tests here): host-native DUT builds, i.e. the harness C code
with the stub model, built with the host gcc via tinysim/firmware/boards/host/Makefile."""

import shutil
import subprocess
from pathlib import Path

import pytest

HOST_DIR = Path(__file__).resolve().parents[2] / "tinysim" / "firmware" / "boards" / "host"


def build_host_dut(out: Path, model: str) -> Path:
    if shutil.which("gcc") is None or shutil.which("make") is None:
        pytest.skip("needs the host C compiler and make: apt-get install build-essential")
    proc = subprocess.run(["make", "-s", "-C", str(HOST_DIR), f"OUT={out}", f"MODEL={model}"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"host DUT build failed:\n{proc.stdout}\n{proc.stderr}")
    return out / "dut"
