"""The platform as one typed, frozen object: `Platform` and its parts.

`tinysim.platform.load` builds it from the board and SoC TOML files; the emulator, the cost model,
the firmware build and the runner read its fields. The flash wait-state table is looked up here
and nowhere else (`FlashTiming.wait_states`, `Platform.wait_states_at`).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple

import numpy as np

from ..errors import PlatformError

# "armv7m" is the Arm M-profile Thumb engine (tinysim/emu/cortex_m.py); the ARMv8-M Mainline
# Cortex-M33 and the Cortex-M7 run on it too (Unicorn's CPU model is picked by `cpu`).
ARCHES = {"armv7m": ("cortex-m4f", "cortex-m7", "cortex-m33f"), "rv32": ("rv32imc",)}
# Optional core capabilities a SoC file may declare in `[core] features`; the build picks code by
# them (the kernel port), never by a core's name. Sources:
#   dsp      Arm DSP extension (ARMv7E-M: SMLAD, SSAT, SXTB16, ... ; ARMv7-M ARM DDI 0403E.e A1.3)
#   fpv4-sp  single-precision FPU FPv4-SP-D16 (Cortex-M4 TRM DDI 0439B section 7)
#   fpv5-sp  single-precision FPU FPv5-SP-D16, a superset of FPv4-SP (VMAXNM, VRINT*, VSEL...;
#            Cortex-M33 TRM 100230 chapter "Floating-Point Unit", from memory)
#   fpv5-dp  FPv5-D16 with double precision (Cortex-M7 TRM DDI 0489 "Floating Point Unit")
#   bit-band the bit-band aliases of the lowest 1 MiB of SRAM and peripherals, an implementation
#            option of the Cortex-M3/M4 (Cortex-M4 Devices Generic User Guide DUI 0553 and STM32
#            PM0214, both section 2.2.5; the Cortex-M7 and the ARMv8-M cores have none), emulated
#            by emu/bit_band.py
CORE_FEATURES = {"armv7m": ("dsp", "fpv4-sp", "fpv5-sp", "fpv5-dp", "bit-band"), "rv32": ()}
BIT_BAND_CPUS = ("cortex-m4f",)  # the cores tinysim runs that can have "bit-band"
# rom: read-only information memory the firmware cannot program (system memory, OTP, option
# bytes, device signature); not counted as flash storage.
MEMORY_KINDS = ("flash", "sram", "rom")
# `[flash] stall` -> (table column, what the numbers are, the table's name).
STALL_TERMS = {"wait-states": ("WS", "flash wait states", "flash wait-state table"),
               "cache-refill": ("refill", "cache refill cycles", "flash cache-refill table")}


@dataclass(frozen=True)
class Core:
    arch: str          # "armv7m" | "rv32"
    cpu: str           # "cortex-m4f" | "cortex-m7" | "cortex-m33f" | "rv32imc" (ARCHES)
    timing: str        # cost preset name, see tinysim/cost/timing/
    max_clock_hz: int
    features: Tuple[str, ...] = ()   # capabilities from CORE_FEATURES, e.g. ("dsp", "fpv4-sp")
    mpu_regions: int = 0             # Cortex-M MPU regions (0: no MPU); emu/peripherals/core/mpu.py
    # Cortex-M NVIC as the SoC implements it (emu/peripherals/core/nvic.py): external interrupt
    # lines (IRQ 0..irq_lines-1; the rest of the NVIC's bits are RAZ/WI) and priority bits (the
    # top bits of each 8-bit priority field; the low ones read as zero)
    irq_lines: int = 240
    priority_bits: int = 4


@dataclass(frozen=True)
class Memory:
    name: str
    kind: str          # "flash" | "sram"
    base: int
    size: int
    alias_of: Optional[str] = None   # another view of the same storage (same bytes, other address)
    words: Tuple[Tuple[int, int, int], ...] = ()   # (address, value, bytes) preset at reset (rom)

    @property
    def end(self) -> int:
        return self.base + self.size

    def contains(self, addr: int, length: int = 1) -> bool:
        return self.base <= addr and addr + length <= self.end


@dataclass(frozen=True)
class PeripheralSpec:
    name: str
    model: str         # registry name, e.g. "uart.stm32_lpuart"
    base: int
    size: int
    irq: Optional[int] = None
    params: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    where: str = ""    # "<soc file>: peripheral[i].model", for errors about the model name


@dataclass(frozen=True)
class Wire:
    """Board wiring: an output pin drives an input pin (`<peripheral>:<pin>`, e.g. `gpio:PG11`),
    its level arriving `delay_s` after it changes. A board file's `[[wire]]` with its source."""

    source: str
    target: str
    delay_s: float = 0.0
    invert: bool = False
    note: str = ""


