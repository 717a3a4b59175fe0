"""STM32U3 embedded flash interface (RM0487 chapter "Embedded flash memory (FLASH)").

The register block is laid out as the STM32U5's (stm32u385xx.h FLASH_TypeDef: ACR 0x00,
KEYR 0x08, SKEYR 0x0C, OPTKEYR 0x10, PDKEY1R/2R 0x18/0x1C, SR 0x20, SSR 0x24, CR 0x28, SCR
0x2C, ECCCR 0x30, ECCDR 0x34, OPSR 0x38, OPTR 0x40), so this model is `flash.stm32u5_flash`
with the U3's differences: the wait-state table the over-clock check names (RM0487, as ChibiOS
STM32U3xx/stm32_limits.h transcribes it), and the 64-bit flash word (the U3 HAL programs
double-words only: stm32u3xx_hal_flash.h FLASH_TYPEPROGRAM_DOUBLEWORD) as the read width.
FLASH_ACR: LATENCY[3:0] read back as written, PRFTEN (bit 8) the prefetch, LPM (bit 11);
the ICACHE's enable is reported as `icache`/`dcache` (param `icache`: that peripheral's name).
"""

from __future__ import annotations

from .. import PERIPHERALS
from .stm32u5_flash import Stm32u5Flash


@PERIPHERALS.register("flash.stm32u3_flash")
class Stm32u3Flash(Stm32u5Flash):
    WAIT_STATE_TABLE = ("RM0487 flash wait states per voltage range (as ChibiOS "
                        "STM32U3xx/stm32_limits.h gives them: Range 1 2 WS up to 96 MHz)")

    @property
    def read_width_bytes(self) -> int:
        return 8
