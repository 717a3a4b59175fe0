"""Platform files -> `Platform`: reading, validation, and where the files are.

A board file (`platforms/boards/<name>/<name>.toml`) names its SoC
(`platforms/socs/<soc>/<soc>.toml`) and adds clock, console and energy figures. The SoC file holds
the core, the memory map, the flash timing and the peripherals. One level only: a board never
includes a board. Both may have a `[firmware]` table (how to build for the board, see
`FirmwarePort`). Every problem is reported as a `PlatformError` naming the file, the key and what
is wrong. Peripheral model names are checked where a machine is built (`tinysim.emu`), which
knows the models; `PeripheralSpec.where` names the file and key.
"""

from __future__ import annotations

import dataclasses
import math
import tomllib
from pathlib import Path
from types import MappingProxyType
from typing import Any, Mapping, Optional, Tuple

from ..errors import PlatformError
from ..units import UnitError, parse_hz, parse_size
from .model import (ARCHES, BIT_BAND_CPUS, CORE_FEATURES, MEMORY_KINDS, Core, Energy, FirmwarePort,
                    FlashTiming, Memory, PeripheralSpec, Platform, STALL_TERMS, Wire)

# Both cores tinysim emulates have a 32-bit address space (ARMv7-M ARM DDI 0403E B3.1; RISC-V
# privileged spec: RV32 physical addresses as mapped here are 32-bit), so every memory and
# peripheral window lies in [0, 4 GiB).
ADDRESS_SPACE = 1 << 32
# External interrupt numbers a SoC file may give a peripheral, per architecture:
#   armv7m  the NVIC takes 1 to 240 external interrupts, IRQ 0..239 (Cortex-M4 TRM DDI 0439B
#           section 6.1; exception number = 16 + IRQ, ARMv7-M ARM DDI 0403E B1.5.2)
#   rv32    the interrupt sources tinysim's RV SoCs route: ECLIC up to 4096 sources (Nuclei ECLIC
#           spec), ESP32-C3 interrupt matrix 62 sources (ESP32-C3 TRM, interrupt matrix chapter);
#           both figures from memory, to verify; the wider bound is checked here
IRQ_RANGE = {"armv7m": (0, 239), "rv32": (0, 4095)}
PLATFORMS_DIR = Path(__file__).resolve().parent.parent.parent / "platforms"
# Board C every port links (console strings, number formatting, memcpy & co., the RX queue).
COMMON_PORT_DIR = PLATFORMS_DIR / "common"

def _kind_name(kind) -> str:
    """`(int, float)` -> 'a number': the TOML words a board-file author knows."""
    names = {int: "an integer", float: "a number", str: "a string", dict: "a table", list: "a list",
             bool: "true or false"}
    if isinstance(kind, tuple):
        return "a number" if set(kind) <= {int, float} else " or ".join(_kind_name(k) for k in kind)
    return names.get(kind, getattr(kind, "__name__", str(kind)))


