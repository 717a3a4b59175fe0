"""STM32F1-style USART with SR/DR/BRR/CR1 (RM0008 §27.6), as used by the GD32VF103 USART0
(GD32VF103 user manual §16.4: STAT, DATA, BAUD, CTL0, CTL1, CTL2, GP at the same offsets).
baud = f_ck / BAUD, BAUD holding USARTDIV in 12.4 fixed point with oversampling by 16 (UM §16.3.2);
ORE (bit 3) sets on overrun and clears by reading STAT then DATA (UM §16.4.1)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import Reg
from .base import Uart

# STAT bits (GD32VF103 UM §16.4.1 / RM0008 SR)
ORERR, IDLE, RBNE, TC, TBE = 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7
# CTL0 bits: UEN 13, TEN 3, REN 2, IDLEIE 4, RBNEIE 5, TCIE 6, TBEIE 7
UEN, TEN, REN, IDLEIE, RBNEIE, TCIE, TBEIE = 1 << 13, 1 << 3, 1 << 2, 1 << 4, 1 << 5, 1 << 6, 1 << 7


@PERIPHERALS.register("uart.stm32f1_usart")
class Stm32f1Usart(Uart):
    BAUD_REGISTERS = (0x08,)  # BAUD
    REGISTERS = (
        Reg(0x00, "STAT", 0x000000C0),  # TBE|TC at reset
        Reg(0x04, "DATA", 0, wmask=0x1FF),
        Reg(0x08, "BAUD", 0, wmask=0xFFFF),
        Reg(0x0C, "CTL0", 0, wmask=0x3FFF),
        Reg(0x10, "CTL1"), Reg(0x14, "CTL2"), Reg(0x18, "GP"),
    )

    def reset(self):
        super().reset()
        self.flags = 0  # IDLE and ORERR; RBNE, TBE and TC follow the line
        self.stat_read_with_ore = False

    def baud(self):
        div = self.values[0x08]
        return self.kernel_clock_hz() / div if div else None

    def on_overrun(self):
        self.flags |= ORERR

    def read_STAT(self):
        txe, tc = self.tx_flags(self.note_status_poll())
        value = self.flags | (RBNE if self.rx else 0)
        if txe:
            value |= TBE
        if tc:
            value |= TC
        self.stat_read_with_ore = bool(value & ORERR)
        return value

    def write_STAT(self, value, mask):
        # TC and RBNE are cleared by writing 0 (UM §16.4.1); other bits are read-only.
        if ~value & TC & mask:
            self.tc_cleared = True
        self.update_irq()

    def read_DATA(self):
        byte = self.pop_rx()
        if self.stat_read_with_ore:  # the STAT-then-DATA read sequence clears ORERR
            self.flags &= ~ORERR
            self.stat_read_with_ore = False
        if not self.rx and not self.wire:
            self.flags |= IDLE
        return byte

    def write_DATA(self, value, mask):
        ctl = self.values[0x0C]
        if ctl & UEN and ctl & TEN:
            self.transmit(value & 0xFF)
            self.update_irq()

    def write_CTL0(self, value, mask):
        self.store(0x0C, value, mask)
        self.update_irq()

    def irq_active(self) -> bool:
        ctl = self.values[0x0C]
        if not ctl & UEN:
            return False
        return bool((ctl & RBNEIE and (self.rx or self.flags & ORERR)) or (ctl & TBEIE and self.tx_empty())
                    or (ctl & TCIE and self.tx_complete()) or (ctl & IDLEIE and self.flags & IDLE))

    def tx_irq_enabled(self) -> bool:
        return bool(self.values[0x0C] & (TBEIE | TCIE))

    def can_wake(self) -> bool:
        ctl = self.values[0x0C]
        return bool(ctl & UEN and ctl & REN and ctl & RBNEIE)
