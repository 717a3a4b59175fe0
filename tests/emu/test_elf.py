"""ELF loading: segments, symbols, symbolize, and clear errors for bad input."""

from __future__ import annotations

import pytest

from tinysim.elf import Firmware
from tinysim.errors import FirmwareError
from tinysim.platform import load_platform


def test_load_segments_symbols_symbolize(fw):
    f = Firmware.load(fw("hello"))
    assert f.arch == "armv7m"
    assert len(f.sha256) == 64
    assert any(s.paddr == 0x08000000 for s in f.segments)
    main = f.symbol("main")
    assert main is not None and main & 1 == 0
    assert f.symbolize(main) == "main"
    assert f.symbolize(main + 6) == "main+0x6"
    assert f.symbol("_estack") > f.symbol("__stack_limit")
    assert f.section_sizes[".text"] > 0


def test_not_an_elf(tmp_path):
    p = tmp_path / "x.elf"
    p.write_bytes(b"hello world")
    with pytest.raises(FirmwareError, match="x.elf: not an ELF"):
        Firmware.load(p)


def test_truncated_elf(tmp_path, fw):
    p = tmp_path / "cut.elf"
    p.write_bytes(fw("hello").read_bytes()[:80])
    with pytest.raises(FirmwareError, match="cut.elf"):
        Firmware.load(p)


def test_missing_file(tmp_path):
    with pytest.raises(FirmwareError, match="nope.elf: cannot read"):
        Firmware.load(tmp_path / "nope.elf")


def test_wrong_arch_for_platform(fw):
    from tinysim.emu.machine import create_machine
    f = Firmware.load(fw("hello"))
    with pytest.raises(FirmwareError, match="armv7m.*gd32vf103"):
        create_machine(load_platform("gd32vf103-longan"), f)


def test_segment_outside_memory_map(fw):
    from tinysim.platform import Memory
    f = Firmware.load(fw("hello"))
    mems = (Memory("flash", "flash", 0x00000000, 0x10000), Memory("sram1", "sram", 0x20000000, 0x1000))
    with pytest.raises(FirmwareError, match=r"segment \d+ .*0x08000000.*outside every memory .*sram1"):
        f.check_fits(mems, "tiny")


def test_host_elf_is_refused_with_its_target(tmp_path):
    import shutil
    import sys
    exe = shutil.which("ls") or sys.executable
    with pytest.raises(FirmwareError, match="unsupported ELF target EM_X86_64"):
        Firmware.load(exe)
