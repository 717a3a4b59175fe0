"""STM32 LPUART / USART with the ISR/ICR/RDR/TDR layout (RM0432 §53.7 LPUART registers, same
layout as the L4/G4/L5 USARTs). Serves LPUART1 and USARTx of STM32L4+: the `divider` param says
how BRR divides the kernel clock ("lpuart": baud = 256 x f_ck / BRR, RM0432 §53.4.8;
"usart": baud = f_ck / BRR with oversampling by 16, RM0432 §52.5.7)."""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Reg
from .base import Uart

# CR1 bits (RM0432 §53.7.1)
UE, RE, TE = 1 << 0, 1 << 2, 1 << 3
IDLEIE, RXNEIE, TCIE, TXEIE = 1 << 4, 1 << 5, 1 << 6, 1 << 7
OVER8 = 1 << 15
# ISR bits (RM0432 §53.7.8)
ORE, IDLE, RXNE, TC, TXE = 1 << 3, 1 << 4, 1 << 5, 1 << 6, 1 << 7
TEACK, REACK = 1 << 21, 1 << 22
# ICR bits: TCCF clears TC (RM0432 §53.7.9)
TCCF = 1 << 6
# RQR
RXFRQ = 1 << 3
# PRESC field -> kernel clock divider (RM0432 §53.7.12)
PRESCALERS = (1, 2, 4, 6, 8, 10, 12, 16, 32, 64, 128, 256)


@PERIPHERALS.register("uart.stm32_lpuart")
class Stm32Lpuart(Uart):
    DEFAULTS = {**Uart.DEFAULTS, "divider": "lpuart"}
    BAUD_REGISTERS = (0x00, 0x0C, 0x2C)  # CR1 (OVER8), BRR, PRESC
    REGISTERS = (
        Reg(0x00, "CR1"), Reg(0x04, "CR2"), Reg(0x08, "CR3"),
        Reg(0x0C, "BRR", 0, wmask=0xFFFFF),
        Reg(0x18, "RQR", 0, WO),
        Reg(0x1C, "ISR", 0x000000C0, RO),  # TXE|TC at reset (RM0432 §53.7.8, FIFO disabled)
        Reg(0x20, "ICR", 0, WO),
        Reg(0x24, "RDR", 0, RO),
        Reg(0x28, "TDR", 0, wmask=0x1FF),
        Reg(0x2C, "PRESC", 0, wmask=0xF),
        Reg(0x10, "GTPR", 0, UNMODELLED), Reg(0x14, "RTOR", 0, UNMODELLED),
    )

    def reset(self):
        super().reset()
        self.flags = 0  # the sticky ones, IDLE and ORE; RXNE, TXE and TC follow the line

    def cr1(self) -> int:
        return self.values[0x00]

    def baud(self):
        brr = self.values[0x0C]
        if not brr:
            return None
        presc = PRESCALERS[min(self.values[0x2C] & 0xF, len(PRESCALERS) - 1)]
        f_ck = self.kernel_clock_hz() / presc
        if self.params["divider"] == "lpuart":
            return 256.0 * f_ck / brr
        if self.cr1() & OVER8:  # BRR[3:0] holds USARTDIV[3:0] >> 1 (RM0432 §52.5.7)
            brr = (brr & ~0xF) | ((brr & 0x7) << 1)
            return 2.0 * f_ck / brr
        return f_ck / brr

    def on_overrun(self):
        self.flags |= ORE

    def read_ISR(self):
        txe, tc = self.tx_flags(self.note_status_poll())
        cr1 = self.cr1()
        value = self.flags
        if self.rx:
            value |= RXNE
        if txe:
            value |= TXE
        if tc:
            value |= TC
        if cr1 & UE and cr1 & TE:
            value |= TEACK
        if cr1 & UE and cr1 & RE:
            value |= REACK
        return value

    def write_ICR(self, value, mask):
        self.flags &= ~(value & (ORE | IDLE | 0x7))  # PECF FECF NECF ORECF IDLECF
        if value & TCCF:
            self.tc_cleared = True
        self.update_irq()

    def write_RQR(self, value, mask):
        if value & RXFRQ:  # flush one received byte
            self.pop_rx()

    def read_RDR(self):
        byte = self.pop_rx()
        if not self.rx and not self.wire:
            self.flags |= IDLE  # the line goes idle after the last frame
        return byte

    def write_TDR(self, value, mask):
        cr1 = self.cr1()
        if cr1 & UE and cr1 & TE:
            self.transmit(value & 0xFF)
            self.update_irq()

    def write_CR1(self, value, mask):
        self.store(0x00, value, mask)
        self.update_irq()

    def irq_active(self) -> bool:
        cr1 = self.cr1()
        if not cr1 & UE:
            return False
        return bool((cr1 & RXNEIE and (self.rx or self.flags & ORE))
                    or (cr1 & TXEIE and self.tx_empty())
                    or (cr1 & TCIE and self.tx_complete()) or (cr1 & IDLEIE and self.flags & IDLE))

    def tx_irq_enabled(self) -> bool:
        return bool(self.cr1() & (TXEIE | TCIE))

    def can_wake(self) -> bool:
        cr1 = self.cr1()
        return bool(cr1 & UE and cr1 & RE and cr1 & RXNEIE)
