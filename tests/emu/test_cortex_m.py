"""Cortex-M4 engine in the system: real test firmwares on the NUCLEO-L4R5ZI platform."""

from __future__ import annotations

import re

import pytest
from unicorn import UC_ARCH_ARM, UC_MODE_MCLASS, UC_MODE_THUMB, Uc
from unicorn.arm_const import UC_CPU_ARM_CORTEX_M4, UC_CPU_ARM_CORTEX_M33

from tinysim.pipeline.session import build_session, run_firmware

BOARD = "nucleo-l4r5zi"


def test_cpu_model_is_cortex_m4(fw):
    s = build_session(fw("hello"), BOARD)
    assert s.machine.cpu_model() == UC_CPU_ARM_CORTEX_M4
    # Why the engine never passes UC_MODE_MCLASS: unicorn then silently builds an M33.
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB | UC_MODE_MCLASS)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(0, 0x1000)
    uc.emu_start(1, 2, count=1)  # the model is chosen at first use
    assert uc.ctl_get_cpu_model() == UC_CPU_ARM_CORTEX_M33


def test_hello_prints_and_halts(fw):
    r = run_firmware(fw("hello"), BOARD, max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from nucleo-l4r5zi\r\n")
    assert re.search(r"cycles \d+ clock_hz 120000000", r.uart)
    assert r.instructions > 1000 and r.cycles >= r.instructions
    assert r.blocks > 100
    assert 0 < r.stack_peak_bytes < 4096
    assert r.fault is None


def test_same_elf_twice_gives_identical_counts(fw):
    a = run_firmware(fw("compute"), BOARD)
    b = run_firmware(fw("compute"), BOARD)
    assert a.exit == b.exit == "halt"
    assert (a.instructions, a.blocks, a.cycles, a.uart, a.stack_peak_bytes) == \
           (b.instructions, b.blocks, b.cycles, b.uart, b.stack_peak_bytes)


def test_systick_interrupts_wake_wfi(fw):
    r = run_firmware(fw("tick"), BOARD, max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    assert "tick 10\r\n" in r.uart
    elapsed = int(re.search(r"elapsed_us (\d+)", r.uart).group(1))
    assert 99_000 <= elapsed <= 101_000  # 10 ticks at 100 Hz in virtual time
    assert r.cycles >= 12_000_000  # 0.1 s at 120 MHz: WFI skipped ahead to each tick


def test_uart_rx_interrupt_echo_and_idle(fw):
    s = build_session(fw("echo"), BOARD)
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "idle" and r.uart == "echo ready\r\n"
    s.machine.uart_rx(b"hello\r\n")
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "idle" and r.uart == "hello\r\n"
    s.machine.uart_rx(b"quit\n")
    r = s.run(max_instructions=5_000_000)
    assert r.exit == "halt" and r.uart == "bye\r\n"


def test_until_stops_at_expected_output(fw):
    s = build_session(fw("echo"), BOARD)
    s.machine.uart_rx(b"one\ntwo\n")
    r = s.run(max_instructions=5_000_000, until="one\r\n")
    assert r.exit == "until"
    assert r.uart.endswith("one\r\n") and "two" not in r.uart


def test_budget_stop_says_so(fw):
    r = run_firmware(fw("runaway"), BOARD, max_instructions=200_000)
    assert r.exit == "budget"
    assert 200_000 <= r.instructions < 200_100
    assert "instruction budget" in r.message and "200000" in r.message


@pytest.mark.parametrize("name, kind, where, cfsr", [
    ("fault_undef", "invalid-instruction", "main+", "00010000"),      # UNDEFINSTR
    ("fault_unmapped", "unmapped-read", "main+", "00008200"),         # PRECISERR, BFARVALID
    ("fault_hard", "invalid-instruction", "target", "00020000"),      # INVSTATE
    ("stack_overflow", "stack-overflow", "recurse", None),            # tinysim's guard
])
def test_faults_are_reported_where_they_happen(fw, name, kind, where, cfsr):
    """Each fault the core raises runs the start-up's HardFault handler first, as on silicon
    (UsageFault and BusFault are disabled at reset: escalated, HFSR.FORCED); the handler prints
    and halts, and the run ends with the report of the fault that led there."""
    r = run_firmware(fw(name), BOARD, max_instructions=5_000_000)
    assert r.exit == "fault"
    f = r.fault
    assert f.kind == kind
    assert f.where.startswith(where)
    assert f.registers["pc"] == f.pc and "sp" in f.registers and "r0" in f.registers
    assert f.uart_tail and f.uart_tail[0].startswith(name)
    if cfsr is None:
        assert len(f.uart_tail) == 1
    else:
        assert f.uart_tail[-1] == f"*** fault CFSR={cfsr} HFSR=40000000 PC={f.pc:08x}"
        assert "through the firmware's HardFault handler (escalated: HFSR.FORCED)" in f.message
    assert f.kind in f.format() and f.where in f.format()
    if kind == "unmapped-read":
        assert f.address == 0x70000000
    if kind == "stack-overflow":
        assert "__stack_limit" in f.message


def test_float_firmware_uses_fpu(fw):
    r = run_firmware(fw("float"), BOARD, max_instructions=5_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("float result")


def test_unmodelled_accesses_are_listed(fw):
    s = build_session(fw("hello"), BOARD)
    s.run(max_instructions=1_000_000)
    # poke an offset no DBGMCU register covers from the host side, as firmware would
    s.machine.peripherals["dbgmcu"].read(0x20, 4)
    rows = s.machine.unmodelled_accesses()
    assert any(r[0] == "dbgmcu" and r[1] == "+0x020" for r in rows)


def test_ppb_registers_without_a_model_read_reset_values_and_are_listed(fw):
    s = build_session(fw("hello"), BOARD)
    m = s.machine
    s.run(max_instructions=1_000_000)
    assert int.from_bytes(m.uc.mem_read(0xE000E004, 4), "little") == 2  # ICTR: 95 lines, 3 groups
    assert int.from_bytes(m.uc.mem_read(0xE0000E80, 4), "little") == 0  # ITM TCR
    m.uc.mem_write(0xE000EF00, (70).to_bytes(4, "little"))  # STIR pends IRQ 70
    assert 16 + 70 in m.exc.pending
    rows = {(r[0], r[1], r[2]) for r in m.unmodelled_accesses()}
    assert ("ppb", "ITM+0xe80", "read") in rows
    assert not {("ppb", "ICTR", "read"), ("ppb", "STIR", "write")} & rows  # the two the model answers


def test_firmware_flash_wait_states_are_visible(fw):
    from tinysim.platform import load_platform
    s = build_session(fw("hello"), BOARD)
    r = s.run(max_instructions=1_000_000)
    assert s.machine.flash_config() == {"latency": 5, "prefetch": True, "icache": True, "dcache": True}
    assert not r.warnings  # 5 WS at 120 MHz, as the platform file says (RM0432 table 12)
    slow = load_platform(BOARD).with_overrides(clock_hz=80_000_000)
    r = build_session(fw("hello"), slow).run(max_instructions=1_000_000)
    assert any("LATENCY=5" in w and "uses 3" in w for w in r.warnings)


@pytest.mark.toolchain
def test_an_exception_frame_where_nothing_is_ends_the_run(tmp_path):
    """An entry made by the run loop (an SVC) whose frame falls outside memory stops the run
    with the report, before the engine starts again (Machine.stop_before_start)."""
    from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path
    s = build_session(build("psp_nowhere", tmp_path), BOARD)
    r = s.run(max_instructions=1_000)
    assert r.exit == "fault", r.message
    assert r.fault.kind == "stack-overflow" and "outside memory" in r.fault.message
    assert word(s, "result") == 0


@pytest.mark.toolchain
def test_an_unprivileged_threads_flags_survive_a_stop(tmp_path):
    """The run loop reads PRIMASK/FAULTMASK/BASEPRI of an unprivileged thread through Handler
    mode for a moment (cortex_m._mask); it must put N Z C V Q and GE back as they were."""
    from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path
    s = build_session(build("npriv_flags", tmp_path), BOARD)
    r = s.run(max_instructions=1_000)
    assert r.exit == "halt", r.message
    assert word(s, "result", 0) == 0xF80F0000
    assert word(s, "result", 1) == 0xF80F0000
