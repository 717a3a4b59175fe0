"""The Cortex-M33 on the Arm M-profile engine: which Unicorn model runs it, what that model
implements of ARMv8-M Mainline (checked with tiny programs), and the NUCLEO-U575ZI-Q test
firmwares that exercise the differences (MSPLIM, the U5 clock tree, the ICACHE)."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from unicorn import UC_ARCH_ARM, UC_HOOK_INTR, UC_MODE_THUMB, Uc, UcError
from unicorn import arm_const as A

from tinysim.emu.engine_probes import STACK_LIMITS
from tinysim.pipeline.session import build_session, run_firmware

BOARD = "nucleo-u575zi-q"


@pytest.fixture
def run_thumb(tmp_path):
    """Assemble ARMv8-M Mainline source and run it on a bare Unicorn CPU of the given model:
    (uc, [CPU interrupt numbers raised], error or None)."""
    if shutil.which("arm-none-eabi-as") is None:
        pytest.skip("arm-none-eabi-as not found: install the Debian package binutils-arm-none-eabi")

    def run(src: str, model=A.UC_CPU_ARM_CORTEX_M33):
        s, o, b = tmp_path / "t.s", tmp_path / "t.o", tmp_path / "t.bin"
        s.write_text(".syntax unified\n.thumb\n" + src + "\n")
        subprocess.run(["arm-none-eabi-as", "-mcpu=cortex-m33", "-mfpu=fpv5-sp-d16",
                        "-mfloat-abi=hard", str(s), "-o", str(o)], check=True, capture_output=True)
        subprocess.run(["arm-none-eabi-objcopy", "-O", "binary", "-j", ".text", str(o), str(b)],
                       check=True, capture_output=True)
        code = b.read_bytes()
        uc = Uc(UC_ARCH_ARM, UC_MODE_THUMB)
        uc.ctl_set_cpu_model(model)
        uc.mem_map(0x08000000, 0x10000)
        uc.mem_map(0x20000000, 0x10000)
        uc.mem_write(0x08000000, code)
        uc.reg_write(A.UC_ARM_REG_SP, 0x20008000)
        intrs = []

        def on_intr(uc_, intno, _user):
            intrs.append(intno)
            uc_.emu_stop()
        uc.hook_add(UC_HOOK_INTR, on_intr)
        try:
            uc.emu_start(0x08000001, 0x08000000 + len(code))
            err = None
        except UcError as e:
            err = e
        return uc, intrs, err
    return run


def r(uc, n):
    return uc.reg_read(getattr(A, f"UC_ARM_REG_R{n}"))


def test_the_u575_runs_on_unicorns_cortex_m33_model(fw):
    s = build_session(fw("hello", BOARD), BOARD)
    assert s.machine.cpu_model() == A.UC_CPU_ARM_CORTEX_M33


def test_msplim_is_implemented_and_8_byte_aligned(run_thumb):
    uc, intrs, err = run_thumb("ldr r0, =0x20004003\nmsr msplim, r0\nmrs r1, msplim")
    assert err is None and not intrs and r(uc, 1) == 0x20004000


@pytest.mark.skipif(STACK_LIMITS is None, reason="needs tinysim's patched Unicorn (patch 0014, the MSPLIM/PSPLIM "
                    "registers): scripts/build_unicorn.sh")
def test_the_engine_names_the_stack_limits(run_thumb):
    """Patch 0014: what MSR wrote, read through the registers, and a register write MRS reads."""
    uc, intrs, err = run_thumb("ldr r0, =0x20004003\nmsr msplim, r0\nldr r0, =0x20002000\nmsr psplim, r0\n"
                               "mrs r2, psplim")
    assert err is None and not intrs
    assert (uc.reg_read(STACK_LIMITS[0]), uc.reg_read(STACK_LIMITS[1])) == (0x20004000, 0x20002000)
    uc.reg_write(STACK_LIMITS[1], 0x20003007)                 # bits [2:0] are RES0, as for MSR
    assert uc.reg_read(STACK_LIMITS[1]) == 0x20003000 and r(uc, 2) == 0x20002000


def test_sp_below_msplim_raises_stkof(run_thumb):
    uc, intrs, _ = run_thumb("ldr r0, =0x20004000\nmsr msplim, r0\nldr r1, =0x20004008\n"
                             "mov sp, r1\npush {r0-r3}\nmovs r5, #7")
    assert intrs == [19]            # QEMU's EXCP_STKOF: the engine reports a stack overflow
    assert r(uc, 5) == 0


def test_armv8m_and_fpv5_instructions_run_on_the_m33_only(run_thumb):
    src = ("movs r0, #3\nmovs r1, #5\nsmlad r2, r0, r1, r0\nvmov s0, r0\nvcvt.f32.s32 s0, s0\n"
           "vmaxnm.f32 s1, s0, s0\nvrinta.f32 s2, s1\nvmov r4, s2\ntt r6, r1")
    uc, intrs, err = run_thumb(src)
    assert err is None and not intrs
    assert r(uc, 2) == 3 * 5 + 0 * 0 + 3 and r(uc, 4) == 0x40400000   # 3.0f
    # the Cortex-M4 model rejects the FPv5 VMAXNM (and the ARMv8-M TT)
    _, _, err = run_thumb(src, model=A.UC_CPU_ARM_CORTEX_M4)
    assert err is not None and "INSN_INVALID" in str(err)


def test_stack_overflow_stops_at_msplim(fw):
    """The U575 startup loads MSPLIM with __stack_limit: the recursion faults in the core. With the
    engine's limit registers (patch 0014), as on silicon: the STKOF UsageFault, escalated to
    HardFault (UsageFault is disabled out of reset), whose frame would cross the limit (nothing
    stacked, MSP left there); the handler's own first push then faults where nothing can run."""
    res = run_firmware(fw("stack_overflow", BOARD), BOARD, max_instructions=5_000_000)
    assert res.exit == "fault" and "stack-overflow" in res.message and "MSPLIM" in res.message
    if STACK_LIMITS is not None:
        assert "lockup" in res.message and "in the HardFault handler of a UsageFault STKOF at recurse" in res.message


