"""Fixtures for the cost-model tests.

`StandInPlatform(...)` builds a real `tinysim.platform.Platform` (the one typed object the cost
model reads) with round numbers the tests can work out by hand: one flash, one SRAM, an 8-byte
flash line, the STM32L4R5 wait-state table read from its SoC file. `test_platforms.py` runs the
same model on the shipped board files.
"""

from __future__ import annotations

import shutil
import subprocess
from types import MappingProxyType

import pytest

from tinysim.platform import Core, Energy, FlashTiming, Memory, Platform, load_platform


def _l4r5_range1():
    return load_platform("nucleo-l4r5zi").flash.wait_state_table["range1"]


def StandInPlatform(name: str = "standin-l4r5", core: Core = None, clock_hz: float = 120e6,
                    wait_states=None, run_ua_per_mhz=110.0) -> Platform:
    core = core or Core(arch="armv7m", cpu="cortex-m4f", timing="cortex-m4", max_clock_hz=120_000_000)
    table = _l4r5_range1() if wait_states is None else wait_states
    return Platform(
        name=name, soc="standin", core=core, clock_hz=clock_hz, voltage_range="range1",
        memories=(Memory("flash", "flash", 0x08000000, 2 * 1024 * 1024),
                  Memory("sram", "sram", 0x20000000, 640 * 1024)),
        peripherals=(), console="", console_baud=115200,
        flash=FlashTiming(line_bytes=8, prefetch=True, icache_lines=0, dcache_lines=0,
                          wait_state_table=MappingProxyType({"range1": tuple(table)})),
        energy=Energy(vdd_v=3.3, run_ua_per_mhz=run_ua_per_mhz, static_ua=0.0,
                      class_pj=MappingProxyType({})),
        source_path="")


def _rv_platform(timing: str = "cv32e40p") -> Platform:
    # Code in zero-wait-state memory: 0 WS at any clock a test uses.
    return StandInPlatform(name=f"standin-{timing}",
                           core=Core(arch="rv32", cpu="rv32imc", timing=timing, max_clock_hz=10**9),
                           clock_hz=50e6, wait_states=((10**9, 0),))


@pytest.fixture
def rv_platform():
    """Factory: a stand-in RV32 platform for a timing preset name."""
    return _rv_platform


@pytest.fixture
def platform() -> Platform:
    return StandInPlatform()


def _need(tool: str, package: str) -> None:
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not found: install the Debian package {package}")


@pytest.fixture
def thumb_asm(tmp_path):
    """Assemble Thumb-2 source with the real cross assembler; returns the .text bytes."""
    _need("arm-none-eabi-as", "binutils-arm-none-eabi")
    counter = iter(range(1_000_000))

    def assemble(src: str) -> bytes:
        n = next(counter)
        s, o, b = (tmp_path / f"t{n}.s", tmp_path / f"t{n}.o", tmp_path / f"t{n}.bin")
        s.write_text(".syntax unified\n.thumb\n" + src + "\n")
        subprocess.run(["arm-none-eabi-as", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                        str(s), "-o", str(o)], check=True, capture_output=True)
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", str(o), str(b)],
                       check=True, capture_output=True)
        return b.read_bytes()

    return assemble


@pytest.fixture
def rv_asm(tmp_path):
    _need("riscv64-unknown-elf-as", "binutils-riscv64-unknown-elf")

    def assemble(src: str) -> bytes:
        s, o, b = tmp_path / "r.s", tmp_path / "r.o", tmp_path / "r.bin"
        s.write_text(src + "\n")
        subprocess.run(["riscv64-unknown-elf-as", "-march=rv32imafc", "-mabi=ilp32", str(s),
                        "-o", str(o)], check=True, capture_output=True)
        subprocess.run(["riscv64-unknown-elf-objcopy", "-O", "binary", "-j", ".text", str(o),
                        str(b)], check=True, capture_output=True)
        return b.read_bytes()

    return assemble


C_SRC = r"""
int table[4] = {1, 2, 3, 4};
char big[100000];
const int k[64] = {1};
__attribute__((noinline)) int work(int n) {
    int s = 0;
    for (int i = 0; i < n; i++) s += table[i & 3] * k[i & 63] + big[i];
    return s;
}
int main(void) { big[7] = 1; return work(1000); }
"""
LD = """
MEMORY { FLASH (rx) : ORIGIN = 0x08000000, LENGTH = 2M
         RAM (rwx) : ORIGIN = 0x20000000, LENGTH = 640K }
SECTIONS {
  .text : { *(.text*) } > FLASH
  .rodata : { *(.rodata*) } > FLASH
  .data : { *(.data*) } > RAM AT > FLASH
  .bss : { *(.bss*) *(COMMON) } > RAM
}
"""


@pytest.fixture(scope="session")
def elf(tmp_path_factory):
    """A small real Cortex-M4 ELF linked for the STM32L4R5 memory map (flash 0x08000000,
    SRAM 0x20000000): .text, .rodata, .data (loaded from flash) and a 100000-byte .bss."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found: install the Debian package gcc-arm-none-eabi")
    d = tmp_path_factory.mktemp("elf")
    (d / "a.c").write_text(C_SRC)
    (d / "a.ld").write_text(LD)
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-nostdlib",
                    "-nostartfiles", "-e", "main", "-T", str(d / "a.ld"), str(d / "a.c"),
                    "-o", str(d / "a.elf")], check=True, capture_output=True)
    return d / "a.elf"
