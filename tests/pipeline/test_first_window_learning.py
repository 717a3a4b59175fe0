"""The flash D-cache model is learned over the firmware's first whole inference window.

The exact model (a read hook on flash) runs until the end of the first `infer` command, then its
per-block rates are frozen (tinysim.emu.counter). Freezing earlier leaves the inference kernels
without a rate, and their flash data stalls vanish from every later window: ST's energy-mode
builds read DWT_CYCCNT while shaping each timestamp pulse, so the old trigger (the third
cycle-counter read) froze the model at the start of the first window.
"""

from pathlib import Path

import numpy as np

from tinysim.harness.datasets import random_window
from tinysim.pipeline.emulated_dut import open_emulated
from tinysim.pipeline.emulated_transport import FirstWindowLearning, WINDOW_END
from tinysim.pipeline.session import build_session

REPO = Path(__file__).resolve().parents[2]
AD01 = REPO / "firmware_images" / "nucleo-l4r5zi" / "ad01.elf"


def test_model_stays_exact_until_the_first_window_ends():
    transport, client, meter = open_emulated("nucleo-l4r5zi", AD01)
    try:
        counter = transport.machine.counter
        client.load(random_window("ad01", np.random.default_rng(0)))
        assert counter.data_model_state == "exact"       # boot and loading: not a window yet
        meter.arm()
        first = meter(client.infer(1, 0))
        assert counter.data_model_state == "learned"     # frozen once m-infer-done was printed
        meter.arm()
        second = meter(client.infer(1, 0))
        assert first.unlearned_block_executions == 0
        assert second.unlearned_block_executions == 0    # every kernel had run before the freeze
        # The learned rates reproduce the exact window's stalls (same input, same code path).
        assert abs(second.cycles - first.cycles) <= 1e-3 * first.cycles
        dmiss = second.profile.regions["dmiss"].sum()
        assert dmiss > 0                                 # ad01's weights are read from flash
    finally:
        transport.close()


def test_marker_split_across_two_outputs_still_freezes():
    machine = build_session(AD01, "nucleo-l4r5zi").machine
    learning = FirstWindowLearning(machine)
    assert machine.learn_data_cache_after_timestamps is None   # the machine's own trigger is off
    half = len(WINDOW_END) // 2
    learning.saw(b"m-infer-start-1\r\n" + WINDOW_END[:half])
    assert machine.counter.data_model_state == "exact"
    learning.saw(WINDOW_END[half:] + b"\r\n")
    assert machine.counter.data_model_state == "learned"
