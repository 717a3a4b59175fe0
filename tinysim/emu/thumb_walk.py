"""The instructions of a block of Thumb code, by their encodings: what the scans of newly
translated blocks (unmask_scan.py, event_register.py) step through, without a disassembler."""

from __future__ import annotations

from typing import Iterator, Optional, Tuple


def thumb_instructions(code: bytes) -> Iterator[Tuple[int, int, Optional[int]]]:
    """(offset, first halfword, second halfword or None for a 16-bit instruction) of each
    instruction; a 32-bit one is one whose first halfword's top five bits are 0b11101, 0b11110 or
    0b11111 (ARMv7-M ARM A6.1). A 32-bit instruction cut off at the end has second halfword None."""
    i, n = 0, len(code) - 1
    while i < n:
        hw = code[i] | code[i + 1] << 8
        if hw >> 11 in (0x1D, 0x1E, 0x1F):
            yield i, hw, (code[i + 2] | code[i + 3] << 8) if i + 3 < len(code) else None
            i += 4
        else:
            yield i, hw, None
            i += 2
