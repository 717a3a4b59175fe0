"""Test firmwares for the emulator tests: prebuilt images under firmware_images/tests/<board>/,
rebuilt with the cross toolchain when missing (marked `toolchain`, skipped without one)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PREBUILT = REPO / "firmware_images" / "tests"
COMPILERS = {"nucleo-l4r5zi": ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
             "nucleo-h7a3zi-q": ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
             "gd32vf103-longan": ("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf"),
             "esp32c3-devkitm": ("riscv64-unknown-elf-gcc", "gcc-riscv64-unknown-elf"),
             "nucleo-u575zi-q": ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
             "nrf5340-dk": ("arm-none-eabi-gcc", "gcc-arm-none-eabi"),
             "nucleo-u385rg-q": ("arm-none-eabi-gcc", "gcc-arm-none-eabi")}


def test_firmware(name: str, board: str = "nucleo-l4r5zi", tmp_dir: Path = None) -> Path:
    path = PREBUILT / board / f"{name}.elf"
    if path.is_file():
        return path
    compiler, package = COMPILERS[board]
    if shutil.which(compiler) is None:
        pytest.skip(f"no prebuilt {path} and no {compiler} (install the Debian package {package})")
    from tinysim.firmware.build import build_test_firmware
    return build_test_firmware(name, board, out_dir=tmp_dir)


test_firmware.__test__ = False  # a helper, not a test


@pytest.fixture(scope="session")
def fw(tmp_path_factory):
    out = tmp_path_factory.mktemp("fw")
    cache = {}

    def get(name: str, board: str = "nucleo-l4r5zi") -> Path:
        key = (name, board)
        if key not in cache:
            cache[key] = test_firmware(name, board, out / board)
        return cache[key]
    return get
