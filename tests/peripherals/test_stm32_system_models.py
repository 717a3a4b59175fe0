"""RCC, PWR, FLASH and GPIO models alone."""

from tinysim.emu.peripherals import model_class
from tinysim.emu.peripherals.base import NullHost


def make(model, base, size, **params):
    return model_class(model)(model, base, size, None, params, host=NullHost())


def test_rcc_reset_values_and_ready_flags():
    rcc = make("clock.stm32l4_rcc", 0x40021000, 0x400)
    assert rcc.reg_read("CR") == 0x63  # MSI on and ready, 4 MHz range (RM0432 §6.4.1)
    rcc.reg_write("CR", rcc.reg_read("CR") | (1 << 8))  # HSION
    assert rcc.reg_read("CR") & (1 << 10)  # HSIRDY
    assert not rcc.reg_read("CR") & (1 << 25)
    rcc.reg_write("PLLCFGR", 0x00001002)  # PLLSRC = HSI16 (a PLL with no input never locks)
    rcc.reg_write("CR", rcc.reg_read("CR") | (1 << 24))  # PLLON
    assert rcc.reg_read("CR") & (1 << 25)  # PLLRDY (NullHost: no clock, start-up takes no time)
    rcc.reg_write("CFGR", 3)  # SW = PLL
    assert (rcc.reg_read("CFGR") >> 2) & 3 == 3  # SWS follows
    rcc.reg_write("CR", rcc.reg_read("CR") & ~(1 << 24))
    assert rcc.reg_read("CR") & (1 << 25)  # the PLL feeds SYSCLK: PLLON cannot be cleared
    rcc.reg_write("CFGR", 1)  # SW = HSI16
    rcc.reg_write("CR", rcc.reg_read("CR") & ~(1 << 24))
    assert not rcc.reg_read("CR") & (1 << 25)


def test_pwr_voltage_scaling_completes():
    pwr = make("power.stm32l4_pwr", 0x40007000, 0x400)
    assert pwr.reg_read("CR1") == 0x200 and pwr.reg_read("CR5") == 0x100
    pwr.reg_write("CR5", 0)  # R1MODE=0: boost
    assert pwr.reg_read("SR2") & (1 << 10) == 0  # VOSF clear
    assert pwr.voltage_range == "range1-boost"


def test_flash_acr_exposes_wait_states():
    fl = make("flash.stm32l4_flash", 0x40022000, 0x400)
    assert fl.latency == 0 and fl.icache and fl.dcache
    fl.reg_write("ACR", 5 | (1 << 8) | (1 << 9) | (1 << 10))
    assert fl.reg_read("ACR") & 0xF == 5
    assert fl.latency == 5 and fl.prefetch


def test_gpio_bsrr_and_idr():
    gpio = make("gpio.stm32_gpio", 0x48000000, 0x2400, ports=9)
    assert gpio.reg_read("GPIOA_MODER") == 0xABFFFFFF
    assert gpio.reg_read("GPIOG_MODER") == 0xFFFFFFFF
    gpio.reg_write("GPIOG_BSRR", (1 << 7) | (1 << 2))
    assert gpio.odr("G") == 0x84
    gpio.reg_write("GPIOG_BSRR", 1 << (16 + 2))
    assert gpio.odr("G") == 0x80
    assert gpio.reg_read("GPIOG_IDR") == 0x80
    gpio.reg_write("GPIOG_BRR", 0x80)
    assert gpio.odr("G") == 0
