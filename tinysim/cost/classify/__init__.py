"""Decode a translation block with capstone and sort each instruction into an `InsnClass`.

Classification is per architecture (`cortex_m.py`, `riscv.py`, sharing `common.py`) (Thumb-2 with DSP and FPv4-SP; RV32IMC with F). It records,
beside the class, what the per-core pipeline rules in `tinysim.cost.timing` need: registers read
and written, the address registers of a memory access, how many registers a multiple transfer
moves, and how the instruction leaves the block (conditional/unconditional, direct/indirect).

An instruction capstone decodes but this table does not know is never costed silently: it gets
class `UNCLASSIFIED` and is listed (address, mnemonic) in `Decoded.unclassified`.
"""

from __future__ import annotations

from ...errors import PlatformError
from .common import (BLOCKING, CALL, CALL_INDIRECT, COND, INDIRECT, JUMP, RETURN, Decoded, Insn)
from .cortex_m import decode_thumb
from .riscv import decode_rv32

__all__ = ["BLOCKING", "CALL", "CALL_INDIRECT", "COND", "INDIRECT", "JUMP", "RETURN", "Decoded", "Insn",
           "decode", "decode_rv32", "decode_thumb"]


def decode(arch: str, code: bytes, addr: int) -> Decoded:
    if arch == "armv7m":
        return decode_thumb(code, addr)
    if arch == "rv32":
        return decode_rv32(code, addr)
    raise PlatformError(f"no instruction classifier for core architecture {arch!r} "
                        "(known: armv7m, rv32)")