class _Table:
    """A TOML table that reports missing/wrong keys with the file and the dotted key."""

    def __init__(self, data: Mapping[str, Any], path: Path, prefix: str):
        self.data, self.path, self.prefix = data, path, prefix

    def _where(self, key: str) -> str:
        return f"{self.path}: {self.prefix}{key}"

    def fail(self, key: str, problem: str) -> PlatformError:
        return PlatformError(f"{self._where(key)}: {problem}")

    def get(self, key: str, kind=None, default: Any = ...):
        if key not in self.data:
            if default is ...:
                raise self.fail(key, "missing; add it (the files in platforms/ are complete examples)")
            return default
        value = self.data[key]
        if kind is not None and not isinstance(value, kind) or isinstance(value, bool) and kind in (int, float):
            raise self.fail(key, f"expected {_kind_name(kind)}, got {value!r}")
        return value

    def table(self, key: str, default: Any = ...) -> "_Table":
        value = self.get(key, dict, {} if default is not ... else ...)
        return _Table(value, self.path, f"{self.prefix}{key}.")

    def size(self, key: str) -> int:
        try:
            return parse_size(self.get(key), self._where(key))
        except UnitError as err:
            raise PlatformError(str(err)) from None

    def number(self, key: str, low: float, high: float = math.inf, default: Any = ...,
               kind=(int, float), low_open: bool = False) -> float:
        """A finite number in [low, high] (or (low, high] with `low_open`), named in the error."""
        value = self.get(key, kind, default)
        if value is default and default is not ...:
            return value
        bad = not math.isfinite(value) or value > high or (value <= low if low_open else value < low)
        if bad:
            lo = f"above {low:g}" if low_open else f"at least {low:g}"
            span = lo if high == math.inf else f"{lo} and at most {high:g}"
            raise self.fail(key, f"{value!r} is out of range: it must be {span}")
        return value

    def hz(self, key: str) -> int:
        try:
            return parse_hz(self.get(key), self._where(key))
        except UnitError as err:
            raise PlatformError(str(err)) from None


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise PlatformError(f"{path}: no such platform file") from None
    except tomllib.TOMLDecodeError as err:
        raise PlatformError(f"{path}: not valid TOML: {err}") from None
    except UnicodeDecodeError:
        raise PlatformError(f"{path}: not a text file; give a board TOML "
                            "(platforms/boards/<board>/<board>.toml)") from None
    except OSError as err:  # no permission, a special file
        raise PlatformError(f"{path}: cannot read platform file ({err.strerror}); "
                            "give a board name, a board folder or a board TOML file") from None


# One folder per board and per SoC, each holding its TOML under its own name (the Zephyr way):
#   platforms/boards/<board>/<board>.toml   + the board's firmware C (board.c)
#   platforms/socs/<soc>/<soc>.toml         + the SoC's register header(s), startup, linker script
def available_platforms(directory: Path = PLATFORMS_DIR) -> Tuple[str, ...]:
    return tuple(sorted(p.parent.name for p in (directory / "boards").glob("*/*.toml")
                        if p.stem == p.parent.name))


def _board_path(name_or_path: str, directory: Path) -> Path:
    candidate = Path(name_or_path)
    if candidate.is_dir() and (candidate / f"{candidate.name}.toml").is_file():
        return candidate / f"{candidate.name}.toml"          # a board folder
    if candidate.suffix == ".toml" or candidate.exists():
        return candidate
    path = directory / "boards" / name_or_path / f"{name_or_path}.toml"
    if not path.exists():
        known = ", ".join(available_platforms(directory)) or "none"
        raise PlatformError(f"unknown platform {name_or_path!r} (known: {known}; "
                            "or give a board folder or a .toml path)")
    return path


def _soc_path(soc_name: str, board_path: Path, directory: Path) -> Optional[Path]:
    """The SoC file: in the platforms tree the board sits in (`<root>/boards/<b>/<b>.toml` ->
    `<root>/socs/<soc>/<soc>.toml`), else among the platforms in `directory`, so a board kept
    anywhere (a user's own, a test fixture) can name a shipped SoC."""
    for root in (board_path.resolve().parent.parent.parent, directory):
        path = root / "socs" / soc_name / f"{soc_name}.toml"
        if path.is_file():
            return path
    return None


