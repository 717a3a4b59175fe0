"""`load_image(path, platform)`: a firmware image by its content, not its file name.

- ELF (`\\x7fELF`): segments, entry and symbols (tinysim.elf).
- Intel HEX (text, every non-blank line a `:` record): one segment per contiguous run.
- Raw binary (anything else, or `fmt="bin"`): the bytes at `base`, default the platform's boot
  flash (the first flash memory).

HEX and raw images carry no symbols and no architecture: the architecture is the platform's
core, addresses print as hex unless `symbols` (an ELF or linker map) names them. The reset
entry of a Cortex-M image is its vector table (the machine reads SP and PC at reset), so the
start-address record of a HEX file is informative only.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Optional

from ..elf import Firmware, Segment
from ..errors import FirmwareError
from .hexfile import parse_intel_hex
from .mapfile import load_symbols

FORMATS = ("elf", "hex", "bin")


def detect_format(raw: bytes) -> str:
    """'elf', 'hex' or 'bin' from the first bytes of a file."""
    if raw[:4] == b"\x7fELF":
        return "elf"
    head = raw[:4096].lstrip(b"\r\n\t ")
    if head[:1] == b":" and all(c in b"0123456789abcdefABCDEF:\r\n\t " for c in head):
        return "hex"
    return "bin"


def is_elf_file(path) -> bool:
    """Whether the file at `path` is an ELF (by its first bytes). A file that cannot be read
    counts as one, so that the ELF reader is the one to say what is wrong with it."""
    try:
        with open(path, "rb") as fh:
            return detect_format(fh.read(4096)) == "elf"
    except OSError:
        return True


def _check_vector_table(path: Path, raw: bytes, platform) -> None:
    """A raw binary loaded at the boot flash of a Cortex-M starts with its vector table: the
    initial SP in RAM, the reset handler a Thumb address inside the image (ARMv7-M ARM B1.5.3).
    Anything else is not a firmware image (a text file, a truncated download)."""
    if platform.core.arch != "armv7m":
        return
    sp = int.from_bytes(raw[0:4], "little") if len(raw) >= 8 else None
    pc = int.from_bytes(raw[4:8], "little") if len(raw) >= 8 else None
    base = platform.storage("flash")[0].base
    ram_ok = sp is not None and any(m.base <= (sp - 1) < m.end for m in platform.memories if m.kind == "sram")
    pc_ok = pc is not None and pc & 1 and base <= (pc & ~1) < base + len(raw)
    if not (ram_ok and pc_ok):
        raise FirmwareError(
            f"{path}: not an ELF, nor Intel HEX, nor a raw binary starting with a Cortex-M vector "
            f"table (initial SP {sp if sp is None else hex(sp)}, reset vector {pc if pc is None else hex(pc)}); "
            "give an image for this platform, or --base ADDR for a raw binary placed elsewhere")


def load_image(path, platform=None, *, base: Optional[int] = None, symbols=None,
               fmt: Optional[str] = None) -> Firmware:
    """The Firmware in `path` (ELF, Intel HEX or raw binary), with names from `symbols`."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise FirmwareError(f"{path}: cannot read firmware: {err.strerror}") from None
    if fmt is not None and fmt not in FORMATS:
        raise FirmwareError(f"{path}: unknown image format {fmt!r} (choose from {', '.join(FORMATS)})")
    kind = fmt or detect_format(raw)
    if kind == "elf":
        fw = Firmware.load(path)
        if base is not None:
            raise FirmwareError(f"{path}: --base applies to raw binaries; an ELF says where its segments go")
    else:
        if platform is None:
            raise FirmwareError(f"{path}: a {kind.upper()} image has no architecture or symbols; "
                                "name the platform it runs on (--platform)")
        if kind == "hex":
            if base is not None:
                raise FirmwareError(f"{path}: --base applies to raw binaries; Intel HEX records "
                                    "carry their own addresses")
            runs, entry = parse_intel_hex(path, raw.decode("latin-1"))
        else:
            if not raw:
                raise FirmwareError(f"{path}: empty file")
            if base is None:
                flash = platform.storage("flash")
                if not flash:
                    raise FirmwareError(f"{path}: platform {platform.name} has no flash to load a raw "
                                        "binary into; give --base ADDRESS")
                base = flash[0].base
                _check_vector_table(path, raw, platform)
            runs, entry = [(base, raw)], None
        segments = tuple(Segment(i, addr, addr, data, len(data), "rx") for i, (addr, data) in enumerate(runs))
        fw = Firmware(path=path, arch=platform.core.arch, entry=entry if entry is not None else runs[0][0],
                      segments=segments, symbols={}, section_sizes={},
                      sha256=hashlib.sha256(raw).hexdigest(), format=kind)
    if symbols is not None:
        fw.symbols = {**fw.symbols, **load_symbols(symbols, fw.arch)}
    fw._index_symbols()
    return fw
