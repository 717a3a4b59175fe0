"""The nRF5340 DK port under the emulator: the application core boots at 64 MHz (CLOCK HFCLKCTRL
reset Div2), the port switches it to 128 MHz and turns the CACHE on, and the machine follows
both (operating point, flash timing); the console is the EasyDMA UARTE."""

from __future__ import annotations

from unicorn import arm_const as A

from tinysim.pipeline.session import build_session

BOARD = "nrf5340-dk"


def test_the_port_runs_at_128mhz_with_the_cache_on(fw):
    s = build_session(fw("hello", BOARD), BOARD)
    assert s.machine.cpu_model() == A.UC_CPU_ARM_CORTEX_M33
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from nrf5340-dk\r\n")
    first, last = s.machine.op_changes[0][1], s.machine.op_changes[-1][1]
    assert first.clock_hz == 64e6 and not first.icache         # reset: Div2, CACHE.ENABLE = 0
    assert last.clock_hz == 128e6 and last.icache and last.dcache
    plat = s.platform
    assert last.latency == plat.flash.wait_states(128e6, plat.voltage_range)
    assert not s.machine.warnings                               # no over-clock complaint


def test_echo_goes_through_the_rx_dma_double_buffer(fw):
    s = build_session(fw("echo", BOARD), BOARD)
    s.machine.uart_rx(b"the quick brown fox\r\nquit\r\n")
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "halt", r.message
    assert r.uart == "echo ready\r\nthe quick brown fox\r\nbye\r\n"
