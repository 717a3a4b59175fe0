"""A cache line wider than one flash read (`[flash] read_bytes`): the STM32U385's ICACHE refills
its 16-byte line from a 64-bit flash word in two reads, each paying the wait states (an inference
from the two widths: tinysim/cost/flash.py). Platforms whose line is one read (the L4R5's ART,
the U575's ICACHE on a 128-bit word) keep one read's penalty."""

from pathlib import Path

import pytest

from tinysim.cost.flash import counter_caches, flash_penalties, penalties_for_ws
from tinysim.pipeline.session import build_session
from tinysim.platform import load_platform

REPO = Path(__file__).resolve().parents[2]
U385_IMAGE = REPO / "firmware_images" / "nucleo-u385rg-q" / "ad01.elf"


def test_a_refill_of_two_reads_pays_the_wait_states_twice():
    one = [float(x) for x in penalties_for_ws(3, 16, True)]
    two = [float(x) for x in penalties_for_ws(3, 16, True, None, 2)]
    assert one == [3.0, 0.0, 3.0, 0.0]        # lead 16/4 = 4 cycles hides a prefetched line
    assert two == [6.0, 2.0, 6.0, 2.0]        # 2 x 3 WS, the prefetch hides 4 of the 6


def test_u385_misses_cost_two_flash_words_on_16_byte_lines():
    p = load_platform("nucleo-u385rg-q")      # 96 MHz, range 1: 2 WS (RM0487 via ChibiOS)
    assert p.wait_states_at(96e6) == 2
    assert flash_penalties(p) == (4, 0, 4)
    caches = counter_caches(p)
    assert caches["shared_caches"] is True
    for side in ("icache", "dcache"):
        c = caches[side]
        assert (c["line_bytes"], c["lines"], c["ways"], c["miss_penalty"]) == (16, 512, 2, 4)


@pytest.mark.parametrize("board, pens", [("nucleo-u575zi-q", (4, 0, 4)),
                                         ("nucleo-l4r5zi", (5, 1, 5))])
def test_a_line_of_one_read_keeps_one_reads_penalty(board, pens):
    assert flash_penalties(load_platform(board)) == pens


def test_the_flash_models_64_bit_read_does_not_shrink_the_icache_line():
    """The U3 flash model reports 8-byte reads (the L4R5's DBANK way of changing an ART line):
    the ICACHE keeps its 16-byte line and refills it in two reads."""
    if not U385_IMAGE.exists():
        pytest.skip(f"{U385_IMAGE} is not built (make -C firmware images)")
    s = build_session(U385_IMAGE, "nucleo-u385rg-q")
    try:
        assert s.machine.flash_read_bytes() == 8
        assert (s.line_bytes, s.flash.refill_reads) == (16, 2)
    finally:
        s.counter.close()
