"""Fixtures for the cost-model tests.

`StandInPlatform` mirrors the shape of `tinysim.platform.Platform` that the cost model reads
(core, clock, memories, flash wait states, energy), for tests that must not depend on board files.
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
    wait_states: Tuple[Tuple[float, int], ...] = STM32L4R5_RANGE1_WS
    prefetch: bool = True
    line_bytes: int = 8


@dataclass(frozen=True)
class Energy:
    vdd_v: float = 3.3
    run_ua_per_mhz: object = 110.0
    class_pj: Dict[str, float] = field(default_factory=dict)
    sources: Tuple[str, ...] = ("test stand-in",)


@dataclass(frozen=True)
class StandInPlatform:
    name: str = "standin-l4r5"
    core: Core = Core()
    clock_hz: float = 120e6
    memories: Tuple[Memory, ...] = (
        Memory("flash", "flash", 0x08000000, 2 * 1024 * 1024),
        Memory("sram", "sram", 0x20000000, 640 * 1024),
    )
    flash: Flash = Flash()
    energy: Energy = Energy()

    def with_overrides(self, clock_hz: Optional[float] = None, **sizes) -> "StandInPlatform":
        mems = tuple(dataclasses.replace(m, size=sizes.get(m.kind, sizes.get(m.name, m.size)))
                     for m in self.memories)
        return dataclasses.replace(self, clock_hz=clock_hz or self.clock_hz, memories=mems)


def _rv_platform(timing: str = "cv32e40p") -> StandInPlatform:
    return StandInPlatform(name=f"standin-{timing}",
                           core=Core(arch="rv32", cpu="rv32imc", timing=timing),
                           clock_hz=50e6, flash=Flash(wait_states=()))


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
