"""Floating-point extension registers at 0xE000EF30 (ARM DDI 0403 B3.2.20-22; Cortex-M4 TRM §7.2).

Values are stored and read back. The engine stacks the basic frame plus S0-S15/FPSCR when
CONTROL.FPCA is set and FPCCR.ASPEN is (Unicorn keeps its own FPCCR and sets FPCA at every FPU
instruction; with ASPEN clear the core would not), and, with FPCCR.LSPEN, writes FPCAR (the FP
part of that frame) as UpdateFPCCR does (B1.5.6); the registers are saved at once, so LSPACT
stays 0. FPDSCR is kept
here only: Unicorn's own default FP context (loaded when FPCA is 0) stays the reset value."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral, Reg


# The media and FP feature registers of each core's FPU (MVFR2 exists from FPv5 on):
# Cortex-M4 TRM r0p1 table 7-2 (FPv4-SP); Cortex-M7 TRM r1p2 (FPv5 with double precision, as in the
# STM32H7) and Cortex-M33 TRM r0p4 (FPv5-SP), the values QEMU's models also read.
MVFR = {"cortex-m4f": (0x10110021, 0x11000011, 0), "cortex-m7": (0x10110221, 0x12000011, 0x00000040),
        "cortex-m33f": (0x10110021, 0x11000011, 0x00000040)}


@PERIPHERALS.register("core.fpu")
class Fpu(Peripheral):
    DEFAULTS = {"cpu": "cortex-m4f"}
    REGISTERS = (
        Reg(0x04, "FPCCR", 0xC0000000, wmask=0xC0000000),  # ASPEN|LSPEN out of reset
        Reg(0x08, "FPCAR", 0, wmask=0xFFFFFFF8),
        Reg(0x0C, "FPDSCR", 0, wmask=0x07C00000),
        Reg(0x10, "MVFR0", 0, "ro"),
        Reg(0x14, "MVFR1", 0, "ro"),
        Reg(0x18, "MVFR2", 0, "ro"),
    )

    def reset(self) -> None:
        super().reset()
        self.values[0x10], self.values[0x14], self.values[0x18] = MVFR[self.params["cpu"]]
