"""The native scan that picks a block's instructions to check (native/fault_checks.c,
ts_check_scan) must miss none: over the code of every Cortex-M image in firmware_images/ and of
the UsageFault test firmware, cut into blocks at every instruction boundary (so blocks also start
inside IT blocks), `UsageChecks._decode` (scan, then capstone on the candidates) gives exactly the
specs that capstone's decode of the whole block gives, for each combination of CCR trap bits."""

from __future__ import annotations

from pathlib import Path

import pytest
from elftools.elf.elffile import ELFFile
from unicorn import UC_ARCH_ARM, UC_MODE_THUMB, Uc

from tinysim.emu.usage_checks import UsageChecks, decode

ROOT = Path(__file__).resolve().parents[2]
GROUPS = [{"always"}, {"always", "div0_trp"}, {"always", "unalign_trp"},
          {"always", "unalign_trp", "div0_trp"}]
BLOCK_INSNS = 12  # instructions per cut block (Unicorn's blocks of these images are shorter)


def _text(elf: Path):
    with elf.open("rb") as f:
        e = ELFFile(f)
        if e["e_machine"] != "EM_ARM":
            return None
        sec = e.get_section_by_name(".text")
        return (sec["sh_addr"], sec.data()) if sec is not None and sec["sh_size"] else None


def _images():
    return sorted(p for p in (ROOT / "firmware_images").glob("*/*.elf") if _text(p) is not None)


def _blocks(checks: UsageChecks, base: int, code: bytes, stride: int):
    """(addr, size) of blocks of BLOCK_INSNS instructions starting at every `stride`-th
    instruction boundary (capstone's walk)."""
    starts = [a for a, _s, _m, _o in checks.md.disasm_lite(code, base)]
    for i in range(0, len(starts), stride):
        end = starts[i + BLOCK_INSNS] if i + BLOCK_INSNS < len(starts) else base + len(code)
        yield starts[i], end - starts[i]


def _compare(base: int, code: bytes, stride: int) -> int:
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    lo, hi = base & ~0xFFF, (base + len(code) + 0xFFF) & ~0xFFF
    uc.mem_map(lo, hi - lo)
    uc.mem_write(base, code)
    checks = UsageChecks(uc, lambda stop: None, engine_raises=False)
    n = 0
    for addr, size in _blocks(checks, base, code, stride):
        block = code[addr - base:addr - base + size]
        whole = decode(block, addr, checks.md)
        for groups in GROUPS:
            checks.set_groups("unalign_trp" in groups, "div0_trp" in groups)
            got = sorted(checks._decode(addr, size), key=lambda s: s.addr)
            want = sorted((s for s in whole if s.group in groups), key=lambda s: s.addr)
            assert got == want, f"block {addr:#x}+{size} groups {sorted(groups)}"
            n += len(want)
    return n


@pytest.mark.parametrize("elf", _images(), ids=lambda p: f"{p.parent.name}/{p.name}")
def test_scan_finds_every_checked_instruction_of_an_image(elf):
    base, code = _text(elf)
    # Every 3rd instruction boundary keeps the run short; blocks overlap (12 instructions each).
    assert _compare(base, code, stride=3) > 0


def test_scan_on_the_usagefault_firmware(tmp_path):
    from test_usage_faults import build_fp  # tests/emu is on sys.path (rootdir conftest)
    base, code = _text(build_fp("usagefault", tmp_path))
    assert _compare(base, code, stride=1) >= 10  # the LDRD/STRD/LDM/VLDR/UDIV/... of the test


def test_scan_sees_the_it_condition_and_a_block_entered_mid_it():
    # itt eq; ldrdeq r0, r1, [r2]; udiveq r3, r4, r5; ldrd r6, r7, [r8]
    code = bytes.fromhex("04bf" "d2e90001" "b4fbf5f3" "d8e90067")
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.mem_map(0x1000, 0x1000)
    uc.mem_write(0x1000, code)
    checks = UsageChecks(uc, lambda stop: None, engine_raises=False)
    checks.set_groups(False, True)
    got = {s.addr: (s.group, s.cond) for s in checks._decode(0x1000, len(code))}
    assert got == {0x1002: ("always", 0), 0x1006: ("div0_trp", 0), 0x100A: ("always", 14)}
    mid = {s.addr: s.cond for s in checks._decode(0x1006, len(code) - 6)}  # entered after the LDRD
    assert mid == {0x1006: 14, 0x100A: 14}  # no IT in view: the engine itself skips a failed one
    native = UsageChecks(uc, lambda stop: None, engine_raises=True)  # an engine raising "always"
    native.set_groups(False, True)
    assert [s.addr for s in native._decode(0x1000, len(code))] == [0x1006]  # only the UDIV
