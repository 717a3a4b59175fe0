"""The STM32L4R5 peripherals of issue 11 in the system: tiny firmwares (sources in
tinysim/firmware/tests/) drive TIM16, DMA1 + DMAMUX1 with LPUART1, and EXTI + SYSCFG, and the
emulated device time, UART bytes and interrupts are checked against the firmware's own DWT cycle
counter and output."""

from __future__ import annotations

import dataclasses
import re

import pytest

from tinysim.pipeline.session import build_session
from tinysim.platform import Wire, load_platform

BOARD = "nucleo-l4r5zi"
CORE_HZ = 120e6      # the board's clock (board.c runs the PLL at 120 MHz; board TOML [clock])

pytestmark = pytest.mark.toolchain


def _run(elf, max_instructions=30_000_000):
    s = build_session(elf, BOARD)
    r = s.run(max_instructions=max_instructions)
    return s, r


def test_tim16_microseconds_agree_with_the_cycle_counter_within_one_tick(fw):
    s, r = _run(fw("tim16"))
    assert r.exit == "halt", r.message
    phases = {m[0]: tuple(int(x) for x in m[1:])
              for m in re.findall(r"(\w+) us (\d+) cycles (\d+) ms (\d+)", r.uart)}
    assert set(phases) == {"busy", "wfi"}, r.uart
    for name, (us, cycles, _) in phases.items():
        # TIM16 counts 1 MHz ticks of the 120 MHz timer clock; the two timestamps are taken a
        # few instructions apart, so they agree to within one tick
        assert abs(us - cycles / (CORE_HZ / 1e6)) <= 1.0, (name, us, cycles)
    busy_ms, wfi_ms = phases["busy"][2], phases["wfi"][2]
    # one update interrupt per millisecond of device time
    assert busy_ms == phases["busy"][0] // 1000
    assert wfi_ms - busy_ms == pytest.approx(phases["wfi"][0] / 1000, abs=1)
    assert wfi_ms - busy_ms >= 20
    assert s.machine.unmodelled_accesses() == []


def test_dma_prints_a_buffer_and_receives_a_line_through_the_console_uart(fw):
    s, r = _run(fw("dma_uart"))
    # the firmware sleeps with DMA1 channel 2 waiting for LPUART1_RX: the run idles for input
    assert r.exit == "idle", r.message
    banner = "dma tx: the quick brown fox jumps over the lazy dog\r\n"
    assert banner in r.uart
    nbytes, cycles = (int(x) for x in re.search(r"tx bytes (\d+) cycles (\d+)", r.uart).groups())
    assert nbytes == len(banner)
    # paced at the configured baud rate: every character takes one character time on the line
    # (two are accepted at once, shift + holding register; the wait ends when TC sets)
    char = s.machine.peripherals["lpuart1"].char_cycles()
    assert char > 10_000                         # 115200 baud at 120 MHz: ~10417 cycles
    assert nbytes * char <= cycles <= nbytes * char + 500
    s.machine.uart_rx(b"hello dma!\r\n")
    r2 = s.run(max_instructions=30_000_000)
    assert r2.exit == "halt", r2.message
    assert r2.uart.endswith("rx: hello dma!\r\n")
    assert s.machine.unmodelled_accesses() == []


def test_gpio_edges_raise_exti_interrupts_through_syscfg(fw):
    # a board wire from PB1 to PC13 (an external signal on PC13, the way a button would be wired)
    plat = load_platform(BOARD)
    plat = dataclasses.replace(plat, wires=(*plat.wires, Wire("gpio:PB1", "exti:PC13")))
    s = build_session(fw("exti"), plat)
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "halt", r.message
    # PB0 both edges -> EXTI0 twice; PB1 -> PC13 rising -> EXTI15_10 once; SWIER1 line 2 once;
    # line 3 selects port A, so PB3's edges raise nothing
    assert "exti0 2 exti13 1 exti2 1 exti3 0" in r.uart
    assert s.machine.unmodelled_accesses() == []


def test_a_shared_interrupt_line_stays_high_while_any_source_holds_it(fw):
    # TIM1_UP and TIM16 share IRQ 25 (RM0432 Table 58): the line is the OR of both timers
    m = build_session(fw("tim16"), "nucleo-l4r5zi").machine
    exc = 16 + 25
    m.set_irq(25, True, source="tim1")
    m.set_irq(25, True, source="tim16")
    m.set_irq(25, False, source="tim1")
    assert exc in m.exc.lines                      # TIM16 still holds it
    m.set_irq(25, False, source="tim16")
    assert exc not in m.exc.lines
    tims = [p for p in load_platform("nucleo-l4r5zi").peripherals if p.name in ("tim1", "tim16")]
    assert {p.irq for p in tims} == {25}           # the SoC file wires both to the one line


def test_a_timer_counts_at_the_new_rate_from_the_moment_its_apb_clock_changes(fw):
    m = build_session(fw("tim16"), "nucleo-l4r5zi").machine
    rcc, tim2 = m.peripherals["rcc"], m.peripherals["tim2"]
    core = m.clock_hz()
    assert rcc.kernel_clock_hz("tim2") == core        # APB1 at /1 after reset: the timer clock is HCLK
    tim2.reg_write("ARR", 0xFFFFFFFF)
    tim2.reg_write("CR1", 1)                           # CEN, prescaler 1
    start = m.now()
    m.advance_to(start + 1000)
    rcc.reg_write("CFGR", rcc.reg_read("CFGR") | (0b101 << 8))   # PPRE1 = /4: TIM2 at 2 x HCLK/4
    m.clock_tree_written()                             # what the bus does after an RCC access
    assert rcc.kernel_clock_hz("tim2") == core / 2
    m.advance_to(start + 3000)
    # 1000 cycles at the core rate, then 2000 at half of it: 2000 counts, not 3000 (or 1500)
    assert tim2.reg_read("CNT") == 2000
