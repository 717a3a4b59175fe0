"""The STM32 boards' shared set-up steps (platforms/common/stm32_board.c) leave the registers the
board ports ask for: after each board's committed hello image has run, its console's TX and RX
pins are on their alternate function (medium speed, RX pulled up, TX not) and the U5/U3 ICACHE
is on with the associativity asked for. The pins and functions are each board.c's (its
comments give the sources: the board's user manual and the SoC datasheet's AF table)."""

from __future__ import annotations

import pytest

from tinysim.firmware import build

session = pytest.importorskip("tinysim.pipeline.session", reason="tinysim.emu not built")

# board: (GPIO port letter, TX pin, RX pin, alternate function, ICACHE ways or None)
CONSOLE_PINS = {
    "nucleo-l4r5zi": ("G", 7, 8, 8, None),      # LPUART1 on PG7/PG8, AF8
    "nucleo-h7a3zi-q": ("D", 8, 9, 7, None),    # USART3 on PD8/PD9, AF7
    "nucleo-u575zi-q": ("A", 9, 10, 7, 2),      # USART1 on PA9/PA10, AF7; ICACHE 2-way
    "nucleo-u385rg-q": ("A", 9, 10, 7, 2),
}


def _field(value: int, pin: int, bits: int) -> int:
    return value >> (bits * pin) & ((1 << bits) - 1)


@pytest.mark.parametrize("board", sorted(CONSOLE_PINS))
def test_console_pins_and_icache_after_board_init(board):
    elf = build.PREBUILT_TESTS_DIR / board / "hello.elf"
    if not elf.is_file():
        pytest.skip(f"hello is not built for {board}")
    s = session.build_session(elf, board)
    result = s.run(max_instructions=2_000_000)
    assert result.exit == "halt", result.exit
    port, tx, rx, af, ways = CONSOLE_PINS[board]
    gpio = s.machine.peripherals["gpio"]

    def reg(name):
        return gpio.reg_read(f"GPIO{port}_{name}")

    for pin, pull in ((tx, 0b00), (rx, 0b01)):
        afr = reg("AFRL") if pin < 8 else reg("AFRH")
        assert _field(afr, pin % 8, 4) == af, (board, pin)
        assert _field(reg("MODER"), pin, 2) == 0b10, (board, pin)     # alternate function
        assert _field(reg("OSPEEDR"), pin, 2) == 0b01, (board, pin)   # medium speed
        assert _field(reg("PUPDR"), pin, 2) == pull, (board, pin)
    if ways is not None:
        cr = s.machine.peripherals["icache"].reg_read("CR")
        assert cr & 1, "ICACHE CR.EN"
        assert bool(cr & 4) == (ways == 2), "ICACHE CR.WAYSEL"
