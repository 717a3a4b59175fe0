"""Semihosting (tinysim/emu/semihosting.py): the calls one by one on a Cortex-M, and a C program
built with the C libraries' semihosting support, newlib's rdimon (Arm) and picolibc's semihost
library (RISC-V), run under tinysim and under QEMU (`-semihosting`), which must print the same
and exit with the same status."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from unicorn.arm_const import UC_ARM_REG_PC

from tinysim.cli import main
from tinysim.pipeline.session import build_session

from test_exceptions import build, word  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)

pytestmark = pytest.mark.toolchain

SOURCES = Path(__file__).parent / "firmware" / "semihost"
EXPECTED = "semihosting 42\nto stderr\nfopen refused\nclock ticked\n"
STATUS = 3  # main's return value
QEMU_SECONDS = 120


def _compile(cmd: list, what: str) -> None:
    done = subprocess.run(cmd, capture_output=True, text=True)
    if done.returncode != 0:
        if "specs" in done.stderr or "cannot find" in done.stderr:
            pytest.skip(f"{what} is not installed: {done.stderr.strip().splitlines()[-1]}")
        raise AssertionError(done.stderr)


def build_arm(out: Path, flash_base: int, program: str = "main.c", hard_float: bool = False,
              cpu: str = "cortex-m4", ram_base: int = 0x20000000, optimize: str = "-O1",
              symbols: dict = None) -> Path:
    """`program` with startup.c and newlib's rdimon, as an STM32CubeIDE project links them, flash
    at `flash_base`; `hard_float`: for the core's single-precision FPU (FP registers in use);
    `symbols`: more absolute symbols for the program (name -> address)."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found (install the Debian package gcc-arm-none-eabi)")
    elf = out / f"{Path(program).stem}_{cpu}_{flash_base:#x}.elf"
    fpu = ["-mfpu=" + ("fpv4-sp-d16" if cpu == "cortex-m4" else "fpv5-sp-d16"), "-mfloat-abi=hard"] \
        if hard_float else []
    _compile(["arm-none-eabi-gcc", f"-mcpu={cpu}", "-mthumb", *fpu, optimize, "--specs=rdimon.specs",
              "-nostartfiles", f"-Wl,--defsym=FLASH_BASE={flash_base:#x}",
              f"-Wl,--defsym=RAM_BASE={ram_base:#x}", "-Wl,--no-warn-rwx-segments",
              *(f"-Wl,--defsym={k}={v:#x}" for k, v in (symbols or {}).items()),
              "-T", str(SOURCES / "arm.ld"), str(SOURCES / "startup.c"), str(SOURCES / program),
              "-lm", "-o", str(elf)], "newlib's rdimon (the Debian package libnewlib-arm-none-eabi)")
    return elf


def build_riscv(out: Path, flash: int, ram: int, program: str = "main.c", symbols: dict = None) -> Path:
    """`program` with picolibc's semihosting crt0 and library (ISA spec 2.2: the CSR
    instructions without a _zicsr suffix, which would miss picolibc's rv32imc library);
    `symbols`: more absolute symbols for the program (name -> address)."""
    if shutil.which("riscv64-unknown-elf-gcc") is None:
        pytest.skip("riscv64-unknown-elf-gcc not found (install the Debian package gcc-riscv64-unknown-elf)")
    elf = out / f"{Path(program).stem}_rv32_{flash:#x}.elf"
    _compile(["riscv64-unknown-elf-gcc", "-march=rv32imc", "-misa-spec=2.2", "-mabi=ilp32", "-O1",
              "--specs=picolibc.specs",
              "--crt0=semihost", "--oslib=semihost", f"-Wl,--defsym=__flash={flash:#x}",
              "-Wl,--defsym=__flash_size=0x20000", f"-Wl,--defsym=__ram={ram:#x}",
              "-Wl,--defsym=__ram_size=0x8000", "-Wl,--defsym=__stack_size=0x1000",
              *(f"-Wl,--defsym={k}={v:#x}" for k, v in (symbols or {}).items()),
              str(SOURCES / program), "-o", str(elf)],
             "picolibc for RISC-V (the Debian package picolibc-riscv64-unknown-elf)")
    return elf


