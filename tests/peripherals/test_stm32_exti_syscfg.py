"""EXTI and SYSCFG alone (no CPU): EXTICR picks the port of each line, edges set pending bits
and raise the line's interrupt, PR clears by writing 1, SWIER, the shared EXTI9_5 line."""

import pytest

from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.exti.stm32_exti import Stm32Exti
from tinysim.emu.peripherals.gpio.stm32_gpio import Stm32Gpio
from tinysim.emu.peripherals.syscfg.stm32_syscfg import Stm32Syscfg
from tinysim.errors import PlatformError

GPIOB = 0x400


def _system():
    host = NullHost()
    gpio = Stm32Gpio("gpio", 0x48000000, 0x2400, params={"ports": 9}, host=host)
    syscfg = Stm32Syscfg("syscfg", 0x40010000, 0x400, host=host)
    host.devices.update(gpio=gpio, syscfg=syscfg)
    exti = Stm32Exti("exti", 0x40010400, 0x400, host=host)
    return host, gpio, syscfg, exti


def test_reset_values():
    _, _, syscfg, exti = _system()
    assert syscfg.reg_read("CFGR1") == 0x7C000001 and syscfg.reg_read("EXTICR4") == 0
    assert exti.reg_read("IMR1") == 0xFF820000 and exti.reg_read("PR1") == 0
    assert syscfg.exti_port(13) == "A"


def test_a_gpio_output_edge_on_the_selected_port_raises_the_line():
    host, gpio, syscfg, exti = _system()
    syscfg.reg_write("EXTICR2", 1 << 4)                 # line 5 <- port B
    exti.reg_write("RTSR1", 1 << 5)
    exti.reg_write("IMR1", 1 << 5)
    gpio.write(GPIOB + 0x18, 4, 1 << 5)                  # PB5 high
    assert exti.reg_read("PR1") == 1 << 5 and host.irqs[23] is True   # EXTI9_5
    gpio.write(GPIOB + 0x18, 4, 1 << 21)                 # falling: not enabled
    exti.reg_write("PR1", 1 << 5)
    assert exti.reg_read("PR1") == 0 and host.irqs[23] is False
    gpio.write(0x18, 4, 1 << 5)                          # PA5: line 5 is on port B
    assert exti.reg_read("PR1") == 0


def test_wire_input_software_trigger_and_masking():
    host, _, syscfg, exti = _system()
    syscfg.reg_write("EXTICR4", 2 << 4)                  # line 13 <- port C
    exti.reg_write("FTSR1", 1 << 13)
    exti.drive("PC13", 1)
    exti.drive("PC13", 0)                                # falling edge, masked in IMR1
    assert exti.reg_read("PR1") == 1 << 13 and not host.irqs.get(40)
    exti.reg_write("IMR1", 1 << 13)
    assert host.irqs[40] is True
    exti.reg_write("PR1", 1 << 13)
    exti.reg_write("IMR1", 1 << 1)
    exti.reg_write("SWIER1", 1 << 1)
    assert host.irqs[7] is True and exti.reg_read("SWIER1") == 1 << 1
    exti.reg_write("PR1", 1 << 1)
    assert exti.reg_read("SWIER1") == 0 and host.irqs[7] is False


def test_bad_inputs_are_clear_errors():
    _, _, _, exti = _system()
    with pytest.raises(PlatformError, match="no input 'PZ3'"):
        exti.drive("PZ3", 1)
    with pytest.raises(PlatformError, match="params.lines"):
        Stm32Exti("exti", 0x40010400, 0x400, params={"lines": [[0, 20, 6]]})


def test_memrmp_remap_is_reported_not_followed():
    host, _, syscfg, _ = _system()
    syscfg.reg_write("MEMRMP", 3)                        # SRAM1 at 0
    assert syscfg.reg_read("MEMRMP") == 3
    assert host.unmodelled_log == [("syscfg", "MEMRMP.MEM_MODE (boot alias remap not followed)", "write")]


def test_exti_follows_every_gpio_pin_through_one_watcher():
    host, gpio, syscfg, exti = _system()
    assert len(gpio._watchers) == 1                       # one dispatcher, not one per pin
    syscfg.reg_write("EXTICR4", 2 << 4)                   # line 13 <- port C
    exti.reg_write("FTSR1", 1 << 13)
    exti.reg_write("IMR1", 1 << 13)
    gpio.write(0x800 + 0x18, 4, 1 << 13)                  # PC13 high: no falling edge
    assert exti.reg_read("PR1") == 0
    gpio.write(0x800 + 0x18, 4, 1 << 29)                  # PC13 low
    assert exti.reg_read("PR1") == 1 << 13 and host.irqs[40] is True   # EXTI15_10
    gpio.write(0x2000 + 0x18, 4, 1 << 13)                 # PI13 (last port EXTI has): line 13 is on C
    assert exti.reg_read("PR1") == 1 << 13
