"""STM32L4+ DMAMUX1: the request router in front of DMA1 and DMA2 (RM0432 Rev 9 chapter "DMA
request multiplexer (DMAMUX)"; register map recalled from memory, to verify against the manual).

DMAMUX1 channel x (0..13) feeds DMA1 channel x+1 (x = 0..6) and DMA2 channel x-6 (x = 7..13).
CxCR.DMAREQ_ID picks the request that channel's DMA channel waits for; the `requests` param is
RM0432's DMAMUX1 request table as data: {"<id>" = "<peripheral>:<tx|rx>"}, naming the model that
raises it (see platforms/socs/stm32l4r5/stm32l4r5.toml). Request ID 0 is "no request" (memory to
memory). Emulated: the routing. Stored, not emulated (reported as unmodelled when switched on):
synchronisation (CxCR.SE), event generation (CxCR.EGE) and the request generators (RGxCR.GE).
"""

from __future__ import annotations

from typing import Optional

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg

DMAREQ_ID = 0x7F
SOIE, EGE, SE = 1 << 8, 1 << 9, 1 << 16
GE = 1 << 16


@PERIPHERALS.register("dma.stm32_dmamux")
class Stm32Dmamux(Peripheral):
    DEFAULTS = {"channels": 14, "generators": 4, "requests": {}}

    def registers(self):
        n, g = int(self.params["channels"]), int(self.params["generators"])
        return (*(Reg(4 * x, f"C{x}CR", 0, wmask=0x1F0F037F) for x in range(n)),
                Reg(0x80, "CSR", 0, RO), Reg(0x84, "CFR", 0, WO),
                *(Reg(0x100 + 4 * i, f"RG{i}CR", 0, wmask=0x1F7F001F) for i in range(g)),
                Reg(0x140, "RGSR", 0, RO), Reg(0x144, "RGCFR", 0, WO))

    def write(self, offset, size, value):
        super().write(offset, size, value)
        word = offset & ~3
        if word < 4 * int(self.params["channels"]):
            cr = self.values[word]
            if cr & (SE | EGE):
                self.host.unmodelled(self, f"C{word // 4}CR.{'SE' if cr & SE else 'EGE'}", "write")
        elif 0x100 <= word < 0x140 and self.values[word] & GE:
            self.host.unmodelled(self, f"RG{(word - 0x100) // 4}CR.GE (request generator)", "write")

    def request_id(self, channel: int) -> int:
        """The request ID routed to DMAMUX channel `channel` (0 = none: memory to memory)."""
        return self.values[4 * channel] & DMAREQ_ID

    def source(self, channel: int) -> Optional[str]:
        """`"<peripheral>:<tx|rx>"` for the request on `channel`, None when the table has no
        model for it (or for ID 0)."""
        rid = self.request_id(channel)
        return dict(self.params["requests"]).get(str(rid)) if rid else None
