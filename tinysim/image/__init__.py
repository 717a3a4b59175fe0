"""Firmware images by content: ELF, Intel HEX, raw binary (`load_image`), and symbol files for
images that carry none (`--symbols`: an ELF or a GNU ld / IAR linker map)."""

from .hexfile import parse_intel_hex
from .load import detect_format, is_elf_file, load_image
from .mapfile import load_symbols

__all__ = ["detect_format", "is_elf_file", "load_image", "load_symbols", "parse_intel_hex"]