def run_qemu(qemu: str, machine: list, elf: Path) -> subprocess.CompletedProcess:
    if shutil.which(qemu) is None:
        pytest.skip(f"{qemu} not found (install the Debian package "
                    f"{'qemu-system-arm' if qemu.endswith('arm') else 'qemu-system-misc'})")
    # stdout and stderr in one pipe, as tinysim's console joins them; stdin empty
    return subprocess.run([qemu, *machine, "-nographic", "-semihosting-config", "enable=on,target=native",
                           "-kernel", str(elf)], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                          stderr=subprocess.STDOUT, timeout=QEMU_SECONDS)


def run_tinysim(elf: Path, board: str):
    s = build_session(elf, board)
    r = s.run(max_instructions=5_000_000)
    return s, r


def test_semihosting_calls(tmp_path):
    s = build_session(build("semicalls", tmp_path), "nucleo-l4r5zi")
    r = s.run(max_instructions=10_000)
    assert r.exit == "idle", r.message
    assert "SYS_READC" in r.message
    result = [word(s, "result", i) for i in range(9)]
    uc = s.machine.uc
    assert result[0] >= 1                               # a handle for ":tt"
    assert result[1] == 4                               # all 4 bytes unread: end of file
    assert result[2] == 0
    cmdline = bytes(uc.mem_read(s.firmware.symbol("cmdline"), 64)).split(b"\0")[0]
    assert cmdline == b"semicalls.elf"
    assert [word(s, "heap", i) for i in range(4)] == [0, 0, 0, 0]   # "unknown"
    assert result[3] == s.machine.clock_hz()            # ticks are core cycles
    elapsed = struct.unpack("<Q", bytes(uc.mem_read(s.firmware.symbol("elapsed"), 8)))[0]
    assert 0 < elapsed < s.counter.cycles
    assert result[5:9] == [0xFFFFFFFF, 14, 0xFFFFFFFF, 13]   # EFAULT, then EACCES
    assert any("SYS_SYSTEM" in w for w in r.warnings), r.warnings
    # the run stops on the SYS_READC call, and a later run makes it again
    assert uc.reg_read(UC_ARM_REG_PC) == s.firmware.symbol("readc") + 2
    again = s.run(max_instructions=10_000)
    assert (again.exit, again.instructions) == ("idle", 1)


def test_rdimon_program_prints_and_exits_with_its_status(tmp_path):
    s, r = run_tinysim(build_arm(tmp_path, 0x08000000), "nucleo-l4r5zi")
    assert (r.exit, r.exit_status) == ("exit", STATUS), r.message
    assert r.uart == EXPECTED
    assert any("host-file.txt" in w for w in r.warnings), r.warnings
    assert s.machine.semihosting.calls > 10


def test_rdimon_program_matches_qemu(tmp_path):
    _, r = run_tinysim(build_arm(tmp_path, 0x08000000), "nucleo-l4r5zi")
    qemu = run_qemu("qemu-system-arm", ["-M", "mps2-an386"], build_arm(tmp_path, 0))
    assert qemu.returncode == r.exit_status == STATUS
    assert qemu.stdout.decode() == r.uart == EXPECTED


def test_picolibc_program_matches_qemu(tmp_path):
    _, r = run_tinysim(build_riscv(tmp_path, 0x08000000, 0x20000000), "gd32vf103-longan")
    assert (r.exit, r.exit_status) == ("exit", STATUS), r.message
    assert r.uart == EXPECTED
    qemu = run_qemu("qemu-system-riscv32", ["-M", "virt", "-bios", "none"],
                    build_riscv(tmp_path, 0x80000000, 0x80100000))
    assert qemu.returncode == STATUS
    assert qemu.stdout.decode() == EXPECTED


def test_run_command_exits_with_the_firmware_status(tmp_path, capsys):
    rc = main(["run", str(build_arm(tmp_path, 0x08000000)), "--platform", "nucleo-l4r5zi"])
    out = capsys.readouterr().out
    assert rc == STATUS
    assert out.startswith(EXPECTED)
    assert f"exited with status {STATUS}" in out