@dataclass(frozen=True)
class FlashTiming:
    """Flash read timing: wait states per voltage range, and the ART-like line buffers/caches."""

    line_bytes: int
    prefetch: bool
    icache_lines: int
    dcache_lines: int
    wait_state_table: Mapping[str, Tuple[Tuple[int, int], ...]]
    dbank: Optional[bool] = None   # dual-bank option (STM32L4+ DBANK): None where the SoC has none
    icache_bytes: Optional[int] = None   # fixed capacity, lines = bytes / line_bytes (else None)
    dcache_bytes: Optional[int] = None
    # What the table's numbers are, in the SoC's own documentation's words (`[flash] stall`):
    # "wait-states" (on-chip flash read latency, STM32 FLASH_ACR.LATENCY) or "cache-refill" (CPU
    # cycles per cache line fill from external flash, ESP32-C3). Tables and errors use them.
    stall: str = "wait-states"
    icache_ways: int = 0           # associativity of the caches in front of flash; 0 = fully
    dcache_ways: int = 0           # associative (the ART's few lines); the Cortex-M7 L1: 2 / 4
    # One cache serves both sides (`[flash] shared_cache`, the STM32U5 ICACHE on the C-AHB bus):
    # the dcache is the same lines as the icache, a data read can evict an instruction line.
    shared_cache: bool = False
    # Bytes one flash read returns (`[flash] read_bytes`; None = line_bytes, a line is one read,
    # as in the ART). A wider line (the STM32U3 ICACHE's 16-byte line on a 64-bit flash word)
    # is refilled by `refill_reads` reads, each paying the wait states (tinysim/cost/flash.py).
    read_bytes: Optional[int] = None

    @property
    def refill_reads(self) -> int:
        """Flash reads per line refill: line_bytes / read_bytes (1 where a line is one read)."""
        return max(1, self.line_bytes // (self.read_bytes or self.line_bytes))

    def with_line_bytes(self, line_bytes: int) -> "FlashTiming":
        """This timing with another read width (the firmware's option bytes): caches of a fixed
        capacity keep it in lines of the new width; caches given in lines keep their count."""
        def lines(count, nbytes):
            return count if nbytes is None else nbytes // line_bytes
        return dataclasses.replace(self, line_bytes=int(line_bytes),
                                   icache_lines=lines(self.icache_lines, self.icache_bytes),
                                   dcache_lines=lines(self.dcache_lines, self.dcache_bytes),
                                   read_bytes=None)

    def with_read_bytes(self, read_bytes: int) -> "FlashTiming":
        """This timing with the read width the flash controller reports: where a line is one
        read (the ART's lines, whose width the STM32L4+ DBANK option selects) the line follows
        it (`with_line_bytes`); a cache with a line of its own (the ICACHE's 16 bytes) keeps
        it and is refilled in line_bytes / read_bytes reads."""
        read_bytes = int(read_bytes)
        if self.refill_reads == 1:
            return self if read_bytes == self.line_bytes else self.with_line_bytes(read_bytes)
        return dataclasses.replace(self, read_bytes=read_bytes)

    @property
    def stall_terms(self) -> Tuple[str, str, str]:
        """(table column, what the numbers are, the table's name) in the SoC's vocabulary."""
        return STALL_TERMS[self.stall]

    def wait_states(self, clock_hz, voltage_range: str, where: str = "flash"):
        """Wait states at `clock_hz` in `voltage_range`: the first row whose max_hz is >= the
        clock. The one lookup of the table: the loader, the emulator's check and the cost model
        (also vectorised: an array of clocks gives an array, for sweeps) all call it."""
        table = self.wait_state_table.get(voltage_range)
        _, _, name = self.stall_terms
        # a voltage range is worth naming only where the SoC has several tables
        named = f"{voltage_range} {name}" if len(self.wait_state_table) > 1 else name
        if not table:
            raise PlatformError(f"{where}: no {name} for voltage range "
                                f"{voltage_range!r} (have: {', '.join(self.wait_state_table) or 'none'})")
        clocks = np.atleast_1d(np.asarray(clock_hz, dtype=np.float64))
        limits = np.array([row[0] for row in table], dtype=np.float64)
        states = np.array([row[1] for row in table], dtype=np.int64)
        idx = np.searchsorted(limits, clocks, side="left")
        if np.any(idx >= len(limits)):
            bad = clocks[idx >= len(limits)][0]
            raise PlatformError(
                f"{where}: {bad / 1e6:g} MHz is above the fastest entry of the {named} "
                f"({limits[-1] / 1e6:g} MHz); choose a lower clock or extend the "
                "SoC's [flash.wait_states] table")
        ws = states[idx]
        return int(ws[0]) if np.ndim(clock_hz) == 0 else ws


@dataclass(frozen=True)
class Energy:
    """The board's supply current (tinysim/cost/energy.py): static + dynamic per MHz in Run,
    the dynamic part in Sleep (None: sleep is charged at the run current), the regulator the
    figures belong to ("ldo", "smps" or "" when not said)."""
    vdd_v: float
    run_ua_per_mhz: float
    static_ua: float = 0.0
    class_pj: Mapping[str, float] = field(default_factory=lambda: MappingProxyType({}))
    sleep_ua_per_mhz: Optional[float] = None
    regulator: str = ""
    fitted: Tuple[str, ...] = ()  # which of the figures above the board file says were FITTED


@dataclass(frozen=True)
class FirmwarePort:
    """How to build firmware for the board: the SoC file's `[firmware]` table (toolchain, flags,
    startup, linker script) completed by the board file's (its own C sources, defines, tests).
    Paths are absolute; the SoC folder's headers are on the include path of every board on it."""

    toolchain: str                   # cross compiler prefix, "arm-none-eabi"
    cflags: Tuple[str, ...]
    ldflags: Tuple[str, ...]
    linker_script: Path
    sources: Tuple[Path, ...]        # link order: startup, board sources, common port C
    include_dirs: Tuple[Path, ...]   # board folder, SoC folder, common port folder
    defines: Mapping[str, str]
    tests: Tuple[str, ...]           # test firmwares (tinysim/firmware/tests) built for the board
    name: str = ""                   # the board's name in firmware build errors


@dataclass(frozen=True)
class Platform:
    name: str
    soc: str
    core: Core
    clock_hz: int
    voltage_range: str
    memories: Tuple[Memory, ...]
    peripherals: Tuple[PeripheralSpec, ...]
    console: str
    console_baud: int
    flash: FlashTiming
    energy: Energy
    source_path: str
    overrides: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    soc_source_path: str = ""
    firmware: Optional[FirmwarePort] = None
    wires: Tuple[Wire, ...] = ()

    @property
    def source_files(self) -> Tuple[str, ...]:
        """The board file and the SoC file it names: what every figure was read from."""
        return tuple(p for p in (self.source_path, self.soc_source_path) if p)

    def memory(self, name: str) -> Memory:
        for m in self.memories:
            if m.name == name:
                return m
        raise PlatformError(f"platform {self.name}: no memory named {name!r}")

    def peripheral(self, name: str) -> PeripheralSpec:
        for p in self.peripherals:
            if p.name == name:
                return p
        raise PlatformError(f"platform {self.name}: no peripheral named {name!r}")

    def storage(self, kind: str) -> Tuple[Memory, ...]:
        """The memories of one kind, each storage counted once (aliases left out)."""
        return tuple(m for m in self.memories if m.kind == kind and m.alias_of is None)

    @property
    def flash_bytes(self) -> int:
        return sum(m.size for m in self.storage("flash"))

    @property
    def sram_bytes(self) -> int:
        return sum(m.size for m in self.storage("sram"))

    @property
    def wait_states(self) -> int:
        return self.wait_states_at(self.clock_hz)

    def wait_states_at(self, clock_hz):
        """Flash wait states at another clock (or an array of clocks) in this board's range."""
        return self.flash.wait_states(clock_hz, self.voltage_range, f"platform {self.name} [flash]")

    def region_of(self, addr: int) -> Optional[Memory]:
        for m in self.memories:
            if m.contains(addr):
                return m
        return None

    def with_overrides(self, clock_hz: Optional[int] = None, sram_bytes: Optional[int] = None,
                       flash_bytes: Optional[int] = None) -> "Platform":
        """A what-if variant: another clock, or less (or more) SRAM / flash.

        Memory size changes shrink or grow the storage memories from the last one backwards
        (SRAM3 before SRAM2 on the STM32L4R5), keeping base addresses.
        """
        memories = list(self.memories)
        changes = dict(self.overrides)
        for kind, total in (("sram", sram_bytes), ("flash", flash_bytes)):
            if total is None:
                continue
            changes[f"{kind}_bytes"] = total
            memories = _resize(memories, kind, total, self.name)
        clock = self.clock_hz
        if clock_hz is not None:
            if clock_hz <= 0:
                raise PlatformError(f"clock must be positive, got {clock_hz}")
            clock = clock_hz
            changes["clock_hz"] = clock_hz
            self.wait_states_at(clock)   # refuse clocks the table cannot time
        return dataclasses.replace(self, clock_hz=clock, memories=tuple(memories),
                                   overrides=MappingProxyType(changes))

    @property
    def label(self) -> str:
        if not self.overrides:
            return self.name
        parts = []
        for key, value in sorted(self.overrides.items()):
            if key == "clock_hz":
                parts.append(f"{value / 1e6:g}MHz")
            else:
                size = f"{value // 1024}KiB" if value % 1024 == 0 else f"{value}B"
                parts.append(f"{key.replace('_bytes', '')}={size}")
        return f"{self.name}@{','.join(parts)}"


def _resize(memories, kind, total, platform_name):
    originals = [m for m in memories if m.kind == kind and m.alias_of is None]
    if not originals:
        raise PlatformError(f"platform {platform_name} has no {kind} to resize")
    remaining = total
    sizes = {}
    for m in originals:
        take = max(0, min(m.size if m is not originals[-1] else remaining, remaining))
        sizes[m.name] = take
        remaining -= take
    if remaining > 0:                      # growth goes into the last memory
        sizes[originals[-1].name] += remaining
    out = []
    for m in memories:
        target = m.alias_of or m.name
        if target in sizes:
            if sizes[target] == 0:
                continue
            m = dataclasses.replace(m, size=sizes[target])
        out.append(m)
    return out


