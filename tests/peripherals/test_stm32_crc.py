"""The STM32 CRC unit alone (RM0432 chapter 16): CRC-32 as zlib computes it, 16-bit polynomial."""

import zlib

from tinysim.emu.peripherals.crc.stm32_crc import Stm32Crc


def _crc():
    return Stm32Crc("crc", 0x40023000, 0x400)


def test_reset_values():
    c = _crc()
    assert c.reg_read("DR") == 0xFFFFFFFF and c.reg_read("INIT") == 0xFFFFFFFF
    assert c.reg_read("POL") == 0x04C11DB7 and c.reg_read("CR") == 0


def test_crc32_matches_zlib_bytewise_and_wordwise():
    data = b"123456789abc"
    c = _crc()
    c.reg_write("CR", (1 << 5) | (1 << 7) | 1)          # REV_IN by byte, REV_OUT, RESET
    for b in data:
        c.write(0x00, 1, b)
    assert c.reg_read("DR") ^ 0xFFFFFFFF == zlib.crc32(data)
    c.reg_write("CR", (3 << 5) | (1 << 7) | 1)          # REV_IN by word, 32-bit writes
    for i in range(0, len(data), 4):
        c.write(0x00, 4, int.from_bytes(data[i:i + 4], "little"))
    assert c.reg_read("DR") ^ 0xFFFFFFFF == zlib.crc32(data)


def test_mpeg2_crc_without_reversal():
    # CRC-32/MPEG-2 (poly 0x04C11DB7, init all ones, no reflection): "123456789" -> 0x0376E6E7
    c = _crc()
    for b in b"123456789":
        c.write(0x00, 1, b)
    assert c.reg_read("DR") == 0x0376E6E7


def test_16_bit_polynomial():
    # CRC-16/CCITT-FALSE (poly 0x1021, init 0xFFFF): "123456789" -> 0x29B1
    c = _crc()
    c.reg_write("CR", 1 << 3)                            # POLYSIZE 16
    c.reg_write("POL", 0x1021)
    c.reg_write("INIT", 0xFFFF)
    for b in b"123456789":
        c.write(0x00, 1, b)
    assert c.reg_read("DR") == 0x29B1
