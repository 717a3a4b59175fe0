"""Thumb IT state under the native counter's memory hooks (issue 10).

Unicorn 2.1.4 syncs the guest state before a memory hook with cpu_restore_state(..., will_exit =
false), which on ARM also stores the IT state of the accessing instruction in env->condexec_bits;
the block then runs on, and after an IT block that ends inside it the stale state makes the next
block run as if it were inside an IT block (unicorn #2309). On such an engine the counter's hooks
put the IT state back (counter_hooks.c, it_resync); an engine with third_party/unicorn/0008-*.patch
keeps it itself, and a probe (engine_probes.py) leaves the resync out. Twelve loops with loads/stores in IT blocks (ITT, ITE, ITTTT,
LDRD/STRD, LDM/STM, a branch or POP {pc} closing the block, a literal-pool load from flash, two
IT blocks in a row) run in every hook configuration the counter has and must match a model.

Machine code: variants.s of the IT-state study, assembled with arm-none-eabi-as -mthumb
-mcpu=cortex-m4 -mimplicit-it=never (text at 0x08000000, the 8-byte table at +0x800), so this
test needs no cross toolchain.
"""

from __future__ import annotations

import os

import pytest
from capstone import CS_ARCH_ARM, CS_MODE_MCLASS, CS_MODE_THUMB, Cs
from unicorn import UC_ARCH_ARM, UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE, UC_MODE_THUMB, Uc, UcError
from unicorn.arm_const import (UC_ARM_REG_PC, UC_ARM_REG_R1, UC_ARM_REG_R2, UC_ARM_REG_R3,
                               UC_ARM_REG_R4, UC_ARM_REG_R5, UC_ARM_REG_R6, UC_ARM_REG_R7,
                               UC_ARM_REG_R8, UC_ARM_REG_R9, UC_ARM_REG_R10, UC_ARM_REG_R11,
                               UC_ARM_REG_SP, UC_ARM_REG_XPSR, UC_CPU_ARM_CORTEX_M4)

from tinysim.emu.counter import CacheGeometry, Counter
from tinysim.emu.counter.native import unicorn_lib
from tinysim.emu.engine_info import patch_level, unicorn_build
from tinysim.emu.engine_probes import engine_keeps_it_state

CODE = bytes.fromhex(
    "8d4200d800be0b782c2b1cbf83ea0a030b704944f4e700bf8d4200d800be0b782c2b1cbf4c7836194944f5e78d4200d8"
    "00be0b782c2b14bf013602f8013b4944f4e700bf8d4200d800be0b782c2b14bf02f8013b01374944f4e700bf8d4200d8"
    "00be0b782c2b1fbf4c78361902f8014b01374944f2e700bf8d4200d800be0b782c2b1cbfd8e90067e2e80267b3444944"
    "f2e700bf8d4200d800be0b782c2b1cbf98e8c000c0c2bb444944f3e78d4200d800be0b782c2b1cbf02f8013b01e007f1"
    "01074944f2e700bf8d4200d800be0b7800f003f88d424944f6e710b52c2b1cbf02f8013b10bd07f1010710bd8d4200d8"
    "00be0b782c2b1cbf014c36194944f5e7040302018d4200d800be0b782c2b15bf4c788c7802f8014b02f8034f26444944"
    "f0e700bf8d4200d800be0b782c2b1cbf4c782c2c04bf02f8013b01374944f1e700000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000"
    "00000000000000000000000000000000000000000000000000000000000000001111111122222222"
)
SYMS = {'table': 2048, 'v_bne': 172, 'v_ite_else': 44, 'v_ite_then': 68, 'v_itfirst': 260, 'v_itttt': 92, 'v_ldm': 148, 'v_ldrd': 120, 'v_ldrne': 24, 'v_lit': 236, 'v_main': 0, 'v_nested': 292, 'v_popne': 200}
FLASH, FLASH_SIZE = 0x08000000, 0x10000
RAM, RAM_SIZE = 0x20000000, 0x10000
BUF, OUT, STACK_TOP = RAM + 0x100, RAM + 0x1000, RAM + 0x8000
COMMAS = (21, 63, 105, 154)
TABLE = (0x11111111, 0x22222222)
LIT = 0x01020304
M32 = 0xFFFFFFFF
IT_MASK = 0x0600FC00  # xPSR IT[1:0] (bits 26:25) and IT[7:2] (bits 15:10)
VARIANTS = sorted(k for k in SYMS if k.startswith("v_"))
REGS = dict(r1=UC_ARM_REG_R1, r2=UC_ARM_REG_R2, r3=UC_ARM_REG_R3, r4=UC_ARM_REG_R4,
            r6=UC_ARM_REG_R6, r7=UC_ARM_REG_R7, r11=UC_ARM_REG_R11)


def initial_buf():
    b = bytearray(b"5" * 200)
    for o in COMMAS:
        b[o] = ord(",")
    return b


