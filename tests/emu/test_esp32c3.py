"""ESP32-C3 on the RISC-V engine: UART0, SYSTIMER alarms and UART RX through the interrupt matrix.

Until platforms/socs/esp32c3.toml gives the interrupt matrix its model (intc.esp32c3_intmtx),
SYSTEM its model (clock.esp32c3_system) and the IRQ sources (UART0 = 21, SYSTIMER target 0 = 37,
ESP32-C3 TRM Table 8-1), the test applies that to a copy of the platform files."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tinysim.pipeline.session import build_session, run_firmware
from tinysim.platform import load_platform

BOARD = "esp32c3-devkitm"
REPO = Path(__file__).resolve().parents[2]

EXTRA = '''
[[peripheral]]
name = "system"
model = "clock.esp32c3_system"
base = 0x600C_0000
size = 0x1000

[[peripheral]]
name = "intmtx"
model = "intc.esp32c3_intmtx"
base = 0x600C_2000
size = 0x800
'''


def _has_interrupts(p) -> bool:
    models = {x.model for x in p.peripherals}
    irqs = {x.name: x.irq for x in p.peripherals}
    return "intc.esp32c3_intmtx" in models and irqs.get("uart0") is not None \
        and irqs.get("systimer") is not None


def _set_model(text: str, name: str, model: str) -> str:
    return re.sub(rf'(name = "{name}"\nmodel = )"[^"]*"', rf'\g<1>"{model}"', text, count=1)


@pytest.fixture(scope="module")
def plat(tmp_path_factory):
    p = load_platform(BOARD)
    if _has_interrupts(p):
        return p
    root = tmp_path_factory.mktemp("platforms")
    shutil.copytree(REPO / "platforms", root, dirs_exist_ok=True)
    soc = root / "socs" / "esp32c3.toml"
    text = soc.read_text()
    for name, irq in (("uart0", 21), ("systimer", 37)):
        if irq is not None and not re.search(rf'name = "{name}"\n(?:[^\[]*\n)*?irq = ', text):
            text = re.sub(rf'(name = "{name}"\n(?:.*\n)*?size = [^\n]*\n)', rf"\g<1>irq = {irq}\n", text, count=1)
    names = {x.name for x in p.peripherals}
    if "interrupt_matrix" in names or "system" in names:
        text = _set_model(text, "interrupt_matrix", "intc.esp32c3_intmtx")
        text = _set_model(text, "system", "clock.esp32c3_system")
    else:
        text += EXTRA
    soc.write_text(text)
    return load_platform(BOARD, directory=root)


def test_hello(fw, plat):
    r = run_firmware(fw("hello", BOARD), plat, max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from esp32c3\r\n")


def test_systimer_alarm_through_interrupt_matrix(fw, plat):
    r = run_firmware(fw("tick", BOARD), plat, max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    assert "tick 10\r\n" in r.uart
    elapsed = int(re.search(r"elapsed_us (\d+)", r.uart).group(1))
    assert 99_000 <= elapsed <= 101_000
    assert r.cycles >= 16_000_000  # 0.1 s at 160 MHz


def test_uart_rx_interrupt(fw, plat):
    s = build_session(fw("echo", BOARD), plat)
    s.machine.uart_rx(b"abc\nquit\n")
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "halt" and r.uart == "echo ready\r\nabc\r\nbye\r\n"
    # the watchdog registers the port disables are named as unmodelled, with the PC's function
    assert any(row[0] == "rtc_cntl" and row[3] == "board_init" for row in s.machine.unmodelled_accesses())


def test_memory_aliases_share_storage(fw, plat):
    s = build_session(fw("hello", BOARD), plat)
    uc = s.machine.uc
    assert bytes(uc.mem_read(0x42000000, 64)) == bytes(uc.mem_read(0x3C000000, 64))  # IROM == DROM
    uc.mem_write(0x3FC80100, b"alias!")
    assert bytes(uc.mem_read(0x40380100, 6)) == b"alias!"  # DRAM and IRAM views of SRAM1
