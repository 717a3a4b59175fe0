"""Firmware images by content (tinysim.image): Intel HEX, raw binary, ELF; --symbols from an ELF
or a linker map; clear errors naming file and line for malformed HEX; contiguous SRAM."""

from __future__ import annotations

import pytest

from tinysim.elf import Firmware, Segment
from tinysim.errors import FirmwareError
from tinysim.image import detect_format, load_image, load_symbols
from tinysim.pipeline.session import Session
from tinysim.platform import Memory, load_platform

PLAT = "nucleo-l4r5zi"


def _record(kind: int, addr: int, data: bytes) -> str:
    raw = bytes([len(data), addr >> 8 & 0xFF, addr & 0xFF, kind]) + data
    return ":" + (raw + bytes([-sum(raw) & 0xFF])).hex().upper()


def _hex_of(segments, entry=None) -> str:
    """An Intel HEX text of (address, bytes) runs, 16 data bytes a record."""
    lines, upper = [], None
    for addr, data in segments:
        for off in range(0, len(data), 16):
            a = addr + off
            if a >> 16 != upper:
                upper = a >> 16
                lines.append(_record(4, 0, upper.to_bytes(2, "big")))
            lines.append(_record(0, a & 0xFFFF, data[off:off + 16]))
    if entry is not None:
        lines.append(_record(5, 0, entry.to_bytes(4, "big")))
    lines.append(_record(1, 0, b""))
    return "\n".join(lines) + "\n"


def _flash_runs(elf: Firmware):
    return [(s.paddr, s.data) for s in elf.segments if s.data]


@pytest.fixture
def plat():
    return load_platform(PLAT)


def test_hex_and_bin_run_like_the_elf(tmp_path, fw, plat):
    """The hello firmware as HEX and as a raw binary prints what its ELF prints."""
    elf = Firmware.load(fw("hello"))
    runs = _flash_runs(elf)
    hexfile = tmp_path / "hello.hex"
    hexfile.write_text(_hex_of(runs, elf.entry))
    lo = min(a for a, _ in runs)
    blob = bytearray(max(a + len(d) for a, d in runs) - lo)
    for a, d in runs:
        blob[a - lo:a - lo + len(d)] = d
    binfile = tmp_path / "hello.bin"
    binfile.write_bytes(bytes(blob))
    expected = Session(elf, plat).run(max_instructions=5_000_000).uart
    assert expected
    for path in (hexfile, binfile):
        img = load_image(path, plat)
        assert img.format == path.suffix[1:] and img.arch == "armv7m" and img.symbols == {}
        assert img.symbolize(elf.symbol("main")) == f"{elf.symbol('main'):#010x}"   # no names
        assert Session(path, plat).run(max_instructions=5_000_000).uart == expected
    named = load_image(hexfile, plat, symbols=fw("hello"))
    assert named.symbolize(elf.symbol("main")) == "main"


def test_detect_format_by_content_not_name(tmp_path, fw, plat):
    disguised = tmp_path / "firmware.hex"
    disguised.write_bytes(fw("hello").read_bytes())       # an ELF named .hex
    assert load_image(disguised, plat).format == "elf"
    assert detect_format(b":020000040800F2\n") == "hex"
    assert detect_format(b"\x00\x00\x05\x20\xc1\x01\x00\x08") == "bin"


def test_raw_binary_base(tmp_path, plat):
    p = tmp_path / "blob.bin"
    p.write_bytes(struct_pack(0x20001000, 0x08000009) + b"\xfe\xe7" + b"\x00" * 54)
    assert load_image(p, plat).segments[0].paddr == 0x08000000      # the boot flash by default
    assert load_image(p, plat, base=0x08010000).segments[0].paddr == 0x08010000


def test_raw_binary_without_a_vector_table_is_refused(tmp_path, plat):
    p = tmp_path / "notes.txt"
    p.write_text("just some text, not firmware")
    with pytest.raises(FirmwareError, match="notes.txt: not an ELF, nor Intel HEX, nor a raw binary "
                                            "starting with a Cortex-M vector table"):
        load_image(p, plat)


@pytest.mark.parametrize("text,problem", [
    (":0400000008000000F3\n:00000001FF\n", "line 1: bad checksum"),
    (":04000000080000\n", "line 1: record length"),
    (":0400000008000000F4\nhello\n", "line 2: not an Intel HEX record"),
    (":0400000008000000F4\n:0400020008000000F2\n:00000001FF\n", "line 2: data at 0x00000002 overlaps"),
    (":0400000608000000EE\n", "line 1: unknown record type"),
    (":00000001FF\n:0400000008000000F4\n", "line 2: record after the end-of-file"),
    (":0100000400FB\n", "line 1: record type 04 must carry 2 data bytes"),
    (":00000001FF\n", "Intel HEX file has no data records"),
])
def test_malformed_hex_names_file_and_line(tmp_path, plat, text, problem):
    p = tmp_path / "bad.hex"
    p.write_text(text)
    with pytest.raises(FirmwareError, match="bad.hex[:,] .*" + problem.replace("(", r"\(")):
        load_image(p, plat, fmt="hex")


