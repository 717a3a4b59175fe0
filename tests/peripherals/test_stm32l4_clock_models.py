"""The STM32L4+ clock tree, RCC, PWR and FLASH models alone (no CPU): RM0432 chapters 3, 5, 6."""

import pytest

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.clock.stm32l4_tree import ClockTree

HSION, HSIRDY, HSEON, HSERDY, HSEBYP = 1 << 8, 1 << 10, 1 << 16, 1 << 17, 1 << 18
PLLON, PLLRDY = 1 << 24, 1 << 25
# HSI16 / M=2 * N=30 / R=2 = 120 MHz, PLLREN (the board port's PLL, RM0432 6.4.4 fields)
PLL_120 = 2 | (1 << 4) | (30 << 8) | (1 << 24)


def make(model, base, size, clock=4_000_000, **params):
    host = NullHost()
    host.clock = clock
    return model_class(model)(model, base, size, None, params, host=host), host


def regs(cr, cfgr=0, pll=PLL_120):
    return {"CR": cr, "CFGR": cfgr, "PLLCFGR": pll, "CSR": 0x0C000600, "BDCR": 0}


def test_clock_tree_from_the_board_ports_registers():
    tree = ClockTree.compute(regs(0x63 | HSION | PLLON, cfgr=3), 8e6, 0, "PLL")
    assert tree.sysclk_hz == 120e6 and tree.hclk_hz == 120e6 and tree.pll_vco_hz == 240e6
    assert not tree.problems
    # AHB /2 (HPRE = 1000), APB1 /4 (PPRE1 = 101), APB2 /16 (PPRE2 = 111): RM0432 6.4.3
    tree = ClockTree.compute(regs(0x63 | HSION | PLLON, cfgr=3 | (8 << 4) | (5 << 8) | (7 << 11)),
                             8e6, 0, "PLL")
    assert (tree.hclk_hz, tree.pclk1_hz, tree.pclk2_hz) == (60e6, 15e6, 3.75e6)
    # reset: MSI range 6 from CSR.MSISRANGE (MSIRGSEL = 0) = 4 MHz
    assert ClockTree.compute(regs(0x63), 8e6, 0, "MSI").hclk_hz == 4e6
    # MSIRGSEL = 1, MSIRANGE = 11: 48 MHz
    assert ClockTree.compute(regs(0x3 | (1 << 3) | (11 << 4)), 8e6, 0, "MSI").hclk_hz == 48e6


def test_clock_tree_reports_pll_limits():
    vco_high = 2 | (1 << 4) | (50 << 8) | (1 << 24)          # 8 MHz x 50 = 400 MHz VCO
    tree = ClockTree.compute(regs(0x63 | HSION | PLLON, pll=vco_high), 8e6, 0, "HSI16")
    assert any("VCO 400 MHz" in p and "64..344" in p for p in tree.problems)
    input_low = 2 | (7 << 4) | (30 << 8) | (1 << 24)         # 16 MHz / 8 = 2 MHz input
    tree = ClockTree.compute(regs(0x63 | HSION | PLLON, pll=input_low), 8e6, 0, "HSI16")
    assert any("2.66..16 MHz" in p for p in tree.problems)


def test_uart_kernel_clocks_follow_ccipr():
    tree = ClockTree.compute(regs(0x63 | HSION | PLLON, cfgr=3 | (4 << 8)), 8e6, 32768, "PLL")
    assert tree.uart_kernel_hz("lpuart1", 0b10 << 10) == 16e6    # HSI16
    assert tree.uart_kernel_hz("lpuart1", 0) == 60e6             # PCLK1 = HCLK / 2
    assert tree.uart_kernel_hz("usart1", 0) == 120e6             # PCLK2
    assert tree.uart_kernel_hz("usart2", 0b01 << 2) == 120e6     # SYSCLK
    assert tree.uart_kernel_hz("usart3", 0b11 << 4) == 32768     # LSE
    assert tree.uart_kernel_hz("spi1", 0) is None


def test_oscillators_get_ready_after_their_start_up_time():
    rcc, host = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=4e6)
    rcc.reg_write("CR", rcc.reg_read("CR") | HSION)
    assert not rcc.reg_read("CR") & HSIRDY                 # 0.8 us at 4 MHz: 3 cycles
    host.cycles += 3
    assert rcc.reg_read("CR") & HSIRDY
    rcc.reg_write("PLLCFGR", PLL_120)
    rcc.reg_write("CR", rcc.reg_read("CR") | PLLON)
    start = host.cycles
    rcc.reg_read("CR")
    assert host.cycles == start                             # one read: no time skipped
    assert rcc.reg_read("CR") & PLLRDY == 0                # a poll: time passes to the lock
    assert host.cycles == start + 60                       # 15 us at 4 MHz
    assert rcc.reg_read("CR") & PLLRDY


