"""The greedy liveness planner: never overlaps live buffers, reuses dead ones."""

import numpy as np
import pytest

from tinysim.compiler import arena


def test_chain_reuses_two_buffers():
    # a -> b -> c -> d: each op reads one tensor and writes the next
    bufs = [arena.Buffer(i, 100, i - 1, i) for i in range(4)]
    total = arena.place(bufs)
    arena.check(bufs)
    assert total == 200


def test_random_lifetimes_never_overlap():
    rng = np.random.default_rng(0)
    for trial in range(200):
        bufs = []
        for i in range(int(rng.integers(1, 25))):
            a = int(rng.integers(-1, 20))
            bufs.append(arena.Buffer(i, int(rng.integers(1, 500)), a, a + int(rng.integers(0, 6))))
        total = arena.place(bufs)
        arena.check(bufs)
        assert all(b.offset % arena.ALIGN == 0 for b in bufs)
        assert total >= max(b.offset + b.size for b in bufs)
        # never worse than giving every buffer its own aligned slot
        assert total <= sum((b.size + 3) // 4 * 4 for b in bufs)


def test_check_catches_overlap():
    a, b = arena.Buffer("a", 8, 0, 1, offset=0), arena.Buffer("b", 8, 1, 2, offset=4)
    with pytest.raises(AssertionError):
        arena.check([a, b])
