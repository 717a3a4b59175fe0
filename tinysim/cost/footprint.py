"""How much flash and SRAM a firmware image needs, by section, and whether a variant fits.

Sections are placed by address against the platform's memory map: a section occupies the memory
holding its run address (VMA), and an initialised writable section (.data) also occupies the
memory holding its load address (LMA, normally flash). So .text/.rodata/.data count in flash and
.data/.bss/.stack/.heap in SRAM on a flash-based board, without a list of section names.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Dict, List, Optional, Tuple

from ..errors import FirmwareError
from ..units import fmt_size


@dataclass(frozen=True)
class Need:
    memory: str  # memory name
    kind: str
    needed: int
    available: int
    sections: Tuple[Tuple[str, int], ...]

    @property
    def fits(self) -> bool:
        return self.needed <= self.available

    def describe(self) -> str:
        parts = ", ".join(f"{n} {fmt_size(s)}" for n, s in self.sections)
        verdict = "fits" if self.fits else "DOES NOT FIT"
        return (f"{self.memory} ({self.kind}): needs {fmt_size(self.needed)}, has "
                f"{fmt_size(self.available)} - {verdict} [{parts}]")


def image_sections(elf_path) -> List[Tuple[str, int, int, Optional[int], bool]]:
    """(name, vma, size, lma or None, occupies_load_image) for every allocated section."""
    from elftools.common.exceptions import ELFError
    from elftools.elf.constants import SH_FLAGS
    from elftools.elf.elffile import ELFFile

    path = Path(elf_path)
    try:
        with path.open("rb") as fh:
            elf = ELFFile(fh)
            segments = [s for s in elf.iter_segments() if s["p_type"] == "PT_LOAD"]
            out = []
            for sec in elf.iter_sections():
                if not sec["sh_flags"] & SH_FLAGS.SHF_ALLOC or sec["sh_size"] == 0:
                    continue
                vma, size = sec["sh_addr"], sec["sh_size"]
                loaded = sec["sh_type"] != "SHT_NOBITS"
                lma = None
                if loaded:
                    for seg in segments:
                        if seg["p_vaddr"] <= vma < seg["p_vaddr"] + max(seg["p_memsz"], 1):
                            lma = seg["p_paddr"] + (vma - seg["p_vaddr"])
                            break
                out.append((sec.name, vma, size, lma, loaded))
            return out
    except FileNotFoundError:
        raise FirmwareError(f"{path}: ELF file not found") from None
    except ELFError as err:
        raise FirmwareError(f"{path}: not an ELF file ({err})") from None


def memory_windows(platform) -> List[Tuple[str, str, int, int]]:
    """(name, kind, base, size) of every address window onto a memory of `platform`. An alias
    window (the ESP32-C3's DROM view of the flash, say) carries the name of the storage it shows,
    so what lies in it is counted against that storage."""
    return [(m.alias_of or m.name, m.kind, m.base, m.size) for m in platform.memories]


def footprint(elf_path, memories, variant_memories=None) -> List[Need]:
    """Needs per memory that the image touches. `memories`: (name, kind, base, size) of the
    platform the ELF was linked for; `variant_memories`: the same after a what-if resize (a
    memory missing from it has 0 bytes available)."""
    used: Dict[str, List[Tuple[str, int]]] = {}

    def place(addr: int, name: str, size: int) -> None:
        for mname, kind, base, msize in memories:
            if base <= addr < base + msize:
                used.setdefault(mname, []).append((name, size))
                return
        raise FirmwareError(f"{elf_path}: section {name} at 0x{addr:08x} is outside every memory "
                            "of the platform; wrong --platform for this ELF?")

    for name, vma, size, lma, loaded in image_sections(elf_path):
        place(vma, name, size)
        if loaded and lma is not None and lma != vma:
            place(lma, f"{name}(load)", size)
    available = {m: size for m, _, _, size in (variant_memories or memories)}
    kinds = {m: k for m, k, _, _ in reversed(memories)}     # first window of each storage wins
    return [Need(m, kinds[m], sum(s for _, s in used[m]), int(available.get(m, 0)), tuple(used[m]))
            for m in dict.fromkeys(m for m, _, _, _ in memories) if m in used]
