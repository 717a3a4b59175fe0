"""STM32U3 power controller (RM0487 chapter "Power control (PWR)").

Voltage scaling: the U3 has two core voltage ranges, selected by one-hot bits in PWR_VOSR
(R1EN bit 0: Range 1, up to 96 MHz; R2EN bit 1: Range 2, up to 48 MHz, the reset range), each
with its ready flag (R1RDY bit 16, R2RDY bit 17), and the EPOD booster (BOOSTEN bit 8, BOOSTRDY
bit 24), which ChibiOS's STM32U3xx/stm32_limits.h (STM32_RANGEx_BOOSTEN_THRESHOLD, from RM0487)
asks for at any clock in Range 1 and above 24 MHz in Range 2; not checked here. Bit positions:
stm32u385xx.h "Bit definition for PWR_VOSR register" (its comment gives BOOSTRDY's mask as
0x04000000; its _Pos is 24, which is used). The ready flags follow at once: the regulator's
settling time is not modelled. Writing both R1EN and R2EN, or neither, keeps the range in force
(one range at a time; recalled from RM0487). The HCLK limit per range is the machine's check
(`max_hclk_hz` param, from the SoC file). PWR_CR3.REGSEL (bit 1) picks the SMPS (1) or the LDO
(0); PWR_SVMSR.REGS (bit 1) reports which one runs, at once. Other registers store what is
written. Offsets: stm32u385xx.h PWR_TypeDef; reset values recalled from RM0487.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, Peripheral, Reg

R1EN, R2EN, BOOSTEN = 1 << 0, 1 << 1, 1 << 8
R1RDY, R2RDY, BOOSTRDY = 1 << 16, 1 << 17, 1 << 24


@PERIPHERALS.register("power.stm32u3_pwr")
class Stm32u3Pwr(Peripheral):
    # what the machine's over-clock check tells the user (tinysim/emu/operating_point.py)
    RANGE_RULE = ("(PWR_VOSR.R1EN/R2EN; RM0487 voltage scaling, limits per ChibiOS "
                  "stm32_limits.h): select Range 1 (R1EN, with BOOSTEN) before raising HCLK above 48 MHz")
    REGISTERS = (
        Reg(0x00, "CR1"), Reg(0x04, "CR2"), Reg(0x08, "CR3"),
        Reg(0x0C, "VOSR", R2EN | R2RDY),     # Range 2, ready (recalled)
        Reg(0x10, "SVMCR"), Reg(0x14, "WUCR1"), Reg(0x18, "WUCR2"), Reg(0x1C, "WUCR3"),
        Reg(0x24, "BDCR"), Reg(0x28, "DBPR"),
        Reg(0x30, "SECCFGR", 0, UNMODELLED), Reg(0x34, "PRIVCFGR", 0, UNMODELLED),
        Reg(0x38, "SR", 0, RO), Reg(0x3C, "SVMSR", 0, RO),
        Reg(0x44, "WUSR", 0, RO), Reg(0x48, "WUSCR"), Reg(0x4C, "APCR"),
        *(Reg(0x50 + 8 * k + d, f"{'PU' if d == 0 else 'PD'}CR{p}")
          for k, p in enumerate("ABCDE") for d in (0, 4)),
        *(Reg(0x80 + 8 * k + d, f"{'PU' if d == 0 else 'PD'}CR{p}")
          for k, p in enumerate("GH") for d in (0, 4)),
        Reg(0xB0, "I3CPUCR1"), Reg(0xB4, "I3CPUCR2"),
    )

    @property
    def voltage_range(self) -> str:
        return "range1" if self.values[0x0C] & R1EN else "range2"

    def write_VOSR(self, value, mask):
        before = self.voltage_range
        old = self.values[0x0C]
        vosr = (old & ~mask) | (value & mask & (R1EN | R2EN | BOOSTEN))
        if (vosr & (R1EN | R2EN)) in (0, R1EN | R2EN):     # one range at a time: keep the old one
            vosr = (vosr & ~(R1EN | R2EN)) | (old & (R1EN | R2EN))
        vosr &= R1EN | R2EN | BOOSTEN
        vosr |= R1RDY if vosr & R1EN else R2RDY
        if vosr & BOOSTEN:
            vosr |= BOOSTRDY
        self.values[0x0C] = vosr
        if self.voltage_range != before:
            self.host.clock_changed()

    def read_SVMSR(self):
        """REGS (bit 1) follows CR3.REGSEL at once."""
        return self.values[0x08] & 2
