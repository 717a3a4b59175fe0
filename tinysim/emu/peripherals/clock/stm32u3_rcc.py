"""STM32U3 reset and clock controller (RM0487 chapter "Reset and clock control (RCC)").

The U3 has no PLL: SYSCLK is MSIS, HSI16 or HSE (RCC_CFGR1.SW 00/01/10). The multi-speed
oscillator is two RC oscillators, MSIRC0 at 96 MHz and MSIRC1 at 24 MHz; MSIS and MSIK each take
one of them divided by 1, 2, 4 or 8. Which fields set the division: with RCC_ICSCR1.MSIRGSEL = 1,
ICSCR1.MSISSEL (0 = MSIRC0, 1 = MSIRC1) and ICSCR1.MSISDIV (MSIK: MSIKSEL, MSIKDIV); with
MSIRGSEL = 0 (the reset value), MSIRC1 divided by RCC_CSR.MSISDIVS (MSIKDIVS), whose reset value
01 gives 12 MHz. That is ST's own SystemCoreClockUpdate (system_stm32u3xx.c) and
HAL_RCC_GetSysClockFreq. Not modelled: the MSI PLL modes (CR.MSIPLLxEN lock an RC to LSE or
HSE; ICSCR1.MSIPLL1N retunes MSIRC1 to 22.58 or 24.576 MHz, stm32u3xx_hal_rcc_ex.h
RCC_MSIRC1_PLLN_*), which ST's MLPerf Tiny builds leave off.

What it follows: the oscillators' ON -> RDY handshake in RCC_CR (MSIS, MSIK, HSI16, HSI48, HSE;
each ready bit follows its enable at once: start-up times are not modelled), the SYSCLK switch in
RCC_CFGR1 (SW -> SWS, only to a ready source), the AHB and APB prescalers (RCC_CFGR2 HPRE, PPRE1,
PPRE2; RCC_CFGR3 PPRE3), and the UART kernel clock selections the UART models ask for
(`kernel_clock_hz`): CCIPR1.USART1SEL (0 PCLK2, 1 HSI16), CCIPR1.USART3SEL (0 PCLK1, 1 HSI16),
CCIPR3.LPUART1SEL (00 PCLK3, 01 HSI16, 10 LSE, 11 MSIK) per stm32u3xx_hal_rcc_ex.h. Each HCLK
change is reported to the host (`Host.clock_changed`). Clock enable registers store what is
written.

Register offsets and bit positions: ST's stm32u385xx.h (RCC_TypeDef, "Bit definition for RCC_*")
as read. Reset values are recalled from RM0487 (not in the corpus searched): CR = MSISON |
MSISRDY | MSIKON | MSIKRDY, CSR.MSISDIVS = MSIKDIVS = 01 (ST's HAL: "After a system reset ...
range 5 (MSIRC1, DIV2, 12MHz) is always selected").
"""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Reg
from .rcc_setter import clock_setter
from .stm32u5_rcc import AHB_DIV, APB_DIV, HSI16_HZ, Stm32u5Rcc, U5Clocks

MSIRC0_HZ, MSIRC1_HZ = 96_000_000.0, 24_000_000.0   # system_stm32u3xx.c MSIRC0_VALUE / MSIRC1_VALUE
# RCC_CR: the oscillators' ON bit -> their RDY bit (stm32u385xx.h RCC_CR_*_Pos)
READY_BITS = {"MSIS": (0, 2), "MSIK": (3, 4), "HSI16": (11, 13), "HSI48": (14, 15), "HSE": (16, 17)}
RDY_MASK = sum(1 << rdy for _, rdy in READY_BITS.values()) | 1 << 9 | 1 << 10   # + MSIPLLxRDY
SW_SOURCES = ("MSIS", "HSI16", "HSE", None)          # SW = 11 is reserved
MSIRGSEL = 1 << 23


