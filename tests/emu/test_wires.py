"""Board wiring (tinysim/emu/wires.py) and the GPIO pin interface it uses; a `B .` wait loop
sleeps like WFI. The NUCLEO-L4R5ZI-P's SMPS power-good pin follows its enable pin (UM2179)."""

from __future__ import annotations

import dataclasses
import struct

import pytest

from tinysim.elf import Firmware, Segment
from tinysim.emu.peripherals.base import NullHost
from tinysim.emu.peripherals.gpio.stm32_gpio import Stm32Gpio
from tinysim.errors import PlatformError
from tinysim.pipeline.session import Session
from tinysim.platform import Wire, load_platform

GPIOG = 0x1800
ODR, IDR, BSRR, BRR = 0x14, 0x10, 0x18, 0x28


def test_gpio_pins_alone():
    host = NullHost()
    g = Stm32Gpio("gpio", 0x48000000, 0x2400, params={"ports": 9}, host=host)
    host.cycles = 100
    g.write(GPIOG + BSRR, 4, 1 << 11)
    assert g.output_level("PG11") == 1 and g.read(GPIOG + IDR, 4) >> 11 & 1
    g.drive("PG12", 1)
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 1 and g.output_level("PG12") == 0
    host.cycles = 200
    g.write(GPIOG + BRR, 4, 1 << 11)
    g.write(GPIOG + ODR, 2, 1 << 3)
    assert g.edges == [(100, "PG11", 1), (200, "PG11", 0), (200, "PG3", 1)]
    with pytest.raises(PlatformError, match="no pin 'PZ1'"):
        g.drive("PZ1", 1)


def _image(code: bytes) -> Firmware:
    """Vector table (SP, reset = 0x08000009) then `code` at 0x08000008."""
    blob = struct.pack("<II", 0x20001000, 0x08000009) + code
    seg = Segment(0, 0x08000000, 0x08000000, blob, len(blob), "rx")
    return Firmware(path="test.bin", arch="armv7m", entry=0x08000008, segments=(seg,), symbols={},
                    section_sizes={}, sha256="")


B_SELF = b"\xfe\xe7"           # b .
CPSID_I = b"\x72\xb6"          # cpsid i


def test_smps_power_good_follows_enable_on_the_p_board():
    plat = load_platform("nucleo-l4r5zi-p")
    assert plat.wires and plat.wires[0].source == "gpio:PG11" and plat.wires[0].target == "gpio:PG12"
    m = Session(_image(B_SELF), plat).machine
    g = m.peripherals["gpio"]
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 0
    g.write(GPIOG + BSRR, 4, 1 << 11)                 # HAL_GPIO_WritePin(GPIOG, PIN_11, SET)
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 1      # SMPS_PG reads power good
    g.write(GPIOG + BRR, 4, 1 << 11)
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 0
    # The plain NUCLEO-L4R5ZI has no such wire: PG12 reads its own ODR (0).
    plain = Session(_image(B_SELF), load_platform("nucleo-l4r5zi")).machine.peripherals["gpio"]
    plain.write(GPIOG + BSRR, 4, 1 << 11)
    assert plain.read(GPIOG + IDR, 4) >> 12 & 1 == 0


def test_wire_delay_is_device_time():
    plat = load_platform("nucleo-l4r5zi-p")
    plat = dataclasses.replace(plat, wires=(Wire("gpio:PG11", "gpio:PG12", delay_s=1e-3),))
    m = Session(_image(B_SELF), plat).machine
    g = m.peripherals["gpio"]
    g.write(GPIOG + BSRR, 4, 1 << 11)
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 0
    ms = int(m.clock_hz()) // 1000          # the core clock the firmware runs at (MSI at reset)
    assert m.next_event() == m.now() + ms
    m.counter.add_cycles(ms)
    m.tick()
    assert g.read(GPIOG + IDR, 4) >> 12 & 1 == 1


def test_wire_to_a_peripheral_without_pins_is_refused():
    plat = load_platform("nucleo-l4r5zi-p")
    plat = dataclasses.replace(plat, wires=(Wire("gpio:PG11", "rcc:X1"),))
    with pytest.raises(PlatformError, match="wire end 'rcc:X1'"):
        Session(_image(B_SELF), plat)


def test_branch_to_self_sleeps_and_halts_when_nothing_can_wake_it():
    """A `B .` main loop with nothing to wait for ends the run at once (not after the budget);
    with interrupts disabled (an error handler) it halts with a warning naming the address."""
    plat = load_platform("nucleo-l4r5zi")
    r = Session(_image(B_SELF), plat).run(max_instructions=50_000_000)
    assert r.exit == "halt" and r.instructions < 1000
    r = Session(_image(CPSID_I + B_SELF), plat).run(max_instructions=50_000_000)
    assert r.exit == "halt" and r.instructions < 1000
    assert any("branch-to-self at 0x0800000a with interrupts disabled" in w for w in r.warnings)
