"""What the committed test images contain: boot layout, symbols, sizes, instructions."""

from __future__ import annotations

import json
import re
import shutil
import struct
import subprocess

import pytest
from elftools.elf.elffile import ELFFile

from tinysim.firmware import build
from tinysim.platform import load_platform

MANIFEST = json.loads(build.TEST_MANIFEST.read_text())
IMAGES = sorted(MANIFEST["images"])

# flash/SRAM ranges of each platform (the linker scripts' MEMORY blocks)
LAYOUT = {
    "nucleo-l4r5zi": {"flash": [(0x08000000, 2048 << 10)], "ram": (0x20000000, 640 << 10)},
    "nucleo-u575zi-q": {"flash": [(0x08000000, 2048 << 10)], "ram": (0x20000000, 768 << 10)},
    "nrf5340-dk": {"flash": [(0x00000000, 1024 << 10)], "ram": (0x20000000, 512 << 10)},
    "nucleo-u385rg-q": {"flash": [(0x08000000, 1024 << 10)], "ram": (0x20000000, 256 << 10)},
    "gd32vf103-longan": {"flash": [(0x08000000, 128 << 10)], "ram": (0x20000000, 32 << 10)},
    "esp32c3-devkitm": {"flash": [(0x42000000, 4 << 20), (0x3C000000, 4 << 20)],
                        "ram": (0x3FC80000, 320 << 10)},
    # stack in the DTCM, .data/.bss in the AXI SRAM (platforms/socs/stm32h7a3/linker.ld)
    "nucleo-h7a3zi-q": {"flash": [(0x08000000, 2048 << 10)], "ram": (0x20000000, 128 << 10),
                        "bss_ram": (0x24000000, 1024 << 10)},
}


def _is_riscv(rel: str) -> bool:
    return load_platform(rel.split("/")[0]).core.arch == "rv32"


def _symbols(elf: ELFFile) -> dict:
    return {s.name: s["st_value"] for s in elf.get_section_by_name(".symtab").iter_symbols() if s.name}


def _in(ranges, addr, size=0):
    return any(base <= addr and addr + size <= base + length for base, length in ranges)


@pytest.mark.parametrize("rel", IMAGES)
def test_image_layout_and_sizes_are_sane(rel):
    platform = rel.split("/")[0]
    layout = LAYOUT[platform]
    path = build.PREBUILT_TESTS_DIR / rel
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        syms = _symbols(elf)
        ram_base, ram_size = layout["ram"]
        # stack symbols the emulator's guard and the startup use
        assert syms["_estack"] == ram_base + ram_size
        assert ram_base < syms["__stack_limit"] < syms["_estack"]
        if "bss_ram" in layout:
            assert _in([layout["bss_ram"]], syms["_sbss"], syms["_ebss"] - syms["_sbss"])
        else:
            assert syms["_ebss"] <= syms["__stack_limit"]
        for seg in elf.iter_segments():
            if seg["p_type"] != "PT_LOAD" or seg["p_filesz"] == 0:
                continue
            # every byte of the image is stored in flash; only .bss-like space is RAM-only
            assert _in(layout["flash"], seg["p_paddr"], seg["p_filesz"]), hex(seg["p_paddr"])
        sizes = build.elf_sizes(path)
        assert 500 < sizes["text"] < 16 << 10, sizes  # a test firmware is a few KiB
        assert sizes["bss"] < ram_size
        assert "main" in syms and "board_init" in syms and "board_halt" in syms


def _first_words(path, addr, n):
    with open(path, "rb") as fh:
        elf = ELFFile(fh)
        for seg in elf.iter_segments():
            if seg["p_type"] == "PT_LOAD" and seg["p_vaddr"] <= addr < seg["p_vaddr"] + seg["p_filesz"]:
                off = addr - seg["p_vaddr"]
                return struct.unpack_from(f"<{n}I", seg.data(), off), elf.header["e_entry"], _symbols(elf)
    raise AssertionError(f"{path}: nothing loaded at {addr:#x}")


def test_cortex_m_vector_table_boots_the_reset_handler():
    path = build.PREBUILT_TESTS_DIR / "nucleo-l4r5zi" / "hello.elf"
    (sp, reset, nmi, hard), entry, syms = _first_words(path, 0x08000000, 4)
    assert sp == syms["_estack"] == 0x200A0000
    assert reset == syms["Reset_Handler"] | 1  # Thumb bit set
    assert hard == syms["HardFault_Handler"] | 1
    assert entry == syms["Reset_Handler"]
    # the console (LPUART1) is device interrupt 70: vector 16 + 70 is the shared console handler
    (lpuart,), _, _ = _first_words(path, 0x08000000 + 4 * (16 + 70), 1)
    assert lpuart == syms["Console_IRQHandler"] | 1


def test_esp32c3_image_starts_with_the_direct_boot_header():
    path = build.PREBUILT_TESTS_DIR / "esp32c3-devkitm" / "hello.elf"
    (m0, m1), entry, syms = _first_words(path, 0x42000000, 2)
    assert m0 == m1 == 0xAEDB041D
    assert entry == syms["_start"] == 0x42000008
    # .rodata is reached through the DROM window at the same flash offset it is stored at
    with open(path, "rb") as fh:
        for seg in ELFFile(fh).iter_segments():
            if seg["p_type"] == "PT_LOAD" and 0x3C000000 <= seg["p_vaddr"] < 0x3C400000:
                assert seg["p_vaddr"] - 0x3C000000 == seg["p_paddr"] - 0x42000000


def test_gd32_entry_is_the_flash_base():
    path = build.PREBUILT_TESTS_DIR / "gd32vf103-longan" / "hello.elf"
    _, entry, syms = _first_words(path, 0x08000000, 1)
    assert entry == syms["_start"] == 0x08000000
    assert syms["trap_entry"] % 64 == 0  # ECLIC-mode mtvec base alignment


def _disassembly(rel):
    path = build.PREBUILT_TESTS_DIR / rel
    tool = "riscv64-unknown-elf-objdump" if _is_riscv(rel) else "arm-none-eabi-objdump"
    if shutil.which(tool) is None:
        pytest.skip(f"{tool} not installed")
    return subprocess.run([tool, "-d", str(path)], capture_output=True, text=True, check=True).stdout


@pytest.mark.toolchain
def test_float_firmware_uses_the_fpv4_instructions():
    text = _disassembly("nucleo-l4r5zi/float.elf")
    for insn in ("vdiv.f32", "vsqrt.f32", "vmla.f32"):
        assert insn in text, f"{insn} missing from float.elf"


@pytest.mark.toolchain
@pytest.mark.parametrize("rel", [r for r in IMAGES if _is_riscv(r)])
def test_riscv_images_never_read_host_time_csrs(rel):
    # under Unicorn cycle/time/mcycle CSRs return host time: the ports must use the memory-mapped
    # system timers instead, and no RISC-V image may contain a compressed-illegal 32-bit form
    text = _disassembly(rel)
    assert not re.search(r"\b(rdcycle|rdtime|rdinstret|csrr\w*\s+\w+,\s*(m?cycle|time|m?instret)h?)\b", text)
