"""tinysim's exception models against QEMU's, whole program. ARMv7-M: firmware/semihost/exceptions.c
(SVC, PendSV, NMI, nesting, tail-chaining, priority order and grouping, BASEPRI, PRIMASK, STIR,
VTOR in RAM, a thread on the process stack, lazy FP stacking, the exclusive monitor, UsageFaults
and their escalation) prints what each scenario saw, faults.c takes every fault the core raises
by itself through the firmware's handlers, and rtos.c switches two FP-using tasks on
the process stack with PendSV, and compute.c is ordinary -Os code (IT blocks, SMLAD, 64-bit
arithmetic, FP); on nucleo-l4r5zi and on QEMU's mps2-an386 (both Cortex-M4F) the
output must be the same, line for line; and the same programs built for the Cortex-M7 on
nucleo-h7a3zi-q against QEMU's mps2-an500 and for the Cortex-M33F on nucleo-u575zi-q against
mps2-an505. RISC-V: machine-mode traps
(firmware/semihost/rv_traps.c: ECALL; rv_faults.c: the exceptions the core raises) on
gd32vf103-longan and QEMU's virt."""

from __future__ import annotations

import pytest

from tinysim.emu.engine_probes import EXCLUSIVE_MONITOR, STACK_LIMITS

from test_semihosting import build_arm, build_riscv, run_qemu, run_tinysim  # noqa: E402 - tests/emu is on sys.path

pytestmark = pytest.mark.toolchain

# Exception entry and return clear the exclusive monitor only through the patched engine's
# monitor register (third_party/unicorn/0011-*.patch); on the stock wheel this STREX succeeds.
STREX_LINE = "strex after an exception:"


# (board, QEMU machine, -mcpu, where the board's flash and SRAM are, where QEMU's are)
CORES = {"cortex-m4": ("nucleo-l4r5zi", "mps2-an386", (0x08000000, 0x20000000), (0, 0x20000000)),
         "cortex-m7": ("nucleo-h7a3zi-q", "mps2-an500", (0x08000000, 0x20000000), (0, 0x20000000)),
         "cortex-m33": ("nucleo-u575zi-q", "mps2-an505", (0x08000000, 0x20000000), (0x10000000, 0x38000000))}


# compute.c is built -Os, as GCC then packs conditions into IT blocks
OPTIMIZE = {"compute.c": "-Os"}
# faults.c's BUS_ERROR_ADDR: an address none of the three boards' platform files and none of the
# three QEMU machines maps (checked: every machine raised the bus faults there). Its ARMv8-M
# stack limit scenarios need the engine's MSPLIM/PSPLIM registers (third_party/unicorn/0014-*;
# without them tinysim stops at the STKOF with its report): both builds skip them then.
NOTHING_THERE = {"BUS_ERROR_ADDR": 0x70000000, "STKOF_SCENARIOS": int(STACK_LIMITS is not None)}


def run_both(tmp_path, program: str, cpu: str):
    board, machine, here, there = CORES[cpu]
    opt = OPTIMIZE.get(program, "-O1")
    _, r = run_tinysim(build_arm(tmp_path, here[0], program, True, cpu, here[1], opt, NOTHING_THERE), board)
    assert (r.exit, r.exit_status) == ("exit", 0), r.message
    qemu = run_qemu("qemu-system-arm", ["-M", machine],
                    build_arm(tmp_path, there[0], program, True, cpu, there[1], opt, NOTHING_THERE))
    assert qemu.returncode == 0
    return r.uart, qemu.stdout.decode()


def run_both_riscv(tmp_path, program: str, symbols: dict = None):
    """`program` on gd32vf103-longan and on QEMU's RV32 virt, each to a clean exit: tinysim's
    UART text and QEMU's."""
    _, r = run_tinysim(build_riscv(tmp_path, 0x08000000, 0x20000000, program, symbols), "gd32vf103-longan")
    assert (r.exit, r.exit_status) == ("exit", 0), r.message
    qemu = run_qemu("qemu-system-riscv32", ["-M", "virt", "-bios", "none"],
                    build_riscv(tmp_path, 0x80000000, 0x80100000, program, symbols))
    assert qemu.returncode == 0
    return r.uart, qemu.stdout.decode()


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_exception_model_matches_qemu(tmp_path, cpu):
    got, expected = (text.splitlines() for text in run_both(tmp_path, "exceptions.c", cpu))
    assert len(expected) >= 30 and expected[0].startswith("svc:")   # the program ran to its end
    if EXCLUSIVE_MONITOR is None:
        expected = [ln for ln in expected if not ln.startswith(STREX_LINE)]
        got = [ln for ln in got if not ln.startswith(STREX_LINE)]
    assert got == expected


