"""Cortex-M7 engine in the system: Unicorn's M7 model and the NUCLEO-H7A3ZI-Q port (PLL1 at
280 MHz, VOS0, 6 wait states, L1 caches on) running real test firmwares."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc, UcError
from unicorn.arm_const import (UC_ARM_REG_PC, UC_ARM_REG_R0, UC_ARM_REG_R1,
                               UC_CPU_ARM_CORTEX_M4, UC_CPU_ARM_CORTEX_M7)

from tinysim.pipeline.session import build_session, counter_options, run_firmware
from tinysim.platform import load_platform

BOARD = "nucleo-h7a3zi-q"
FPV5_DP = """.syntax unified
.thumb
vmov.f64 d0, #1.5
vmov.f64 d1, #2.0
vadd.f64 d2, d0, d1
vmov r0, r1, d2
vsqrt.f64 d3, d1
vrintn.f32 s8, s2
vmaxnm.f32 s10, s0, s2
bkpt
"""


def _fpv5_code(tmp_path) -> bytes:
    if shutil.which("arm-none-eabi-as") is None:
        pytest.skip("arm-none-eabi-as not found: install the Debian package binutils-arm-none-eabi")
    src, obj, out = tmp_path / "a.s", tmp_path / "a.o", tmp_path / "a.bin"
    src.write_text(FPV5_DP)
    subprocess.run(["arm-none-eabi-as", "-mcpu=cortex-m7", "-mfpu=fpv5-d16", "-mthumb", str(src),
                    "-o", str(obj)], check=True, capture_output=True)
    subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", str(obj), str(out)], check=True)
    return out.read_bytes()


def _run(code: bytes, model: int) -> int:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(model)
    uc.mem_map(0, 0x10000)
    uc.mem_write(0x1000, code)
    uc.emu_start(0x1001, 0x1000 + len(code) - 2)
    return uc.reg_read(UC_ARM_REG_R1) << 32 | uc.reg_read(UC_ARM_REG_R0)


def test_unicorn_m7_model_runs_fpv5_double_precision(tmp_path):
    code = _fpv5_code(tmp_path)
    assert _run(code, UC_CPU_ARM_CORTEX_M7) == 0x400C000000000000   # 1.5 + 2.0 = 3.5
    with pytest.raises(UcError):
        _run(code, UC_CPU_ARM_CORTEX_M4)                                # no F64 on the M4


def test_the_board_gets_the_m7_model_and_the_l4_board_keeps_the_m4(fw):
    assert build_session(fw("hello", BOARD), BOARD).machine.cpu_model() == UC_CPU_ARM_CORTEX_M7
    assert build_session(fw("hello"), "nucleo-l4r5zi").machine.cpu_model() == UC_CPU_ARM_CORTEX_M4


def test_hello_runs_at_280_mhz_with_the_caches_on(fw):
    s = build_session(fw("hello", BOARD), BOARD)
    r = s.run(max_instructions=2_000_000)
    assert r.exit == "halt", r.message
    assert r.uart.startswith("hello from nucleo-h7a3zi-q\r\n")
    assert re.search(r"cycles \d+ clock_hz 280000000", r.uart)
    point = s.machine.operating_point
    assert (point.clock_hz, point.latency, point.voltage_range) == (280e6, 6, "vos0")
    assert point.icache and point.dcache and not point.prefetch
    ic, dc = s.counter._state.icache, s.counter._state.dcache
    assert (ic.n_sets, ic.n_ways, dc.n_sets, dc.n_ways) == (256, 2, 128, 4)
    stats = s.counter.cache_stats()["icache"]   # I-cache hits are derived there, not kept natively
    assert ic.miss_penalty == 6 and stats["hits"] > 10 * stats["misses"]


def test_counter_options_carry_the_l1_geometry():
    opts = counter_options(load_platform(BOARD))
    ic, dc = opts["icache"], opts["dcache"]
    assert (ic.line_bytes, ic.lines, ic.ways, ic.prefetch) == (32, 512, 2, False)
    assert (dc.line_bytes, dc.lines, dc.ways) == (32, 512, 4)


def test_compute_and_float_agree_with_the_m4_board(fw):
    for name in ("compute", "float"):
        m7 = run_firmware(fw(name, BOARD), BOARD)
        m4 = run_firmware(fw(name), "nucleo-l4r5zi")
        assert m7.exit == m4.exit == "halt", m7.message
        strip = lambda u: re.sub(r"(cycles|clock_hz|elapsed_us) \d+|nucleo-\S+", "", u)  # noqa: E731
        assert strip(m7.uart) == strip(m4.uart)
