"""session.py: profiles and the firmware's own timestamps."""

from __future__ import annotations

import re

from tinysim.cost.profile import ExecutionProfile
from tinysim.pipeline.session import build_session, record_profile

BOARD = "nucleo-l4r5zi"


def test_record_profile_covers_the_whole_run(fw):
    profile, result = record_profile(fw("compute"), BOARD)
    assert result.exit == "halt"
    assert profile.instructions == result.instructions
    assert len(profile.blocks) > 10


def test_timestamps_cut_the_window_the_firmware_timed(fw):
    s = build_session(fw("compute"), BOARD)
    s.machine.record_timestamps = True
    r = s.run()
    printed = int(re.search(r"cycles (\d+)", r.uart).group(1))  # DWT CYCCNT delta, from the firmware
    stamps = s.machine.timestamps
    assert len(stamps) == len(s.machine.timestamp_cycles) >= 2
    window = ExecutionProfile.from_snapshots(stamps[0], stamps[-1], s.coster)
    assert stamps[-1].cycles - stamps[0].cycles == printed
    assert 0 < window.instructions < r.instructions


def test_uart_listener_sees_output_live(fw):
    s = build_session(fw("hello"), BOARD)
    seen = bytearray()
    s.machine.on_uart_tx(seen.extend)
    r = s.run(max_instructions=1_000_000)
    assert bytes(seen).decode() == r.uart and r.uart.startswith("hello")


def test_timestamps_skip_reads_from_interrupt_handlers(fw):
    # The board's SysTick handler reads DWT CYCCNT on every tick (to extend it to 64 bits); only
    # main's two board_micros() reads are the firmware's own timing.
    s = build_session(fw("tick"), BOARD)
    s.machine.record_timestamps = True
    r = s.run(max_instructions=2_000_000)
    elapsed_us = int(re.search(r"elapsed_us (\d+)", r.uart).group(1))
    assert s.machine.handler_timestamp_reads >= 10
    assert len(s.machine.timestamps) == 2
    first, last = s.machine.timestamps
    assert abs((last.cycles - first.cycles) / 120 - elapsed_us) <= 1  # 120 cycles/us at 120 MHz
