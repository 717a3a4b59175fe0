"""STM32U5 embedded flash interface (RM0456 chapter 7 "Embedded flash memory (FLASH)").

FLASH_ACR (section 7.9.1): LATENCY[3:0] wait states, read back as written (software checks the
value took effect), PRFTEN (bit 8) the prefetch. The U5 has no ART: instruction and data reads
over the Cortex-M33 C-AHB bus go through the separate ICACHE (cache.stm32u5_icache), ONE cache
for both; this model reports its enable as `icache` and `dcache` (the two sides of that one
cache) and its associativity as `cache_ways`, for the cost model. The ICACHE is the peripheral
named by the param `icache`, found through the host (`Host.peripheral`); a platform whose
`icache` names no peripheral is an error at the first use, naming the param. Flash reads are
128 bits wide (section 7.3.x, recalled). Every change is reported to the host
(`Host.flash_changed`). Programming (keys, NSCR...) is not modelled; the option bytes read their
factory values. Offsets and reset values: RM0456 Rev 4 section 7.9, recalled from memory.
"""

from __future__ import annotations

from ....errors import PlatformError
from .. import PERIPHERALS
from ..base import RO, UNMODELLED, WO, Peripheral, Reg
from .shared_cache import OneCacheForBoth


@PERIPHERALS.register("flash.stm32u5_flash")
class Stm32u5Flash(OneCacheForBoth, Peripheral):
    DEFAULTS = {"icache": "icache"}
    WAIT_STATE_TABLE = "RM0456 section 7.3.3 (wait states per VOS range, recalled)"  # for the check

    REGISTERS = (
        Reg(0x00, "ACR", 0, wmask=0x790F),   # LATENCY, PRFTEN, LPM, PDREQ1/2, SLEEP_PD
        Reg(0x08, "NSKEYR", 0, WO), Reg(0x0C, "SECKEYR", 0, WO), Reg(0x10, "OPTKEYR", 0, WO),
        Reg(0x18, "PDKEY1R", 0, WO), Reg(0x1C, "PDKEY2R", 0, WO),
        Reg(0x20, "NSSR", 0, RO), Reg(0x24, "SECSR", 0, RO),
        Reg(0x28, "NSCR", 0xC0000000, UNMODELLED), Reg(0x2C, "SECCR", 0xC0000000, UNMODELLED),
        Reg(0x30, "ECCR", 0, UNMODELLED), Reg(0x34, "OPSR", 0, UNMODELLED),
        Reg(0x40, "OPTR", 0x1FEFF8AA, RO),   # factory option bytes (TZEN = 0), recalled
    )

    def write_ACR(self, value, mask):
        old = self.values[0x00]
        self.values[0x00] = (old & ~mask) | (value & mask & 0x790F)
        if self.values[0x00] != old:
            self.host.flash_changed()

    @property
    def latency(self) -> int:
        return self.values[0x00] & 0xF

    @property
    def prefetch(self) -> bool:
        return bool(self.values[0x00] >> 8 & 1)

    def _cache(self):
        name = str(self.params["icache"])
        cache = self.host.peripheral(name)
        if cache is None or not hasattr(cache, "ways"):
            raise PlatformError(f"peripheral {self.name!r} (flash.stm32u5_flash): params.icache = "
                                f"{name!r} names no ICACHE model (cache.stm32u5_icache) of this "
                                "SoC; name the ICACHE peripheral there")
        return cache

    def _cache_on(self) -> bool:
        """Flash data reads (the weights) also go through the ICACHE on the C-AHB bus."""
        return bool(self._cache().enabled)

    @property
    def cache_ways(self) -> int:
        """ICACHE associativity the firmware selected (CR.WAYSEL): 1 or 2."""
        return int(self._cache().ways)


    @property
    def read_width_bytes(self) -> int:
        return 16