@pytest.mark.skipif(EXCLUSIVE_MONITOR is None, reason="needs tinysim's patched Unicorn (patch 0011, the "
                    "exclusive monitor register): scripts/build_unicorn.sh")
def test_strex_fails_after_an_exception(tmp_path):
    _, r = run_tinysim(build_arm(tmp_path, 0x08000000, "exceptions.c", hard_float=True), "nucleo-l4r5zi")
    assert f"{STREX_LINE} failed=1 word=5" in r.uart


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_context_switching_kernel_matches_qemu(tmp_path, cpu):
    """firmware/semihost/rtos.c: two tasks on the process stack, switched by PendSV as
    FreeRTOS's Cortex-M4F port does (r4-r11, s16-s31 when EXC_RETURN says FP, PSP swap)."""
    got, expected = run_both(tmp_path, "rtos.c", cpu)
    assert got == expected
    assert "task 1: acc=" in got and "keep=1000" in got   # s16 survived each switch


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_compiled_code_matches_qemu(tmp_path, cpu):
    """firmware/semihost/compute.c: ordinary -Os code (IT blocks, SMLAD, 64-bit, division,
    bit operations, FP, unaligned copies), one checksum a line."""
    got, expected = run_both(tmp_path, "compute.c", cpu)
    assert got == expected
    assert got.startswith("state: passes=1073")


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_faults_match_qemu(tmp_path, cpu):
    """firmware/semihost/faults.c: the faults the core raises by itself, each through the
    firmware's handler, which resumes: UNDEFINSTR, INVSTATE (stacked T = 0), IBUSERR, IACCVIOL
    from the Device and System regions, PRECISERR with BFAR (LDR, LDRD), NOCP with CPACR
    cleared, an SVC in the SVC handler (HardFault, FORCED), and the same escalated to HardFault
    with the handlers disabled; on the Cortex-M33 a PUSH below PSPLIM (STKOF, and the same
    escalated). The stores to nothing differ on purpose (the file says why): imprecise under
    tinysim as on silicon, precise under QEMU."""
    got, expected = (text.splitlines() for text in run_both(tmp_path, "faults.c", cpu))
    stores = [i for i, ln in enumerate(expected) if ln.startswith("store unmapped")]
    assert len(expected) >= 15 and stores, expected          # the program ran to its end
    assert got[:stores[0]] == expected[:stores[0]]
    assert got[stores[0]].startswith("store unmapped: exc=5 cfsr=00000400 hfsr=00000000 addr=- pc=+2")
    assert expected[stores[0]].startswith("store unmapped: exc=5 cfsr=00008200")
    assert got[stores[0] + 1:] == expected[stores[0] + 1:]    # DISDEFWBUF on the M4: precise
    assert len(got) == len(expected) == stores[0] + 1 + (cpu == "cortex-m4")
    if cpu == "cortex-m33" and STACK_LIMITS is not None:
        assert any(ln.startswith("stkof: exc=6 cfsr=00100000 hfsr=00000000") for ln in got)
        assert any(ln.startswith("stkof forced: exc=3 cfsr=00100000 hfsr=40000000") for ln in got)


@pytest.mark.skipif(STACK_LIMITS is None, reason="needs tinysim's patched Unicorn (patch 0014, the MSPLIM/PSPLIM "
                    "registers): scripts/build_unicorn.sh")
def test_stack_limit_at_exception_entry_matches_qemu(tmp_path):
    """firmware/semihost/stack_limit.c on the Cortex-M33: PendSV pended by a thread 16 bytes above
    PSPLIM, whose frame would cross it: nothing stacked, PSP at the limit, a derived STKOF
    UsageFault entered before PendSV at equal priority, after it when of lower priority."""
    got, expected = run_both(tmp_path, "stack_limit.c", "cortex-m33")
    assert got == expected
    assert got.splitlines() == [
        "equal priorities: first=6 then=14 n=2 cfsr=00100000 psp_at_limit=1 pendsv_pending=1 resumed=1",
        "usagefault lower: first=14 then=6 n=2 cfsr=00100000 psp_at_limit=1 pendsv_pending=0 resumed=1"]


