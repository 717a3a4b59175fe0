"""The STM32L4+ clock tree computed from RCC register values (RM0432 Rev 9 section 6.2, figure 15
"Clock tree"; register fields in section 6.4). The one place SYSCLK, HCLK, PCLK1/2, the PLL
outputs and the UART kernel clocks are derived; the RCC model (`stm32l4_rcc.py`) feeds it its
registers and the machine asks it for the core clock.

Pure functions of register values, no state: `ClockTree.compute(regs, hse_hz, lse_hz)`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Dict, List, Mapping, Optional

# MSI ranges, RCC_CR.MSIRANGE (bits 7:4) / RCC_CSR.MSISRANGE: RM0432 section 6.4.1 (CR field
# table): 0 = 100 kHz ... 11 = 48 MHz; 12..15 not allowed.
MSI_RANGES_HZ = (100_000, 200_000, 400_000, 800_000, 1_000_000, 2_000_000, 4_000_000, 8_000_000,
                 16_000_000, 24_000_000, 32_000_000, 48_000_000)
HSI16_HZ = 16_000_000          # RM0432 section 6.2.2
HSI48_HZ = 48_000_000          # RM0432 section 6.2.4
LSI_HZ = 32_000                # RM0432 section 6.2.8 (about 32 kHz)
# CFGR.HPRE: 0xxx = /1, 1000 = /2 ... 1111 = /512 (RM0432 section 6.4.3)
HPRE_DIV = {8: 2, 9: 4, 10: 8, 11: 16, 12: 64, 13: 128, 14: 256, 15: 512}
# CFGR.PPRE1/PPRE2: 0xx = /1, 100 = /2, 101 = /4, 110 = /8, 111 = /16 (RM0432 section 6.4.3)
PPRE_DIV = {4: 2, 5: 4, 6: 8, 7: 16}
# PLL limits, RM0432 section 6.2.5 and the PLLCFGR field descriptions (section 6.4.4):
# input after /M 2.66..16 MHz, VCO output 64..344 MHz, N 8..127, PLLCLK (R) at most 120 MHz.
PLL_IN_MIN_HZ, PLL_IN_MAX_HZ = 2_660_000, 16_000_000
VCO_MIN_HZ, VCO_MAX_HZ = 64_000_000, 344_000_000
PLLN_MIN, PLLN_MAX = 8, 127
# RCC_CCIPR UART kernel clock selections (RM0432 section 6.4.28): 2 bits each, 00 = PCLK
# (PCLK2 for USART1, PCLK1 for the others), 01 = SYSCLK, 10 = HSI16, 11 = LSE.
CCIPR_UART_SHIFT = {"usart1": 0, "usart2": 2, "usart3": 4, "uart4": 6, "uart5": 8, "lpuart1": 10}
# Timer clocks (RM0432 section 6.2, "Timer clock"): a timer on APBx counts at PCLKx when the APBx
# prescaler is 1, else at 2 x PCLKx. TIM2..7 are on APB1, TIM1/8/15/16/17 on APB2 (RM0432 Table 3).
APB1_TIMERS = ("tim2", "tim3", "tim4", "tim5", "tim6", "tim7")
APB2_TIMERS = ("tim1", "tim8", "tim15", "tim16", "tim17")
# RCC_CCIPR.LPTIMxSEL (RM0432 section 6.4.28, recalled): bits 19:18 LPTIM1, 21:20 LPTIM2;
# 00 = PCLK1, 01 = LSI, 10 = HSI16, 11 = LSE.
CCIPR_LPTIM_SHIFT = {"lptim1": 18, "lptim2": 20}


@dataclass(frozen=True)
class ClockTree:
    """The frequencies the RCC registers give, in Hz (0 = that clock is off / not selected),
    and what is wrong with the configuration (`problems`: empty when silicon would run it)."""

    sysclk_source: str
    sysclk_hz: float
    hclk_hz: float
    pclk1_hz: float
    pclk2_hz: float
    pll_vco_hz: float
    pllp_hz: float
    pllq_hz: float
    pllr_hz: float
    hsi16_on: bool
    lse_hz: float
    problems: tuple = ()
    tim_apb1_hz: float = 0.0       # the timer clocks of APB1 / APB2 (x2 when the prescaler is not 1)
    tim_apb2_hz: float = 0.0
    lsi_on: bool = False

    @staticmethod
    def msi_hz(cr: int, csr: int) -> float:
        """MSI frequency: CR.MSIRANGE when CR.MSIRGSEL = 1, else CSR.MSISRANGE (RM0432 6.4.1)."""
        rng = (cr >> 4) & 0xF if cr >> 3 & 1 else (csr >> 8) & 0xF
        return float(MSI_RANGES_HZ[rng]) if rng < len(MSI_RANGES_HZ) else 0.0

    @classmethod
    def compute(cls, regs: Mapping[str, int], hse_hz: float, lse_hz: float,
                sysclk_source: str) -> "ClockTree":
        """`regs`: CR, CFGR, PLLCFGR, CSR, BDCR values; `sysclk_source` the source the switch
        has completed to (CFGR.SWS, which lags SW until the new source is ready)."""
        cr, cfgr, pll, csr = regs["CR"], regs["CFGR"], regs["PLLCFGR"], regs["CSR"]
        problems: List[str] = []
        msi = cls.msi_hz(cr, csr)
        src = pll & 3
        pll_in = {0: 0.0, 1: msi, 2: float(HSI16_HZ), 3: float(hse_hz)}[src]
        m = ((pll >> 4) & 0xF) + 1
        n = (pll >> 8) & 0x7F
        pdiv = (pll >> 27) & 0x1F
        p = pdiv if pdiv >= 2 else (17 if pll >> 17 & 1 else 7)
        q = 2 * (((pll >> 21) & 3) + 1)
        r = 2 * (((pll >> 25) & 3) + 1)
        vco = pll_in / m * n if pll_in else 0.0
        pll_on = bool(cr >> 24 & 1)
        if pll_on:
            where = f"RCC_PLLCFGR=0x{pll:08x}"
            if src == 0:
                problems.append(f"{where}: PLLON with PLLSRC = 00 (no clock)")
            elif not PLL_IN_MIN_HZ <= pll_in / m <= PLL_IN_MAX_HZ:
                problems.append(f"{where}: PLL input {pll_in / m / 1e6:g} MHz after /M={m} is outside "
                                "2.66..16 MHz (RM0432 section 6.2.5)")
            if not PLLN_MIN <= n <= PLLN_MAX:
                problems.append(f"{where}: PLLN={n} is outside 8..127 (RM0432 section 6.4.4)")
            elif vco and not VCO_MIN_HZ <= vco <= VCO_MAX_HZ:
                problems.append(f"{where}: VCO {vco / 1e6:g} MHz is outside 64..344 MHz "
                                "(RM0432 section 6.2.5)")
        pllr = vco / r if pll_on and pll >> 24 & 1 else 0.0
        sysclk = {"MSI": msi, "HSI16": float(HSI16_HZ) if cr >> 8 & 1 else 0.0,
                  "HSE": float(hse_hz) if cr >> 16 & 1 else 0.0, "PLL": pllr}[sysclk_source]
        hclk = sysclk / HPRE_DIV.get((cfgr >> 4) & 0xF, 1)
        div1, div2 = PPRE_DIV.get((cfgr >> 8) & 7, 1), PPRE_DIV.get((cfgr >> 11) & 7, 1)
        pclk1, pclk2 = hclk / div1, hclk / div2
        return cls(sysclk_source=sysclk_source, sysclk_hz=sysclk, hclk_hz=hclk, pclk1_hz=pclk1,
                   pclk2_hz=pclk2, pll_vco_hz=vco if pll_on else 0.0,
                   pllp_hz=vco / p if pll_on and pll >> 16 & 1 else 0.0,
                   pllq_hz=vco / q if pll_on and pll >> 20 & 1 else 0.0, pllr_hz=pllr,
                   hsi16_on=bool(cr >> 8 & 1), lse_hz=float(lse_hz), problems=tuple(problems),
                   tim_apb1_hz=pclk1 if div1 == 1 else 2 * pclk1,
                   tim_apb2_hz=pclk2 if div2 == 1 else 2 * pclk2, lsi_on=bool(csr & 1))

    def uart_kernel_hz(self, uart: str, ccipr: int) -> Optional[float]:
        """Kernel clock of UART `uart` (usart1..3, uart4/5, lpuart1) under CCIPR, or None for a
        name this table does not cover."""
        shift = CCIPR_UART_SHIFT.get(uart.lower())
        if shift is None:
            return None
        sel = (ccipr >> shift) & 3
        pclk = self.pclk2_hz if uart.lower() == "usart1" else self.pclk1_hz
        return (pclk, self.sysclk_hz, float(HSI16_HZ) if self.hsi16_on else 0.0, self.lse_hz)[sel]

    def timer_kernel_hz(self, timer: str, ccipr: int) -> Optional[float]:
        """Counting clock of timer `timer` (tim1..17, lptim1/2), or None for another name."""
        name = timer.lower()
        if name in APB1_TIMERS:
            return self.tim_apb1_hz
        if name in APB2_TIMERS:
            return self.tim_apb2_hz
        shift = CCIPR_LPTIM_SHIFT.get(name)
        if shift is None:
            return None
        sel = (ccipr >> shift) & 3
        return (self.pclk1_hz, float(LSI_HZ) if self.lsi_on else 0.0,
                float(HSI16_HZ) if self.hsi16_on else 0.0, self.lse_hz)[sel]

    def as_dict(self) -> Dict[str, object]:
        return {"sysclk_source": self.sysclk_source, "sysclk_hz": self.sysclk_hz,
                "hclk_hz": self.hclk_hz, "pclk1_hz": self.pclk1_hz, "pclk2_hz": self.pclk2_hz,
                "pllr_hz": self.pllr_hz}
