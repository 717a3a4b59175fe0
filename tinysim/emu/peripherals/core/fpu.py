"""Floating-point extension registers at 0xE000EF30 (ARM DDI 0403 B3.2.20-22; Cortex-M4 TRM §7.2).

Values are stored and read back. The engine stacks the basic frame plus S0-S15/FPSCR when
CONTROL.FPCA is set and, with FPCCR.LSPEN, writes FPCAR (the FP part of that frame) as
UpdateFPCCR does (B1.5.6); the registers are saved at once, so LSPACT stays 0. FPDSCR is kept
here only: Unicorn's own default FP context (loaded when FPCA is 0) stays the reset value."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral, Reg


@PERIPHERALS.register("core.fpu")
class Fpu(Peripheral):
    REGISTERS = (
        Reg(0x04, "FPCCR", 0xC0000000, wmask=0xC0000000),  # ASPEN|LSPEN out of reset
        Reg(0x08, "FPCAR", 0, wmask=0xFFFFFFF8),
        Reg(0x0C, "FPDSCR", 0, wmask=0x07C00000),
        Reg(0x10, "MVFR0", 0x10110021, "ro"),  # Cortex-M4 TRM table 7-2 (single precision)
        Reg(0x14, "MVFR1", 0x11000011, "ro"),
    )
