"""Platform files: the shipped ones load, and malformed ones are refused naming file and key."""

import shutil
from pathlib import Path

import pytest

from tinysim.errors import PlatformError
from tinysim.platform import PLATFORMS_DIR, available_platforms, load_platform
from tinysim.units import UnitError, parse_clocks, parse_hz, parse_size


def test_shipped_platforms_load():
    names = available_platforms()
    assert {"nucleo-l4r5zi", "gd32vf103-longan", "esp32c3-devkitm"} <= set(names)
    nucleo = load_platform("nucleo-l4r5zi")
    assert nucleo.core.cpu == "cortex-m4f"
    assert nucleo.clock_hz == 120_000_000
    assert nucleo.memory("flash").base == 0x0800_0000 and nucleo.flash_bytes == 2 << 20
    assert nucleo.memory("sram1").base == 0x2000_0000 and nucleo.sram_bytes == 640 * 1024
    assert nucleo.wait_states == 5          # RM0432 Table 12: 5 WS at 100-120 MHz, range 1
    assert nucleo.console == "lpuart1"
    gd = load_platform("gd32vf103-longan")
    assert gd.core.arch == "rv32" and gd.sram_bytes == 32 * 1024 and gd.flash_bytes == 128 * 1024
    c3 = load_platform("esp32c3-devkitm")
    assert c3.sram_bytes == 384 * 1024       # the IRAM alias is the same storage, counted once


@pytest.mark.parametrize("mhz,ws", [(16, 0), (20, 0), (21, 1), (48, 2), (80, 3), (100, 4), (120, 5)])
def test_stm32l4r5_wait_states_by_clock(mhz, ws):
    assert load_platform("nucleo-l4r5zi").with_overrides(clock_hz=mhz * 1_000_000).wait_states == ws


def test_overrides_shrink_sram_from_the_last_bank():
    v = load_platform("nucleo-l4r5zi").with_overrides(sram_bytes=200 * 1024)
    assert v.sram_bytes == 200 * 1024
    assert [m.name for m in v.storage("sram")] == ["sram1", "sram2"]
    assert v.label == "nucleo-l4r5zi@sram=200KiB"


def test_clock_above_table_is_refused():
    with pytest.raises(PlatformError, match="above the fastest entry"):
        load_platform("nucleo-l4r5zi").with_overrides(clock_hz=150_000_000)


def test_units_one_grammar_for_files_and_options():
    # what the platform files wrote ...
    assert parse_size("640KiB") == 655360 and parse_size("2MiB") == 2 << 20 and parse_size(4096) == 4096
    assert parse_hz("120MHz") == 120_000_000 and parse_hz("16 MHz") == 16_000_000
    assert parse_hz(120_000_000) == 120_000_000
    # ... and what the CLI options took, in both places
    assert parse_size("256K") == parse_size("256kb") == parse_size("256 KiB") == 256 * 1024
    assert parse_size("1.5MiB") == 3 << 19
    assert parse_hz("4.5e6") == 4_500_000
    assert parse_clocks("16MHz, 4.5e6Hz,1khz") == [16e6, 4.5e6, 1e3]
    for bad, words in (("lots", "cannot read size"), ("1.3KiB", "whole number of bytes"),
                       ("-4", "cannot read size")):
        with pytest.raises(UnitError, match=words):
            parse_size(bad, "--sram")
    with pytest.raises(UnitError, match="--clock: clock '0' must be above 0 Hz"):
        parse_clocks("0")


