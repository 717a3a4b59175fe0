"""The STM32H7A3 RCC, PWR and FLASH models and the Cortex-M7 SCB / cache maintenance models
alone (no CPU): RM0455 chapters 4, 6, 7; Armv7-M ARM B3.2.8, B4.8."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.core.cortex_m7 import CCSIDR_D, CCSIDR_I


def make(model, base=0, size=0x400, **params):
    host = NullHost()
    return model_class(model)(model, base, size, None, params, host=host), host


def test_rcc_resets_on_hsi_64_mhz_and_runs_the_board_ports_pll1():
    rcc, host = make("clock.stm32h7_rcc")
    assert rcc.reg_read("CR") & 0x5 == 0x5 and rcc.core_clock_hz() == 64e6
    rcc.reg_write("PLLCKSELR", 4 << 4)                          # HSI / M=4
    rcc.reg_write("PLL1DIVR", (35 - 1) | ((2 - 1) << 9))        # x N=35 / P=2
    rcc.reg_write("CR", rcc.reg_read("CR") | 1 << 24)           # PLL1ON
    assert rcc.reg_read("CR") >> 25 & 1                         # PLL1RDY at once
    assert rcc.core_clock_hz() == 64e6                          # not switched yet
    rcc.reg_write("CFGR", 3)                                    # SW = PLL1
    assert rcc.reg_read("CFGR") >> 3 & 7 == 3                   # SWS follows
    assert rcc.core_clock_hz() == 280e6 and host.clock_changes >= 1
    rcc.reg_write("CDCFGR2", 4 << 4)                            # APB1 /2
    assert rcc.kernel_clock_hz("usart3") == 140e6
    assert rcc.kernel_clock_hz("lpuart1") is None
    rcc.reg_write("CDCCIP2R", 3)                                # USART3 on HSI
    assert rcc.kernel_clock_hz("usart3") == 64e6


def test_rcc_switch_waits_for_a_ready_source_and_hsi_cannot_be_stopped():
    rcc, _ = make("clock.stm32h7_rcc")
    rcc.reg_write("CFGR", 3)                                    # PLL1 off: no switch
    assert rcc.reg_read("CFGR") >> 3 & 7 == 0 and rcc.core_clock_hz() == 64e6
    assert rcc.tree().problems
    rcc.reg_write("CR", 0)                                      # HSION while HSI is SYSCLK
    assert rcc.reg_read("CR") & 1


def test_pwr_supply_commit_and_voltage_scale():
    pwr, host = make("power.stm32h7_pwr")
    assert pwr.reg_read("CR3") == 0x06 and not pwr.reg_read("CSR1") >> 13 & 1
    pwr.reg_write("CR3", 0x04)                                  # SMPS direct
    assert pwr.reg_read("CSR1") >> 13 & 1                       # ACTVOSRDY
    pwr.reg_write("CR3", 0x02)                                  # locked until power-on
    assert pwr.reg_read("CR3") == 0x04
    assert pwr.voltage_range == "vos3"
    pwr.reg_write("SRDCR", 3 << 14)
    assert pwr.voltage_range == "vos0" and pwr.reg_read("SRDCR") >> 13 & 1
    assert pwr.reg_read("CSR1") >> 14 & 3 == 3 and host.clock_changes == 1


def test_flash_latency_and_the_caches_follow_scb_ccr():
    flash, host = make("flash.stm32h7_flash", size=0x1000)
    assert flash.reg_read("ACR") == 0x13 and flash.latency == 3 and not flash.prefetch
    flash.reg_write("ACR", 0x36)
    assert flash.latency == 6 and host.flash_changes == [(False, False)]
    assert not flash.icache and not flash.dcache                 # NullHost has no SCB
    scb, _ = make("core.scb_m7", size=0x100)
    host.scb = scb
    scb.reg_write("CCR", scb.reg_read("CCR") | 3 << 16)
    assert flash.icache and flash.dcache


def test_m7_scb_reports_its_caches():
    scb, _ = make("core.scb_m7", size=0x100)
    assert scb.reg_read("CPUID") == 0x411FC272
    assert scb.reg_read("CCSIDR") == CCSIDR_D
    sets, ways = (CCSIDR_D >> 13 & 0x7FFF) + 1, (CCSIDR_D >> 3 & 0x3FF) + 1
    assert (sets, ways) == (128, 4)                             # 16 KiB / 32 B / 4 ways
    scb.reg_write("CSSELR", 1)
    assert scb.reg_read("CCSIDR") == CCSIDR_I
    assert ((CCSIDR_I >> 13 & 0x7FFF) + 1, (CCSIDR_I >> 3 & 0x3FF) + 1) == (256, 2)
    m4, _ = make("core.scb", size=0x100)
    m4.reg_write("CCR", 3 << 16)                                # RAZ/WI on a Cortex-M4
    assert not m4.reg_read("CCR") >> 16 & 3


def test_cache_maintenance_invalidates_reach_the_host():
    ops, host = make("core.cache_maintenance", size=0x2C)
    ops.reg_write("ICIALLU", 0)
    ops.reg_write("DCISW", 0)
    ops.reg_write("DCCSW", 0)                                   # a clean: no timing change
    assert host.flash_changes == [(True, False), (False, True)]
