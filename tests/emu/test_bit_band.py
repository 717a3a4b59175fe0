"""The bit-band address arithmetic (tinysim/emu/bit_band.py); the images that use the aliases are
in test_exceptions.py (bitband.S)."""

from __future__ import annotations

from tinysim.emu.bit_band import (PAGE, REGION_BYTES, SRAM_ALIAS, SRAM_REGION, BitBandWindow, alias_span,
                                   alias_target)


def test_the_manuals_example():
    # RM0440 section 2.3 (the same Cortex-M4 formula): 0x22006008 is bit 2 of the byte at 0x20000300
    assert alias_target(0x22006008 - SRAM_ALIAS, 1) == (0x300, 2)


def test_the_target_container_has_the_access_size():
    off = 0x301 * 32 + 2 * 4           # bit 2 of byte 0x301
    assert alias_target(off, 1) == (0x301, 2)
    assert alias_target(off, 2) == (0x300, 10)
    assert alias_target(off, 4) == (0x300, 10)
    assert alias_target(0x303 * 32 + 7 * 4, 4) == (0x300, 31)
    assert alias_target(off + 3, 4) == alias_target(off, 4)  # alias bits [1:0] select nothing


def test_alias_spans_cover_the_mapped_part_of_the_region_only():
    assert alias_span(SRAM_REGION, SRAM_ALIAS, 0x2000_0000, 0x2003_0000) == (SRAM_ALIAS, SRAM_ALIAS + 0x30000 * 32)
    # clipped to the 1 MiB region; nothing for a memory outside it
    assert alias_span(SRAM_REGION, SRAM_ALIAS, 0x2004_0000, 0x2020_0000) == (
        SRAM_ALIAS + 0x40000 * 32, SRAM_ALIAS + REGION_BYTES * 32)
    assert alias_span(SRAM_REGION, SRAM_ALIAS, 0x1000_0000, 0x1001_0000) == (0, 0)
    begin, end = alias_span(SRAM_REGION, SRAM_ALIAS, 0x2000_0010, 0x2000_0020)  # page-aligned out
    assert (begin, end) == (SRAM_ALIAS, SRAM_ALIAS + PAGE * 32)


def _window(ram: bytearray) -> BitBandWindow:
    def read(addr, size):
        return int.from_bytes(ram[addr - SRAM_REGION:addr - SRAM_REGION + size], "little")

    def write(addr, size, value):
        ram[addr - SRAM_REGION:addr - SRAM_REGION + size] = value.to_bytes(size, "little")
    return BitBandWindow(SRAM_REGION, SRAM_ALIAS, SRAM_ALIAS, read, write)


def test_a_write_changes_one_bit_and_keeps_the_others():
    ram = bytearray(b"\x0f\xf0\x00\x00")
    w = _window(ram)
    w.write(None, 4 * 4, 4, 0xFFFFFFFE, None)  # bit 4 of byte 0, written with bit 0 clear: stays 0
    w.write(None, 1 * 32 + 4 * 4, 1, 0x01, None)  # bit 4 of byte 1, already set: stays set
    w.write(None, 1 * 32 + 4 * 4, 2, 0x00, None)  # then cleared by a halfword access
    w.write(None, 2 * 32 + 7 * 4, 2, 0x03, None)  # bit 7 of byte 2 set by a halfword access
    assert ram == bytearray(b"\x0f\xe0\x80\x00")
    assert [w.read(None, k * 4, 4, None) for k in range(8)] == [1, 1, 1, 1, 0, 0, 0, 0]


def test_a_doubleword_access_is_two_word_accesses():
    # VLDR.64 / VSTR.64: the Cortex-M4 bus carries words, so two alias words, two bits (QEMU
    # 7.2's bit-band device refuses 8-byte accesses with a bus fault instead)
    ram = bytearray(b"\x5c\x00\x00\x00")
    w = _window(ram)
    assert w.read(None, 2 * 4, 8, None) == 1 | 1 << 32  # bits 2 and 3 of 0x5c
    assert w.read(None, 0, 8, None) == 0 | 0 << 32
    w.write(None, 4 * 4, 8, 1 | 1 << 32, None)  # bits 4 and 5
    assert ram[0] == 0x7C