def test_board_port_reaches_160mhz_range1_with_the_icache(fw):
    s = build_session(fw("tick", BOARD), BOARD)
    res = s.run(max_instructions=2_000_000)
    assert res.exit == "halt", res.message
    point = s.machine.operating_point
    assert (point.clock_hz, point.latency, point.icache, point.voltage_range) == \
        (160e6, 4, True, "range1")
    assert "tick 10\r\n" in res.uart
    assert 99_000 <= int(re.search(r"elapsed_us (\d+)", res.uart).group(1)) <= 101_000


def test_the_icache_is_one_shared_2way_cache_for_the_board_port(fw):
    """RM0456 chapter 8: one ICACHE serves fetches and data reads on C-AHB; the board port
    keeps the reset associativity (2 ways): both counter views, one 256 x 2 storage."""
    s = build_session(fw("tick", BOARD), BOARD)
    assert s.run(max_instructions=2_000_000).exit == "halt"
    assert s.counter.shared_caches and s.machine.operating_point.cache_ways == 2
    live = s.counter._live()
    assert (live.icache.n_sets, live.icache.n_ways) == (live.dcache.n_sets, live.dcache.n_ways) == (256, 2)
    assert live.icache.tags == live.dcache.tags       # the same lines


def test_overclocking_checks_use_the_u5_ranges_and_manual(fw):
    import dataclasses
    s = build_session(fw("hello", BOARD), BOARD)
    assert s.run(max_instructions=1_000_000).exit == "halt"
    point = s.machine.operating_point
    assert s.machine.operating_point_problem(point) is None
    too_fast = s.machine.operating_point_problem(dataclasses.replace(point, voltage_range="range4"))
    assert "exceeds the 25 MHz that range4 allows (PWR_VOSR.VOS; RM0456" in too_fast
    slow_flash = s.machine.operating_point_problem(dataclasses.replace(point, latency=3))
    assert "LATENCY=3" in slow_flash and "RM0456 section 7.3.3" in slow_flash and "at least 4" in slow_flash
    # Range 3 has its own table: 30 MHz needs 1 wait state there, 0 in range 1
    r3 = dataclasses.replace(point, clock_hz=30e6, latency=0, voltage_range="range3")
    assert "at least 1" in s.machine.operating_point_problem(r3)
    assert s.machine.operating_point_problem(dataclasses.replace(r3, voltage_range="range1")) is None