def test_bad_size_in_a_platform_file_names_file_and_key(platforms_copy):
    soc = platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    _edit(soc, 'size = "192KiB"', 'size = "192 kilobytes"')
    with pytest.raises(PlatformError, match=r"stm32l4r5\.toml: memory\[1\]\.size: cannot read size"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_one_wait_state_lookup_for_scalars_and_sweeps():
    import numpy as np

    p = load_platform("nucleo-l4r5zi")
    assert p.wait_states_at(48e6) == 2
    assert list(p.wait_states_at(np.array([16e6, 48e6, 120e6]))) == [0, 2, 5]
    with pytest.raises(PlatformError, match=r"platform nucleo-l4r5zi \[flash\]: 150 MHz is above"):
        p.wait_states_at(150e6)


def test_core_features_are_declared_and_checked(platforms_copy):
    assert load_platform("nucleo-l4r5zi").core.features == ("dsp", "fpv4-sp", "bit-band")
    assert load_platform("gd32vf103-longan").core.features == ()
    soc = platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    _edit(soc, 'features = ["dsp", "fpv4-sp", "bit-band"]', 'features = ["dsp", "mve"]')
    with pytest.raises(PlatformError, match=r"core\.features: 'mve' is not a armv7m feature"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_bit_band_only_on_a_core_that_can_have_it(platforms_copy):
    soc = platforms_copy / "socs" / "stm32u575" / "stm32u575.toml"
    _edit(soc, 'features = ["dsp", "fpv4-sp", "fpv5-sp"]',
          'features = ["dsp", "fpv4-sp", "fpv5-sp", "bit-band"]')
    with pytest.raises(PlatformError, match=r"stm32u575\.toml.*core\.features: 'bit-band' is a Cortex-M4 "
                                            r"option; a cortex-m33f has no bit-band aliases"):
        load_platform("nucleo-u575zi-q", directory=platforms_copy)


def test_board_folder_and_path_find_the_same_board():
    folder = PLATFORMS_DIR / "boards" / "nucleo-l4r5zi"
    by_name = load_platform("nucleo-l4r5zi")
    assert load_platform(str(folder)) == by_name == load_platform(str(folder / "nucleo-l4r5zi.toml"))
    assert by_name.source_files == (str(folder / "nucleo-l4r5zi.toml"),
                                    str(PLATFORMS_DIR / "socs" / "stm32l4r5" / "stm32l4r5.toml"))
    port = by_name.firmware
    common = PLATFORMS_DIR / "common"
    assert port.sources[:5] == (PLATFORMS_DIR / "socs" / "stm32l4r5" / "startup.c",
                                common / "cortex_m_startup.c",       # the SoC's startup list
                                folder / "board.c", common / "cortex_m_board.c",
                                common / "stm32_board.c")            # the board's
    assert PLATFORMS_DIR / "socs" / "stm32l4r5" in port.include_dirs   # the SoC's register header


@pytest.fixture
def platforms_copy(tmp_path):
    dest = tmp_path / "platforms"
    shutil.copytree(PLATFORMS_DIR, dest)
    return dest


def _edit(path: Path, old: str, new: str):
    text = path.read_text()
    assert old in text, f"fixture text {old!r} not in {path}"
    path.write_text(text.replace(old, new, 1))


def test_overlapping_memories_name_file_and_regions(platforms_copy):
    soc = platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    _edit(soc, "base = 0x2003_0000", "base = 0x2002_0000")
    with pytest.raises(PlatformError) as err:
        load_platform("nucleo-l4r5zi", directory=platforms_copy)
    msg = str(err.value)
    assert str(soc) in msg and "'sram1'" in msg and "'sram2'" in msg and "overlaps" in msg


def test_missing_core_names_the_key(platforms_copy):
    soc = platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    _edit(soc, "[core]", "[kore]")
    with pytest.raises(PlatformError, match=r"stm32l4r5\.toml: core: missing"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_unknown_peripheral_model_is_named_with_file_and_key_when_the_machine_is_built(platforms_copy):
    # The platform layer does not know the emulator's models; building a machine checks them.
    from tinysim.elf import Firmware
    from tinysim.emu.machine import create_machine   # the emulator layer, above the platform

    soc = platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml"
    _edit(soc, 'model = "uart.stm32_lpuart"', 'model = "uart.no_such_uart"')
    platform = load_platform("nucleo-l4r5zi", directory=platforms_copy)   # loads: names only
    hello = PLATFORMS_DIR.parent / "firmware_images" / "tests" / "nucleo-l4r5zi" / "hello.elf"
    with pytest.raises(PlatformError, match=r"stm32l4r5\.toml: peripheral\[1\]\.model: unknown "
                                            r"peripheral model .uart.no_such_uart."):
        create_machine(platform, Firmware.load(hello))


def test_board_naming_missing_soc(platforms_copy):
    board = platforms_copy / "boards" / "nucleo-l4r5zi" / "nucleo-l4r5zi.toml"
    _edit(board, 'soc = "stm32l4r5"', 'soc = "stm32l4zz"')
    with pytest.raises(PlatformError, match=r"board\.soc: names SoC 'stm32l4zz'"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_console_must_be_a_peripheral(platforms_copy):
    board = platforms_copy / "boards" / "nucleo-l4r5zi" / "nucleo-l4r5zi.toml"
    _edit(board, 'peripheral = "lpuart1"', 'peripheral = "usart9"')
    with pytest.raises(PlatformError, match=r"console\.peripheral: 'usart9' is not a peripheral"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_clock_above_soc_maximum(platforms_copy):
    board = platforms_copy / "boards" / "nucleo-l4r5zi" / "nucleo-l4r5zi.toml"
    _edit(board, "hz = 120_000_000", "hz = 200_000_000")
    with pytest.raises(PlatformError, match="exceeds the SoC maximum 120 MHz"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_not_toml(platforms_copy):
    board = platforms_copy / "boards" / "nucleo-l4r5zi" / "nucleo-l4r5zi.toml"
    board.write_text("[board\nname=")
    with pytest.raises(PlatformError, match="not valid TOML"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_unknown_platform_lists_known():
    with pytest.raises(PlatformError, match="known: .*nucleo-l4r5zi"):
        load_platform("nucleo-f401re")


def test_labels_of_sizes_that_are_not_whole_kib_stay_distinct():
    p = load_platform("nucleo-l4r5zi")
    assert p.with_overrides(sram_bytes=1000).label == "nucleo-l4r5zi@sram=1000B"
    assert p.with_overrides(sram_bytes=1023).label != p.with_overrides(sram_bytes=1000).label


def test_u575_icache_is_one_shared_cache():
    flash = load_platform("nucleo-u575zi-q").flash
    assert flash.shared_cache and (flash.icache_lines, flash.icache_ways) == (512, 2)
    assert (flash.dcache_lines, flash.dcache_ways) == (512, 2)   # the same lines, seen from D


def test_u385_icache_is_the_u575s_shared_cache_on_a_64_bit_flash_word():
    flash = load_platform("nucleo-u385rg-q").flash
    assert flash.shared_cache and (flash.icache_lines, flash.icache_ways) == (512, 2)
    assert (flash.dcache_lines, flash.dcache_ways) == (512, 2)   # the same lines, seen from D
    assert (flash.line_bytes, flash.read_bytes, flash.refill_reads) == (16, 8, 2)
    assert load_platform("nucleo-u575zi-q").flash.refill_reads == 1   # one 128-bit read a line


@pytest.mark.parametrize("value", ["12", "32"])
def test_a_flash_read_width_that_does_not_divide_the_line_is_refused(platforms_copy, value):
    soc = platforms_copy / "socs" / "stm32u385" / "stm32u385.toml"
    _edit(soc, "read_bytes = 8\n", f"read_bytes = {value}\n")
    with pytest.raises(PlatformError, match=r"stm32u385\.toml: flash\.read_bytes: .*at most line_bytes"):
        load_platform("nucleo-u385rg-q", directory=platforms_copy)


def test_a_shared_cache_with_its_own_dcache_keys_is_refused(platforms_copy):
    soc = platforms_copy / "socs" / "stm32u575" / "stm32u575.toml"
    _edit(soc, "icache_ways = 2\n", "icache_ways = 2\ndcache_lines = 256\n")
    with pytest.raises(PlatformError, match=r"stm32u575\.toml: flash\.shared_cache: .*remove the dcache_"):
        load_platform("nucleo-u575zi-q", directory=platforms_copy)


def test_common_names_the_shared_port_c_wherever_the_board_lives(tmp_path):
    """`common/<file>` in a [firmware] list is platforms/common/<file>, also for a board folder
    kept outside this tree (it names the shipped SoC, whose startup list uses it too)."""
    dst = tmp_path / "elsewhere" / "b"
    shutil.copytree(PLATFORMS_DIR / "boards" / "nucleo-u575zi-q", dst)
    port = load_platform(str(dst / "nucleo-u575zi-q.toml")).firmware
    assert PLATFORMS_DIR / "common" / "stm32_board.c" in port.sources
    assert PLATFORMS_DIR / "common" / "cortex_m_startup.c" in port.sources


def test_a_peripheral_irq_past_the_lines_is_named(platforms_copy):
    _edit(platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml", "irq_lines = 95", "irq_lines = 60")
    with pytest.raises(PlatformError, match=r"stm32l4r5\.toml: peripheral\[\d+\]\.irq: 70 is past the SoC's "
                                            r"interrupt lines \(core\.irq_lines = 60"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)


def test_priority_bits_out_of_the_architectures_range_is_named(platforms_copy):
    _edit(platforms_copy / "socs" / "stm32l4r5" / "stm32l4r5.toml", "priority_bits = 4", "priority_bits = 2")
    with pytest.raises(PlatformError, match=r"stm32l4r5\.toml: core\.priority_bits: 2 is out of range"):
        load_platform("nucleo-l4r5zi", directory=platforms_copy)
