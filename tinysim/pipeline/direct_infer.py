"""Call a tinysim benchmark image's `th_infer` directly, without the host protocol.

The image boots until it waits for its first command (its idle loop, between WFI and CPSIE:
PRIMASK is cleared here, as the command handler that calls `th_infer` has it); then each call sets
LR to the `bkpt` in `board_halt` and PC to `th_infer`, and runs until that `bkpt`. The model's
whole inference, as the `infer` command runs it, with nothing else around it: what
bench/inference_speed.py times and the inline-counting tests compare. Cortex-M images only (the
tinysim harness's `board_halt`, tinysim/firmware/harness/).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

from unicorn import arm_const as A

from ..emu.machine import RunResult
from ..errors import TinysimError
from .session import Session

BKPT_HIGH_BYTE = 0xBE  # BKPT #imm8 is 0xBExx (ARMv7-M A7.7.17)


def boot_to_idle(elf: Path, platform, counter_overrides: Optional[dict] = None) -> Session:
    """A session of `elf` booted until it waits for a command, interrupts unmasked."""
    session = Session(elf, platform, counter_overrides=counter_overrides)
    result = session.run(max_instructions=50_000_000)
    if result.exit != "idle":
        raise TinysimError(f"{elf}: expected the image to boot and wait for a command, got "
                           f"{result.exit}: {result.message}")
    session.machine.uc.reg_write(A.UC_ARM_REG_PRIMASK, 0)
    return session


def halt_address(session: Session) -> int:
    """The first `bkpt` in board_halt: th_infer returns there."""
    start = session.firmware.symbol("board_halt")
    if start is None:
        raise TinysimError(f"{session.firmware.path}: no board_halt symbol (not a tinysim board image)")
    start &= ~1
    code = bytes(session.machine.uc.mem_read(start, 64))
    for off in range(0, len(code), 2):
        if code[off + 1] == BKPT_HIGH_BYTE:
            return start + off
    raise TinysimError(f"{session.firmware.path}: no bkpt in the first 64 bytes of board_halt")


def call_th_infer(session: Session, halt: int, max_instructions: int = 2_000_000_000) -> RunResult:
    """One th_infer, returning to `halt`; the run's result (exit "halt" when it returned)."""
    entry = session.firmware.symbol("th_infer")
    if entry is None:
        raise TinysimError(f"{session.firmware.path}: no th_infer symbol")
    uc = session.machine.uc
    uc.reg_write(A.UC_ARM_REG_LR, halt | 1)
    uc.reg_write(A.UC_ARM_REG_PC, entry | 1)
    result = session.run(max_instructions=max_instructions)
    if result.exit != "halt":
        raise TinysimError(f"{session.firmware.path}: th_infer ended with {result.exit}: {result.message}")
    return result
