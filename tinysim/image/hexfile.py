"""Intel HEX reading: records -> contiguous (address, bytes) runs.

Record format (Intel, "Hexadecimal Object File Format Specification", Rev A, 1988):
`:LLAAAATT<data>CC`, LL data bytes, AAAA offset, TT type, CC two's-complement checksum of all
bytes. Types: 00 data, 01 end of file, 02 extended segment address (base = value << 4),
03 start segment address (CS:IP), 04 extended linear address (base = value << 16), 05 start
linear address (EIP). Every malformed line is an error naming the file and line.
"""

from __future__ import annotations

from pathlib import Path
from typing import List, Optional, Tuple

from ..errors import FirmwareError

_EXPECTED_LEN = {1: 0, 2: 2, 3: 4, 4: 2, 5: 4}


def parse_intel_hex(path, text: str) -> Tuple[List[Tuple[int, bytes]], Optional[int]]:
    """(runs sorted by address, start address or None) from the text of an Intel HEX file."""
    path = Path(path)
    base = 0
    entry: Optional[int] = None
    records: List[Tuple[int, bytes, int]] = []   # (address, data, line)
    ended = False
    for ln, line in enumerate(text.splitlines(), 1):
        line = line.strip()
        if not line:
            continue
        where = f"{path}, line {ln}"
        if ended:
            raise FirmwareError(f"{where}: record after the end-of-file record (type 01); the file "
                                "was concatenated or corrupted")
        if line[0] != ":":
            raise FirmwareError(f"{where}: not an Intel HEX record (a record starts with ':')")
        try:
            raw = bytes.fromhex(line[1:])
        except ValueError:
            raise FirmwareError(f"{where}: record has characters that are not hex digits") from None
        if len(raw) < 5 or len(raw) != 5 + raw[0]:
            raise FirmwareError(f"{where}: record length does not match its byte count field "
                                f"({len(raw)} bytes, count says {raw[0] if raw else '?'} data bytes)")
        if sum(raw) & 0xFF:
            raise FirmwareError(f"{where}: bad checksum {raw[-1]:#04x} (expected "
                                f"{(-sum(raw[:-1])) & 0xFF:#04x}); the file is corrupt, copy it again")
        count, offset, kind, data = raw[0], int.from_bytes(raw[1:3], "big"), raw[3], raw[4:-1]
        if kind == 0:
            records.append((base + offset, bytes(data), ln))
        elif kind in _EXPECTED_LEN:
            if count != _EXPECTED_LEN[kind]:
                raise FirmwareError(f"{where}: record type {kind:02d} must carry "
                                    f"{_EXPECTED_LEN[kind]} data bytes, has {count}")
            value = int.from_bytes(data, "big")
            if kind == 1:
                ended = True
            elif kind == 2:
                base = value << 4
            elif kind == 4:
                base = value << 16
            elif kind == 5:
                entry = value
            elif kind == 3:
                entry = ((value >> 16) << 4) + (value & 0xFFFF)
        else:
            raise FirmwareError(f"{where}: unknown record type {kind:#04x} (Intel HEX has 00-05)")
    if not records:
        raise FirmwareError(f"{path}: Intel HEX file has no data records")
    records.sort(key=lambda r: r[0])
    runs: List[Tuple[int, bytearray]] = []
    last_line = 0
    for addr, data, ln in records:
        if runs and addr < runs[-1][0] + len(runs[-1][1]):
            raise FirmwareError(f"{path}, line {ln}: data at {addr:#010x} overlaps data already given "
                                f"(up to line {last_line}); the image is ambiguous")
        if runs and addr == runs[-1][0] + len(runs[-1][1]):
            runs[-1][1].extend(data)
        else:
            runs.append((addr, bytearray(data)))
        last_line = ln
    return [(a, bytes(d)) for a, d in runs], entry
