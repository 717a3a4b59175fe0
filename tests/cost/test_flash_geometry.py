"""Flash geometry follows the STM32L4+ DBANK option: the SoC's factory default (dual bank, 64-bit
reads, 8-byte lines), a board's override (single bank, 128-bit, 16-byte lines), and the counter's
caches take that line size."""

import shutil
from pathlib import Path

import pytest

from tinysim.cost.flash import counter_caches
from tinysim.errors import PlatformError
from tinysim.platform import PLATFORMS_DIR, load_platform
from tinysim.published import board_ref


def _board(tmp_path: Path, flash_table: str, soc: str = "stm32l4r5") -> Path:
    src = PLATFORMS_DIR / "boards" / "nucleo-l4r5zi"
    dst = tmp_path / "boards" / "b"
    dst.mkdir(parents=True)
    shutil.copy(src / "board.c", dst / "board.c")
    text = (src / "nucleo-l4r5zi.toml").read_text()
    start = text.index("[flash]")
    end = text.index("[console]")
    text = text[:start] + flash_table + "\n" + text[end:]
    text = text.replace('name = "nucleo-l4r5zi"', 'name = "b"').replace('soc = "stm32l4r5"', f'soc = "{soc}"')
    (dst / "b.toml").write_text(text)
    return dst / "b.toml"


def test_factory_default_is_dual_bank_with_8_byte_lines(tmp_path):
    p = load_platform(_board(tmp_path, ""))
    assert p.flash.dbank is True and p.flash.line_bytes == 8
    assert counter_caches(p)["icache"]["line_bytes"] == 8


def test_board_override_single_bank_gives_16_byte_lines(tmp_path):
    p = load_platform(_board(tmp_path, "[flash]\ndbank = false\n"))
    assert p.flash.dbank is False and p.flash.line_bytes == 16
    caches = counter_caches(p)
    assert caches["icache"]["line_bytes"] == caches["dcache"]["line_bytes"] == 16


def test_shipped_boards_declare_single_bank():
    for name in ("nucleo-l4r5zi", "nucleo-l4r5zi-p"):
        p = load_platform(board_ref(name))
        assert (p.flash.dbank, p.flash.line_bytes) == (False, 16), name


def test_dbank_on_a_soc_without_the_option_is_refused(tmp_path):
    src = PLATFORMS_DIR / "boards" / "gd32vf103-longan"
    dst = tmp_path / "boards" / "g"
    shutil.copytree(src, dst)
    toml = dst / "gd32vf103-longan.toml"
    toml.write_text(toml.read_text() + "\n[flash]\ndbank = true\n")
    with pytest.raises(PlatformError, match="no dual-bank option"):
        load_platform(toml)


def test_a_wrong_type_names_the_key(tmp_path):
    with pytest.raises(PlatformError, match="dbank"):
        load_platform(_board(tmp_path, '[flash]\ndbank = "single"\n'))