def load_platform(name_or_path: str, directory: Path = PLATFORMS_DIR) -> Platform:
    """Load a board by name (`nucleo-l4r5zi`), by its folder, or by path to its board TOML."""
    board_path = _board_path(str(name_or_path), directory)
    board = _Table(_read_toml(board_path), board_path, "")
    b = board.table("board")
    soc_name = b.get("soc", str)
    if "include" in b.data:
        raise b.fail("include", "a board names one SoC; boards do not include boards")
    soc_path = _soc_path(soc_name, board_path, directory)
    if soc_path is None:
        raise b.fail("soc", f"names SoC {soc_name!r} but {directory / 'socs' / soc_name / (soc_name + '.toml')} "
                            "does not exist")
    soc = _Table(_read_toml(soc_path), soc_path, "")

    core = _load_core(soc)
    memories = _load_memories(soc)
    peripherals = _load_peripherals(soc, memories, core)
    flash = _load_flash(soc, board)
    if flash.dbank is not None:
        # The option-byte model (a peripheral with a `dbank` param) holds what the board's
        # [flash] dbank resolved to, so the firmware reads the same DBANK the cost model times.
        peripherals = tuple(
            dataclasses.replace(p, params=MappingProxyType({**p.params, "dbank": flash.dbank}))
            if "dbank" in p.params else p for p in peripherals)

    clock = board.table("clock")
    clock_hz = clock.hz("hz")
    if clock_hz > core.max_clock_hz:
        raise clock.fail("hz", f"{clock_hz / 1e6:g} MHz exceeds the SoC maximum {core.max_clock_hz / 1e6:g} MHz")
    voltage_range = clock.get("voltage_range", str)
    if voltage_range not in flash.wait_state_table:
        raise clock.fail("voltage_range", f"{voltage_range!r} has no {flash.stall_terms[2]} in {soc_path} "
                                           f"(known: {', '.join(flash.wait_state_table)})")
    flash.wait_states(clock_hz, voltage_range, clock._where("hz"))

    console = board.table("console")
    console_name = console.get("peripheral", str)
    if console_name not in {p.name for p in peripherals}:
        raise console.fail("peripheral", f"{console_name!r} is not a peripheral of SoC {soc_name}")
    console_model = next(p.model for p in peripherals if p.name == console_name)
    if not console_model.startswith("uart."):
        uarts = [p.name for p in peripherals if p.model.startswith("uart.")]
        raise console.fail("peripheral", f"{console_name!r} is a {console_model} model, not a UART; "
                                         f"name the console UART (UARTs of {soc_name}: "
                                         f"{', '.join(uarts) or 'none'})")
    baud = console.number("baud", 1, 1e8, default=115200, kind=int)

    e = board.table("energy")
    # Supply voltages of the parts tinysim models are a few volts (STM32L4+ 1.71-3.6 V, DS12023
    # operating conditions; ESP32-C3 3.0-3.6 V; both from memory); 0 and negatives are typos,
    # 10 V a generous ceiling.
    energy = Energy(
        vdd_v=float(e.number("vdd_v", 0, 10, low_open=True)),
        run_ua_per_mhz=float(e.number("run_ua_per_mhz", 0)),
        static_ua=float(e.number("static_ua", 0, default=0.0)),
        class_pj=MappingProxyType(_class_pj(e)),
        sleep_ua_per_mhz=e.number("sleep_ua_per_mhz", 0, default=None),
        regulator=_regulator(e),
        fitted=_fitted(e),
    )
    name = b.get("name", str)
    return Platform(
        name=name, soc=soc_name, core=core, clock_hz=clock_hz,
        voltage_range=voltage_range, memories=memories, peripherals=peripherals,
        console=console_name, console_baud=int(baud),
        flash=flash, energy=energy, source_path=str(board_path), soc_source_path=str(soc_path),
        firmware=_load_firmware(name, board, soc),
        wires=_load_wires(board, peripherals),
    )


def _regulator(e: _Table) -> str:
    """`[energy] regulator`: which supply the current figures are for: "ldo" (the internal
    regulator) or "smps" (an external switched-mode supply on VDD12, the -P parts)."""
    value = e.get("regulator", str, default="")
    if value not in ("", "ldo", "smps"):
        raise e.fail("regulator", f"{value!r} is not a regulator tinysim knows; use \"ldo\" (the "
                                  "internal regulator) or \"smps\" (an external SMPS on VDD12)")
    return value


_ENERGY_FIGURES = ("run_ua_per_mhz", "static_ua", "sleep_ua_per_mhz")


