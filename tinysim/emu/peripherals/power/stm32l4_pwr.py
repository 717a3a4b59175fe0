"""STM32L4+ power controller (RM0432 Rev 9 chapter 5).

Voltage scaling: CR1.VOS (01 = Range 1, 10 = Range 2; 00 and 11 are not allowed) and CR5.R1MODE
(0 = Range 1 boost, up to 120 MHz; 1 = Range 1 normal, up to 80 MHz; RM0432 section 5.1.8). A
change of either makes SR2.VOSF read 1 until the regulator has settled, a time in device time
(params `vos_settle_us`; 20 us is recalled from memory, not a datasheet figure: DS12023 gives
no single number, and the HAL polls with a 50 us-per-MHz timeout). The host is told of every
change (`Host.clock_changed`): which HCLK the range allows is the machine's check, against the
limits in the SoC file. CR2.IOSV, CR3, CR4 (where the -P board's SMPS firmware writes) and the
pull registers store what is written.

External core supply (STM32L4R5xxP, the "-P" SMPS parts): a board that feeds VDD12 from an
external SMPS wires the SMPS enable to this model's `VDD12` input (`[[wire]] to = "pwr:VDD12"`).
While it is driven high the core runs from the SMPS, not the internal regulator, and the voltage
range reads "external-vdd12": its HCLK limit and flash wait-state table are the SoC file's entries
for that name. Evidence, not a manual: ST's measured MLPerf Tiny v1.3 builds for the
NUCLEO-L4R5ZI-P set VOS = Range 2 once the SMPS is on and then run the PLL at 120 MHz with
LATENCY = 5 (AN4978 describes the external-SMPS flow; its VDD12 limits were not at hand).
"""

from __future__ import annotations

from typing import Optional

from ....errors import PlatformError
from .. import PERIPHERALS
from ..base import RO, W1C, Peripheral, Reg

VOSF = 1 << 10  # PWR_SR2.VOSF (RM0432 section 5.4.7)


@PERIPHERALS.register("power.stm32l4_pwr")
class Stm32l4Pwr(Peripheral):
    DEFAULTS = {"vos_settle_us": 20.0}

    REGISTERS = (
        Reg(0x00, "CR1", 0x00000200),  # VOS = 01: Range 1
        Reg(0x04, "CR2"), Reg(0x08, "CR3", 0x00008000), Reg(0x0C, "CR4"),
        Reg(0x10, "SR1", 0, RO), Reg(0x14, "SR2", 0, RO),
        Reg(0x18, "SCR", 0, W1C),
        Reg(0x20, "PUCRA"), Reg(0x24, "PDCRA"), Reg(0x28, "PUCRB"), Reg(0x2C, "PDCRB"),
        Reg(0x30, "PUCRC"), Reg(0x34, "PDCRC"), Reg(0x38, "PUCRD"), Reg(0x3C, "PDCRD"),
        Reg(0x40, "PUCRE"), Reg(0x44, "PDCRE"), Reg(0x48, "PUCRF"), Reg(0x4C, "PDCRF"),
        Reg(0x50, "PUCRG"), Reg(0x54, "PDCRG"), Reg(0x58, "PUCRH"), Reg(0x5C, "PDCRH"),
        Reg(0x60, "PUCRI"), Reg(0x64, "PDCRI"),
        Reg(0x80, "CR5", 0x00000100),  # R1MODE = 1: Range 1 normal (boost off)
    )

    def reset(self) -> None:
        super().reset()
        self._settled_at = 0
        self._polls = 0
        self._external_vdd12 = False

    # ---- the VDD12 input a board can wire (see the module docstring) --------------------------
    def _pin(self, pin: str) -> str:
        if pin != "VDD12":
            raise PlatformError(f"{self.name}: no pin {pin!r} (the one wireable input is VDD12, the "
                                "external core supply)")
        return pin

    def drive(self, pin: str, level: int) -> None:
        self._pin(pin)
        before = self.voltage_range
        self._external_vdd12 = bool(level)
        if self.voltage_range != before:
            self.host.clock_changed()

    @property
    def voltage_range(self) -> str:
        """"external-vdd12" (while the board's SMPS supplies the core), else "range1-boost",
        "range1", "range2", or "invalid" (VOS = 00 or 11)."""
        if self._external_vdd12:
            return "external-vdd12"
        vos = (self.values[0x00] >> 9) & 3
        if vos == 1:
            return "range1-boost" if not self.values[0x80] & 0x100 else "range1"
        return "range2" if vos == 2 else "invalid"

    def _scaling_changed(self, before: str) -> None:
        if self.voltage_range != before:
            us = float(self.params["vos_settle_us"])
            self._settled_at = self.host.now() + int(round(us * 1e-6 * self.host.clock_hz()))
            self._polls = 0
            self.host.clock_changed()

    def write_CR1(self, value, mask):
        before = self.voltage_range
        self.values[0x00] = (self.values[0x00] & ~mask) | (value & mask)
        self._scaling_changed(before)

    def write_CR5(self, value, mask):
        before = self.voltage_range
        self.values[0x80] = (self.values[0x80] & ~mask) | (value & mask)
        self._scaling_changed(before)

    def read_SR2(self):
        if self.host.now() >= self._settled_at:
            return self.values[0x14] & ~VOSF
        self._polls += 1
        if self._polls >= 2:  # a core spinning on VOSF: device time passes to the settling
            self.host.advance_to(self._settled_at)
        return self.values[0x14] | VOSF

    def next_event(self, now: int) -> Optional[int]:
        return None
