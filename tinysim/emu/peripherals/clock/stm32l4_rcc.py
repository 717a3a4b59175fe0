"""STM32L4/L4+ reset and clock control (RM0432 §6.4): oscillators report ready as soon as they
are switched on, CFGR.SWS mirrors CFGR.SW, everything else stores what is written.
Reset values: RM0432 §6.4 register descriptions."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg

# CR: (enable bit, ready bit) pairs: MSI, HSI16, HSE, PLL, PLLSAI1, PLLSAI2
CR_READY = ((0, 1), (8, 10), (16, 17), (24, 25), (26, 27), (28, 29))
# BDCR LSEON/LSERDY, CSR LSION/LSIRDY, CRRCR HSI48ON/HSI48RDY
BDCR_READY, CSR_READY, CRRCR_READY = ((0, 1),), ((0, 1),), ((0, 1),)


def _with_ready(value: int, pairs) -> int:
    for on, rdy in pairs:
        value = value | (1 << rdy) if value >> on & 1 else value & ~(1 << rdy)
    return value


@PERIPHERALS.register("clock.stm32l4_rcc")
class Stm32l4Rcc(Peripheral):
    REGISTERS = (
        Reg(0x00, "CR", 0x00000063),  # MSION|MSIRDY, MSIRANGE=6 (4 MHz)
        Reg(0x04, "ICSCR", 0x40000000),
        Reg(0x08, "CFGR", 0x00000000),
        Reg(0x0C, "PLLCFGR", 0x00001000),  # PLLN=16
        Reg(0x10, "PLLSAI1CFGR", 0x00001000), Reg(0x14, "PLLSAI2CFGR", 0x00001000),
        Reg(0x18, "CIER"), Reg(0x1C, "CIFR", 0, RO), Reg(0x20, "CICR", 0, WO),
        Reg(0x28, "AHB1RSTR"), Reg(0x2C, "AHB2RSTR"), Reg(0x30, "AHB3RSTR"),
        Reg(0x38, "APB1RSTR1"), Reg(0x3C, "APB1RSTR2"), Reg(0x40, "APB2RSTR"),
        Reg(0x48, "AHB1ENR", 0x00000100),  # FLASHEN
        Reg(0x4C, "AHB2ENR"), Reg(0x50, "AHB3ENR"),
        Reg(0x58, "APB1ENR1"), Reg(0x5C, "APB1ENR2"), Reg(0x60, "APB2ENR"),
        Reg(0x68, "AHB1SMENR", 0x00130F07), Reg(0x6C, "AHB2SMENR", 0x007F77FF),
        Reg(0x70, "AHB3SMENR", 0x00000101), Reg(0x78, "APB1SMENR1", 0xF2FECA3F),
        Reg(0x7C, "APB1SMENR2", 0x00000025), Reg(0x80, "APB2SMENR", 0x037F7C01),
        Reg(0x88, "CCIPR"), Reg(0x90, "BDCR"), Reg(0x94, "CSR", 0x0C000600),
        Reg(0x98, "CRRCR"), Reg(0x9C, "CCIPR2"),
    )

    def read_CR(self):
        return _with_ready(self.values[0x00], CR_READY)

    def read_CFGR(self):
        cfgr = self.values[0x08]
        return (cfgr & ~0xC) | ((cfgr & 0x3) << 2)  # SWS = SW: the switch completes at once

    def read_BDCR(self):
        return _with_ready(self.values[0x90], BDCR_READY)

    def read_CSR(self):
        return _with_ready(self.values[0x94], CSR_READY)

    def read_CRRCR(self):
        return _with_ready(self.values[0x98], CRRCR_READY)

    def sysclk_source(self) -> str:
        return ("MSI", "HSI16", "HSE", "PLL")[self.values[0x08] & 3]
