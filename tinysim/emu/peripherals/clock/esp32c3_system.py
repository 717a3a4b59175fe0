"""ESP32-C3 SYSTEM registers the clock set-up touches (TRM v1.x ch. 6 "Reset and Clock",
SYSTEM register summary): CPU_PER_CONF (CPUPERIOD_SEL, PLL_FREQ_SEL) and SYSCLK_CONF
(SOC_CLK_SEL) store what is written; the switch completes at once."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Peripheral, Reg


@PERIPHERALS.register("clock.esp32c3_system")
class Esp32c3System(Peripheral):
    REGISTERS = (
        Reg(0x00, "CPU_PERI_CLK_EN"), Reg(0x04, "CPU_PERI_RST_EN"),
        Reg(0x08, "CPU_PER_CONF", 0x0000000C),
        Reg(0x10, "PERIP_CLK_EN0", 0xF9C1E06F), Reg(0x14, "PERIP_CLK_EN1", 0x00000200),
        Reg(0x18, "PERIP_RST_EN0"), Reg(0x1C, "PERIP_RST_EN1", 0x000001FE),
        Reg(0x58, "SYSCLK_CONF", 0x00000001),
    )
