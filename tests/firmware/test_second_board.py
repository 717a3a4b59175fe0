"""Adding a board on an existing SoC touches only that board's folder.

`tests/fixtures/boards/l4r5-minimal/` holds a board TOML and a board.c, nothing else: the SoC
file, its register header, startup and linker script come from `platforms/socs/stm32l4r5/`, the
clock and baud rate reach the C through the generated `board_config.h`. The real cross compiler
builds the `hello` test firmware for it and the emulator runs it.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tinysim.firmware import build
from tinysim.platform import PLATFORMS_DIR, load_platform

BOARD = Path(__file__).resolve().parents[1] / "fixtures" / "boards" / "l4r5-minimal"


def test_the_fixture_board_is_one_folder_on_a_shipped_soc():
    assert sorted(p.name for p in BOARD.iterdir()) == ["board.c", "l4r5-minimal.toml"]
    platform = load_platform(str(BOARD))
    assert platform.name == "l4r5-minimal" and platform.soc == "stm32l4r5"
    assert platform.soc_source_path == str(PLATFORMS_DIR / "socs" / "stm32l4r5" / "stm32l4r5.toml")
    assert platform.wait_states == 0                # 4 MHz, range 1: RM0432 Table 12
    spec = build.load_board(BOARD)
    assert spec.linker_script == PLATFORMS_DIR / "socs" / "stm32l4r5" / "linker.ld"
    assert spec.tests == ("hello",)


@pytest.mark.toolchain
def test_hello_builds_and_runs_on_the_second_board(tmp_path):
    session = pytest.importorskip("tinysim.pipeline.session", reason="the native counter is not built")
    build.toolchain_for(build.load_board(BOARD))      # ToolchainError names the package if missing
    elf = build.build_test_firmware("hello", str(BOARD), out_dir=tmp_path)
    r = session.run_firmware(elf, load_platform(str(BOARD)), max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from l4r5-minimal\r\n"), r.uart
    m = re.search(r"cycles (\d+) clock_hz (\d+)\r\n", r.uart)
    assert m and int(m.group(2)) == 4_000_000, r.uart
    assert 0 < int(m.group(1)) < 100_000
