"""STM32U5 reset and clock controller (RM0456 chapter 11 "Reset and clock control (RCC)").

What it follows: the oscillators' ON -> RDY handshake in RCC_CR (MSIS, HSI16, HSE, PLL1; each
ready bit follows its enable at once: oscillator start-up times are not modelled), the SYSCLK
switch in RCC_CFGR1 (SW -> SWS, only to a ready source), the AHB and APB prescalers in
RCC_CFGR2/CFGR3, PLL1 (RCC_PLL1CFGR source and /M, RCC_PLL1DIVR x N and /R; the fractional part
is ignored) and the USART1 / LPUART1 kernel clock selections (RCC_CCIPR1 USART1SEL, RCC_CCIPR3
LPUART1SEL), which the UART models ask for (`kernel_clock_hz`). Each HCLK change is reported to
the host (`Host.clock_changed`). Clock enable registers store what is written.

Register offsets, reset values and fields are from RM0456 Rev 4 section 11.8 ("RCC registers"),
RECALLED FROM MEMORY while writing (RM0456 was not in the corpus searched); the offsets agree with
ST's STM32CubeU5 stm32u575xx.h RCC_TypeDef as far as it was read. The PLL limits (input after /M
4..16 MHz, VCO 128..544 MHz) are recalled from RM0456 section 11.4.7, to verify.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Tuple

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg
from .rcc_setter import clock_setter

HSI16_HZ = 16_000_000.0
# RCC_ICSCR1 MSISRANGE -> MSIS frequency (RM0456 section 11.4.5 table "MSIS/MSIK ranges",
# recalled): 0 = 48 MHz ... 4 = 4 MHz (the reset range) ...
MSI_RANGES_HZ = (48e6, 24e6, 16e6, 12e6, 4e6, 2e6, 1.33e6, 1e6,
                 3.072e6, 1.536e6, 1.024e6, 0.768e6, 0.4e6, 0.2e6, 0.133e6, 0.1e6)
AHB_DIV = {8: 2, 9: 4, 10: 8, 11: 16, 12: 64, 13: 128, 14: 256, 15: 512}   # HPRE (CFGR2[3:0])
APB_DIV = {4: 2, 5: 4, 6: 8, 7: 16}                                         # PPREx
PLL_IN_MIN_HZ, PLL_IN_MAX_HZ = 4e6, 16e6
VCO_MIN_HZ, VCO_MAX_HZ = 128e6, 544e6
# RCC_CR: the oscillators' ON bit -> their RDY bit
READY_BITS = {"MSIS": (0, 2), "HSI16": (8, 10), "HSE": (16, 17), "PLL1": (24, 25),
              "PLL2": (26, 27), "PLL3": (28, 29), "MSIK": (4, 5), "HSI48": (12, 13)}
RDY_MASK = sum(1 << rdy for _, rdy in READY_BITS.values()) | 1 << 15   # + SHSIRDY: read-only
SW_SOURCES = ("MSIS", "HSI16", "HSE", "PLL1")


@dataclass(frozen=True)
class U5Clocks:
    sysclk_hz: float
    hclk_hz: float
    pclk_hz: Tuple[float, float, float]   # PCLK1, PCLK2, PCLK3
    problems: tuple = ()


@PERIPHERALS.register("clock.stm32u5_rcc")
class Stm32u5Rcc(Peripheral):
    # hse_hz: the HSE the board feeds (0 = none fitted); lse_hz: the LSE crystal
    DEFAULTS = {"hse_hz": 0, "lse_hz": 32_768}

    REGISTERS = (
        Reg(0x00, "CR", 0x00000035),          # MSISON|MSISRDY|MSIKON|MSIKRDY
        Reg(0x08, "ICSCR1", 0x44000000),      # MSISRANGE = MSIKRANGE = 4 (4 MHz)
        Reg(0x0C, "ICSCR2", 0x00084210, UNMODELLED), Reg(0x10, "ICSCR3", 0x00100000, UNMODELLED),
        Reg(0x14, "CRRCR", 0, UNMODELLED),
        Reg(0x1C, "CFGR1"), Reg(0x20, "CFGR2"), Reg(0x24, "CFGR3"),
        Reg(0x28, "PLL1CFGR"), Reg(0x2C, "PLL2CFGR"), Reg(0x30, "PLL3CFGR"),
        Reg(0x34, "PLL1DIVR", 0x01010280), Reg(0x38, "PLL1FRACR"),
        Reg(0x3C, "PLL2DIVR", 0x01010280), Reg(0x40, "PLL2FRACR"),
        Reg(0x44, "PLL3DIVR", 0x01010280), Reg(0x48, "PLL3FRACR"),
        Reg(0x50, "CIER"), Reg(0x54, "CIFR", 0, RO), Reg(0x58, "CICR", 0, WO),
        Reg(0x60, "AHB1RSTR"), Reg(0x64, "AHB2RSTR1"), Reg(0x68, "AHB2RSTR2"),
        Reg(0x6C, "AHB3RSTR"), Reg(0x74, "APB1RSTR1"), Reg(0x78, "APB1RSTR2"),
        Reg(0x7C, "APB2RSTR"), Reg(0x80, "APB3RSTR"),
        Reg(0x88, "AHB1ENR", 0xD0000100),     # FLASHEN, GTZC1EN, BKPSRAMEN, SRAM1EN (recalled)
        Reg(0x8C, "AHB2ENR1", 0xC0000000),    # SRAM2EN, SRAM3EN
        Reg(0x90, "AHB2ENR2"), Reg(0x94, "AHB3ENR"),
        Reg(0x9C, "APB1ENR1"), Reg(0xA0, "APB1ENR2"), Reg(0xA4, "APB2ENR"), Reg(0xA8, "APB3ENR"),
        Reg(0xE0, "CCIPR1"), Reg(0xE4, "CCIPR2"), Reg(0xE8, "CCIPR3"),
        Reg(0xF0, "BDCR"), Reg(0xF4, "CSR", 0x0C004400, UNMODELLED),
        Reg(0x110, "SECCFGR", 0, UNMODELLED), Reg(0x114, "PRIVCFGR", 0, UNMODELLED),
    )

    def reset(self) -> None:
        super().reset()
        self._last_hclk = None
        self._key = None
        self._clocks: Optional[U5Clocks] = None

    # ---- the oscillators and the SYSCLK switch -------------------------------------------------
    # The family's tables (a subclass names its own: stm32u3_rcc): RCC_CR ON bit -> RDY bit per
    # oscillator, the read-only ready bits, and CFGR1.SW -> source (None: a reserved encoding).
    READY_BITS, RDY_MASK, SW_SOURCES = READY_BITS, RDY_MASK, SW_SOURCES

    def _oscillator_ready(self, name: str, cr: int) -> bool:
        """Whether oscillator `name`, switched on in `cr`, is ready: at once (start-up times are
        not modelled), HSE only where the board fits one, PLL1 only with a running input."""
        if name == "HSE":
            return float(self.params["hse_hz"]) > 0
        if name == "PLL1":
            return self._pll1_input_hz(cr) > 0
        return True

    def write_CR(self, value, mask):
        cr = (self.values[0x00] & ~mask) | (value & mask & ~self.RDY_MASK)
        for name, (on, rdy) in self.READY_BITS.items():
            ready = bool(cr >> on & 1) and self._oscillator_ready(name, cr)
            cr = (cr | 1 << rdy) if ready else (cr & ~(1 << rdy))
        # the oscillator SYSCLK runs from cannot be stopped (RM0456 11.8.1)
        current = self.SW_SOURCES[self.values[0x1C] >> 2 & 3]
        if current is not None:
            on, rdy = self.READY_BITS[current]
            cr |= (1 << on) | (1 << rdy)
        self.values[0x00] = cr
        self._report_clock()

    def write_CFGR1(self, value, mask):
        """SW switches SYSCLK (SWS follows) only to a ready source; a reserved SW leaves SWS."""
        cfgr = (self.values[0x1C] & ~mask) | (value & mask & ~0xC)
        target = self.SW_SOURCES[cfgr & 3]
        sws = self.values[0x1C] >> 2 & 3
        if target is not None and self.values[0x00] >> self.READY_BITS[target][1] & 1:
            sws = cfgr & 3
        self.values[0x1C] = (cfgr & ~0xC) | (sws << 2)
        self._report_clock()

    # prescalers and PLL1: store, then report a core clock change
    write_CFGR2 = clock_setter(0x20)
    write_CFGR3 = clock_setter(0x24)
    write_PLL1CFGR = clock_setter(0x28)
    write_PLL1DIVR = clock_setter(0x34)

    # ---- frequencies ---------------------------------------------------------------------------
    def _msis_hz(self) -> float:
        return MSI_RANGES_HZ[self.values[0x08] >> 28 & 0xF]

    def _pll1_input_hz(self, cr: Optional[int] = None) -> float:
        cr = self.values[0x00] if cr is None else cr
        src = self.values[0x28] & 3
        if src == 1 and cr & 1:
            return self._msis_hz()
        if src == 2 and cr >> 8 & 1:
            return HSI16_HZ
        if src == 3 and cr >> 16 & 1:
            return float(self.params["hse_hz"])
        return 0.0

    def tree(self) -> U5Clocks:
        """SYSCLK, HCLK and the PCLKs now, and what silicon would not run (`problems`)."""
        key = tuple(self.values[o] for o in (0x00, 0x08, 0x1C, 0x20, 0x24, 0x28, 0x34))
        if key == self._key and self._clocks is not None:
            return self._clocks
        problems = []
        sws = self.values[0x1C] >> 2 & 3
        pll_in = self._pll1_input_hz()
        m = (self.values[0x28] >> 8 & 0xF) + 1
        divr = self.values[0x34]
        n, r = (divr & 0x1FF) + 1, (divr >> 24 & 0x7F) + 1
        vco = pll_in / m * n
        if self.values[0x00] >> 24 & 1 and pll_in:
            where = "RCC_PLL1CFGR/PLL1DIVR (RM0456 11.4.7, limits recalled)"
            if not PLL_IN_MIN_HZ <= pll_in / m <= PLL_IN_MAX_HZ:
                problems.append(f"{where}: PLL1 input {pll_in / m / 1e6:g} MHz after /M={m} is "
                                f"outside {PLL_IN_MIN_HZ / 1e6:g}..{PLL_IN_MAX_HZ / 1e6:g} MHz")
            if not VCO_MIN_HZ <= vco <= VCO_MAX_HZ:
                problems.append(f"{where}: PLL1 VCO {vco / 1e6:g} MHz (x N={n}) is outside "
                                f"{VCO_MIN_HZ / 1e6:g}..{VCO_MAX_HZ / 1e6:g} MHz")
        pll1r = vco / r if self.values[0x28] >> 18 & 1 else 0.0   # PLL1REN gates PLL1_R_CK
        sysclk = (self._msis_hz(), HSI16_HZ, float(self.params["hse_hz"]), pll1r)[sws]
        hclk = sysclk / AHB_DIV.get(self.values[0x20] & 0xF, 1)
        cfgr2, cfgr3 = self.values[0x20], self.values[0x24]
        pclk = (hclk / APB_DIV.get(cfgr2 >> 4 & 7, 1), hclk / APB_DIV.get(cfgr2 >> 8 & 7, 1),
                hclk / APB_DIV.get(cfgr3 >> 4 & 7, 1))
        self._key, self._clocks = key, U5Clocks(sysclk, hclk, pclk, tuple(problems))
        return self._clocks

    def core_clock_hz(self) -> float:
        """HCLK: the Cortex-M33, its SysTick and DWT cycle counter run from it."""
        return self.tree().hclk_hz

    def kernel_clock_hz(self, uart_name: str) -> Optional[float]:
        """USART1: CCIPR1.USART1SEL (00 PCLK2, 01 SYSCLK, 10 HSI16, 11 LSE); LPUART1:
        CCIPR3.LPUART1SEL (000 PCLK3, 001 SYSCLK, 010 HSI16, 011 LSE, 100 MSIK). Others: None
        (the UART model then uses its own param or the core clock)."""
        t = self.tree()
        lse = float(self.params["lse_hz"])
        hsi = HSI16_HZ if self.values[0x00] >> 8 & 1 else 0.0
        if uart_name == "usart1":
            return (t.pclk_hz[1], t.sysclk_hz, hsi, lse)[self.values[0xE0] & 3]
        if uart_name == "lpuart1":
            sel = self.values[0xE8] & 7
            msik = MSI_RANGES_HZ[self.values[0x08] >> 24 & 0xF]
            return (t.pclk_hz[2], t.sysclk_hz, hsi, lse, msik, 0.0, 0.0, 0.0)[sel]
        return None

    def _report_clock(self) -> None:
        hclk = self.core_clock_hz()
        if hclk != self._last_hclk:
            self._last_hclk = hclk
            self.host.clock_changed()
