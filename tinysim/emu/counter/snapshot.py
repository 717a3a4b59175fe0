"""The counters as numpy tables (blocks, edges, data regions) and the immutable `Snapshot` of
all of them, whose difference is a timed window."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Tuple

import numpy as np

from ...errors import TinysimError

# ---- public array layouts ---------------------------------------------------------------------
BLOCK_DTYPE = np.dtype([("addr", "<u8"), ("size", "<u4"), ("n_insns", "<u4"),
                        ("static_cycles", "<u4"), ("taken_extra", "<u4"), ("count", "<u8"),
                        ("imiss", "<u8"), ("iprefetch", "<u8"), ("dmiss", "<u8"),
                        ("dprefetch", "<u8")])
# Block columns that are running totals (a window is after - before).
_BLOCK_TOTALS = ("count", "imiss", "iprefetch", "dmiss", "dprefetch")
EDGE_DTYPE = np.dtype([("src", "<u4"), ("dst", "<u4"), ("count", "<u8"), ("taken", "?")])
REGION_DTYPE = np.dtype([("name", "<U32"), ("kind", "<U8"), ("begin", "<u8"), ("end", "<u8"),
                         ("reads", "<u8"), ("writes", "<u8"), ("dmiss", "<u8"),
                         ("dprefetch", "<u8")])


@dataclass(frozen=True)
class Snapshot:
    """An immutable copy of every counter. `after - before` is the window between them."""
    instructions: int
    cycles: int
    blocks_executed: int
    blocks: np.ndarray  # BLOCK_DTYPE, row = block id
    edges: np.ndarray  # EDGE_DTYPE, row = edge id
    regions: np.ndarray  # REGION_DTYPE
    icache: Tuple[int, int, int]  # (hits, misses, prefetch hits)
    dcache: Tuple[int, int, int]
    # block executions the learned D-cache model had no rate for (charged no data misses)
    unlearned_block_executions: int = 0
    # cycles charged outside any block (exception entry/return, WFI sleep, a core spinning on a
    # peripheral flag that the model skipped): in `cycles`, not in the blocks' counts
    outside_cycles: int = 0
    sleep_cycles: int = 0  # of the outside cycles, those the core slept in WFI

    def __sub__(self, before: "Snapshot") -> "Snapshot":
        if not isinstance(before, Snapshot):
            return NotImplemented
        nb, ne = len(before.blocks), len(before.edges)
        if (nb > len(self.blocks) or ne > len(self.edges)
                or not np.array_equal(before.blocks["addr"], self.blocks["addr"][:nb])
                or not np.array_equal(before.blocks["size"], self.blocks["size"][:nb])
                or len(before.regions) != len(self.regions)):
            raise TinysimError("counter snapshots do not match: subtract an earlier snapshot "
                               "of the same Counter from a later one")
        blocks = self.blocks.copy()
        for col in _BLOCK_TOTALS:
            blocks[col][:nb] -= before.blocks[col]
        edges = self.edges.copy()
        edges["count"][:ne] -= before.edges["count"]
        regions = self.regions.copy()
        for col in ("reads", "writes", "dmiss", "dprefetch"):
            regions[col] -= before.regions[col]
        return Snapshot(
            instructions=self.instructions - before.instructions,
            cycles=self.cycles - before.cycles,
            blocks_executed=self.blocks_executed - before.blocks_executed,
            blocks=frozen(blocks), edges=frozen(edges), regions=frozen(regions),
            icache=tuple(a - b for a, b in zip(self.icache, before.icache)),
            dcache=tuple(a - b for a, b in zip(self.dcache, before.dcache)),
            unlearned_block_executions=(self.unlearned_block_executions
                                        - before.unlearned_block_executions),
            outside_cycles=self.outside_cycles - before.outside_cycles,
            sleep_cycles=self.sleep_cycles - before.sleep_cycles)


def frozen(arr: np.ndarray) -> np.ndarray:
    arr.flags.writeable = False
    return arr
