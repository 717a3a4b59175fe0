"""RISC-V engine in the system: test firmwares on the GD32VF103 (Longan Nano) platform."""

from __future__ import annotations

import re

import pytest

from tinysim.pipeline.session import build_session, run_firmware

BOARD = "gd32vf103-longan"


def test_hello_prints_and_halts_on_ebreak(fw):
    r = run_firmware(fw("hello", BOARD), BOARD, max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from gd32vf103\r\n")
    assert re.search(r"cycles \d+ clock_hz 108000000", r.uart)
    assert r.instructions > 500 and r.cycles >= r.instructions
    assert 0 < r.stack_peak_bytes < 4096


def test_machine_timer_interrupts_through_eclic(fw):
    r = run_firmware(fw("tick", BOARD), BOARD, max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    assert "tick 10\r\n" in r.uart
    elapsed = int(re.search(r"elapsed_us (\d+)", r.uart).group(1))
    assert 99_000 <= elapsed <= 101_000


def test_usart_rx_interrupt_echo(fw):
    s = build_session(fw("echo", BOARD), BOARD)
    s.machine.uart_rx(b"abc\n")
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "idle" and r.uart == "echo ready\r\nabc\r\n"
    s.machine.uart_rx(b"quit\n")
    assert s.run(max_instructions=5_000_000).exit == "halt"


def test_deterministic_counts(fw):
    a = run_firmware(fw("compute", BOARD), BOARD, max_instructions=3_000_000)
    b = run_firmware(fw("compute", BOARD), BOARD, max_instructions=3_000_000)
    assert (a.instructions, a.cycles, a.blocks, a.uart) == (b.instructions, b.cycles, b.blocks, b.uart)


@pytest.mark.parametrize("name, kind, where, cause", [
    ("fault_undef", "invalid-instruction", "main+", 2),
    ("fault_unmapped", "unmapped-read", "main+", 5),
    ("fault_hard", "unmapped-fetch", "0x70000000", 1),
    ("stack_overflow", "stack-overflow", "recurse", None),     # tinysim's guard: no trap
])
def test_faults(fw, name, kind, where, cause):
    """A fault the core raises traps to the board's handler first, as on silicon (it prints
    mcause, mepc and mtval, then halts); the run ends with the report of the fault."""
    r = run_firmware(fw(name, BOARD), BOARD, max_instructions=5_000_000)
    assert r.exit == "fault"
    assert r.fault.kind == kind and r.fault.where.startswith(where)
    assert "sp" in r.fault.registers and "mcause" in r.fault.registers
    assert r.fault.uart_tail[0].startswith(name)
    if cause is None:
        assert len(r.fault.uart_tail) == 1
    else:
        mtval = 0 if cause == 2 else r.fault.address
        assert r.fault.uart_tail[-1] == f"*** fault mcause={cause:08x} mepc={r.fault.pc:08x} mtval={mtval:08x}"
        assert f"trap (mcause {cause}) through the firmware's handler" in r.fault.message


def test_budget(fw):
    r = run_firmware(fw("runaway", BOARD), BOARD, max_instructions=100_000)
    assert r.exit == "budget" and "instruction budget" in r.message


def test_eclic_model_leaves_nothing_unmodelled(fw, tmp_path):
    import shutil
    from pathlib import Path

    from tinysim.platform import load_platform
    plat = load_platform(BOARD)
    if plat.peripheral("eclic").model != "intc.nuclei_eclic":
        root = tmp_path / "platforms"
        shutil.copytree(Path(__file__).resolve().parents[2] / "platforms", root)
        soc = root / "socs" / "gd32vf103.toml"
        soc.write_text(soc.read_text().replace('name = "eclic"\nmodel = "misc.reset_value"',
                                               'name = "eclic"\nmodel = "intc.nuclei_eclic"'))
        plat = load_platform(BOARD, directory=root)
    s = build_session(fw("tick", BOARD), plat)
    r = s.run(max_instructions=2_000_000)
    assert r.exit == "halt" and "tick 10\r\n" in r.uart
    assert s.machine.unmodelled_accesses() == []
