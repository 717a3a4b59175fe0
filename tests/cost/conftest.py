"""Fixtures for the cost-model tests.

`StandInPlatform` mirrors the part of `tinysim.platform.Platform` the cost model reads (core,
clock, voltage range, memories, flash wait states, energy) with round numbers the tests can work
out by hand; `test_platforms.py` runs the same model on the real board files.
"""

from __future__ import annotations

import dataclasses
import shutil
import subprocess
from dataclasses import dataclass, field
from typing import Dict, Optional, Tuple

import pytest

from tinysim.cost.flash import STM32L4R5_RANGE1_WS


@dataclass(frozen=True)
class Core:
    arch: str = "armv7m"
    cpu: str = "cortex-m4f"
    timing: str = "cortex-m4"


@dataclass(frozen=True)
class Memory:
    name: str
    kind: str
    base: int
    size: int


@dataclass(frozen=True)
class Flash:
    wait_state_table: Dict[str, Tuple[Tuple[float, int], ...]] = field(
        default_factory=lambda: {"range1": STM32L4R5_RANGE1_WS})
    prefetch: bool = True
    line_bytes: int = 8


@dataclass(frozen=True)
class Energy:
    vdd_v: float = 3.3
    run_ua_per_mhz: object = 110.0
    static_ua: float = 0.0
    class_pj: Dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True)
class StandInPlatform:
    name: str = "standin-l4r5"
    core: Core = Core()
    clock_hz: float = 120e6
    voltage_range: str = "range1"
    memories: Tuple[Memory, ...] = (
        Memory("flash", "flash", 0x08000000, 2 * 1024 * 1024),
        Memory("sram", "sram", 0x20000000, 640 * 1024),
    )
    flash: Flash = Flash()
    energy: Energy = Energy()

    def with_overrides(self, clock_hz: Optional[float] = None, sram_bytes: Optional[int] = None,
                       flash_bytes: Optional[int] = None) -> "StandInPlatform":
        sizes = {"sram": sram_bytes, "flash": flash_bytes}
        mems = tuple(dataclasses.replace(m, size=sizes[m.kind] or m.size) for m in self.memories)
        return dataclasses.replace(self, clock_hz=clock_hz or self.clock_hz, memories=mems)


def _rv_platform(timing: str = "cv32e40p") -> StandInPlatform:
    return StandInPlatform(name=f"standin-{timing}",
                           core=Core(arch="rv32", cpu="rv32imc", timing=timing),
                           clock_hz=50e6, flash=Flash(wait_state_table={"range1": ()}))


@pytest.fixture
def rv_platform():
    """Factory: a stand-in RV32 platform for a timing preset name."""
    return _rv_platform


@pytest.fixture
def platform() -> StandInPlatform:
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