def _fitted(e: _Table) -> tuple:
    """`[energy] fitted`: the names of the figures fitted to measurements rather than taken
    from a document (reports mark them)."""
    names = e.get("fitted", list, default=[])
    bad = [n for n in names if n not in _ENERGY_FIGURES]
    if bad:
        raise e.fail("fitted", f"{bad[0]!r} is not an [energy] figure; name some of "
                               f"{', '.join(_ENERGY_FIGURES)}")
    return tuple(names)


def _class_pj(e: _Table) -> dict:
    """`[energy] class_pj`: extra energy per instruction class in pJ, each a finite number >= 0."""
    table = e.table("class_pj", default={})
    return {str(k): float(table.number(k, 0)) for k in table.data}


def _load_wires(board: _Table, peripherals) -> Tuple[Wire, ...]:
    """`[[wire]]` tables: `from = "gpio:PG11"`, `to = "gpio:PG12"`, optional `delay_s`,
    `invert`, and `source` (the document that shows the wiring)."""
    names = {p.name for p in peripherals}
    out = []
    for i, raw in enumerate(board.get("wire", list, [])):
        t = _Table(raw, board.path, f"wire[{i}].")
        ends = []
        for key in ("from", "to"):
            end = t.get(key, str)
            periph, _, pin = end.partition(":")
            if not pin or periph not in names:
                raise t.fail(key, f"{end!r} must be '<peripheral>:<pin>' with a peripheral of the SoC "
                                  f"(have: {', '.join(sorted(names))})")
            ends.append(end)
        delay = float(t.get("delay_s", (int, float), 0.0))
        if delay < 0:
            raise t.fail("delay_s", "must be >= 0")
        out.append(Wire(source=ends[0], target=ends[1], delay_s=delay,
                        invert=bool(t.get("invert", bool, False)), note=t.get("source", str)))
    return tuple(out)


def _paths(t: _Table, key: str, folder: Path, default: Any = ...) -> Tuple[Path, ...]:
    """Files relative to `folder`; `common/<file>` is the shared port C in platforms/common/,
    wherever the listing TOML lives (a board kept outside this tree can name it too)."""
    out = []
    for rel in t.get(key, list, default):
        rel = str(rel)
        base = COMMON_PORT_DIR.parent if rel.startswith("common/") else folder
        path = (base / rel).resolve()
        if not path.is_file():
            raise t.fail(key, f"lists {rel!r} but {path} does not exist")
        out.append(path)
    return tuple(out)


def _load_firmware(name: str, board: _Table, soc: _Table) -> Optional[FirmwarePort]:
    """The `[firmware]` tables: the SoC's (toolchain, flags, startup, linker script) and the
    board's (its C sources, defines, tests; it may name its own linker script). None when the SoC
    has no `[firmware]` table: the platform can still run prebuilt ELFs, not build them."""
    if "firmware" not in soc.data:
        return None
    sf, bf = soc.table("firmware"), board.table("firmware", default={})
    if not bf.get("build", bool, True):     # a board only for prebuilt / vendor images
        return None
    soc_dir, board_dir = soc.path.resolve().parent, board.path.resolve().parent
    owner, folder = (bf, board_dir) if "linker_script" in bf.data else (sf, soc_dir)
    linker = (folder / owner.get("linker_script", str)).resolve()
    if not linker.is_file():
        raise owner.fail("linker_script", f"{linker} does not exist")
    defines = {**sf.get("defines", dict, {}), **bf.get("defines", dict, {})}
    return FirmwarePort(
        toolchain=sf.get("toolchain", str),
        cflags=tuple(sf.get("cflags", list)),
        ldflags=tuple(sf.get("ldflags", list, [])),
        linker_script=linker,
        sources=(*_paths(sf, "startup", soc_dir), *_paths(bf, "sources", board_dir, []),
                 *(COMMON_PORT_DIR / n for n in ("board_common.c", "mini_libc.c"))),
        include_dirs=(board_dir, soc_dir, COMMON_PORT_DIR),
        defines=MappingProxyType({str(k): str(v) for k, v in defines.items()}),
        tests=tuple(bf.get("tests", list, [])),
        name=name,
    )