def model(name):
    buf = initial_buf()
    out = bytearray(0x400)
    r = dict(r1=BUF, r2=OUT, r3=0, r4=0, r6=0, r7=0, r11=0)
    ps = range(0, 200, 7)
    for p in ps:
        c = buf[p]
        r["r3"] = c
        ne = c != 44
        if name == "v_main":
            if ne:
                buf[p] = c ^ 0
        elif name == "v_ldrne":
            if ne:
                r["r4"] = buf[p + 1]; r["r6"] = (r["r6"] + r["r4"]) & M32
        elif name == "v_ite_else":
            if ne:
                r["r6"] += 1
            else:
                out[r["r2"] - OUT] = c; r["r2"] += 1
        elif name == "v_ite_then":
            if ne:
                out[r["r2"] - OUT] = c; r["r2"] += 1
            else:
                r["r7"] += 1
        elif name == "v_itttt":
            if ne:
                r["r4"] = buf[p + 1]; r["r6"] += r["r4"]
                out[r["r2"] - OUT] = r["r4"]; r["r2"] += 1; r["r7"] += 1
        elif name in ("v_ldrd", "v_ldm"):
            if ne:
                r["r6"], r["r7"] = TABLE
                out[r["r2"] - OUT:r["r2"] - OUT + 8] = (TABLE[0].to_bytes(4, "little") +
                                                        TABLE[1].to_bytes(4, "little"))
                r["r2"] += 8
            r["r11"] = (r["r11"] + (r["r6"] if name == "v_ldrd" else r["r7"])) & M32
        elif name in ("v_bne", "v_popne"):
            if ne:
                out[r["r2"] - OUT] = c; r["r2"] += 1
            else:
                r["r7"] += 1
        elif name == "v_lit":
            if ne:
                r["r4"] = LIT; r["r6"] = (r["r6"] + LIT) & M32
        elif name == "v_itfirst":
            if ne:
                r["r4"] = buf[p + 1]; out[r["r2"] - OUT] = r["r4"]; r["r2"] += 1
            else:
                r["r4"] = buf[p + 2]; r["r2"] += 3; out[r["r2"] - OUT] = r["r4"]
            r["r6"] = (r["r6"] + r["r4"]) & M32
        elif name == "v_nested":
            eq = not ne
            if ne:
                r["r4"] = buf[p + 1]; eq = r["r4"] == 44
            if eq:
                out[r["r2"] - OUT] = c; r["r2"] += 1; r["r7"] += 1
        else:
            raise KeyError(name)
        r["r1"] += 7
    return r, bytes(out), bytes(buf)


def engine():
    uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
    uc.ctl_set_cpu_model(UC_CPU_ARM_CORTEX_M4)
    uc.mem_map(FLASH, FLASH_SIZE)
    uc.mem_map(RAM, RAM_SIZE)
    uc.mem_write(FLASH, CODE)
    uc.mem_write(BUF, bytes(initial_buf()))
    for reg, v in ((UC_ARM_REG_R1, BUF), (UC_ARM_REG_R5, BUF + 200), (UC_ARM_REG_R9, 7),
                   (UC_ARM_REG_R10, 0), (UC_ARM_REG_R2, OUT), (UC_ARM_REG_R8, FLASH + SYMS["table"]),
                   (UC_ARM_REG_SP, STACK_TOP)):
        uc.reg_write(reg, v)
    return uc


def describer(uc):
    cs = Cs(CS_ARCH_ARM, CS_MODE_THUMB | CS_MODE_MCLASS)

    def describe(addr, size):
        n = sum(1 for _ in cs.disasm_lite(bytes(uc.mem_read(addr, size)), addr))
        return n, n, 0
    return describe


DCACHE = CacheGeometry(line_bytes=16, lines=8, miss_penalty=3)
MODES = {
    # the counter's hook configurations (counter.py _install_hooks)
    "count_data": dict(regions=[("sram", RAM, RAM + RAM_SIZE)], count_data=True),
    "exact_dcache": dict(flash_ranges=[(FLASH, FLASH + FLASH_SIZE)], dcache=DCACHE, count_data=False),
    # a stack guard just around the start of `out`'s page (the loops write from OUT + SHIFT on):
    # 'protect' makes the whole page read-only and writes the loops' stores through from the
    # UC_HOOK_MEM_WRITE_PROT hook, 'hook' watches the guard range with a UC_HOOK_MEM_WRITE
    "guard_hook": dict(stack_guard=(OUT - 0x10, OUT + 0x10), stack_guard_mode="hook", count_data=False),
    "guard_protect": dict(stack_guard=(OUT - 0x10, OUT + 0x10), stack_guard_mode="protect",
                          count_data=False),
}
SHIFT = 0x20


