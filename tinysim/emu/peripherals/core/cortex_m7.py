"""What the Cortex-M7 adds to the Armv7-M system control space: the cache enables and the cache
identification registers in the SCB, and the cache maintenance operations.

Sources: Armv7-M ARM (DDI 0403E) B3.2.8 CCR (DC bit 16, IC bit 17, BP bit 18), B4.8 "Cache and
branch predictor maintenance operations" (ICIALLU 0xE000EF50 ... BPIALL 0xE000EF78) and B4.8
CLIDR/CTR/CCSIDR/CSSELR (0xE000ED78-0xE000ED84); Cortex-M7 TRM (DDI 0489) "L1 caches": 32-byte
lines, the instruction cache 2-way and the data cache 4-way set associative. The STM32H7A3 has
16 KiB of each (DS13195 section "Arm Cortex-M7 with FPU"), i.e. 256 I-sets and 128 D-sets (the
same configuration Microchip's SAM E70 data sheet tabulates: 16 KiB + 16 KiB, 256 / 128 sets,
2 / 4 ways, 8 words per line). CCSIDR encodes (NumSets-1) << 13 | (Associativity-1) << 3 |
LineSize, LineSize = log2(words per line) - 2 = 1, with WT/WB/RA/WA in bits 31:28 (0xF for the
data cache, 0x2 read-allocate for the instruction cache).

The caches themselves are timed by the counter's cache model (the pipeline re-times it when
the host reports a flash change): this module only tells the host when the firmware enables,
disables or invalidates them. Clean operations and the branch predictor change no timing here.
"""

from __future__ import annotations

from .. import PERIPHERALS
from ..base import RO, WO, Peripheral, Reg
from .scb import Scb

CCSIDR_D = (0xF << 28) | ((128 - 1) << 13) | ((4 - 1) << 3) | 1   # 16 KiB, 4-way, 32 B
CCSIDR_I = (0x2 << 28) | ((256 - 1) << 13) | ((2 - 1) << 3) | 1   # 16 KiB, 2-way, 32 B
CLIDR = 0x09000003      # LoUU = LoC = 1, level 1 has separate I and D caches (Ctype1 = 0b011)
CTR = 0x8303C003        # Armv7 format, 8-word lines (DminLine = IminLine = 3), CWG/ERG 3


@PERIPHERALS.register("core.scb_m7")
class ScbM7(Scb):
    """The SCB of a Cortex-M7 (r1p2: CPUID 0x411FC272): CCR also takes DC, IC and BP."""

    DEFAULTS = {**Scb.DEFAULTS, "cpuid": 0x411FC272}
    REGISTERS = tuple(
        Reg(0x14, "CCR", 0x00000200, wmask=0x7031B) if r.offset == 0x14 else r
        for r in Scb.REGISTERS) + (
        Reg(0x78, "CLIDR", CLIDR, RO), Reg(0x7C, "CTR", CTR, RO),
        Reg(0x80, "CCSIDR", CCSIDR_D, RO), Reg(0x84, "CSSELR", 0, wmask=0x1),
    )

    def read_CCSIDR(self) -> int:
        return CCSIDR_I if self.values[0x84] & 1 else CCSIDR_D


@PERIPHERALS.register("core.cache_maintenance")
class CacheMaintenance(Peripheral):
    """0xE000EF50-0xE000EF7B, write-only operations."""

    REGISTERS = (
        Reg(0x00, "ICIALLU", 0, WO), Reg(0x08, "ICIMVAU", 0, WO), Reg(0x0C, "DCIMVAC", 0, WO),
        Reg(0x10, "DCISW", 0, WO), Reg(0x14, "DCCMVAU", 0, WO), Reg(0x18, "DCCMVAC", 0, WO),
        Reg(0x1C, "DCCSW", 0, WO), Reg(0x20, "DCCIMVAC", 0, WO), Reg(0x24, "DCCISW", 0, WO),
        Reg(0x28, "BPIALL", 0, WO),
    )

    def write_ICIALLU(self, value, mask):
        self.host.flash_changed(icache_reset=True)

    def write_ICIMVAU(self, value, mask):
        self.host.flash_changed(icache_reset=True)   # one line; the model drops them all

    def _invalidate_d(self, value, mask):
        # One set/way or one line on silicon; the model empties the whole D-cache, which is
        # what the firmware's loop over every set and way amounts to.
        self.host.flash_changed(dcache_reset=True)

    write_DCIMVAC = write_DCISW = write_DCCIMVAC = write_DCCISW = _invalidate_d

    def _clean(self, value, mask):
        pass   # a clean writes dirty lines back; writes are not timed by the cache model

    write_DCCMVAU = write_DCCMVAC = write_DCCSW = write_BPIALL = _clean