def test_riscv_machine_mode_traps_match_qemu(tmp_path):
    """firmware/semihost/rv_traps.c: ECALL into the firmware's mtvec handler (an RTOS's system
    call), mcause, mepc, mstatus MIE/MPIE/MPP, MRET; gd32vf103-longan against QEMU's virt."""
    got, expected = run_both_riscv(tmp_path, "rv_traps.c")
    assert got == expected
    assert got.startswith("ecall: a0=42 mcause=11 mepc=the_ecall+0")


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_unprivileged_thread_matches_qemu(tmp_path, cpu):
    """firmware/semihost/privilege.c: an unprivileged thread (CONTROL.nPRIV) as an RTOS runs
    its tasks: PRIMASK, BASEPRI and CONTROL writes ignored, the System Control Space refusing
    loads and stores (precise BusFault, BFAR, nothing written), STIR with and without
    CCR.USERSETMPEND, SVC back to privileged, exceptions from and back to an unprivileged
    thread on the process stack (Unicorn itself ignores register writes there: fault_entry.py,
    native/exceptions.c)."""
    got, expected = run_both(tmp_path, "privilege.c", cpu)
    assert got == expected
    assert "nvic read: exc=5 cfsr=00008200 bfar=iser pc=+0 value kept=1" in got
    assert "psp thread: control=3 in svc=1 exc_return=fffffffd sp on psp=1" in got


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_core_and_fpu_identification_matches_qemu(tmp_path, cpu):
    """firmware/semihost/fpu_id.c: CPUID's part number and MVFR0-2 (the Cortex-M7's double
    precision, FPv5's MVFR2) read as QEMU's model of the same core reads them."""
    got, expected = run_both(tmp_path, "fpu_id.c", cpu)
    assert got == expected
    assert got.startswith("partno=" + {"cortex-m4": "c24", "cortex-m7": "c27", "cortex-m33": "d21"}[cpu])


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_fp_context_follows_aspen_as_in_qemu(tmp_path, cpu):
    """firmware/semihost/fpstate.c: the extended frame with FPCCR.ASPEN set, the basic one with
    it clear, although Unicorn (keeping its own ASPEN) sets CONTROL.FPCA either way."""
    got, expected = run_both(tmp_path, "fpstate.c", cpu)
    assert got == expected
    assert "svc 1: exc_return=fffffff9 frame=32 bytes" in got and "svc 2: exc_return=ffffffe9" in got


def test_riscv_faults_trap_as_in_qemu(tmp_path):
    """firmware/semihost/rv_faults.c: an illegal instruction and a fetch, load and store where
    nothing is (0x09000000: reserved on the GD32VF103, unmapped on QEMU's virt) each trap to the
    firmware's mtvec handler with the mcause, mepc and mtval QEMU gives."""
    got, expected = run_both_riscv(tmp_path, "rv_faults.c", {"BUS_ERROR_ADDR": 0x09000000})
    assert got == expected
    assert got.splitlines()[1] == "load: mcause=5 mepc=+0 mtval=bus_error_addr n=1"


@pytest.mark.parametrize("program", ["exceptions.c", "rtos.c", "compute.c", "faults.c", "privilege.c", "fpstate.c",
                                     "libc.c", "fp_irq.c", "crossing.c", "mpu.c", "mpu_rtos.c"])
def test_same_run_in_every_hook_mode(tmp_path, program):
    """The programs above make every exception path run in each counting mode the tools use:
    the exact D-cache's memory hooks (the default, as these programs never time themselves),
    none, data-region counting and the hooked stack guard. Output and instruction count agree."""
    from tinysim.pipeline.session import Session
    elf = build_arm(tmp_path, 0x08000000, program, hard_float=True, optimize=OPTIMIZE.get(program, "-O1"),
                    symbols=NOTHING_THERE)
    modes = {"default": {}, "nodata": {"counter_overrides": {"dcache": None}},
             "count_data": {"count_data": True},
             "guard_hook": {"counter_overrides": {"stack_guard_mode": "hook"}}}
    runs = {}
    for mode, kwargs in modes.items():
        r = Session(elf, "nucleo-l4r5zi", **kwargs).run(max_instructions=5_000_000)
        runs[mode] = (r.exit, r.exit_status, r.instructions, r.uart)
    assert len(set(runs.values())) == 1, {m: v[:3] for m, v in runs.items()}
    assert runs["default"][:2] == ("exit", 0)


@pytest.mark.parametrize("program", ["exceptions.c", "rtos.c", "compute.c", "faults.c", "privilege.c", "fpstate.c",
                                     "shared_code.c", "libc.c", "fp_irq.c", "crossing.c", "mpu.c", "mpu_rtos.c"])
