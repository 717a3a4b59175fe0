"""A synthetic but realistic-shaped `ExecutionProfile`, for benchmarks and re-costing tests.

Shaped like a TFLM inference on a Cortex-M4: a few thousand blocks with a heavy-tailed execution
count (a handful of kernel inner loops run millions of times), instruction mixes dominated by
loads, MACs and DSP ops, loop back-edges taken, flash misses concentrated in rarely run code.
No emulation is involved; the numbers only need to be plausible and deterministic.
"""

from __future__ import annotations

import numpy as np

from .classes import N_TERMS, InsnClass as C
from .profile import BLOCK_DTYPE, EDGE_DTYPE, FORMAT_VERSION, REGION_DTYPE, ExecutionProfile
from .classes import TERM_NAMES
from .timing import get_preset

_MIX = [C.ALU] * 8 + [C.LOAD] * 4 + [C.LOAD_PIPELINED] * 3 + [C.STORE] * 2 + [C.MAC] * 3 + \
    [C.DSP] * 3 + [C.MUL, C.FP_ALU, C.FP_MAC, C.DIV, C.FP_DIVSQRT]


def synthetic_profile(n_blocks: int = 5000, seed: int = 0, preset: str = "cortex-m4",
                      weights=None) -> ExecutionProfile:
    rng = np.random.default_rng(seed)
    w = get_preset(preset).cycles() if weights is None else weights
    static = np.zeros((n_blocks, N_TERMS), dtype=np.int32)
    taken = np.zeros((n_blocks, N_TERMS), dtype=np.int32)
    n_insns = rng.integers(2, 24, n_blocks)
    for k in range(n_blocks):
        picks = rng.choice(len(_MIX), size=n_insns[k] - 1)
        np.add.at(static[k], [int(_MIX[p]) for p in picks], 1)
        static[k, C.BRANCH] += 1
        taken[k, rng.choice([C.TAKEN_BRANCH_BACK, C.TAKEN_BRANCH_FWD, C.TAKEN_RETURN])] = 1
    count = (rng.pareto(1.2, n_blocks) * 50).astype(np.uint64) + 1
    blocks = np.zeros(n_blocks, dtype=BLOCK_DTYPE)
    blocks["addr"] = 0x08000000 + np.cumsum(n_insns * 3) * 2
    blocks["size"] = n_insns * 3
    blocks["n_insns"] = n_insns
    blocks["static_cycles"] = (static @ w).astype(np.int64)
    blocks["taken_extra"] = (taken @ w).astype(np.int64)
    blocks["count"] = count
    blocks["imiss"] = rng.integers(0, 4, n_blocks)
    blocks["iprefetch"] = np.minimum(count // 4, rng.integers(0, 1000, n_blocks))
    n_edges = 2 * n_blocks
    edges = np.zeros(n_edges, dtype=EDGE_DTYPE)
    edges["src"] = rng.integers(0, n_blocks, n_edges)
    edges["dst"] = rng.integers(0, n_blocks, n_edges)
    edges["taken"] = rng.random(n_edges) < 0.7
    edges["count"] = np.maximum(count[edges["src"]] // 2, 1)
    regions = np.array([("flash", "flash", int(count.sum()), 0, int(count.sum() // 50), 0),
                        ("sram", "sram", int(count.sum() * 3), int(count.sum()), 0, 0)],
                       dtype=REGION_DTYPE)
    meta = {"format": FORMAT_VERSION, "term_names": list(TERM_NAMES), "arch": "armv7m",
            "timing_preset": preset, "window": "synthetic", "platform": "synthetic",
            "unclassified": []}
    return ExecutionProfile(blocks, edges, static, taken, regions, meta)
