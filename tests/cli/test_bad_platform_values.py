"""Platform values that pass the TOML type checks but are out of range (issue 13): each used to
crash deep in the emulator (ZeroDivisionError, UcError, ValueError, AttributeError), hang, or give
silently wrong figures. Each now exits 2 naming the file and key, before anything runs."""

import shutil
from pathlib import Path

import pytest

from tinysim.cli import main

from cli_support import emulation_available

REPO = Path(__file__).resolve().parents[2]
PLATFORM = "nucleo-l4r5zi"
SOC = "stm32l4r5"
HELLO = REPO / "firmware_images" / "tests" / PLATFORM / "hello.elf"

pytestmark = pytest.mark.skipif(not emulation_available() or not HELLO.is_file(),
                                reason="needs the emulator and firmware_images/tests/nucleo-l4r5zi/hello.elf")


def _platform(tmp_path, board=(), soc=()):
    """A copy of the reference board and its SoC with text replacements; returns (board, soc) paths."""
    root = tmp_path / "platforms"
    shutil.copytree(REPO / "platforms" / "boards" / PLATFORM, root / "boards" / "b")
    shutil.copytree(REPO / "platforms" / "socs" / SOC, root / "socs" / SOC)
    (root / "boards" / "b" / f"{PLATFORM}.toml").rename(root / "boards" / "b" / "b.toml")
    paths = root / "boards" / "b" / "b.toml", root / "socs" / SOC / f"{SOC}.toml"
    for path, subs in zip(paths, (board, soc)):
        text = path.read_text()
        for old, new in subs:
            assert old in text, old
            text = text.replace(old, new, 1)
        path.write_text(text)
    return paths


def _fails(capsys, board, argv=(), *words):
    code = main(["run", str(HELLO), "--platform", str(board), "--max-instructions", "100000", *argv])
    err = capsys.readouterr().err
    assert code == 2, err
    assert "Traceback" not in err
    for w in words:
        assert w in err, f"{w!r} not in {err!r}"
    return err


@pytest.mark.parametrize("where, old, new, words", [
    # hz = 0.4 rounds to 0 Hz: was ZeroDivisionError in cmd_run's report
    ("board", "hz = 120_000_000", "hz = 0.4", ["clock.hz", "at least 1"]),
    ("board", "vdd_v = 3.0", "vdd_v = -3", ["energy.vdd_v", "-3", "above 0"]),   # was negative energy
    ("board", "run_ua_per_mhz = 110.0", "run_ua_per_mhz = nan", ["energy.run_ua_per_mhz", "nan"]),
    ("board", "static_ua = 0.0", 'static_ua = 0.0\nclass_pj = { alu = "x" }',
     ["energy.class_pj.alu", "expected a number"]),                                # was TypeError
    ("board", 'peripheral = "lpuart1"', 'peripheral = "rcc"',
     ["console.peripheral", "'rcc'", "not a UART", "lpuart1"]),                    # was AttributeError
    ("board", "baud = 115200", "baud = 0", ["console.baud", "at least 1"]),
    ("soc", "icache_bytes = 1024", "icache_bytes = -1", ["flash.icache_bytes", "-1", "at least 0"]),
    ("soc", "icache_bytes = 1024", "icache_bytes = 1000", ["flash.icache_bytes", "1000", "16-byte lines"]),
    ("soc", "single_bank_line_bytes = 16", "single_bank_line_bytes = 12", ["flash.single_bank_line_bytes", "power of two"]),
    ("soc", "irq = 70", "irq = 100000", ["peripheral[1].irq", "100000", "0..239"]),  # was a hang
    ("soc", "irq = 70", "irq = -5", ["peripheral[1].irq", "-5", "0..239"]),          # was SVCall
    ("soc", "base = 0x2004_0000", "base = 0x1_2004_0000",
     ["memory[3].base", "32-bit address space"]),                                  # was UcError
    ("soc", "base = 0x2004_0000", "base = -536870912", ["memory[3].base", "-0x20000000"]),
    ("soc", 'base = 0x2004_0000\nsize = "384KiB"', 'base = 0xFFFF_0000\nsize = "384KiB"',
     ["memory[3].size", "past the end"]),
    ("soc", "ports = 9", 'ports = "nine"',
     ["gpio.stm32_gpio", "params.ports = 'nine'"]),               # was ValueError
    ("soc", "ports = 9", "ports = 12", ["params.ports = 12", "1..11"]),
])
def test_platform_value_out_of_range(tmp_path, capsys, where, old, new, words):
    board, soc = _platform(tmp_path, **{where: [(old, new)]})
    _fails(capsys, board, (), str(soc if where == "soc" else board), *words)


def test_console_that_is_not_a_uart_with_input(tmp_path, capsys):
    board, _ = _platform(tmp_path, board=[('peripheral = "lpuart1"', 'peripheral = "rcc"')])
    _fails(capsys, board, ("--input", "x"), "not a UART")


def test_sram_smaller_than_the_firmware_stack(tmp_path, capsys):
    """Shrinking SRAM below the ELF's _estack: was UcError UC_ERR_WRITE_UNMAPPED in _paint_stack."""
    _, soc = _platform(tmp_path, soc=[('size = "384KiB"', 'size = "4KiB"')])
    board = soc.parents[2] / "boards" / "b" / "b.toml"
    _fails(capsys, board, (), str(HELLO), "_estack", "not inside one SRAM", str(soc), "sram3",
           "rebuild the firmware")
