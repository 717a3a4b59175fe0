"""RISC-V corner cases from tiny assembly images (tests/emu/firmware/rv_*.S)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from tinysim.pipeline.session import run_firmware

HERE = Path(__file__).parent / "firmware"
BOARD = "gd32vf103-longan"
pytestmark = pytest.mark.toolchain


def build(name: str, out: Path) -> Path:
    if shutil.which("riscv64-unknown-elf-gcc") is None:
        pytest.skip("riscv64-unknown-elf-gcc not found (install the Debian package gcc-riscv64-unknown-elf)")
    elf = out / f"{name}.elf"
    subprocess.run(["riscv64-unknown-elf-gcc", "-march=rv32imac_zicsr", "-mabi=ilp32", "-nostdlib", "-T",
                    str(HERE / "rv_minimal.ld"), "-o", str(elf), str(HERE / f"{name}.S")], check=True)
    return elf


def test_ecall_is_reported_as_a_fault(tmp_path):
    r = run_firmware(build("rv_ecall", tmp_path), BOARD, max_instructions=1000)
    assert r.exit == "fault"
    assert r.fault.kind == "unhandled-exception" and "ecall" in r.fault.message
    assert r.fault.where == "_start+0x4" and r.fault.registers["a0"] == 42
    assert r.fault.pc == r.fault.registers["pc"] == 0x08000004


def test_ecall_traps_to_the_firmware_handler(tmp_path):
    from tinysim.pipeline.session import build_session
    elf = build("rv_ecall_trap", tmp_path)
    s = build_session(elf, BOARD)
    r = s.run(max_instructions=1000)
    assert r.exit == "halt", r.message
    reg = s.machine.register_dump()
    assert reg["a0"] == 105
    assert reg["s1"] == 11                                 # environment call from M-mode
    assert reg["s2"] == s.firmware.symbol("the_ecall")     # mepc: the ECALL itself
    assert reg["s3"] & 0x88 == 0x80                        # in the handler: MIE 0, MPIE 1
    assert reg["s4"] & 0x8                                 # after MRET: MIE back


def test_time_csr_read_is_flagged(tmp_path):
    # Unicorn's RV32 model has no `time` CSR: the read traps, and both the warning and the
    # fault say what to use instead.
    r = run_firmware(build("rv_timecsr", tmp_path), BOARD, max_instructions=1000)
    assert any("CSR time" in w and "not deterministic" in w for w in r.warnings)
    assert r.exit == "fault" and r.fault.where == "_start"
    assert "csrr time" in r.fault.message and "MMIO timer" in r.fault.message