def test_inline_counting_changes_no_count(tmp_path, program):
    """The same programs with the engine's inline fast path (blocks count themselves, the I-cache
    order they leave restored afterwards: native fetch_settle) and with the plain block hook:
    the same output, instructions and cycles, exceptions taken in the middle of inline runs."""
    from tinysim.emu.counter.native import FAST_ENTRY, unicorn_lib
    from tinysim.pipeline.session import Session
    if not hasattr(unicorn_lib(), FAST_ENTRY):
        pytest.skip(f"the engine has no {FAST_ENTRY} (stock wheel; scripts/build_unicorn.sh builds patch 0006)")
    elf = build_arm(tmp_path, 0x08000000, program, hard_float=True, optimize=OPTIMIZE.get(program, "-O1"),
                    symbols=NOTHING_THERE)
    runs = {}
    for fast in (True, False):
        s = Session(elf, "nucleo-l4r5zi", counter_overrides={"inline_fast": fast})
        r = s.run(max_instructions=5_000_000)
        runs[fast] = (r.exit, r.exit_status, r.instructions, r.cycles, r.uart)
        assert s.counter.settle_errors == 0
        if fast:
            assert s.counter.block_hook_calls < s.counter.blocks_executed
    assert runs[True] == runs[False]
    assert runs[True][:2] == ("exit", 0)


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_newlib_application_code_matches_qemu(tmp_path, cpu):
    """firmware/semihost/libc.c: formatted float output, parsing, qsort, the heap, soft-float
    double and FPU single-precision libm, 64-bit division, setjmp/longjmp, C11 atomics and bit
    builtins print what QEMU's model of the same core prints."""
    got, expected = run_both(tmp_path, "libc.c", cpu)
    assert got == expected
    assert expected.count("\n") == 10 and "longjmp: 42" in expected


def test_picolibc_application_code_matches_qemu_on_rv32(tmp_path):
    """libc.c built for RV32IMC with picolibc (the GD32VF103 board; QEMU's virt): the same
    printout, which is also the Arm builds' (the same libm results to the last bit)."""
    got, expected = run_both_riscv(tmp_path, "libc.c")
    assert got == expected
    assert "libmf: 2.3177646e+02 bits=4367c6c6" in got and "longjmp: 42" in got


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_accesses_across_a_page_boundary_match_qemu(tmp_path, cpu):
    """firmware/semihost/crossing.c: unaligned single loads and stores, LDRD/STRD, LDM/STM and
    D-register VLDR/VSTR/VLDM/VSTM/VPUSH/VPOP next to and across a 4 KiB page boundary of RAM,
    the loads across one of flash too, and code copied to RAM across one, run, patched and run
    again: what QEMU prints."""
    got, expected = run_both(tmp_path, "crossing.c", cpu)
    assert got == expected
    assert got.endswith(" ram=73076\n")  # (5 * 3 + 7) * 3 + 7 = 73, then with #8 patched in: 76


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_interrupts_in_floating_point_code_keep_its_context(tmp_path, cpu):
    """firmware/semihost/fp_irq.c: a libm and FPU checksum computed quietly, then again under a
    SysTick every 2,000 cycles whose handler uses the FPU (S0-S15, S16/S31, FPSCR rounding and
    flags): the extended frame and its return keep the interrupted context whole, as in QEMU."""
    got, expected = run_both(tmp_path, "fp_irq.c", cpu)
    assert got.splitlines()[0] == expected.splitlines()[0]
    assert got.splitlines() == [expected.splitlines()[0], "ticks>10=1"]
    assert "same=1" in got


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_mpu_matches_qemu(tmp_path, cpu):
    """mpu.c: the MPU's refusals (MemManage DACCVIOL / IACCVIOL, MMFAR, escalation), the
    background region, unprivileged code and FAULTMASK; PMSAv7's subregions and region
    priority, PMSAv8's overlaps and Device memory; as QEMU's MPU models take them."""
    got, expected = (text.splitlines() for text in run_both(tmp_path, "mpu.c", cpu))
    assert len(expected) == (21 if cpu == "cortex-m33" else 20) and expected[0] == "ctrl=5"   # ran to its end
    assert got == expected


@pytest.mark.parametrize("cpu", sorted(CORES))
def test_mpu_rtos_matches_qemu(tmp_path, cpu):
    """mpu_rtos.c: two unprivileged tasks, each mapped to its own stack and data by the PendSV
    switch (the MPU reprogrammed in a handler, CONTROL.nPRIV per task), faulting on each
    other's data, as QEMU runs them."""
    got, expected = (text.splitlines() for text in run_both(tmp_path, "mpu_rtos.c", cpu))
    assert expected[2] == "faults=4" and len(expected) == 7, expected   # ran to its end
    assert got == expected
