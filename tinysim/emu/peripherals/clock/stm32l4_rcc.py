"""STM32L4/L4+ reset and clock control (RM0432 Rev 9 chapter 6).

Oscillators (MSI, HSI16, HSE, HSI48, LSE, LSI) and the main PLL become ready a start-up time
after they are switched on, in device time; the SYSCLK switch (CFGR.SW) completes, and CFGR.SWS
follows, once the selected source is ready; the frequencies come from `stm32l4_tree.ClockTree`,
the one computation of SYSCLK/HCLK/PCLKx. A change of the core clock (HCLK) is reported to the
host (`Host.clock_changed`), which asks `core_clock_hz()`. UART models ask their kernel clock
(`kernel_clock_hz(name)`, from CCIPR). Silicon rules kept: PLLCFGR is ignored while the PLL is on
(RM0432 6.4.4: "to be written only when the PLL is disabled"), and the oscillator that feeds
SYSCLK (or the PLL that does) cannot be switched off (RM0432 6.4.1, MSION/HSION/HSEON/PLLON).

Start-up times are DS12023 typical values, recalled from memory (to verify against the datasheet
tables "HSI16 oscillator characteristics", "MSI", "PLL characteristics", "LSE/LSI/HSI48"); a
board may override any of them through params (`startup_us`). The NUCLEO-144 has no HSE crystal
fitted by default: its HSE input is the ST-LINK MCO, 8 MHz, so only bypass mode (HSEBYP) starts
it (UM2179 section 6.7.1 "HSE clock", recalled from memory): params `hse_hz`, `hse_bypass_only`.
Reset values: RM0432 section 6.4 register descriptions.
"""

from __future__ import annotations

from typing import Dict, Optional

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg
from .rcc_setter import clock_setter
from .stm32l4_tree import ClockTree

# Oscillator -> (register offset, enable bit, ready bit)
OSCILLATORS = {
    "MSI": (0x00, 0, 1), "HSI16": (0x00, 8, 10), "HSE": (0x00, 16, 17), "PLL": (0x00, 24, 25),
    "PLLSAI1": (0x00, 26, 27), "PLLSAI2": (0x00, 28, 29),
    "LSE": (0x90, 0, 1), "LSI": (0x94, 0, 1), "HSI48": (0x98, 0, 1),
}
SW_SOURCES = ("MSI", "HSI16", "HSE", "PLL")
# Typical start-up times in microseconds (DS12023, from memory: see the module docstring).
STARTUP_US = {"MSI": 5.0, "HSI16": 0.8, "HSE": 2000.0, "HSE-bypass": 0.75, "PLL": 15.0,
              "PLLSAI1": 15.0, "PLLSAI2": 15.0, "HSI48": 2.5, "LSI": 80.0, "LSE": 2_000_000.0}


PLL_OUTPUT_ENABLES = (1 << 16) | (1 << 20) | (1 << 24)   # PLLPEN, PLLQEN, PLLREN


