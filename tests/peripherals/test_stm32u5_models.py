"""The STM32U5 RCC, PWR, FLASH and ICACHE models alone (no CPU): RM0456 chapters 7, 8, 10, 11."""

import pytest

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost
from tinysim.errors import PlatformError

HSION, HSIRDY, PLL1ON, PLL1RDY = 1 << 8, 1 << 10, 1 << 24, 1 << 25
# the board port's PLL1: HSI16 (SRC 10), RGE 8..16 MHz, M = 1, PLL1REN; N = 20, P = Q = R = 2
PLL1CFGR_160 = 2 | (3 << 2) | (0 << 8) | (1 << 18)
PLL1DIVR_160 = (20 - 1) | (1 << 9) | (1 << 16) | (1 << 24)


def make(model, base=0x40000000, size=0x400, host=None, **params):
    host = host or NullHost()
    return model_class(model)(model, base, size, None, params, host=host), host


def test_rcc_resets_to_msis_4mhz():
    rcc, _ = make("clock.stm32u5_rcc")
    assert rcc.get("CR") == 0x35 and rcc.core_clock_hz() == 4e6
    assert rcc.get("PLL1DIVR") == 0x01010280


def test_rcc_runs_the_board_ports_sequence_to_160mhz():
    rcc, host = make("clock.stm32u5_rcc")
    rcc.reg_write("CR", rcc.get("CR") | HSION)
    assert rcc.reg_read("CR") & HSIRDY
    rcc.reg_write("PLL1CFGR", PLL1CFGR_160)
    rcc.reg_write("PLL1DIVR", PLL1DIVR_160)
    rcc.reg_write("CR", rcc.get("CR") | PLL1ON)
    assert rcc.reg_read("CR") & PLL1RDY
    rcc.reg_write("CFGR2", 0x8)              # HPRE /2 across the switch
    rcc.reg_write("CFGR1", 3)                # SW = PLL1
    assert rcc.reg_read("CFGR1") >> 2 & 3 == 3
    assert rcc.core_clock_hz() == 80e6
    rcc.reg_write("CFGR2", 0)
    assert rcc.core_clock_hz() == 160e6 and not rcc.tree().problems
    assert host.clock_changes >= 2
    # USART1 kernel clock: CCIPR1.USART1SEL = 10 -> HSI16; 00 -> PCLK2 (= HCLK here)
    rcc.reg_write("CCIPR1", 2)
    assert rcc.kernel_clock_hz("usart1") == 16e6
    rcc.reg_write("CCIPR1", 0)
    assert rcc.kernel_clock_hz("usart1") == 160e6


def test_rcc_will_not_switch_to_a_pll_that_is_off():
    rcc, _ = make("clock.stm32u5_rcc")
    rcc.reg_write("CFGR1", 3)
    assert rcc.reg_read("CFGR1") >> 2 & 3 == 0 and rcc.core_clock_hz() == 4e6


def test_rcc_reports_a_vco_out_of_range():
    rcc, _ = make("clock.stm32u5_rcc")
    rcc.reg_write("CR", rcc.get("CR") | HSION)
    rcc.reg_write("PLL1CFGR", PLL1CFGR_160)
    rcc.reg_write("PLL1DIVR", (50 - 1) | (1 << 24))      # 16 MHz x 50 = 800 MHz VCO
    rcc.reg_write("CR", rcc.get("CR") | PLL1ON)
    assert any("VCO 800 MHz" in p for p in rcc.tree().problems)


def test_pwr_voltage_range_and_booster():
    pwr, host = make("power.stm32u5_pwr")
    assert pwr.voltage_range == "range4" and pwr.reg_read("VOSR") & (1 << 15)
    pwr.reg_write("VOSR", (3 << 16) | (1 << 18))
    assert pwr.voltage_range == "range1" and host.clock_changes == 1
    assert pwr.reg_read("VOSR") & (1 << 14)          # BOOSTRDY with BOOSTEN
    assert not pwr.reg_read("SVMSR") & 2
    pwr.reg_write("CR3", 2)                           # REGSEL: SMPS
    assert pwr.reg_read("SVMSR") & 2


def test_flash_latency_and_icache_enable():
    host = NullHost()
    icache, _ = make("cache.stm32u5_icache", host=host)
    flash, _ = make("flash.stm32u5_flash", host=host, icache="icache")
    host.devices = {"icache": icache}                 # found through Host.peripheral
    flash.reg_write("ACR", 4 | (1 << 8))
    assert (flash.latency, flash.prefetch, flash.icache) == (4, True, False)
    assert icache.get("CR") == 0x4                    # WAYSEL = 1: 2-way at reset
    icache.reg_write("CR", icache.get("CR") | 2)      # CACHEINV completes at once
    assert icache.reg_read("SR") == 0x2 and icache.get("CR") & 2 == 0
    icache.reg_write("CR", icache.get("CR") | 1)
    assert flash.icache and flash.dcache and flash.read_width_bytes == 16
    assert host.flash_changes[-1] == (False, False) and (True, True) in host.flash_changes
    assert flash.cache_ways == 2


def test_icache_waysel_selects_direct_mapped_only_while_disabled():
    host = NullHost()
    icache, _ = make("cache.stm32u5_icache", host=host)
    flash, _ = make("flash.stm32u5_flash", host=host, icache="icache")
    host.devices = {"icache": icache}
    icache.reg_write("CR", 0)                         # WAYSEL = 0: 1-way (ST's CubeMX set-up)
    assert flash.cache_ways == 1 and len(host.flash_changes) == 1
    icache.reg_write("CR", 1)                         # enable, still direct mapped
    icache.reg_write("CR", 1 | 4)                     # WAYSEL is not written while EN = 1
    assert flash.cache_ways == 1 and icache.get("CR") == 1
    icache.reg_write("CR", 0)
    icache.reg_write("CR", 4)
    assert flash.cache_ways == 2 and not flash.icache


def test_flash_names_a_missing_icache_clearly():
    host = NullHost()
    flash, _ = make("flash.stm32u5_flash", host=host, icache="icache2")
    with pytest.raises(PlatformError, match="params.icache = 'icache2'"):
        flash.icache
