"""STM32 DBGMCU, the MCU debug component (RM0432 Rev 9 chapter "Debug support (DBG)", DBGMCU
registers; offsets recalled from memory, to verify against the manual).

IDCODE is read-only: DEV_ID[11:0] and REV_ID[31:16] from the `idcode` param (the platform file
gives the part's value). CR (debug in low-power modes, trace pins) and the freeze registers
APB1FZR1, APB1FZR2, APB2FZR (stop a timer or watchdog while the core is halted by a debugger)
keep what is written: with no debugger halting the core here, freezing has nothing to act on.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, Peripheral, Reg


@PERIPHERALS.register("misc.stm32_dbgmcu")
class Stm32Dbgmcu(Peripheral):
    DEFAULTS = {"idcode": 0}
    REGISTERS = (Reg(0x00, "IDCODE", 0, RO), Reg(0x04, "CR", 0, wmask=0xE7),
                 Reg(0x08, "APB1FZR1"), Reg(0x0C, "APB1FZR2"), Reg(0x10, "APB2FZR"))

    def reset(self):
        super().reset()
        self.values[0x00] = int(self.params["idcode"]) & 0xFFFFFFFF
