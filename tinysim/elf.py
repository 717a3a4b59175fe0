"""Firmware ELF loading: loadable segments, entry, symbols, `symbolize(addr)`.

Flash contents come from each PT_LOAD segment's physical address (LMA): `.data` is stored in
flash after `.text` and the firmware's own startup copies it to SRAM, exactly as on silicon.
The virtual address (VMA) is where the code runs and what symbols name.
"""

from __future__ import annotations

import bisect
import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Dict, Iterable, List, Optional, Tuple

from elftools.common.exceptions import ELFError
from elftools.elf.elffile import ELFFile

from .errors import FirmwareError

# e_machine value -> the platform core arch it can run on.
_MACHINES = {"EM_ARM": "armv7m", "EM_RISCV": "rv32"}


@dataclass(frozen=True)
class Segment:
    """One PT_LOAD segment: `paddr` is where its bytes live (flash for .data), `vaddr` where it runs."""

    index: int
    paddr: int
    vaddr: int
    data: bytes
    memsz: int
    flags: str  # "rwx" subset

    @property
    def filesz(self) -> int:
        return len(self.data)


@dataclass(frozen=True)
class Symbol:
    name: str
    addr: int
    size: int
    kind: str  # "func" | "object" | "notype"


@dataclass
class Firmware:
    path: Path
    arch: str  # "armv7m" | "rv32"
    entry: int
    segments: Tuple[Segment, ...]
    symbols: Dict[str, Symbol]
    section_sizes: Dict[str, int]
    sha256: str
    format: str = "elf"   # "elf" | "hex" | "bin": what tinysim.image read it from
    _starts: List[int] = field(default_factory=list, repr=False)
    _ordered: List[Symbol] = field(default_factory=list, repr=False)

    # ---- loading -------------------------------------------------------------------------
    @classmethod
    def load(cls, path) -> "Firmware":
        path = Path(path)
        try:
            raw = path.read_bytes()
        except OSError as err:
            raise FirmwareError(f"{path}: cannot read firmware: {err.strerror}") from None
        if raw[:4] != b"\x7fELF":
            raise FirmwareError(f"{path}: not an ELF file (expected a firmware .elf from the cross linker)")
        try:
            return cls._parse(path, raw)
        except (ELFError, ValueError, KeyError, IndexError) as err:
            raise FirmwareError(f"{path}: malformed ELF ({err}); the file is truncated or corrupt: "
                                "rebuild it or copy it again") from None

    @classmethod
    def _parse(cls, path: Path, raw: bytes) -> "Firmware":
        import io

        elf = ELFFile(io.BytesIO(raw))
        machine = elf["e_machine"]
        arch = _MACHINES.get(machine)
        if arch is None or elf.elfclass != 32 or not elf.little_endian:
            raise FirmwareError(
                f"{path}: unsupported ELF target {machine} ({elf.elfclass}-bit, "
                f"{'little' if elf.little_endian else 'big'}-endian); tinysim runs 32-bit "
                f"little-endian Arm (Cortex-M) and RISC-V firmware"
            )
        segments = []
        for i, seg in enumerate(elf.iter_segments()):
            if seg["p_type"] != "PT_LOAD" or seg["p_memsz"] == 0:
                continue
            flags = seg["p_flags"]
            perm = ("r" if flags & 4 else "") + ("w" if flags & 2 else "") + ("x" if flags & 1 else "")
            if seg["p_filesz"] and seg["p_offset"] + seg["p_filesz"] > len(raw):
                # pyelftools would hand back a short (or empty) slice: zeros at run time
                raise ValueError(f"program header {i} (PT_LOAD at {seg['p_paddr']:#010x}) takes "
                                 f"{seg['p_filesz']} bytes at file offset {seg['p_offset']:#x}, past "
                                 f"the end of the {len(raw)}-byte file")
            segments.append(Segment(i, seg["p_paddr"], seg["p_vaddr"], seg.data(), seg["p_memsz"], perm))
        if not segments:
            raise FirmwareError(f"{path}: no loadable (PT_LOAD) segments; is this a linked firmware image?")
        symbols: Dict[str, Symbol] = {}
        symtab = elf.get_section_by_name(".symtab")
        if symtab is not None:
            for sym in symtab.iter_symbols():
                kind = {"STT_FUNC": "func", "STT_OBJECT": "object", "STT_NOTYPE": "notype"}.get(
                    sym["st_info"]["type"]
                )
                if not sym.name or kind is None or sym["st_shndx"] == "SHN_UNDEF":
                    continue
                if sym.name.startswith("$"):  # Arm mapping symbols ($t, $d)
                    continue
                addr = sym["st_value"]
                if arch == "armv7m" and kind == "func":
                    addr &= ~1  # Thumb bit
                prev = symbols.get(sym.name)
                if prev is None or (prev.kind != "func" and kind == "func"):
                    symbols[sym.name] = Symbol(sym.name, addr, sym["st_size"], kind)
        sizes = {
            s.name: s["sh_size"]
            for s in elf.iter_sections()
            if s.name and s["sh_flags"] & 2  # SHF_ALLOC
        }
        fw = cls(
            path=path,
            arch=arch,
            entry=elf["e_entry"],
            segments=tuple(segments),
            symbols=symbols,
            section_sizes=sizes,
            sha256=hashlib.sha256(raw).hexdigest(),
        )
        fw._index_symbols()
        return fw

    def _index_symbols(self) -> None:
        # Functions and sized objects first; size-less labels (assembly entry points such as
        # _start) name what follows them when nothing better does.
        code = [s for s in self.symbols.values() if s.kind == "func" or s.size > 0]
        code += [s for s in self.symbols.values() if s.kind == "notype" and s.size == 0]
        self._ordered = sorted(code, key=lambda s: (s.addr, s.kind == "notype", s.kind != "func"))
        self._starts = [s.addr for s in self._ordered]

    # ---- queries -------------------------------------------------------------------------
    def symbol(self, name: str) -> Optional[int]:
        sym = self.symbols.get(name)
        return None if sym is None else sym.addr

    def symbolize(self, addr: int) -> str:
        """`func+0x1a` for an address inside (or just after) a known symbol, else hex."""
        i = bisect.bisect_right(self._starts, addr) - 1
        while i >= 0:
            sym = self._ordered[i]
            if addr < sym.addr + sym.size or (sym.size == 0 and addr - sym.addr < 0x1000):
                off = addr - sym.addr
                return sym.name if off == 0 else f"{sym.name}+{off:#x}"
            if addr - sym.addr > 0x10000:
                break
            i -= 1
        return f"{addr:#010x}"

    def check_fits(self, memories: Iterable, platform_name: str = "") -> None:
        """Every segment's load image and run image must lie inside one platform memory."""
        mems = list(memories)
        # Memories of one kind that touch form one range, as on silicon (the STM32L4R5's SRAM1,
        # SRAM2 and SRAM3 are contiguous from 0x20000000, RM0432 section 2.4): a segment may
        # span them.
        spans: List[List[int]] = []
        for m in sorted((m for m in mems if not getattr(m, "alias_of", None)), key=lambda m: m.base):
            if spans and spans[-1][2] == m.kind and spans[-1][1] == m.base:
                spans[-1][1] = m.base + m.size
            else:
                spans.append([m.base, m.base + m.size, m.kind])
        spans += [[m.base, m.base + m.size, m.kind] for m in mems if getattr(m, "alias_of", None)]

        def inside(start: int, size: int) -> bool:
            return any(lo <= start and start + size <= hi for lo, hi, _ in spans)

        for seg in self.segments:
            for what, addr, size in (("load address (LMA)", seg.paddr, seg.filesz),
                                     ("run address (VMA)", seg.vaddr, seg.memsz)):
                if size and not inside(addr, size):
                    memmap = ", ".join(f"{m.name} {m.base:#010x}-{m.base + m.size - 1:#010x}" for m in mems)
                    raise FirmwareError(
                        f"{self.path}: segment {seg.index} ({seg.flags}) {what} "
                        f"{addr:#010x}-{addr + size - 1:#010x} lies outside every memory of "
                        f"platform {platform_name or '?'} ({memmap}); was it linked for another board?"
                    )
