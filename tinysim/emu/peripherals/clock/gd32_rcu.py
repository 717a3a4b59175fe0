"""GD32VF103 reset and clock unit (GD32VF103 user manual §5.3): oscillators and PLLs report
ready when switched on, CFG0.SCSS mirrors CFG0.SCS; reset values from the register tables."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral, Reg

# CTL: (enable, ready): IRC8M 0/1, HXTAL 16/17, PLL 24/25, PLL1 26/27, PLL2 28/29
CTL_READY = ((0, 1), (16, 17), (24, 25), (26, 27), (28, 29))


@PERIPHERALS.register("clock.gd32_rcu")
class Gd32Rcu(Peripheral):
    REGISTERS = (
        Reg(0x00, "CTL", 0x00000083),  # IRC8MEN|IRC8MSTB, IRC8MADJ=0x10
        Reg(0x04, "CFG0"), Reg(0x08, "INT"), Reg(0x0C, "APB2RST"), Reg(0x10, "APB1RST"),
        Reg(0x14, "AHBEN", 0x00000014), Reg(0x18, "APB2EN"), Reg(0x1C, "APB1EN"),
        Reg(0x20, "BDCTL"), Reg(0x24, "RSTSCK", 0x0C000000), Reg(0x28, "AHBRST"),
        Reg(0x2C, "CFG1"), Reg(0x34, "DSV"),
    )

    def read_CTL(self):
        value = self.values[0x00]
        for on, rdy in CTL_READY:
            value = value | (1 << rdy) if value >> on & 1 else value & ~(1 << rdy)
        return value

    def read_CFG0(self):
        cfg = self.values[0x04]
        return (cfg & ~0xC) | ((cfg & 3) << 2)  # SCSS = SCS

    def read_RSTSCK(self):
        value = self.values[0x24]
        return value | 2 if value & 1 else value & ~2  # IRC40KEN -> IRC40KSTB