def _load_core(soc: _Table) -> Core:
    c = soc.table("core")
    arch = c.get("arch", str)
    if arch not in ARCHES:
        raise c.fail("arch", f"unknown architecture {arch!r} (known: {', '.join(ARCHES)})")
    cpu = c.get("cpu", str)
    if cpu not in ARCHES[arch]:
        raise c.fail("cpu", f"{cpu!r} is not a {arch} core tinysim emulates (known: {', '.join(ARCHES[arch])})")
    features = tuple(c.get("features", list, []))
    for feature in features:
        if feature not in CORE_FEATURES[arch]:
            raise c.fail("features", f"{feature!r} is not a {arch} feature tinysim knows "
                                     f"(known: {', '.join(CORE_FEATURES[arch]) or 'none'})")
    if "bit-band" in features and cpu not in BIT_BAND_CPUS:
        raise c.fail("features", f"'bit-band' is a Cortex-M4 option; a {cpu} has no bit-band aliases "
                                 f"(cores that can: {', '.join(BIT_BAND_CPUS)})")
    mpu_regions = int(c.number("mpu_regions", 0, 16 if arch == "armv7m" else 0, default=0, kind=int))
    nvic = {}
    if arch == "armv7m":
        # ARMv7-M B1.5.4 / B3.4: 3 to 8 priority bits; up to 240 external interrupts (ARMv8-M
        # Mainline, the Cortex-M33: up to 480, ARM DDI 0553 B3.9)
        most = 480 if cpu == "cortex-m33f" else 240
        nvic = dict(irq_lines=int(c.number("irq_lines", 1, most, default=240, kind=int)),
                    priority_bits=int(c.number("priority_bits", 3, 8, default=4, kind=int)))
    else:
        for key in ("irq_lines", "priority_bits"):
            if key in c.data:
                raise c.fail(key, f"is a Cortex-M NVIC setting; a {arch} core has no NVIC (remove it)")
    return Core(arch=arch, cpu=cpu, timing=c.get("timing", str), max_clock_hz=c.hz("max_clock_hz"),
                features=features, mpu_regions=mpu_regions, **nvic)


def _load_memories(soc: _Table) -> Tuple[Memory, ...]:
    entries = soc.get("memory", list)
    if not entries:
        raise soc.fail("memory", "a SoC needs at least one memory")
    memories = []
    for i, raw in enumerate(entries):
        t = _Table(raw, soc.path, f"memory[{i}].")
        kind = t.get("kind", str)
        if kind not in MEMORY_KINDS:
            raise t.fail("kind", f"{kind!r} is not one of {', '.join(MEMORY_KINDS)}")
        mem = Memory(name=t.get("name", str), kind=kind, base=t.get("base", int), size=t.size("size"),
                     alias_of=t.get("alias_of", str, None), words=_memory_words(t))
        _check_window(t, mem.name, mem.base, mem.size)
        if mem.size == 0 or mem.base % 0x1000 or mem.size % 0x1000:
            raise t.fail("size", f"memory {mem.name!r} must be non-empty and 4 KiB aligned "
                                 f"(base 0x{mem.base:08x}, size 0x{mem.size:x})")
        memories.append(mem)
    names = [m.name for m in memories]
    for m in memories:
        if names.count(m.name) > 1:
            raise soc.fail("memory", f"two memories are named {m.name!r}")
        if m.alias_of is not None:
            target = next((x for x in memories if x.name == m.alias_of), None)
            if target is None or target.alias_of is not None or target.size != m.size:
                raise soc.fail(f"memory.{m.name}.alias_of",
                               f"must name a non-alias memory of the same size, got {m.alias_of!r}")
    _check_overlaps([(m.name, m.base, m.end) for m in memories], soc, "memory")
    return tuple(memories)


