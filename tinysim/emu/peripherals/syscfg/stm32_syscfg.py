"""STM32L4+ SYSCFG (RM0432 Rev 9 chapter "System configuration controller (SYSCFG)"; offsets and
reset values recalled from memory, to verify against the manual).

Emulated: EXTICR1..4, the GPIO port each EXTI line 0..15 listens to (4 bits per line, 0 = port A
... 8 = port I), which the EXTI model asks through `exti_port(line)`. Stored with their reset
values: CFGR1 (FPU interrupt enables, booster), SCSR (SRAM2 erase: reads not busy), CFGR2, SWPR,
SKR, SWPR2. MEMRMP keeps what is written; a run-time remap of the boot alias at 0x00000000
(MEM_MODE) is not followed (the memory map is fixed at load) and is reported as unmodelled.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import WO, Peripheral, Reg

PORTS = "ABCDEFGHI"


@PERIPHERALS.register("syscfg.stm32_syscfg")
class Stm32Syscfg(Peripheral):
    REGISTERS = (
        Reg(0x00, "MEMRMP", 0, wmask=0x107),     # MEM_MODE [2:0], FB_MODE bit 8
        Reg(0x04, "CFGR1", 0x7C000001),          # FPU IE[5:0] set, FWDIS set (recalled)
        Reg(0x08, "EXTICR1", 0, wmask=0xFFFF), Reg(0x0C, "EXTICR2", 0, wmask=0xFFFF),
        Reg(0x10, "EXTICR3", 0, wmask=0xFFFF), Reg(0x14, "EXTICR4", 0, wmask=0xFFFF),
        Reg(0x18, "SCSR", 0, wmask=0x1),         # SRAM2ER; SRAM2BSY (bit 1) reads 0: erase is instant
        Reg(0x1C, "CFGR2"), Reg(0x20, "SWPR"), Reg(0x24, "SKR", 0, WO), Reg(0x28, "SWPR2"),
    )

    def write_MEMRMP(self, value, mask):
        old = self.values[0x00] & 7
        self.store(0x00, value, mask)
        if self.values[0x00] & 7 != old:
            self.host.unmodelled(self, "MEMRMP.MEM_MODE (boot alias remap not followed)", "write")

    def write_SCSR(self, value, mask):
        pass   # SRAM2ER starts an erase that completes at once here (SRAM2 is not cleared)

    def exti_port(self, line: int) -> str:
        """The port letter EXTI line `line` (0..15) is connected to."""
        sel = (self.values[0x08 + 4 * (line // 4)] >> 4 * (line % 4)) & 0xF
        return PORTS[sel] if sel < len(PORTS) else "?"
