"""Exception stacking, unstacking and tail-chaining in native code (tinysim/emu/exception_frames.py,
native/exceptions.c) against the Python version it replaces (CortexMMachine with
NATIVE_EXCEPTIONS = False): the same firmware ends in the same registers, FP registers, memory
and counts both ways. The firmwares cover basic and extended (FP) frames, the process stack,
GE bits, ITSTATE, FPSCR, FPCAR, tail-chaining, nested and faulting exceptions, SysTick."""

from __future__ import annotations

import pytest
from unicorn import arm_const as A

from tinysim.emu.cortex_m import CortexMMachine
from tinysim.emu.engine_probes import STACK_LIMITS
from tinysim.pipeline.session import build_session

from test_exceptions import build  # noqa: E402 - tests/emu is on sys.path (rootdir conftest)
from test_usage_faults import BOARD, build_fp  # noqa: E402

pytestmark = pytest.mark.toolchain

# (source, built with the FPU, instruction budget)
FIRMWARES = [("exceptions", False, 200_000), ("psp", False, 200_000), ("tailchain", False, 200_000),
             ("itblock", False, 2_000_000), ("excstate", True, 100_000), ("fpcontext", True, 200_000),
             ("usagefault", True, 200_000)]


def _state(session, result) -> dict:
    m, uc = session.machine, session.machine.uc
    ram = next(mem for mem in session.platform.memories if mem.kind == "sram")
    return {
        "exit": result.exit, "instructions": result.instructions, "cycles": result.cycles,
        "blocks": result.blocks, "uart": result.uart, "registers": m.register_dump(),
        "fp": [uc.reg_read(getattr(A, f"UC_ARM_REG_S{i}")) for i in range(32)],
        "fpscr": uc.reg_read(A.UC_ARM_REG_FPSCR), "fpcar": m.fpu.values[0x08],
        "active": list(m.exc.active), "tail_chains": m.tail_chains, "faults": list(m.faults_taken),
        "ram": bytes(uc.mem_read(ram.base, min(ram.size, 0x10000))),
    }


def _run(elf, budget: int, native: bool, monkeypatch, board: str = BOARD) -> dict:
    monkeypatch.setattr(CortexMMachine, "NATIVE_EXCEPTIONS", native)
    s = build_session(elf, board)
    assert (s.machine.frames is not None) == native
    return _state(s, s.run(max_instructions=budget))


@pytest.mark.parametrize("name,fp,budget", FIRMWARES, ids=[f[0] for f in FIRMWARES])
def test_native_and_python_exceptions_agree(name, fp, budget, tmp_path, monkeypatch):
    elf = (build_fp if fp else build)(name, tmp_path)
    python = _run(elf, budget, False, monkeypatch)
    native = _run(elf, budget, True, monkeypatch)
    assert python["exit"] in ("halt", "budget"), python["exit"]
    for key in python:
        assert native[key] == python[key], key


def test_the_firmwares_take_exceptions(tmp_path, monkeypatch):
    """The comparison above means something: these images do enter and leave handlers."""
    monkeypatch.setattr(CortexMMachine, "NATIVE_EXCEPTIONS", True)
    s = build_session(build("tailchain", tmp_path), BOARD)
    s.run(max_instructions=200_000)
    assert s.machine.tail_chains > 0
    assert s.counter.outside_cycles > 0


@pytest.mark.parametrize("program", ["privilege.c", "faults.c", "fpstate.c"])
def test_native_and_python_agree_on_the_semihosting_programs(program, tmp_path, monkeypatch):
    """The C programs checked against QEMU (test_exception_model_qemu.py) run the same with the
    Python entry and return: unprivileged threads on both stacks, every kind of fault."""
    from test_exception_model_qemu import NOTHING_THERE
    from test_semihosting import build_arm
    elf = build_arm(tmp_path, 0x08000000, program, hard_float=True, symbols=NOTHING_THERE)
    python = _run(elf, 5_000_000, False, monkeypatch)
    native = _run(elf, 5_000_000, True, monkeypatch)
    assert python["exit"] == "exit" and python["uart"].count("\n") >= 4
    for key in python:
        assert native[key] == python[key], key


@pytest.mark.skipif(STACK_LIMITS is None, reason="needs tinysim's patched Unicorn (patch 0014, the MSPLIM/PSPLIM "
                    "registers): scripts/build_unicorn.sh")
@pytest.mark.parametrize("program", ["faults.c", "stack_limit.c"])
def test_native_and_python_agree_on_the_stack_limits(program, tmp_path, monkeypatch):
    """The Cortex-M33's stack limit faults (stack_limits.py) with either entry: a PUSH below
    PSPLIM (faults.c), entries whose frame would cross it and their derived UsageFault
    (stack_limit.c)."""
    from test_exception_model_qemu import NOTHING_THERE
    from test_semihosting import build_arm
    elf = build_arm(tmp_path, 0x08000000, program, True, "cortex-m33", 0x20000000, "-O1", NOTHING_THERE)
    python = _run(elf, 5_000_000, False, monkeypatch, "nucleo-u575zi-q")
    native = _run(elf, 5_000_000, True, monkeypatch, "nucleo-u575zi-q")
    assert python["exit"] == "exit" and any(f[1] == "stkof" for f in python["faults"])
    for key in python:
        assert native[key] == python[key], key