def test_sysclk_switch_waits_for_its_source():
    rcc, host = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=4e6)
    rcc.reg_write("PLLCFGR", PLL_120)
    rcc.reg_write("CR", rcc.reg_read("CR") | HSION)
    host.cycles += 10
    rcc.reg_write("CR", rcc.reg_read("CR") | PLLON)
    rcc.reg_write("CFGR", 3)                               # SW = PLL before it has locked
    assert rcc.reg_read("CFGR") >> 2 & 3 == 0              # SWS still MSI
    assert rcc.core_clock_hz() == 4e6
    due = rcc.next_event(host.cycles)
    assert due == host.cycles + 60
    host.cycles = due
    rcc.tick(due)
    assert rcc.reg_read("CFGR") >> 2 & 3 == 3 and rcc.core_clock_hz() == 120e6
    assert host.clock_changes >= 1


def test_hse_is_the_st_link_mco_bypass_only():
    rcc, host = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=4e6, hse_bypass_only=True)
    rcc.reg_write("CR", rcc.reg_read("CR") | HSEON)        # crystal mode: none is fitted
    host.cycles += 10_000_000
    assert not rcc.reg_read("CR") & HSERDY
    rcc.reg_write("CR", rcc.reg_read("CR") & ~HSEON)
    rcc.reg_write("CR", rcc.reg_read("CR") | HSEBYP | HSEON)
    host.cycles += 100
    assert rcc.reg_read("CR") & HSERDY


def test_the_running_clock_source_cannot_be_switched_off():
    rcc, _ = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=0)
    rcc.reg_write("CR", 0)                                  # MSION = 0 while MSI is SYSCLK
    assert rcc.reg_read("CR") & 1


def test_pllcfgr_is_locked_while_the_pll_runs():
    rcc, _ = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=0)
    rcc.reg_write("PLLCFGR", PLL_120)
    rcc.reg_write("CR", rcc.reg_read("CR") | HSION | PLLON)
    rcc.reg_write("PLLCFGR", 0x1002 | (1 << 24))          # configuration fields: locked
    assert rcc.reg_read("PLLCFGR") == PLL_120
    # ... but the output enables PLLPEN/PLLQEN/PLLREN stay writable (RM0432 6.4.4): ST's HAL sets
    # PLLREN after PLLON, and SYSCLK = PLL needs it.
    rcc.reg_write("PLLCFGR", PLL_120 & ~(1 << 24))
    assert rcc.reg_read("PLLCFGR") == PLL_120 & ~(1 << 24)


def test_pwr_vosf_reads_one_until_the_regulator_settles():
    pwr, host = make("power.stm32l4_pwr", 0x40007000, 0x400, clock=16e6)
    assert pwr.voltage_range == "range1"
    pwr.reg_write("CR5", 0)                                 # R1MODE = 0: Range 1 boost
    assert pwr.voltage_range == "range1-boost" and host.clock_changes == 1
    assert pwr.reg_read("SR2") & (1 << 10)                  # VOSF: settling (20 us)
    pwr.reg_read("SR2")                                     # a poll: time passes to the end
    assert host.cycles == 320 and not pwr.reg_read("SR2") & (1 << 10)
    pwr.reg_write("CR1", 0b10 << 9)
    assert pwr.voltage_range == "range2"
    pwr.reg_write("CR1", 0)
    assert pwr.voltage_range == "invalid"


def test_flash_acr_reads_back_and_reports_changes():
    fl, host = make("flash.stm32l4_flash", 0x40022000, 0x400)
    assert fl.reg_read("ACR") == 0x600 and fl.latency == 0 and not fl.prefetch
    fl.reg_write("ACR", 5 | (1 << 8) | (1 << 9) | (1 << 10))
    assert fl.reg_read("ACR") & 0xF == 5 and fl.prefetch
    assert host.flash_changes == [(False, False)]
    fl.reg_write("ACR", 5 | (1 << 8) | (1 << 11))           # ICEN off, ICRST: reset it
    assert host.flash_changes[-1] == (True, False) and not fl.icache
    fl.reg_write("ACR", 5 | (1 << 8) | (1 << 9) | (1 << 11) | (1 << 12) | (1 << 10))
    assert host.flash_changes[-1] == (False, False)         # enabled caches are not reset