def _memory_words(t: _Table) -> Tuple[Tuple[int, int, int], ...]:
    """`words = [[address, value, bytes], ...]`: documented contents of a read-only memory."""
    out = []
    base, size = t.get("base", int), t.size("size")
    for row in t.get("words", list, []):
        if not (isinstance(row, list) and len(row) == 3 and all(isinstance(v, int) for v in row)
                and row[2] in (1, 2, 4) and base <= row[0] and row[0] + row[2] <= base + size
                and 0 <= row[1] < 1 << (8 * row[2])):
            raise t.fail("words", f"{row!r}: expected [address, value, bytes] with bytes 1, 2 or 4, the "
                                  "address inside the memory and the value fitting")
        out.append((row[0], row[1], row[2]))
    return tuple(out)




def _check_window(t: _Table, name: str, base: int, size: int) -> None:
    """A memory or peripheral window must lie inside the 32-bit address space."""
    if base < 0 or base >= ADDRESS_SPACE:
        raise t.fail("base", f"{name!r} base {base:#x} is outside the 32-bit address space "
                             f"[0, 0xffffffff]; give the address from the memory map")
    if base + size > ADDRESS_SPACE:
        raise t.fail("size", f"{name!r} [{base:#010x}, {base + size:#x}) runs past the end of the "
                             "32-bit address space (4 GiB); check base and size")


def _load_peripherals(soc: _Table, memories, core: Core) -> Tuple[PeripheralSpec, ...]:
    out = []
    lo_irq, hi_irq = IRQ_RANGE[core.arch]
    for i, raw in enumerate(soc.get("peripheral", list, [])):
        t = _Table(raw, soc.path, f"peripheral[{i}].")
        model = t.get("model", str)
        irq = t.get("irq", int, None)
        if irq is not None and not lo_irq <= irq <= hi_irq:
            raise t.fail("irq", f"{irq} is not an interrupt number a {core.arch} core has "
                                f"({lo_irq}..{hi_irq}); give the peripheral's IRQ from the "
                                "reference manual's vector table")
        if irq is not None and core.arch == "armv7m" and irq >= core.irq_lines:
            raise t.fail("irq", f"{irq} is past the SoC's interrupt lines (core.irq_lines = "
                                f"{core.irq_lines}: IRQ 0..{core.irq_lines - 1}); give the IRQ from the "
                                "vector table, or raise irq_lines to the SoC's count")
        _check_window(t, t.get("name", str), t.get("base", int), t.size("size"))
        out.append(PeripheralSpec(name=t.get("name", str), model=model, base=t.get("base", int),
                                  size=t.size("size"), irq=irq,
                                  params=MappingProxyType(dict(t.get("params", dict, {}))),
                                  where=t._where("model")))
    spans = [(m.name, m.base, m.end) for m in memories] + [(p.name, p.base, p.base + p.size) for p in out]
    _check_overlaps(spans, soc, "peripheral")
    names = [p.name for p in out]
    for n in names:
        if names.count(n) > 1:
            raise soc.fail("peripheral", f"two peripherals are named {n!r}")
    return tuple(out)


def _check_overlaps(spans, table: _Table, key: str) -> None:
    spans = sorted(spans, key=lambda s: s[1])
    for (a, a0, a1), (b, b0, b1) in zip(spans, spans[1:]):
        if b0 < a1:
            raise table.fail(key, f"{a!r} [0x{a0:08x}, 0x{a1:08x}) overlaps {b!r} [0x{b0:08x}, 0x{b1:08x})")