def run_variant(variant, mode):
    uc = engine()
    uc.reg_write(UC_ARM_REG_R2, OUT + SHIFT)
    counter = Counter(uc, describer(uc), **MODES[mode])
    start = FLASH + SYMS[variant]
    uc.emu_start(start | 1, start + 4)  # the loop ends on the bkpt at start + 4
    return uc, counter


@pytest.mark.parametrize("mode", sorted(MODES))
@pytest.mark.parametrize("variant", VARIANTS)
def test_it_blocks_under_counter_hooks(variant, mode):
    uc, counter = run_variant(variant, mode)
    exp_r, exp_out, exp_buf = model(variant)  # the model writes from OUT
    exp_r["r2"] += SHIFT
    got = {k: uc.reg_read(r) for k, r in REGS.items()}
    assert counter.stop_reason is None
    assert uc.reg_read(UC_ARM_REG_PC) == FLASH + SYMS[variant] + 4
    assert {k: hex(v) for k, v in got.items()} == {k: hex(v) for k, v in exp_r.items()}
    assert (got["r1"] - BUF) // 7 == 29
    assert bytes(uc.mem_read(OUT + SHIFT, 0x400 - SHIFT)) == exp_out[:0x400 - SHIFT]
    assert bytes(uc.mem_read(BUF, 200)) == exp_buf
    assert uc.reg_read(UC_ARM_REG_XPSR) & IT_MASK == 0


def plain_hook_passes(hook_type):
    """Passes of the issue-10 loop (v_main, a store in its IT block) or of v_ldrne (a load) under a
    plain Python memory hook: no resync. 29 when the engine keeps the IT state; when it leaks, 4
    (v_main), or None (v_ldrne: the leaked state makes the `bhi` at the loop head conditional
    inside an IT block, UNPREDICTABLE, and Unicorn raises an invalid instruction)."""
    uc = engine()
    uc.hook_add(hook_type, lambda *a: None)
    start = FLASH + SYMS["v_main" if hook_type == UC_HOOK_MEM_WRITE else "v_ldrne"]
    try:
        uc.emu_start(start | 1, start + 4)
    except UcError:
        return None
    return (uc.reg_read(UC_ARM_REG_R1) - BUF) // 7


@pytest.mark.parametrize("hook_type", [UC_HOOK_MEM_READ, UC_HOOK_MEM_WRITE], ids=["read", "write"])
def test_the_probe_answers_for_the_engine_and_sets_the_resync(hook_type):
    """engine_keeps_it_state() (a probe run once per process) must match what the engine does
    under a plain hook: the stock 2.1.4 wheel leaks (the loop breaks, the counter registers its resync),
    an engine with third_party/unicorn/0008-*.patch keeps the state (29 passes, no resync: no
    uc_reg_write per hooked access)."""
    keeps = engine_keeps_it_state()
    assert plain_hook_passes(hook_type) in ((29,) if keeps else (4, None))
    uc = engine()
    counter = Counter(uc, describer(uc), **MODES["exact_dcache"])
    assert counter.it_resync == (not keeps)
    # patch 0009: the D-cache read hook goes unsynced only where no resync writes EPSR from it
    assert counter.read_hooks_unsynced == (keeps and hasattr(unicorn_lib(), "uc_hook_mem_no_sync"))
    if patch_level() >= 4:
        assert keeps, f"{unicorn_build()} carries patch 0008 but the probe found the IT state leaking"
    elif patch_level() == 0 and not os.environ.get("LIBUNICORN_PATH"):
        assert not keeps, "the stock 2.1.4 wheel was found keeping the IT state: unicorn #2309 fixed?"


# ---- whole firmware: tests/itloop (the same loops, built for nucleo-l4r5zi) ---------------------

ITLOOP = (__import__("pathlib").Path(__file__).resolve().parents[2] / "firmware_images" / "tests"
          / "nucleo-l4r5zi" / "itloop.elf")


def _session(mode):
    from tinysim.pipeline.session import Session
    overrides = {"nodata": {"dcache": None},             # no data hook (only the page-protect guard)
                 "guard_hook": {"stack_guard_mode": "hook"}}.get(mode)
    return Session(ITLOOP, "nucleo-l4r5zi", count_data=(mode == "count_data"), counter_overrides=overrides)


@pytest.mark.skipif(not ITLOOP.exists(), reason="itloop.elf not built (tinysim build --prebuilt-tests)")
def test_itloop_firmware_same_in_every_hook_mode():
    runs = {}
    for mode in ("nodata", "default", "count_data", "guard_hook"):
        r = _session(mode).run(max_instructions=10_000_000)
        runs[mode] = (r.exit, r.instructions, r.uart)
    assert len(set(runs.values())) == 1, runs
    exit_, _, uart = runs["nodata"]
    assert exit_ == "halt"
    lines = [l for l in uart.splitlines() if " passes " in l]
    assert len(lines) == 12 and all(" passes 29 " in l for l in lines), uart