@pytest.mark.parametrize("dbank, width", [(None, 8), (True, 8), (False, 16)])
def test_option_bytes_select_the_flash_read_width(dbank, width):
    params = {} if dbank is None else {"dbank": dbank}
    fl, _ = make("flash.stm32l4_flash", 0x40022000, 0x400, **params)
    assert fl.read_width_bytes == width
    assert bool(fl.reg_read("OPTR") >> 22 & 1) == (width == 8)


def test_timer_clocks_double_when_the_apb_prescaler_divides():
    # SYSCLK = HSI16 (SW = 01), HPRE /1, PPRE1 /4 (101), PPRE2 /1: APB1 timers at 2 x 4 MHz
    cfgr = 0b01 | (0b101 << 8)
    regs = {"CR": 1 << 8, "CFGR": cfgr, "PLLCFGR": 0x1000, "CSR": 1, "BDCR": 0}
    tree = ClockTree.compute(regs, 8e6, 0.0, "HSI16")
    assert tree.pclk1_hz == 4e6 and tree.pclk2_hz == 16e6
    assert tree.timer_kernel_hz("tim2", 0) == 8e6        # APB1, x2 behind /4
    assert tree.timer_kernel_hz("TIM16", 0) == 16e6      # APB2 at /1: PCLK2 itself
    assert tree.timer_kernel_hz("lptim1", 0) == 4e6      # LPTIM1SEL = 00: PCLK1
    assert tree.timer_kernel_hz("lptim1", 0b01 << 18) == 32_000   # LSI (CSR.LSION set above)
    assert tree.timer_kernel_hz("lptim2", 0b10 << 20) == 16e6     # HSI16
    assert tree.timer_kernel_hz("usart1", 0) is None


def test_a_poll_that_finds_the_lse_ready_reports_the_kernel_clock_change():
    """The bus tells the host of RCC writes only; the LSE turning ready (seen by a BDCR poll) is
    the one clock change a read finds, so the model reports it: an LSE-clocked UART starts."""
    rcc, host = make("clock.stm32l4_rcc", 0x40021000, 0x400, clock=4e6,
                     startup_us={"LSE": 100.0})
    rcc.reg_write("CCIPR", 0b11 << 10)                   # LPUART1 on the LSE
    rcc.reg_write("BDCR", 1)                             # LSEON
    assert rcc.kernel_clock_hz("lpuart1") == 0.0
    before = host.clock_changes
    assert not rcc.reg_read("BDCR") & 2                  # not ready yet: nothing to report
    assert host.clock_changes == before
    host.cycles += 400                                   # 100 us at 4 MHz
    assert rcc.reg_read("BDCR") & 2                      # LSERDY
    assert host.clock_changes == before + 1
    assert rcc.kernel_clock_hz("lpuart1") == 32768
    rcc.reg_read("BDCR")
    assert host.clock_changes == before + 1              # once


@pytest.mark.parametrize("model, offsets", [
    ("clock.stm32l4_rcc", {"CCIPR": 0x88}),
    ("clock.stm32u5_rcc", {"CFGR2": 0x20, "CFGR3": 0x24, "PLL1CFGR": 0x28, "PLL1DIVR": 0x34}),
    ("clock.stm32h7_rcc", {"CDCFGR1": 0x18, "CDCFGR2": 0x1C, "PLLCKSELR": 0x28, "PLL1DIVR": 0x30,
                           "CDCCIP2R": 0x54}),
])
def test_rcc_clock_tree_registers_share_one_setter(model, offsets):
    """rcc_setter.clock_setter: the written bits are stored (byte writes too) and the model reports
    a core clock change; the prescaler written here halves HCLK (L4: CCIPR changes no core clock)."""
    rcc, host = make(model, 0x40021000, 0x400, clock=4e6)
    for name, off in offsets.items():
        assert rcc.offset_of(name) == off
        assert getattr(type(rcc), f"write_{name}").__qualname__.startswith("clock_setter")
        old = rcc.get(name)
        rcc.write(off + 1, 1, 0x5A)                      # a byte store into bits 15:8
        assert rcc.get(name) == (old & ~0xFF00) | 0x5A00
        rcc.set(name, old)
    hclk = rcc.core_clock_hz()
    before = host.clock_changes
    prescaler = {"clock.stm32u5_rcc": ("CFGR2", 0x8), "clock.stm32h7_rcc": ("CDCFGR1", 0x8 << 8)}
    if model in prescaler:
        name, value = prescaler[model]
        rcc.reg_write(name, value)                       # HPRE / CDCPRE = /2
        assert rcc.core_clock_hz() == hclk / 2 and host.clock_changes == before + 1
