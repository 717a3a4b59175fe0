"""STM32F1-style USART with SR/DR/BRR/CR1 (RM0008 §27.6), as used by the GD32VF103 USART0
(GD32VF103 user manual §16.4: STAT, DATA, BAUD, CTL0, CTL1, CTL2, GP at the same offsets)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Reg
from .base import Uart

# STAT bits (GD32VF103 UM §16.4.1 / RM0008 SR)
IDLE, RBNE, TC, TBE = 1 << 4, 1 << 5, 1 << 6, 1 << 7
# CTL0 bits: UEN 13, TEN 3, REN 2, IDLEIE 4, RBNEIE 5, TCIE 6, TBEIE 7
UEN, TEN, REN, IDLEIE, RBNEIE, TCIE, TBEIE = 1 << 13, 1 << 3, 1 << 2, 1 << 4, 1 << 5, 1 << 6, 1 << 7


@PERIPHERALS.register("uart.stm32f1_usart")
class Stm32f1Usart(Uart):
    REGISTERS = (
        Reg(0x00, "STAT", 0x000000C0),  # TBE|TC at reset
        Reg(0x04, "DATA", 0, wmask=0x1FF),
        Reg(0x08, "BAUD", 0, wmask=0xFFFF),
        Reg(0x0C, "CTL0", 0, wmask=0x3FFF),
        Reg(0x10, "CTL1"), Reg(0x14, "CTL2"), Reg(0x18, "GP"),
    )

    def reset(self):
        super().reset()
        self.flags = TBE | TC

    def read_STAT(self):
        value = self.flags | (RBNE if self.rx else 0)
        self.note_status_poll()
        return value

    def write_STAT(self, value, mask):
        # TC and RBNE are cleared by writing 0 (UM §16.4.1); other bits are read-only.
        self.flags &= ~(~value & TC & mask)
        self.update_irq()

    def read_DATA(self):
        byte = self.pop_rx()
        if not self.rx:
            self.flags |= IDLE
        return byte

    def write_DATA(self, value, mask):
        ctl = self.values[0x0C]
        self.flags |= TBE | TC
        if ctl & UEN and ctl & TEN:
            self.transmit(value & 0xFF)

    def write_CTL0(self, value, mask):
        self.store(0x0C, value, mask)
        self.update_irq()

    def irq_active(self) -> bool:
        ctl = self.values[0x0C]
        if not ctl & UEN:
            return False
        return bool((ctl & RBNEIE and self.rx) or (ctl & TBEIE and self.flags & TBE)
                    or (ctl & TCIE and self.flags & TC) or (ctl & IDLEIE and self.flags & IDLE))

    def can_wake(self) -> bool:
        ctl = self.values[0x0C]
        return bool(ctl & UEN and ctl & REN and ctl & RBNEIE)
