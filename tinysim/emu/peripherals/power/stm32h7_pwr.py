"""STM32H7A3/B3 power controller (RM0455 chapter 6 "Power control (PWR)").

Supply configuration: out of reset the regulator runs in the "Run*" mode with PWR_CR3 = 0x06
(LDOEN and SMPSEN both set) and PWR_CSR1.ACTVOSRDY = 0; the firmware commits one supply
configuration by writing CR3 (the NUCLEO-H7A3ZI-Q, an SMPS "-Q" part, uses SMPS direct: SMPSEN
only), after which ACTVOSRDY reads 1 (RM0455 section 6.4.1 "System supply startup"; reset values
recalled from memory, matching what ST's HAL_PWREx_ConfigSupply polls). A second, different
commit is ignored (the silicon locks CR3 until the next power-on).

Voltage scaling: PWR_SRDCR.VOS (bits 15:14: 11 = VOS0, 10 = VOS1, 01 = VOS2, 00 = VOS3) with
VOSRDY (bit 13) set at once (the regulator settling time is not modelled); CSR1.ACTVOS follows
VOS. The host is told of every change (`Host.clock_changed`): the core clock each scale allows
is the machine's check, against the `max_hclk_hz` param in the SoC file (DS13195 table "General
operating conditions": VOS0 280 MHz, VOS1 225 MHz, VOS2 160 MHz, VOS3 88 MHz; recalled from memory).
The reset scale is taken as VOS3 (VOS = 00): recalled, to verify against RM0455's PWR_SRDCR reset
value; the board firmware selects VOS0 before raising the clock, so only the check depends on it.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, Peripheral, Reg

CR3_RESET = 0x00000006        # SMPSEN | LDOEN: supply not yet committed
ACTVOSRDY = 1 << 13           # PWR_CSR1
VOSRDY = 1 << 13              # PWR_SRDCR
_SCALES = {3: "vos0", 2: "vos1", 1: "vos2", 0: "vos3"}


@PERIPHERALS.register("power.stm32h7_pwr")
class Stm32h7Pwr(Peripheral):
    # for the machine's over-clock message (tinysim/emu/operating_point.py)
    RANGE_RULE = ("(PWR_SRDCR.VOS; RM0455 section 6.6.2, recalled): raise the voltage scale "
                  "(VOS0: VOS=11) before the clock")
    REGISTERS = (
        Reg(0x00, "CR1", 0xF000C000),
        Reg(0x04, "CSR1", 0, RO),
        Reg(0x08, "CR2"),
        Reg(0x0C, "CR3", CR3_RESET),
        Reg(0x10, "CPUCR"),
        Reg(0x18, "SRDCR", VOSRDY),
        Reg(0x20, "WKUPCR"), Reg(0x24, "WKUPFR", 0, RO), Reg(0x28, "WKUPEPR"),
    )

    def reset(self) -> None:
        super().reset()
        self._committed = False

    def read_CSR1(self) -> int:
        vos = self.values[0x18] >> 14 & 3
        return (vos << 14) | (ACTVOSRDY if self._committed else 0)

    def write_CR3(self, value, mask):
        if self._committed:
            return   # locked until the next power-on reset (RM0455 section 6.4.1)
        self.store(0x0C, value, mask)
        self._committed = True

    def write_SRDCR(self, value, mask):
        before = self.voltage_range
        self.values[0x18] = ((self.values[0x18] & ~mask) | (value & mask & 0xC000)) | VOSRDY
        if self.voltage_range != before:
            self.host.clock_changed()

    @property
    def voltage_range(self) -> str:
        """"vos0" (highest performance) .. "vos3" (lowest power)."""
        return _SCALES[self.values[0x18] >> 14 & 3]