def test_symbols_from_linker_maps(tmp_path):
    gnu = tmp_path / "gnu.map"
    gnu.write_text(" .text.main     0x08000100       0x24 main.o\n"
                   "                0x08000100                main\n"
                   "                0x20000000                _sdata\n")
    iar = tmp_path / "iar.map"
    iar.write_text("*** ENTRY LIST\n\nEntry                       Address   Size  Type      Object\n"
                   "main                     0x800'61c9   0x36  Code  Gb  main.o [1]\n"
                   "uwTick                  0x2000'1788    0x4  Data  Gb  stm32l4xx_hal.o [1]\n")
    g = load_symbols(gnu, "armv7m")
    assert g["main"].addr == 0x08000100 and g["_sdata"].addr == 0x20000000
    i = load_symbols(iar, "armv7m")
    assert i["main"].addr == 0x080061C8 and i["main"].size == 0x36 and i["main"].kind == "func"
    assert i["uwTick"].addr == 0x20001788 and i["uwTick"].kind == "object"
    empty = tmp_path / "none.map"
    empty.write_text("nothing here\n")
    with pytest.raises(FirmwareError, match="none.map: no symbols found"):
        load_symbols(empty, "armv7m")


def test_hex_needs_a_platform(tmp_path):
    p = tmp_path / "x.hex"
    p.write_text(":0400000008000000F4\n:00000001FF\n")
    with pytest.raises(FirmwareError, match="x.hex: a HEX image has no architecture"):
        load_image(p)


def test_segment_may_span_contiguous_srams(plat):
    """Finding 3 of issue 11: one RAM segment from SRAM1 into SRAM2/3 (contiguous on silicon,
    RM0432 section 2.4) loads; one past SRAM3 is still refused."""
    span = Segment(0, 0x2002F000, 0x2002F000, b"", 0x20000, "rw")       # SRAM1 -> SRAM3
    fw = Firmware(path=plat.source_path, arch="armv7m", entry=0, segments=(span,), symbols={},
                  section_sizes={}, sha256="")
    fw.check_fits(plat.memories, plat.name)
    past = Segment(0, 0x2009F000, 0x2009F000, b"", 0x2000, "rw")
    fw.segments = (past,)
    with pytest.raises(FirmwareError, match="outside every memory"):
        fw.check_fits(plat.memories, plat.name)
    gap = (Memory("a", "sram", 0x20000000, 0x1000), Memory("b", "sram", 0x20002000, 0x1000))
    fw.segments = (Segment(0, 0x20000800, 0x20000800, b"", 0x1000, "rw"),)
    with pytest.raises(FirmwareError, match="outside every memory"):
        fw.check_fits(gap, "gap")      # not contiguous: refused


def test_stm32l4r5_information_memory_and_sram2_alias(plat):
    """RM0432 Table 3 / chapter 58: device signature readable, system memory read-only, SRAM2
    seen at 0x10000000 too."""
    import struct

    from unicorn import UcError

    m = Session(_tiny_image(plat), plat).machine
    read = lambda addr, n: int.from_bytes(bytes(m.uc.mem_read(addr, n)), "little")  # noqa: E731
    assert read(0x1FFF75E0, 2) == 0x0800                 # flash size: 2048 KiB
    assert read(0x1FFF7500, 4) & 0x1F == 0x04            # package (recalled value)
    assert len({read(0x1FFF7590 + 4 * i, 4) for i in range(3)}) == 3
    m.uc.mem_write(0x20030010, struct.pack("<I", 0xC0FFEE))
    assert read(0x10000010, 4) == 0xC0FFEE              # the alias is the same storage
    assert plat.sram_bytes == 640 * 1024 and plat.flash_bytes == 2 * 1024 * 1024   # aliases/rom not counted
    with pytest.raises(UcError):
        m.uc.mem_read(0x1FFEF000, 4)                     # reserved below system memory: unmapped


def _tiny_image(plat):
    """A one-segment image: a vector table whose reset handler is `b .`."""
    vectors = struct_pack(0x20001000, 0x08000009) + b"\xfe\xe7\x00\x00"
    seg = Segment(0, 0x08000000, 0x08000000, vectors, len(vectors), "rx")
    return Firmware(path=plat.source_path, arch="armv7m", entry=0x08000008, segments=(seg,), symbols={},
                    section_sizes={}, sha256="")


def struct_pack(*words):
    import struct
    return struct.pack(f"<{len(words)}I", *words)
