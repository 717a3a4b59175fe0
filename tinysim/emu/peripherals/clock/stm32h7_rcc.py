"""STM32H7A3/B3 reset and clock control (RM0455 chapter 7 "Reset and clock control (RCC)").

What is modelled: the oscillators and PLLs turn on at once (each xxxRDY bit follows its xxxON
bit in RCC_CR: HSI 0->2, CSI 7->8, HSI48 12->13, HSE 16->17, PLL1/2/3 24/26/28 -> 25/27/29; start-up
times are not modelled), the SYSCLK switch (CFGR.SW -> SWS once the source is ready), PLL1's P
output from PLLCKSELR (PLLSRC, DIVM1) and PLL1DIVR (N1, P1) with PLL1FRACR ignored, the
CPU-domain prescalers CDCFGR1.CDCPRE / HPRE (core clock = SYSCLK / CDCPRE: the Cortex-M7, its
SysTick and DWT run from it; RM0455 section 7.5 "Clock tree") and the APB prescalers that clock
the USARTs (CDCFGR2.CDPPRE1 for APB1: USART2/3, CDPPRE2 for APB2: USART1/6) with their kernel
clock select CDCCIP2R (USART234578SEL / USART16910SEL = 0: PCLK, 3: HSI, other sources not
modelled). Register offsets and reset values: RM0455 section 7.7, recalled from memory and
cross-checked against third-party H7 RCC register maps (the RM's own tables were not in the corpus
searched); `hse_hz` is the board's HSE (the NUCLEO-144 feeds 8 MHz from the ST-LINK MCO).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Optional

from .. import PERIPHERALS
from ..base import UNMODELLED, Peripheral, Reg
from .rcc_setter import clock_setter

HSI_HZ, CSI_HZ = 64_000_000.0, 4_000_000.0   # RM0455 section 7.5.2 (HSI 64 MHz, CSI 4 MHz)
_ON_RDY = ((0, 2), (7, 8), (12, 13), (16, 17), (24, 25), (26, 27), (28, 29))
_AHB_DIV = {8: 2, 9: 4, 10: 8, 11: 16, 12: 64, 13: 128, 14: 256, 15: 512}   # HPRE / CDCPRE
_APB_DIV = {4: 2, 5: 4, 6: 8, 7: 16}                                       # CDPPREx
_APB1_USARTS = ("usart2", "usart3", "uart4", "uart5", "uart7", "uart8")
_APB2_USARTS = ("usart1", "usart6", "uart9", "usart10")


@PERIPHERALS.register("clock.stm32h7_rcc")
class Stm32h7Rcc(Peripheral):
    DEFAULTS = {"hse_hz": 8_000_000}
    REGISTERS = (
        Reg(0x00, "CR", 0x00000025),        # HSION | HSIRDY | HSIDIVF
        Reg(0x04, "HSICFGR", 0x40000000, UNMODELLED),
        Reg(0x08, "CRRCR", 0, UNMODELLED),
        Reg(0x0C, "CSICFGR", 0x20000000, UNMODELLED),
        Reg(0x10, "CFGR"),
        Reg(0x18, "CDCFGR1"), Reg(0x1C, "CDCFGR2"), Reg(0x20, "SRDCFGR"),
        Reg(0x28, "PLLCKSELR", 0x02020200),
        Reg(0x2C, "PLLCFGR", 0x01FF0000),
        Reg(0x30, "PLL1DIVR", 0x01010280), Reg(0x34, "PLL1FRACR"),
        Reg(0x38, "PLL2DIVR", 0x01010280), Reg(0x3C, "PLL2FRACR"),
        Reg(0x40, "PLL3DIVR", 0x01010280), Reg(0x44, "PLL3FRACR"),
        Reg(0x4C, "CDCCIPR"), Reg(0x50, "CDCCIP1R"), Reg(0x54, "CDCCIP2R"), Reg(0x58, "SRDCCIPR"),
        Reg(0x60, "CIER", 0, UNMODELLED), Reg(0x64, "CIFR", 0, UNMODELLED),
        Reg(0x68, "CICR", 0, UNMODELLED),
        Reg(0x70, "BDCR", 0, UNMODELLED), Reg(0x74, "CSR", 0, UNMODELLED),
        Reg(0x7C, "AHB3RSTR"), Reg(0x80, "AHB1RSTR"), Reg(0x84, "AHB2RSTR"),
        Reg(0x88, "AHB4RSTR"), Reg(0x8C, "APB3RSTR"), Reg(0x90, "APB1LRSTR"),
        Reg(0x94, "APB1HRSTR"), Reg(0x98, "APB2RSTR"), Reg(0x9C, "APB4RSTR"),
        Reg(0xD0, "RSR", 0x00FE0000, UNMODELLED),
        Reg(0xD4, "AHB3ENR"), Reg(0xD8, "AHB1ENR"), Reg(0xDC, "AHB2ENR"), Reg(0xE0, "AHB4ENR"),
        Reg(0xE4, "APB3ENR"), Reg(0xE8, "APB1LENR"), Reg(0xEC, "APB1HENR"),
        Reg(0xF0, "APB2ENR"), Reg(0xF4, "APB4ENR"),
    )

    def reset(self) -> None:
        super().reset()
        self._last_hz: Optional[float] = None

    # ---- registers -----------------------------------------------------------------------------
    def write_CR(self, value, mask):
        new = (self.values[0x00] & ~mask) | (value & mask)
        if (self.values[0x10] >> 3 & 7) == 0:
            new |= 1                       # HSION cannot be cleared while HSI is SYSCLK
        for on, rdy in _ON_RDY:            # ready at once: start-up times are not modelled
            new = new | (1 << rdy) if new >> on & 1 else new & ~(1 << rdy)
        self.values[0x00] = new
        self._switch()

    def write_CFGR(self, value, mask):
        self.values[0x10] = (self.values[0x10] & ~mask) | (value & mask & ~0x38)
        self._switch()

    # prescalers, PLL1 and the USART kernel clock select: store, then report a core clock change
    write_CDCFGR1 = clock_setter(0x18)
    write_CDCFGR2 = clock_setter(0x1C)
    write_PLLCKSELR = clock_setter(0x28)
    write_PLL1DIVR = clock_setter(0x30)
    write_CDCCIP2R = clock_setter(0x54)

    def _switch(self) -> None:
        sw = self.values[0x10] & 7
        ready_bit = {0: 2, 1: 8, 2: 17, 3: 25}.get(sw)
        if ready_bit is not None and self.values[0x00] >> ready_bit & 1:
            self.values[0x10] = (self.values[0x10] & ~0x38) | (sw << 3)   # SWS follows SW
        self._report_clock()

    # ---- clocks --------------------------------------------------------------------------------
    def _source_hz(self, sel: int) -> float:
        cr = self.values[0x00]
        if sel == 0:
            return HSI_HZ / (1 << (cr >> 3 & 3))   # HSIDIV, RM0455 RCC_CR bits 4:3
        if sel == 1:
            return CSI_HZ
        if sel == 2:
            return float(self.params["hse_hz"])
        return 0.0

    def pll1_p_hz(self) -> float:
        ck = self.values[0x28]
        m = ck >> 4 & 0x3F
        if not m or not self.values[0x00] >> 25 & 1:
            return 0.0
        div = self.values[0x30]
        n, p = (div & 0x1FF) + 1, (div >> 9 & 0x7F) + 1
        return self._source_hz(ck & 3) / m * n / p

    def sysclk_hz(self) -> float:
        sws = self.values[0x10] >> 3 & 7
        return self.pll1_p_hz() if sws == 3 else self._source_hz(sws)

    def core_clock_hz(self) -> float:
        """The Cortex-M7 clock: SYSCLK / CDCPRE (RM0455 section 7.5, Figure "Core and bus clock
        generation")."""
        return self.sysclk_hz() / _AHB_DIV.get(self.values[0x18] >> 8 & 0xF, 1)

    def hclk_hz(self) -> float:
        return self.core_clock_hz() / _AHB_DIV.get(self.values[0x18] & 0xF, 1)

    def kernel_clock_hz(self, uart_name: str) -> Optional[float]:
        sel_reg = self.values[0x54]
        if uart_name in _APB1_USARTS:
            sel, ppre = sel_reg & 7, self.values[0x1C] >> 4 & 7
        elif uart_name in _APB2_USARTS:
            sel, ppre = sel_reg >> 3 & 7, self.values[0x1C] >> 8 & 7
        else:
            return None
        if sel == 3:
            return self._source_hz(0)
        if sel != 0:
            return None   # PLL2/PLL3 Q, CSI, LSE kernel clocks: not modelled
        return self.hclk_hz() / _APB_DIV.get(ppre, 1)

    def tree(self):
        """What `tinysim.emu.operating_point` asks: the problems of this configuration."""
        problems = []
        if (self.values[0x10] & 7) == 3 and self.pll1_p_hz() == 0.0:
            problems.append("RCC_CFGR.SW selects PLL1 but PLL1 has no input (DIVM1 = 0 or PLL1 off)")
        return SimpleNamespace(problems=tuple(problems))

    def _report_clock(self) -> None:
        hz = self.core_clock_hz()
        if hz != self._last_hz:
            self._last_hz = hz
            self.host.clock_changed()