@PERIPHERALS.register("clock.stm32u3_rcc")
class Stm32u3Rcc(Stm32u5Rcc):
    """The U5 model's bus prescalers (CFGR2/CFGR3 at the same offsets and encodings), HCLK
    reporting and parameters (hse_hz, lse_hz), with the U3's oscillators, registers and
    kernel clock selectors; its U5 PLL handlers name registers the U3 does not have."""

    REGISTERS = (
        Reg(0x00, "CR", 0x0000001D),          # MSISON|MSISRDY|MSIKON|MSIKRDY (recalled)
        Reg(0x08, "ICSCR1"),                  # MSIRGSEL = 0: ranges from CSR (calibration: 0 here)
        Reg(0x0C, "ICSCR2", 0, UNMODELLED), Reg(0x10, "ICSCR3", 0, UNMODELLED),
        Reg(0x14, "CRRCR", 0, UNMODELLED),
        Reg(0x1C, "CFGR1"), Reg(0x20, "CFGR2"), Reg(0x24, "CFGR3"), Reg(0x28, "CFGR4"),
        Reg(0x50, "CIER"), Reg(0x54, "CIFR", 0, RO), Reg(0x58, "CICR", 0, WO),
        Reg(0x60, "AHB1RSTR1"), Reg(0x64, "AHB2RSTR1"), Reg(0x68, "AHB2RSTR2"),
        Reg(0x74, "APB1RSTR1"), Reg(0x78, "APB1RSTR2"), Reg(0x7C, "APB2RSTR"), Reg(0x80, "APB3RSTR"),
        Reg(0x88, "AHB1ENR1", 0x80000100),    # FLASHEN (8), SRAM1EN (31) at reset (recalled)
        Reg(0x8C, "AHB2ENR1", 0x40000000),    # SRAM2EN (recalled)
        Reg(0x90, "AHB2ENR2"), Reg(0x94, "AHB1ENR2"),
        Reg(0x9C, "APB1ENR1"), Reg(0xA0, "APB1ENR2"), Reg(0xA4, "APB2ENR"), Reg(0xA8, "APB3ENR"),
        Reg(0xB0, "AHB1SLPENR1"), Reg(0xB4, "AHB2SLPENR1"), Reg(0xB8, "AHB2SLPENR2"),
        Reg(0xBC, "AHB1SLPENR2"), Reg(0xC4, "APB1SLPENR1"), Reg(0xC8, "APB1SLPENR2"),
        Reg(0xCC, "APB2SLPENR"), Reg(0xD0, "APB3SLPENR"),
        Reg(0xD8, "AHB1STPENR1"), Reg(0xDC, "AHB2STPENR1"), Reg(0xEC, "APB1STPENR1"),
        Reg(0xF0, "APB1STPENR2"), Reg(0xF4, "APB2STPENR"), Reg(0xF8, "APB3STPENR"),
        Reg(0x100, "CCIPR1"), Reg(0x104, "CCIPR2"), Reg(0x108, "CCIPR3"),
        Reg(0x110, "BDCR"), Reg(0x114, "CSR", 0x0C001100),   # MSIS/MSIKDIVS = 01; PINRSTF|BORRSTF (recalled)
        Reg(0x130, "SECCFGR", 0, UNMODELLED), Reg(0x134, "PRIVCFGR", 0, UNMODELLED),
    )

    # ---- the oscillators and the SYSCLK switch: the U5 model's handlers on the U3's tables ------
    READY_BITS, RDY_MASK, SW_SOURCES = READY_BITS, RDY_MASK, SW_SOURCES

    def _oscillator_ready(self, name: str, cr: int) -> bool:
        """At once (start-up times are not modelled); HSE only where the board fits one."""
        return name != "HSE" or float(self.params["hse_hz"]) > 0

    write_ICSCR1 = clock_setter(0x08)   # MSIS/MSIK selection and division: store, report

    def write_CSR(self, value, mask):
        # RMVF (bit 23) clears the reset flags (bits 25..31) and reads 0; the rest store
        csr = (self.values[0x114] & ~mask) | (value & mask)
        if csr & (1 << 23):
            csr &= ~(0xFE000000 | 1 << 23)
        self.values[0x114] = csr
        self._report_clock()

    # ---- frequencies ---------------------------------------------------------------------------
    def _msi_hz(self, kernel: bool) -> float:
        """MSIS (kernel False) or MSIK: ICSCR1 SEL/DIV with MSIRGSEL = 1, else MSIRC1 / CSR DIVS."""
        icscr1, csr = self.values[0x08], self.values[0x114]
        if icscr1 & MSIRGSEL:
            sel, div = ((icscr1 >> 28 & 1, icscr1 >> 26 & 3) if kernel
                        else (icscr1 >> 31 & 1, icscr1 >> 29 & 3))
            return (MSIRC1_HZ if sel else MSIRC0_HZ) / (1 << div)
        divs = csr >> 8 & 3 if kernel else csr >> 12 & 3
        return MSIRC1_HZ / (1 << divs)

    def tree(self) -> U5Clocks:
        """SYSCLK, HCLK and the PCLKs now, and what silicon would not run (`problems`)."""
        key = tuple(self.values[o] for o in (0x00, 0x08, 0x1C, 0x20, 0x24, 0x114))
        if key == self._key and self._clocks is not None:
            return self._clocks
        sws = self.values[0x1C] >> 2 & 3
        sysclk = (self._msi_hz(False), HSI16_HZ, float(self.params["hse_hz"]), 0.0)[sws]
        hclk = sysclk / AHB_DIV.get(self.values[0x20] & 0xF, 1)
        cfgr2, cfgr3 = self.values[0x20], self.values[0x24]
        pclk = (hclk / APB_DIV.get(cfgr2 >> 4 & 7, 1), hclk / APB_DIV.get(cfgr2 >> 8 & 7, 1),
                hclk / APB_DIV.get(cfgr3 >> 4 & 7, 1))
        self._key, self._clocks = key, U5Clocks(sysclk, hclk, pclk, ())
        return self._clocks

    def kernel_clock_hz(self, uart_name: str) -> Optional[float]:
        """USART1: CCIPR1.USART1SEL (0 PCLK2, 1 HSI16); USART3: CCIPR1.USART3SEL (bit 2: 0 PCLK1,
        1 HSI16); LPUART1: CCIPR3.LPUART1SEL (00 PCLK3, 01 HSI16, 10 LSE, 11 MSIK). Others: None
        (the model's own param or the core clock)."""
        t = self.tree()
        hsi = HSI16_HZ if self.values[0x00] >> 11 & 3 else 0.0     # HSION or HSIKERON
        if uart_name == "usart1":
            return hsi if self.values[0x100] & 1 else t.pclk_hz[1]
        if uart_name == "usart3":
            return hsi if self.values[0x100] & 4 else t.pclk_hz[0]
        if uart_name == "lpuart1":
            msik = self._msi_hz(True) if self.values[0x00] >> 3 & 1 else 0.0
            return (t.pclk_hz[2], hsi, float(self.params["lse_hz"]), msik)[self.values[0x108] & 3]
        return None
