"""Static SRAM plan: one arena, buffers reused by tensor liveness.

Every activation tensor (and each op's scratch) lives from the op that writes
it to the last op that reads it; the model input is live for the whole schedule
(it must survive repeated invokes), the output until the end. Buffers are placed largest first, each at the lowest
aligned offset that does not overlap a placed buffer whose lifetime overlaps
(the greedy-by-size heuristic TFLite Micro's planner also uses). An op's input
and output are both live during the op, so they never share bytes.
"""

from __future__ import annotations

from dataclasses import dataclass

ALIGN = 4  # word alignment: the DSP kernels load 4 int8s with one LDR


@dataclass
class Buffer:
    key: object          # tensor index, or ("scratch", op position)
    size: int
    first: int           # first schedule position it is live at
    last: int            # last schedule position it is live at
    offset: int = -1


def _align(n: int) -> int:
    return (n + ALIGN - 1) // ALIGN * ALIGN


def place(buffers: list[Buffer]) -> int:
    """Assign offsets in place; return the arena size in bytes."""
    placed: list[Buffer] = []
    for buf in sorted(buffers, key=lambda b: (-b.size, b.first, str(b.key))):
        clashes = sorted((p for p in placed if p.first <= buf.last and buf.first <= p.last),
                         key=lambda p: p.offset)
        offset = 0
        for p in clashes:
            if offset + buf.size <= p.offset:
                break
            offset = max(offset, _align(p.offset + p.size))
        buf.offset = offset
        placed.append(buf)
    return _align(max((b.offset + b.size for b in buffers), default=0))


def check(buffers: list[Buffer]) -> None:
    """Assert that no two simultaneously live buffers overlap (a planner self-check)."""
    for i, a in enumerate(buffers):
        for b in buffers[i + 1:]:
            live = a.first <= b.last and b.first <= a.last
            overlap = a.offset < b.offset + b.size and b.offset < a.offset + a.size
            if live and overlap:
                raise AssertionError(f"arena plan overlaps {a.key} and {b.key}")
