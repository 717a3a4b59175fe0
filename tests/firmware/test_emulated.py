"""The committed test firmwares run under tinysim.emu and print what they should.

These are the system-level check of each board port (the same ELFs are meant for the physical
boards): boot, clock tree, console, timer interrupts, RX interrupts, faults, stack guard, budget.
They skip when the emulator or a platform's peripheral models are not available yet.
"""

from __future__ import annotations

import re

import pytest

from tinysim.errors import PlatformError
from tinysim.firmware import build

session = pytest.importorskip("tinysim.pipeline.session", reason="tinysim.emu not built")

PORT_OF = {"nucleo-l4r5zi": "nucleo-l4r5zi", "gd32vf103-longan": "gd32vf103",
           "esp32c3-devkitm": "esp32c3", "nucleo-u575zi-q": "nucleo-u575zi-q",
           "nrf5340-dk": "nrf5340-dk", "nucleo-u385rg-q": "nucleo-u385rg-q"}
CLOCK_HZ = {"nucleo-l4r5zi": 120_000_000, "gd32vf103-longan": 108_000_000,
            "esp32c3-devkitm": 160_000_000, "nucleo-u575zi-q": 160_000_000,
            "nrf5340-dk": 128_000_000, "nucleo-u385rg-q": 96_000_000}


def _image(platform: str, name: str):
    path = build.PREBUILT_TESTS_DIR / platform / f"{name}.elf"
    if not path.is_file():
        pytest.skip(f"{name} is not built for {platform}")
    return path


# Peripheral address windows: an access there that the platform does not map means the
# emulator lacks a register model (a gap to fill in platforms/ or tinysim/emu), not a firmware bug.
PERIPHERAL_WINDOWS = {
    "nucleo-l4r5zi": [(0x40000000, 0x60000000), (0xE0000000, 0xE0100000)],
    "gd32vf103-longan": [(0x40000000, 0x50000000), (0xD1000000, 0xD3000000)],
    "esp32c3-devkitm": [(0x60000000, 0x600D1000)],
    "nucleo-u575zi-q": [(0x40000000, 0x60000000), (0xE0000000, 0xE0100000)],
    "nrf5340-dk": [(0x40000000, 0x60000000), (0xE0000000, 0xE0100000)],
    "nucleo-u385rg-q": [(0x40000000, 0x60000000), (0xE0000000, 0xE0100000)],
}


def run(platform: str, name: str, budget: int = 5_000_000, uart_input: bytes = b""):
    try:
        r = session.run_firmware(_image(platform, name), platform, max_instructions=budget,
                                 uart_input=uart_input)
    except PlatformError as err:
        if "unknown peripheral model" in str(err):
            pytest.skip(f"emulator does not model {platform} yet: {err}")
        raise
    m = re.search(r"unmapped address (0x[0-9a-f]+)", r.message) if r.exit == "fault" else None
    if m and any(lo <= int(m.group(1), 16) < hi for lo, hi in PERIPHERAL_WINDOWS[platform]):
        pytest.skip(f"{platform}: emulator does not model the register at {m.group(1)} yet "
                    f"({r.message.splitlines()[0]})")
    return r


PLATFORMS = list(PORT_OF)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_hello_prints_board_name_and_clock(platform):
    r = run(platform, "hello")
    assert r.exit == "halt", r.message
    assert r.uart.startswith(f"hello from {PORT_OF[platform]}\r\n")
    m = re.search(r"cycles (\d+) clock_hz (\d+)\r\n", r.uart)
    assert m and int(m.group(2)) == CLOCK_HZ[platform]
    # The greeting leaves at 115200 baud (10 bits a character): writing its N characters waits for
    # N - 2 of them to go out (one goes straight to the shift register, one waits in the holding
    # register or FIFO when the count is read); the port's own code adds up to ~100k cycles (the
    # ESP32-C3 runs it from cached XIP flash).
    n = len(f"hello from {PORT_OF[platform]}\r\n")
    char = 10 * CLOCK_HZ[platform] / 115_200
    tx_fifo = 128 if platform.startswith("esp32c3") else 1
    waited = max(0, n - 1 - tx_fifo) * char
    assert waited <= int(m.group(1)) <= waited + char + 100_000, (int(m.group(1)), waited)


@pytest.mark.parametrize("platform", PLATFORMS)
def test_tick_wakes_ten_times_at_100hz(platform):
    r = run(platform, "tick")
    assert r.exit == "halt", r.message
    m = re.fullmatch(r"tick 10\r\nelapsed_us (\d+)\r\n", r.uart)
    assert m, r.uart
    # 10 periods of 10 ms of virtual time, give or take the start-up and one period
    assert 90_000 <= int(m.group(1)) <= 110_000
    assert r.instructions < 100_000  # the core slept in WFI between ticks


@pytest.mark.parametrize("platform", PLATFORMS)
def test_echo_returns_lines_and_quits(platform):
    r = run(platform, "echo", uart_input=b"hello world\r\nsecond\nquit\r\n")
    assert r.exit == "halt", r.message
    assert r.uart == "echo ready\r\nhello world\r\nsecond\r\nbye\r\n"


@pytest.mark.parametrize("platform", PLATFORMS)
def test_echo_waits_idle_for_more_input(platform):
    r = run(platform, "echo", uart_input=b"abc\n")
    assert r.exit == "idle", r.message
    assert r.uart == "echo ready\r\nabc\r\n"


def test_compute_checksum_is_the_same_on_every_core():
    sums = {}
    for platform in PLATFORMS:
        try:
            r = run(platform, "compute", budget=60_000_000)
        except pytest.skip.Exception:
            continue
        assert r.exit == "halt", (platform, r.message)
        assert 20_000_000 <= r.instructions <= 50_000_000, (platform, r.instructions)
        sums[platform] = re.search(r"compute checksum ([0-9a-f]{8})", r.uart).group(1)
    assert len(sums) >= 2, sums
    assert set(sums.values()) == {"da50b379"}, sums


def test_float_uses_the_fpu_and_prints_a_fixed_result():
    r = run("nucleo-l4r5zi", "float")
    assert r.exit == "halt", r.message
    assert r.uart == "float result_x1e6 134510688 bits 430682bc\r\n"


@pytest.mark.parametrize("platform", PLATFORMS)
@pytest.mark.parametrize("name,kind", [("fault_undef", "invalid-instruction"),
                                       ("fault_unmapped", "unmapped"),
                                       ("fault_hard", None),
                                       ("stack_overflow", "stack-overflow")])
def test_faults_are_reported(platform, name, kind):
    r = run(platform, name)
    assert r.exit == "fault", (r.exit, r.message)
    assert r.fault is not None
    if kind:
        assert kind in r.message
    assert "ERROR" not in r.uart
    assert r.uart.startswith(name.split("_")[0])


@pytest.mark.parametrize("platform", PLATFORMS)
def test_runaway_is_stopped_by_the_budget(platform):
    r = run(platform, "runaway", budget=2_000_000)
    assert r.exit == "budget"
    assert r.instructions >= 2_000_000
    assert r.uart == "runaway: spinning\r\n"