@PERIPHERALS.register("clock.stm32l4_rcc")
class Stm32l4Rcc(Peripheral):
    DEFAULTS = {"hse_hz": 8_000_000, "hse_bypass_only": True, "lse_hz": 32_768, "startup_us": {}}

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

    def reset(self) -> None:
        super().reset()
        self._ready_at: Dict[str, Optional[int]] = {name: None for name in OSCILLATORS}
        self._ready_at["MSI"] = 0  # running at reset (RM0432 6.2.3: MSI 4 MHz after reset)
        self._switched = "MSI"     # CFGR.SWS: the source SYSCLK actually runs from
        self._polls: Dict[str, int] = {}
        self._last_hclk = None
        self._lse_seen = False     # LSERDY as the last read of an oscillator register found it
        self._tree_key, self._tree = None, None

    # ---- oscillators -------------------------------------------------------------------------
    def _startup_cycles(self, name: str) -> int:
        key = "HSE-bypass" if name == "HSE" and self.values[0x00] >> 18 & 1 else name
        us = dict(STARTUP_US, **dict(self.params.get("startup_us") or {})).get(key, 0.0)
        return int(round(us * 1e-6 * self.host.clock_hz()))

    def _can_start(self, name: str) -> bool:
        if name == "HSE" and self.params["hse_bypass_only"] and not self.values[0x00] >> 18 & 1:
            return False  # no crystal fitted: HSEON without HSEBYP never gets ready
        if name == "PLL":
            return self._pll_input_ready()
        return True

    def _pll_input_ready(self) -> bool:
        src = self.values[0x0C] & 3
        return src != 0 and self._ready(("", "MSI", "HSI16", "HSE")[src])

    def _ready(self, name: str) -> bool:
        at = self._ready_at.get(name)
        return at is not None and self.host.now() >= at

    def _update_oscillators(self) -> None:
        for name, (off, on_bit, _) in OSCILLATORS.items():
            on = bool(self.values[off] >> on_bit & 1)
            if not on:
                self._ready_at[name] = None
            elif self._ready_at[name] is None and self._can_start(name):
                self._ready_at[name] = self.host.now() + self._startup_cycles(name)

    def _with_ready(self, off: int) -> int:
        self._update_oscillators()
        value = self.values[off]
        for name, (o, on_bit, rdy_bit) in OSCILLATORS.items():
            if o != off:
                continue
            if self._ready(name):
                value |= 1 << rdy_bit
            else:
                value &= ~(1 << rdy_bit)
                at = self._ready_at[name]
                if at is not None and value >> on_bit & 1:
                    # A core polling the flag: after a few reads, let device time pass to the
                    # moment it sets (the machine takes any earlier timer event on the way).
                    self._polls[name] = self._polls.get(name, 0) + 1
                    if self._polls[name] >= 2:
                        self.host.advance_to(at)
        lse = self._ready("LSE")
        if lse != self._lse_seen:
            # the one clock a read can find changed: a UART or LPTIM on the LSE starts counting
            # now (the bus tells the host of writes only)
            self._lse_seen = lse
            self.host.clock_changed()
        return value

    # ---- SYSCLK switch and clocks ------------------------------------------------------------
    def _try_switch(self) -> None:
        target = SW_SOURCES[self.values[0x08] & 3]
        if target != self._switched and self._ready(target):
            self._switched = target
        self._report_clock()

    def tree(self) -> ClockTree:
        """The clock tree now (cached: UART models ask for their kernel clock at every poll)."""
        v = self.values
        key = (v[0x00], v[0x08], v[0x0C], v[0x94], v[0x90], self._switched, self._ready("LSE"))
        if key != self._tree_key:
            regs = {"CR": v[0x00], "CFGR": v[0x08], "PLLCFGR": v[0x0C], "CSR": v[0x94],
                    "BDCR": v[0x90]}
            lse = float(self.params["lse_hz"]) if key[-1] else 0.0
            self._tree = ClockTree.compute(regs, float(self.params["hse_hz"]), lse, self._switched)
            self._tree_key = key
        return self._tree

    def core_clock_hz(self) -> float:
        """HCLK: the Cortex-M4 core, its SysTick and DWT cycle counter run from it."""
        return self.tree().hclk_hz

    def kernel_clock_hz(self, name: str) -> Optional[float]:
        """The kernel clock of the UART or timer named `name` (usart1..3, uart4/5, lpuart1 and
        lptim1/2 under RCC_CCIPR; tim1..17 from their APB), or None for another name."""
        tree, ccipr = self.tree(), self.values[0x88]
        hz = tree.uart_kernel_hz(name, ccipr)
        return hz if hz is not None else tree.timer_kernel_hz(name, ccipr)

    def _report_clock(self) -> None:
        hclk = self.core_clock_hz()
        if hclk != self._last_hclk:
            self._last_hclk = hclk
            self.host.clock_changed()

    def next_event(self, now: int) -> Optional[int]:
        """A SYSCLK switch waiting for its source completes when the source is ready."""
        target = SW_SOURCES[self.values[0x08] & 3]
        at = self._ready_at.get(target)
        if target != self._switched and at is not None:
            return max(now, at)
        return None

    def tick(self, now: int) -> None:
        if SW_SOURCES[self.values[0x08] & 3] != self._switched:  # only a pending switch can move
            self._update_oscillators()
            self._try_switch()

    # ---- registers ---------------------------------------------------------------------------
    def read_CR(self):
        return self._with_ready(0x00)

    def write_CR(self, value, mask):
        old = self.values[0x00]
        new = (old & ~mask) | (value & mask)
        new &= ~((1 << 1) | (1 << 10) | (1 << 17) | (1 << 25) | (1 << 27) | (1 << 29))  # ready: RO
        # The running SYSCLK source (and the PLL's input when the PLL runs it) stays on.
        keep = {"MSI": 1 << 0, "HSI16": 1 << 8, "HSE": 1 << 16, "PLL": 1 << 24}
        if self._switched == "PLL":
            src = ("", "MSI", "HSI16", "HSE")[self.values[0x0C] & 3]
            new |= old & keep.get(src, 0)
        new |= old & keep[self._switched]
        self.values[0x00] = new
        self._polls.clear()
        self._update_oscillators()
        self._try_switch()

    def read_CFGR(self):
        self._try_switch()
        sws = SW_SOURCES.index(self._switched)
        value = (self.values[0x08] & ~0xC) | (sws << 2)
        if self._switched != SW_SOURCES[self.values[0x08] & 3]:
            at = self._ready_at.get(SW_SOURCES[self.values[0x08] & 3])
            self._polls["SW"] = self._polls.get("SW", 0) + 1
            if at is not None and self._polls["SW"] >= 2:
                self.host.advance_to(at)
        return value

    def write_CFGR(self, value, mask):
        self.values[0x08] = (self.values[0x08] & ~mask) | (value & mask & ~0xC)
        self._polls.clear()
        self._try_switch()

    def write_PLLCFGR(self, value, mask):
        if self.values[0x00] >> 24 & 1:
            # While PLLON, the configuration (source, M, N, P/Q/R dividers) is locked, but the
            # output enables PLLPEN/PLLQEN/PLLREN (bits 16, 20, 24) can be written at any time
            # (RM0432 6.4.4); ST's HAL sets PLLREN right after PLLON.
            mask &= PLL_OUTPUT_ENABLES
        self.values[0x0C] = (self.values[0x0C] & ~mask) | (value & mask)
        self._try_switch()

    def write_CSR(self, value, mask):
        self.values[0x94] = (self.values[0x94] & ~mask) | (value & mask & ~0x2)
        self._update_oscillators()
        self._try_switch()

    def read_CSR(self):
        return self._with_ready(0x94)

    def write_BDCR(self, value, mask):
        self.values[0x90] = (self.values[0x90] & ~mask) | (value & mask & ~0x2)
        self._update_oscillators()

    def read_BDCR(self):
        return self._with_ready(0x90)

    def write_CRRCR(self, value, mask):
        self.values[0x98] = (self.values[0x98] & ~mask) | (value & mask & ~0x2)
        self._update_oscillators()

    def read_CRRCR(self):
        return self._with_ready(0x98)

    write_CCIPR = clock_setter(0x88)   # UART/LPTIM kernel clock selects

    def sysclk_source(self) -> str:
        return self._switched
