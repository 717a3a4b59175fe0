"""STM32L4+ SAI, serial audio interface, register file only (RM0432 Rev 9 chapter "Serial audio
interface (SAI)"; offsets and reset values recalled from memory, to verify against the manual).

ST's MLPerf Tiny firmware configures SAI1 block A at start-up (NUCLEO-L4R5ZI-P.ioc: asynchronous
slave receiver, DMA1 channel 1) and streams nothing during the benchmark. This model keeps every
register with its reset value so that start-up reads back what it wrote, with two behaviours the
HAL waits on: SAIEN (xCR1 bit 16) reads back as written (enable and disable complete at once) and
xSR keeps its reset value (FIFO empty: FREQ for a transmitter, FLVL = 0). Audio data is not
modelled: an access to ADR/BDR is reported as unmodelled, and so is a block enabled with its DMA
request (xCR1.DMAEN) or an interrupt (xIM), since neither would ever see a sample.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg

SAIEN, DMAEN = 1 << 16, 1 << 17


def _block(base: int, x: str):
    return (Reg(base + 0x00, f"{x}CR1", 0x00000040), Reg(base + 0x04, f"{x}CR2"),
            Reg(base + 0x08, f"{x}FRCR", 0x00000007), Reg(base + 0x0C, f"{x}SLOTR"),
            Reg(base + 0x10, f"{x}IM"), Reg(base + 0x14, f"{x}SR", 0x00000008, RO),
            Reg(base + 0x18, f"{x}CLRFR", 0, WO), Reg(base + 0x1C, f"{x}DR", 0, UNMODELLED))


@PERIPHERALS.register("sai.stm32_sai")
class Stm32Sai(Peripheral):
    REGISTERS = (Reg(0x00, "GCR"), *_block(0x04, "A"), *_block(0x24, "B"),
                 Reg(0x44, "PDMCR"), Reg(0x48, "PDMDLY"))

    def write(self, offset, size, value):
        super().write(offset, size, value)
        word = offset & ~3
        for x, base in (("A", 0x04), ("B", 0x24)):
            cr1, im = self.values[base], self.values[base + 0x10]
            if word == base and cr1 & SAIEN and cr1 & DMAEN:
                self.host.unmodelled(self, f"{x}CR1.DMAEN (audio samples are not streamed)", "write")
            if word == base + 0x10 and im:
                self.host.unmodelled(self, f"{x}IM (SAI interrupts are not raised)", "write")
