"""The NVIC as each SoC implements it (platform [core] irq_lines and priority_bits; ARM DDI 0403
B3.4.3): interrupts past the SoC's lines are RAZ/WI, priorities keep only the implemented bits,
ICTR counts the lines, STIR ignores an interrupt the SoC does not have. The SoC files' figures
agree with the vector tables their start-up code builds."""

from __future__ import annotations

import re

import pytest

from tinysim.platform.load import PLATFORMS_DIR, load_platform
from tinysim.pipeline.session import build_session

from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

CORTEX_M_BOARDS = {"nucleo-l4r5zi": "stm32l4r5", "nucleo-h7a3zi-q": "stm32h7a3",
                   "nucleo-u575zi-q": "stm32u575", "nucleo-u385rg-q": "stm32u385", "nrf5340-dk": "nrf5340"}


@pytest.mark.parametrize("board, soc", sorted(CORTEX_M_BOARDS.items()))
def test_irq_lines_match_the_vector_table_the_startup_builds(board, soc):
    startup = (PLATFORMS_DIR / "socs" / soc / "startup.c").read_text()
    n = int(re.search(r"CORTEX_M_VECTOR_TABLE\((\d+)\)", startup).group(1))
    assert load_platform(board).core.irq_lines == n


@pytest.mark.toolchain
@pytest.mark.parametrize("board", ["nucleo-l4r5zi", "nucleo-h7a3zi-q", "nucleo-u575zi-q", "nucleo-u385rg-q"])
def test_firmware_probing_the_nvic_sees_the_socs_lines_and_priority_bits(tmp_path, board):
    core = load_platform(board).core
    s = build_session(build("nvic_lines", tmp_path), board)
    r = s.run(max_instructions=20_000)
    assert r.exit == "halt", r.message
    lines, bits = core.irq_lines, core.priority_bits
    top = (0xFF << (8 - bits)) & 0xFF
    assert word(s, "result", 0) == (lines + 31) // 32 - 1           # ICTR.INTLINESNUM
    assert word(s, "result", 1) == top                             # IPR byte of IRQ 0
    assert word(s, "result", 2) == top                             # SHPR3: SysTick
    iser = [word(s, "result", 3 + i) for i in range(8)]
    want = [(1 << max(0, min(32, lines - 32 * i))) - 1 for i in range(8)]
    assert iser == want
    assert word(s, "result", 11) == lines                          # IPR bytes that exist
    assert word(s, "result", 12) == 1                              # STIR 0 pended IRQ 0
    assert word(s, "result", 13) == 0                              # STIR 239: no such IRQ
    assert not [a for a in s.machine.unmodelled_accesses() if a[0] in ("nvic", "ppb", "scb")]


def test_nrf5340_has_three_priority_bits():
    from tinysim.emu.peripherals.core.state import ExceptionState
    core = load_platform("nrf5340-dk").core
    assert (core.priority_bits, core.irq_lines) == (3, 69)
    state = ExceptionState(core.priority_bits)
    state.set_priority(16, 0xFF)
    assert state.priority_of(16) == 0xE0
