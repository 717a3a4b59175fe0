"""STM32L4+ power controller (RM0432 §5.4): voltage scaling completes at once (SR2.VOSF reads 0),
VDDIO2 isolation (CR2.IOSV) and Range 1 boost (CR5.R1MODE) read back what was written."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, W1C, Peripheral, Reg


@PERIPHERALS.register("power.stm32l4_pwr")
class Stm32l4Pwr(Peripheral):
    REGISTERS = (
        Reg(0x00, "CR1", 0x00000200),  # VOS = 01: Range 1
        Reg(0x04, "CR2"), Reg(0x08, "CR3", 0x00008000), Reg(0x0C, "CR4"),
        Reg(0x10, "SR1", 0, RO), Reg(0x14, "SR2", 0, RO),  # VOSF (bit 10) and REGLPF stay 0
        Reg(0x18, "SCR", 0, W1C),
        Reg(0x20, "PUCRA"), Reg(0x24, "PDCRA"), Reg(0x28, "PUCRB"), Reg(0x2C, "PDCRB"),
        Reg(0x30, "PUCRC"), Reg(0x34, "PDCRC"), Reg(0x38, "PUCRD"), Reg(0x3C, "PDCRD"),
        Reg(0x40, "PUCRE"), Reg(0x44, "PDCRE"), Reg(0x48, "PUCRF"), Reg(0x4C, "PDCRF"),
        Reg(0x50, "PUCRG"), Reg(0x54, "PDCRG"), Reg(0x58, "PUCRH"), Reg(0x5C, "PDCRH"),
        Reg(0x60, "PUCRI"), Reg(0x64, "PDCRI"),
        Reg(0x80, "CR5", 0x00000100),  # R1MODE = 1: Range 1 normal (boost off)
    )

    @property
    def voltage_range(self) -> str:
        vos = (self.values[0x00] >> 9) & 3
        if vos == 1:
            return "range1-boost" if not self.values[0x80] & 0x100 else "range1"
        return "range2" if vos == 2 else "invalid"
