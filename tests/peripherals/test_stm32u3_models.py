"""The STM32U3 RCC, PWR and FLASH models alone (no CPU): bit positions from ST's stm32u385xx.h."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost

HSION, HSIRDY, MSISRDY = 1 << 11, 1 << 13, 1 << 2
MSIRGSEL, MSISSEL = 1 << 23, 1 << 31


def make(model, host=None, **params):
    host = host or NullHost()
    return model_class(model)(model, 0x40030C00, 0x400, None, params, host=host), host


def test_rcc_resets_to_msis_12mhz_from_msirc1_over_csr_divs():
    rcc, _ = make("clock.stm32u3_rcc")
    assert rcc.get("CR") & MSISRDY and rcc.get("ICSCR1") & MSIRGSEL == 0
    assert rcc.core_clock_hz() == 12e6          # MSIRC1 24 MHz / 2 (CSR.MSISDIVS = 01)


def test_rcc_msis_from_icscr1_gives_96_48_24_12_and_msirc1_ranges():
    rcc, host = make("clock.stm32u3_rcc")
    rcc.reg_write("ICSCR1", MSIRGSEL)                 # MSISSEL 0 = MSIRC0, MSISDIV /1
    assert rcc.core_clock_hz() == 96e6 and host.clock_changes == 1
    for div, hz in ((1, 48e6), (2, 24e6), (3, 12e6)):
        rcc.reg_write("ICSCR1", MSIRGSEL | div << 29)
        assert rcc.core_clock_hz() == hz
    rcc.reg_write("ICSCR1", MSIRGSEL | MSISSEL | 1 << 29)   # MSIRC1 24 MHz / 2
    assert rcc.core_clock_hz() == 12e6
    rcc.reg_write("ICSCR1", 0)                         # back to CSR.MSISDIVS
    rcc.reg_write("CSR", 0)                            # MSISDIVS = 00: MSIRC1 / 1
    assert rcc.core_clock_hz() == 24e6


def test_rcc_prescalers_and_uart_kernel_clocks_as_st_configures_them():
    rcc, _ = make("clock.stm32u3_rcc", lse_hz=32_768)
    rcc.reg_write("ICSCR1", MSIRGSEL)
    rcc.reg_write("CFGR2", 0x570)                      # ST's builds: HPRE /1, PPRE1 /16, PPRE2 /4
    rcc.reg_write("CFGR3", 0x70)                       # PPRE3 /16
    t = rcc.tree()
    assert (t.hclk_hz, t.pclk_hz) == (96e6, (6e6, 24e6, 6e6))
    assert rcc.kernel_clock_hz("lpuart1") == 6e6       # LPUART1SEL 00: PCLK3
    assert rcc.kernel_clock_hz("usart1") == 24e6       # USART1SEL 0: PCLK2
    assert rcc.kernel_clock_hz("usart3") == 6e6        # USART3SEL 0: PCLK1
    rcc.reg_write("CCIPR1", 1)                         # USART1SEL 1: HSI16, off -> no clock
    assert rcc.kernel_clock_hz("usart1") == 0.0
    rcc.reg_write("CR", rcc.get("CR") | HSION)
    assert rcc.reg_read("CR") & HSIRDY and rcc.kernel_clock_hz("usart1") == 16e6
    rcc.reg_write("CCIPR3", 2)                         # LPUART1SEL 10: LSE
    assert rcc.kernel_clock_hz("lpuart1") == 32_768


def test_rcc_switches_only_to_a_ready_source_and_keeps_the_running_one_on():
    rcc, _ = make("clock.stm32u3_rcc")
    rcc.reg_write("CFGR1", 1)                          # SW = HSI16, which is off
    assert rcc.reg_read("CFGR1") >> 2 & 3 == 0 and rcc.core_clock_hz() == 12e6
    rcc.reg_write("CR", rcc.get("CR") | HSION)
    rcc.reg_write("CFGR1", 1)
    assert rcc.reg_read("CFGR1") >> 2 & 3 == 1 and rcc.core_clock_hz() == 16e6
    rcc.reg_write("CR", 0)                             # HSI16 runs SYSCLK: it stays on
    assert rcc.reg_read("CR") & (HSION | HSIRDY) == HSION | HSIRDY
    rcc.reg_write("CFGR1", 2)                          # HSE: none fitted, never ready
    assert rcc.reg_read("CFGR1") >> 2 & 3 == 1


def test_pwr_ranges_are_one_hot_with_ready_flags_and_booster():
    pwr, host = make("power.stm32u3_pwr")
    assert pwr.voltage_range == "range2" and pwr.reg_read("VOSR") & (1 << 17)
    pwr.reg_write("VOSR", 1 | 1 << 8)                  # R1EN | BOOSTEN
    assert pwr.voltage_range == "range1" and host.clock_changes == 1
    assert pwr.reg_read("VOSR") == 1 | 1 << 8 | 1 << 16 | 1 << 24
    pwr.reg_write("VOSR", 3)                           # both ranges: the one in force stays
    assert pwr.voltage_range == "range1"
    assert not pwr.reg_read("SVMSR") & 2
    pwr.reg_write("CR3", 2)                            # REGSEL: SMPS
    assert pwr.reg_read("SVMSR") & 2


def test_flash_reads_64_bit_words_and_names_the_u3_table():
    host = NullHost()
    icache = model_class("cache.stm32u5_icache")("cache.stm32u5_icache", 0x40030400, 0x400, None, {},
                                                  host=host)
    flash, _ = make("flash.stm32u3_flash", host=host, icache="icache")
    host.devices = {"icache": icache}                 # found through Host.peripheral
    flash.reg_write("ACR", 0x2102)                     # ST's builds: LATENCY 2, PRFTEN, PDREQ2
    assert (flash.latency, flash.prefetch, flash.read_width_bytes) == (2, True, 8)
    assert "RM0487" in flash.WAIT_STATE_TABLE
    assert flash.cache_ways == 2                       # the ICACHE's reset: WAYSEL = 1, 2 ways
    icache.reg_write("CR", 1)                          # EN with WAYSEL 0 (direct mapped), as ST sets it
    assert flash.icache and flash.dcache
    assert flash.cache_ways == 1                       # handed to the counter as the U5's model does
