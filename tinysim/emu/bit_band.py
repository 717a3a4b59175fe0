"""Bit-band aliases of a Cortex-M3/M4 core (the SoC's core feature "bit-band").

The core maps each word of two 32 MiB alias regions to one bit of the lowest 1 MiB of the SRAM
and peripheral regions (Cortex-M4 Devices Generic User Guide DUI 0553 section 2.2.5; the same
section of the STM32 Cortex-M4 programming manual PM0214, which adds the access-size rule):

    alias 0x22000000 + byte_offset * 32 + bit * 4  ->  bit `bit` of byte 0x20000000 + byte_offset
    alias 0x42000000 + byte_offset * 32 + bit * 4  ->  bit `bit` of byte 0x40000000 + byte_offset

A read returns 0 or 1; a write sets the bit to bit 0 of the value, as a read-modify-write of
the target. The target access has the size of the alias access (byte, halfword or word, PM0214
2.2.5), on the aligned container of the byte, so a peripheral sees the access it would see from
a plain LDR/STR of that size (a clear-on-read register is cleared by the read). A doubleword
access (VLDR.64, VSTR.64) is two word accesses on the core's 32-bit bus: two alias words, two
bits. Instruction fetches are not remapped: the windows are MMIO, which the engine does not
execute.

Unicorn has no bit-band, so each alias window is an MMIO window over the part of the region
something is mapped at (SRAM, or a peripheral bus window); an alias whose target is unmapped
stays unmapped and faults, as the reserved target address does. The stores go through the
engine's host interface: write hooks (the stack guard, data-region counts) do not see them,
and they are costed as the LDR/STR that made them (the extra bus cycle of the read-modify-write
is not charged).
"""

from __future__ import annotations

from typing import Callable, Iterable, List, Tuple

REGION_BYTES = 0x10_0000          # the bit-band region: lowest 1 MiB of SRAM / peripherals
SRAM_REGION, SRAM_ALIAS = 0x2000_0000, 0x2200_0000
PERIPHERAL_REGION, PERIPHERAL_ALIAS = 0x4000_0000, 0x4200_0000
PAGE = 0x1000

ReadFn = Callable[[int, int], int]            # (address, size) -> value
WriteFn = Callable[[int, int, int], None]     # (address, size, value)


def alias_target(alias_offset: int, size: int) -> Tuple[int, int]:
    """(offset in the bit-band region of the `size`-aligned container, bit position in it) that
    an access of `size` bytes at `alias_offset` into the alias region reaches; address bits
    [1:0] of the alias select nothing."""
    byte, bit = alias_offset >> 5, (alias_offset >> 2) & 7
    container = byte & ~(size - 1)
    return container, (byte - container) * 8 + bit


def alias_span(region: int, alias: int, lo: int, hi: int) -> Tuple[int, int]:
    """The alias addresses [begin, end) of the bit-band region's part [lo, hi), clipped to the
    region, page-aligned outward (an empty span when [lo, hi) misses the region)."""
    lo, hi = max(lo, region), min(hi, region + REGION_BYTES)
    if lo >= hi:
        return 0, 0
    lo, hi = lo & ~(PAGE - 1), (hi + PAGE - 1) & ~(PAGE - 1)
    return alias + (lo - region) * 32, alias + (hi - region) * 32


class BitBandWindow:
    """Unicorn MMIO callbacks of one alias window [begin, end) onto `read` / `write` of the
    region's targets."""

    def __init__(self, region: int, alias: int, begin: int, read: ReadFn, write: WriteFn):
        self.region, self.alias, self.begin = region, alias, begin
        self._read, self._write = read, write

    def _target(self, offset: int, size: int) -> Tuple[int, int]:
        container, bit = alias_target(self.begin - self.alias + offset, size)
        return self.region + container, bit

    def read(self, uc, offset, size, _user):
        if size == 8:  # a doubleword (VLDR.64): two word accesses on the 32-bit bus, two bits
            return self.read(uc, offset, 4, _user) | self.read(uc, offset + 4, 4, _user) << 32
        addr, bit = self._target(offset, size)
        return (self._read(addr, size) >> bit) & 1

    def write(self, uc, offset, size, value, _user):
        if size == 8:
            self.write(uc, offset, 4, value & 0xFFFFFFFF, _user)
            self.write(uc, offset + 4, 4, value >> 32, _user)
            return
        addr, bit = self._target(offset, size)
        old = self._read(addr, size)
        self._write(addr, size, old | (1 << bit) if value & 1 else old & ~(1 << bit))


def ram_access(uc) -> Tuple[ReadFn, WriteFn]:
    """`read` and `write` for targets that are engine memory (SRAM), little-endian."""
    def read(addr: int, size: int) -> int:
        return int.from_bytes(uc.mem_read(addr, size), "little")

    def write(addr: int, size: int, value: int) -> None:
        uc.mem_write(addr, value.to_bytes(size, "little"))
    return read, write


def map_bit_band(uc, region: int, alias: int, spans: Iterable[Tuple[int, int]], read: ReadFn,
                 write: WriteFn) -> List[BitBandWindow]:
    """Maps the alias window of each target span [lo, hi) of one bit-band region (merged where
    their windows meet) on `uc`; returns the windows (keep them: Unicorn holds only callbacks)."""
    wins = sorted(w for w in (alias_span(region, alias, lo, hi) for lo, hi in spans) if w[0] < w[1])
    merged: List[List[int]] = []
    for begin, end in wins:
        if merged and begin <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([begin, end])
    windows = []
    for begin, end in merged:
        w = BitBandWindow(region, alias, begin, read, write)
        uc.mmio_map(begin, end - begin, w.read, None, w.write, None)
        windows.append(w)
    return windows
