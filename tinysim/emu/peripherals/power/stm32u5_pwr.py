"""STM32U5 power controller (RM0456 chapter 10 "Power control (PWR)").

Voltage scaling: PWR_VOSR.VOS[17:16] selects the core voltage range (11 = Range 1 up to 160 MHz,
10 = Range 2 up to 110 MHz, 01 = Range 3 up to 55 MHz, 00 = Range 4 up to 25 MHz, the reset
range; RM0456 section 10.5.4 "Dynamic voltage scaling management", figures recalled from memory,
to verify). VOSRDY (bit 15) and the EPOD booster's BOOSTRDY (bit 14, BOOSTEN bit 18) follow at once:
the regulator's settling time is not modelled. The HCLK limit per range is the machine's check
(`max_hclk_hz` param, from the SoC file). PWR_CR3.REGSEL (bit 1) picks the SMPS (1) or the LDO
(0); PWR_SVMSR.REGS (bit 1) reports which one runs, at once. Other registers store what is
written. Register offsets and reset values: RM0456 Rev 4 section 10.10, recalled from memory.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg

VOSRDY, BOOSTRDY, BOOSTEN = 1 << 15, 1 << 14, 1 << 18
RANGES = ("range4", "range3", "range2", "range1")   # VOS = 00, 01, 10, 11


@PERIPHERALS.register("power.stm32u5_pwr")
class Stm32u5Pwr(Peripheral):
    # what the machine's over-clock check tells the user (tinysim/emu/operating_point.py)
    RANGE_RULE = ("(PWR_VOSR.VOS; RM0456 section 10.5.4, recalled): raise the voltage range "
                  "(Range 1: VOS=11, with BOOSTEN) before the clock")
    REGISTERS = (
        Reg(0x00, "CR1"), Reg(0x04, "CR2"), Reg(0x08, "CR3"),
        Reg(0x0C, "VOSR", VOSRDY),           # Range 4, ready
        Reg(0x10, "SVMCR"), Reg(0x14, "WUCR1"), Reg(0x18, "WUCR2"), Reg(0x1C, "WUCR3"),
        Reg(0x20, "BDCR1"), Reg(0x24, "BDCR2"), Reg(0x28, "DBPR"), Reg(0x2C, "UCPDR"),
        Reg(0x30, "SECCFGR", 0, UNMODELLED), Reg(0x34, "PRIVCFGR", 0, UNMODELLED),
        Reg(0x38, "SR", 0, RO), Reg(0x3C, "SVMSR", 0, RO), Reg(0x40, "BDSR", 0, RO),
        Reg(0x44, "WUSR", 0, RO), Reg(0x48, "WUSCR"), Reg(0x4C, "APCR"),
        *(Reg(0x50 + 8 * k + d, f"{'PU' if d == 0 else 'PD'}CR{p}")
          for k, p in enumerate("ABCDEFGHI") for d in (0, 4)),
    )

    @property
    def voltage_range(self) -> str:
        return RANGES[self.values[0x0C] >> 16 & 3]

    def write_VOSR(self, value, mask):
        before = self.voltage_range
        vosr = (self.values[0x0C] & ~mask) | (value & mask & (3 << 16 | BOOSTEN))
        vosr |= VOSRDY
        vosr = (vosr | BOOSTRDY) if vosr & BOOSTEN else (vosr & ~BOOSTRDY)
        self.values[0x0C] = vosr
        if self.voltage_range != before:
            self.host.clock_changed()

    def read_SVMSR(self):
        """REGS (bit 1) follows CR3.REGSEL; ACTVOS[17:16] the range in force, ACTVOSRDY (15)."""
        regs = self.values[0x08] & 2
        return regs | (self.values[0x0C] & (3 << 16)) | VOSRDY
