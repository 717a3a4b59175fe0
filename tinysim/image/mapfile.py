"""Symbols for an image that carries none: from an ELF of the same build, or a linker map.

Map formats read (the symbol lines only):
- GNU ld `-Map`: in the memory map section, `                0x08000abc                name`
  (an address then one identifier), and `.text.name  0x08000abc  0x24 file.o` section lines.
- IAR ILINK `--map`: the ENTRY LIST, `name  0x0800'0abc  0x24  Code  Gb  file.o` (IAR prints
  addresses with an apostrophe digit separator).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Dict

from ..elf import Firmware, Symbol
from ..errors import FirmwareError

_GNU = re.compile(r"^\s+0x([0-9a-fA-F]{8,16})\s+([A-Za-z_.$][\w.$]*)\s*$")
_IAR = re.compile(r"^\s*([A-Za-z_.$?][\w.$?]*)\s+0x([0-9a-fA-F']{4,})\s+(0x[0-9a-fA-F']+)?\s*(Code|Data)\b")


def load_symbols(path, arch: str):
    """{name: Symbol} from an ELF (its symbol table) or a GNU ld / IAR linker map."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as err:
        raise FirmwareError(f"{path}: cannot read symbol file: {err.strerror}") from None
    if raw[:4] == b"\x7fELF":
        return Firmware.load(path).symbols
    text = raw.decode("latin-1")
    symbols: Dict[str, Symbol] = {}
    for line in text.splitlines():
        m = _IAR.match(line)
        if m:
            addr = int(m.group(2).replace("'", ""), 16)
            size = int(m.group(3).replace("'", ""), 16) if m.group(3) else 0
            kind = "func" if m.group(4) == "Code" else "object"
            if arch == "armv7m" and kind == "func":
                addr &= ~1
            symbols.setdefault(m.group(1), Symbol(m.group(1), addr, size, kind))
            continue
        m = _GNU.match(line)
        if m and not m.group(2).startswith("."):
            symbols.setdefault(m.group(2), Symbol(m.group(2), int(m.group(1), 16), 0, "notype"))
    if not symbols:
        raise FirmwareError(f"{path}: no symbols found; --symbols takes an ELF, a GNU ld map "
                            "(-Wl,-Map) or an IAR ILINK map (--map)")
    return symbols