def _load_flash(soc: _Table, board: _Table) -> FlashTiming:
    """The SoC's [flash] table. Where the read width depends on a dual-bank option byte (`dbank`
    in the SoC file: its factory default, with `single_bank_line_bytes` / `dual_bank_line_bytes`),
    the board's `[flash] dbank` says how its option bytes are set; `line_bytes` follows."""
    f = soc.table("flash")
    ws = f.table("wait_states")
    tables = {}
    for rng, rows in ws.data.items():
        try:
            parsed = tuple((int(hz), int(n)) for hz, n in rows)
        except (TypeError, ValueError, OverflowError):
            raise ws.fail(rng, "expected a list of [max_hz, wait_states] pairs") from None
        if any(hz <= 0 or n < 0 for hz, n in parsed):
            raise ws.fail(rng, "max_hz must be above 0 and wait_states 0 or more")
        if not parsed or any(b[0] <= a[0] for a, b in zip(parsed, parsed[1:])):
            raise ws.fail(rng, "entries must be non-empty and sorted by increasing max_hz")
        tables[rng] = parsed
    if not tables:
        raise f.fail("wait_states", "at least one voltage range table is needed")
    bf = board.table("flash", default={})
    dbank = None
    if "dbank" in f.data:
        dbank = bf.get("dbank", bool, f.get("dbank", bool))
        key = "dual_bank_line_bytes" if dbank else "single_bank_line_bytes"
    else:
        if "dbank" in bf.data:
            raise bf.fail("dbank", f"SoC {soc.path.name} has no dual-bank option (no [flash] dbank)")
        key = "line_bytes"
    line_bytes = int(f.number(key, 1, 1024, kind=int))
    if line_bytes & (line_bytes - 1):
        raise f.fail(key, f"{line_bytes} is not a power of two (flash lines are 8, 16, 32 bytes)")
    # `read_bytes`: the flash word one read returns, where a cache line is wider (a refill is
    # line_bytes / read_bytes reads); by default a line is one read.
    read_bytes = int(f.number("read_bytes", 1, 1024, default=line_bytes, kind=int))
    if read_bytes & (read_bytes - 1) or read_bytes > line_bytes:
        raise f.fail("read_bytes", f"{read_bytes} is not a power of two at most line_bytes "
                     f"({line_bytes}): give the flash word's width in bytes (8 for 64 bits)")
    # Cache sizes: `icache_lines`/`dcache_lines` (0 = no cache, up to a generous 4096), or
    # `icache_bytes`/`dcache_bytes` where the capacity is fixed and the lines follow the read width
    # (the STM32 ART: 1 KiB / 256 B in 2 x 128-bit or 4 x 64-bit lines).
    sizes = {}
    shared = bool(f.get("shared_cache", bool, False))
    for kind in ("icache", "dcache")[:1 if shared else 2]:
        if f"{kind}_bytes" in f.data:
            nbytes = int(f.number(f"{kind}_bytes", 0, 1 << 20, kind=int))
            if nbytes % line_bytes:
                raise f.fail(f"{kind}_bytes", f"{nbytes} is not a whole number of {line_bytes}-byte lines")
            sizes[kind] = (nbytes // line_bytes, nbytes)
        else:
            sizes[kind] = (int(f.number(f"{kind}_lines", 0, 4096, kind=int)), None)
    ways = {k: int(f.number(f"{k}_ways", 0, 64, default=0, kind=int)) for k in ("icache", "dcache")}
    if shared:   # one cache seen from both sides: the data side is the instruction side's lines
        if any(key in f.data for key in ("dcache_lines", "dcache_bytes", "dcache_ways")):
            raise f.fail("shared_cache", "a shared cache is described once, by icache_lines / "
                         "icache_bytes and icache_ways: remove the dcache_* keys")
        sizes["dcache"], ways["dcache"] = sizes["icache"], ways["icache"]
    stall = f.get("stall", str, "wait-states")
    if stall not in STALL_TERMS:
        raise f.fail("stall", f"{stall!r}: expected one of {', '.join(STALL_TERMS)}")
    return FlashTiming(line_bytes=line_bytes, prefetch=f.get("prefetch", bool),
                       icache_lines=sizes["icache"][0], dcache_lines=sizes["dcache"][0],
                       wait_state_table=MappingProxyType(tables), dbank=dbank,
                       icache_bytes=sizes["icache"][1], dcache_bytes=sizes["dcache"][1], stall=stall,
                       icache_ways=ways["icache"], dcache_ways=ways["dcache"], shared_cache=shared,
                       read_bytes=None if read_bytes == line_bytes else read_bytes)
