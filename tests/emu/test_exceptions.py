"""ARMv7-M exception model, driven by small assembly images (tests/emu/firmware/*.S)."""

from __future__ import annotations

import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from unicorn import UC_PROT_EXEC, UC_PROT_WRITE
from unicorn.arm_const import UC_ARM_REG_PC

from tinysim.pipeline.session import build_session

HERE = Path(__file__).parent / "firmware"
BOARD = "nucleo-l4r5zi"
pytestmark = pytest.mark.toolchain


def build(name: str, out: Path) -> Path:
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found (install the Debian package gcc-arm-none-eabi)")
    elf = out / f"{name}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-nostdlib", "-T",
                    str(HERE / "minimal.ld"), "-o", str(elf), str(HERE / f"{name}.S")], check=True)
    return elf


def word(session, symbol: str, index: int = 0) -> int:
    addr = session.firmware.symbol(symbol) + 4 * index
    return struct.unpack("<I", session.machine.uc.mem_read(addr, 4))[0]


def logged(session) -> bytes:
    """The byte trail the image's handlers appended to `log` (log_add.inc)."""
    return bytes(session.machine.uc.mem_read(session.firmware.symbol("log"), word(session, "log_n")))


def engine_starts(session) -> list:
    """The counter's cycles at every emu_start of the session's machine from now on (how
    often the run loop let the engine go)."""
    uc, starts = session.machine.uc, []
    real_start = uc.emu_start

    def counting_start(*args, **kwargs):
        starts.append(session.counter.cycles)
        return real_start(*args, **kwargs)

    uc.emu_start = counting_start
    return starts


def test_exception_model(tmp_path):
    s = build_session(build("exceptions", tmp_path), BOARD)
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message
    log = logged(s)
    # S: SVCall; P: PendSV taken at once from thread mode; a-b-c: IRQ1 pends the higher
    # priority IRQ0, which pre-empts it; m then b: PRIMASK held IRQ0 until cpsie; b: IRQ0 again
    # from a 4-mod-8 SP; V: IRQ0 through the vector table relocated with VTOR.
    assert log == b"SPabcmbbV"
    assert word(s, "misc", 0) == 11 and word(s, "misc", 1) == 14 and word(s, "misc", 2) == 16
    assert word(s, "misc", 3) == 0  # SP restored exactly after the padded frame
    assert word(s, "ticks") == 3  # SysTick every 1000 cycles woke WFI three times
    assert word(s, "misc", 4) >= 3000  # DWT CYCCNT saw the three periods


def test_sysresetreq_resets_the_core_keeping_ram(tmp_path):
    s = build_session(build("sysreset", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt"
    assert word(s, "boots") == 3 and s.machine.resets == 2


def test_store_to_flash_is_a_fault(tmp_path):
    s = build_session(build("flashwrite", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "fault"
    assert r.fault.kind == "write-to-read-only-memory" and r.fault.address == 0x08001000
    assert r.fault.where == "reset+0x4"


def build_fp(name: str, out: Path) -> Path:
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc not found (install the Debian package gcc-arm-none-eabi)")
    elf = out / f"{name}.elf"
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16",
                    "-mfloat-abi=hard", "-nostdlib", "-T", str(HERE / "minimal.ld"), "-o", str(elf),
                    str(HERE / f"{name}.S")], check=True)
    return elf


def test_fp_registers_survive_an_interrupt(tmp_path):
    from unicorn.arm_const import UC_ARM_REG_R2, UC_ARM_REG_R3
    s = build_session(build_fp("fpcontext", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt", r.message
    assert word(s, "seen_lr") == 0xFFFFFFE9  # thread mode, MSP, extended (FP) frame
    uc = s.machine.uc
    assert uc.reg_read(UC_ARM_REG_R2) == 0x3FC00000 and uc.reg_read(UC_ARM_REG_R3) == 0x40200000


def test_rxne_poll_loop_goes_idle_then_reads_the_byte(tmp_path):
    s = build_session(build("rxpoll", tmp_path), BOARD)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "idle" and r.instructions < 100_000
    s.machine.uart_rx(b"Z")
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt"
    assert word(s, "got") == ord("Z")


def test_null_function_pointer_runs_the_boot_alias(tmp_path):
    # On the STM32L4R5 main flash is aliased at 0 (boot alias, platforms/socs/stm32l4r5): a call
    # through a null function pointer executes the vector table as code, as on silicon, and here
    # runs into the reset code at alias address 8, which calls 0 again, until the budget.
    s = build_session(build("nullcall", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "budget" and r.fault is None
    assert s.machine.uc.reg_read(UC_ARM_REG_PC) < 0x100  # running from the alias


def test_boot_alias_reads_and_runs_flash(tmp_path):
    s = build_session(build("bootalias", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt", r.message
    assert word(s, "res", 0) == 0x20004000  # address 0: the initial SP
    assert word(s, "res", 1) == s.firmware.symbol("reset") | 1  # address 4: the reset vector
    assert word(s, "res", 2) == (s.firmware.symbol("answer") & ~1) - 0x08000000 + 4  # ran at the alias


def test_bit_band_aliases_reach_single_bits_of_sram_and_peripherals(tmp_path):
    s = build_session(build("bitband", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt", r.message
    assert [word(s, "res", k) for k in range(4)] == [0, 1, 1, 0]  # word, halfword, byte reads
    assert word(s, "data") == word(s, "res", 4) == 0x92245778  # 0x12345678, three bits written
    assert word(s, "res", 5) == 1
    assert [word(s, "res", k) for k in (6, 7, 8)] == [0x80000021, 1, 0]  # CRC_IDR via 0x42000000
    # a byte alias write to CRC_DR feeds the unit one byte, as a byte store of the same value does
    assert word(s, "res", 9) == word(s, "res", 10) != 0xFFFFFFFF


def test_a_core_without_bit_band_faults_on_the_alias(tmp_path):
    s = build_session(build("bitband", tmp_path), "nucleo-u575zi-q")  # Cortex-M33: no bit-band
    r = s.run(max_instructions=10_000)
    assert r.exit == "fault" and "unmapped-read" in r.message and "0x22000000" in r.message


def test_sleep_on_exit_keeps_the_thread_asleep_between_interrupts(tmp_path):
    from unicorn.arm_const import UC_ARM_REG_R4
    s = build_session(build("sleeponexit", tmp_path), BOARD)
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message
    assert word(s, "ticks") == 3
    # the thread ran once, after the third tick cleared SLEEPONEXIT (3 without sleep-on-exit)
    assert s.machine.uc.reg_read(UC_ARM_REG_R4) == 1


def test_exception_from_process_stack(tmp_path):
    s = build_session(build("psp", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt", r.message
    assert word(s, "result", 0) == 0xFFFFFFFD  # return to thread mode, PSP
    assert word(s, "result", 1) == 0x20004000  # the handler runs on the untouched MSP
    assert word(s, "result", 2) == 0x20002000 - 0x20  # the frame went onto PSP
    assert word(s, "result", 3) == 0x20002000  # thread SP is PSP again, frame popped
    assert word(s, "result", 4) == 2           # CONTROL.SPSEL is back (a write in Handler mode is ignored)
    assert word(s, "result", 5) == 0x20004000  # and MSP was left alone


def test_it_blocks_survive_frequent_interrupts(tmp_path):
    from unicorn.arm_const import UC_ARM_REG_R4
    s = build_session(build("itblock", tmp_path), BOARD)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    assert word(s, "ticks") > 200  # interrupted all through the loop
    assert s.machine.uc.reg_read(UC_ARM_REG_R4) == 23000


def test_tail_chaining_reuses_the_frame(tmp_path):
    from tinysim.emu.cortex_m import ENTRY_CYCLES, EXIT_CYCLES, TAIL_CHAIN_CYCLES
    s = build_session(build("tailchain", tmp_path), BOARD)
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt", r.message
    assert bytes(s.machine.uc.mem_read(s.firmware.symbol("order"), 2)) == b"ab"
    assert word(s, "seen", 0) == word(s, "seen", 2) == 0x20004000 - 0x20  # one frame for both
    assert word(s, "seen", 1) == word(s, "seen", 3) == 0xFFFFFFF9  # the same EXC_RETURN
    assert s.machine.tail_chains == 1
    assert s.counter.outside_cycles == ENTRY_CYCLES + TAIL_CHAIN_CYCLES + EXIT_CYCLES


# Code run from SRAM (firmware/ramexec.S). RAM is mapped without Unicorn's EXEC permission
# until the first instruction fetch from it (a store to an executable page costs about a third
# more in Unicorn 2.1.4: bench/store_cost.py); the fetch then makes every RAM mapping
# executable, as SRAM is on silicon, and self-modifying code there still takes effect.
SRAM1 = 0x20000000


def perms_at(session, addr: int) -> int:
    return next(p for b, e, p in session.machine.uc.mem_regions() if b <= addr <= e)


def test_code_copied_to_sram_runs_and_can_be_patched(tmp_path):
    s = build_session(build("ramexec", tmp_path), BOARD)
    assert not perms_at(s, SRAM1) & UC_PROT_EXEC  # not executable until code is fetched there
    r = s.run(max_instructions=10_000)
    assert r.exit == "halt" and r.fault is None, r.message
    assert word(s, "res", 0) == 60  # 5 + 1 + ... + 10, run from SRAM
    assert word(s, "res", 1) == 155  # after the store patched its first instruction
    assert word(s, "res", 2) == 155  # the store it made
    assert perms_at(s, SRAM1) & UC_PROT_EXEC and perms_at(s, SRAM1) & UC_PROT_WRITE


def test_ram_stays_without_exec_when_no_code_runs_there(tmp_path):
    s = build_session(build("nullcall", tmp_path), BOARD)  # runs from flash and its alias only
    s.run(max_instructions=10_000)
    assert not perms_at(s, SRAM1) & UC_PROT_EXEC


def test_interrupt_held_by_a_running_handler_waits_without_polling(tmp_path):
    """SysTick pending under a long, higher-priority handler is taken when that handler returns,
    and the run does not stop again and again to re-check it meanwhile: only an exception return
    (which arbitrates as it happens) or an NVIC/SCB write (which stops the run) can let it in
    (B1.5.4)."""
    s = build_session(build("handlermask", tmp_path), BOARD)
    uc = s.machine.uc
    starts = engine_starts(s)
    r = s.run(max_instructions=200_000)
    assert r.exit == "halt", r.message
    assert word(s, "ticks_in_irq") == 0 and word(s, "ticks") == 1
    assert bytes(uc.mem_read(s.firmware.symbol("order"), 2)) == b"IT"   # tail-chained at once
    # ~60,000 cycles inside IRQ0 with SysTick pending: polling at every block, then every
    # 1,024 cycles, took ~300 engine starts; waiting for the return takes a handful.
    assert r.cycles > 50_000 and len(starts) < 30, len(starts)


def test_faultmask_masks_irqs_and_an_exception_return_clears_it(tmp_path):
    # B1.5.4: FAULTMASK set -> execution priority -1; B1.5.8: a return other than from NMI clears it
    s = build_session(build("faultmask", tmp_path), BOARD)
    r = s.run(max_instructions=100_000)
    assert r.exit == "halt", r.message
    log = logged(s)
    assert log == b"mbfbe"
    assert word(s, "misc", 0) == 0


def test_exception_return_goes_on_without_stopping_the_engine(tmp_path):
    """The return is taken inside the engine's interrupt hook (CortexMMachine._return_in_hook):
    an interrupt costs one engine start (its entry), not two. itblock.S takes a SysTick
    interrupt all through an IT-block loop; each entry needs the run loop, each return not."""
    from unicorn.arm_const import UC_ARM_REG_R4
    s = build_session(build("itblock", tmp_path), BOARD)
    starts = engine_starts(s)
    r = s.run(max_instructions=1_000_000)
    assert r.exit == "halt", r.message
    ticks = word(s, "ticks")
    assert ticks > 200 and s.machine.uc.reg_read(UC_ARM_REG_R4) == 23000
    # a stop per return as well would make it more than 2 x ticks
    assert ticks <= len(starts) <= ticks + 10, (len(starts), ticks)


def test_exception_return_with_no_active_exception_is_a_fault(tmp_path):
    # the return is taken inside the interrupt hook; one it cannot take still ends the run, and
    # the report points at the code that branched (the block that ran last), not at LR
    s = build_session(build("badreturn", tmp_path), BOARD)
    r = s.run(max_instructions=1_000)
    assert r.exit == "fault" and r.fault.kind == "bad-exception-return", (r.exit, r.message)
    assert "0xfffffff9" in r.message and "none" in r.message
    assert r.fault.pc == s.firmware.symbol("reset") & ~1 and r.fault.where.startswith("reset")


@pytest.mark.parametrize("board, vtor", [("nucleo-l4r5zi", 0), ("nucleo-u575zi-q", 0x08000000),
                                         ("nucleo-h7a3zi-q", 0x08000000)])
def test_vtor_reset_value(tmp_path, board, vtor):
    # the Cortex-M4 resets VTOR to 0 (the STM32L4's boot alias shows the flash there); the M7 and
    # M33 take it from the boot address the SoC drives (flash by default on the H7 and U5)
    s = build_session(build("exceptions", tmp_path), board)
    assert s.machine.scb.read(0x08, 4) == vtor


@pytest.mark.parametrize("mode", [0, 1])
def test_a_fault_handler_that_gives_up_ends_the_run_with_the_fault(tmp_path, mode):
    """firmware/faultpark.S: the UDF is taken through the firmware's HardFault handler (escalated,
    HFSR.FORCED) as on silicon; a handler that parks (mode 0), or faults again and locks the
    core up (mode 1), ends the run: with the report of the first fault, at the UDF, or with the
    lockup at the handler's own fault, naming the first."""
    s = build_session(build("faultpark", tmp_path), BOARD)
    s.machine.uc.mem_write(s.firmware.symbol("mode"), struct.pack("<I", mode))
    r = s.run(max_instructions=10_000)
    assert r.exit == "fault", r.message
    assert r.fault.kind == "invalid-instruction"
    assert s.machine.faults_taken == [(3, "undefinstr", s.firmware.symbol("undefined"))]
    assert s.machine.scb.values[0x28] == 1 << 16 and s.machine.scb.values[0x2C] == 1 << 30
    if mode == 0:
        assert r.fault.pc == s.firmware.symbol("undefined")
        assert "through the firmware's HardFault handler (escalated: HFSR.FORCED), which stopped at parked" \
            in r.message
    else:
        assert r.fault.pc == s.firmware.symbol("again")
        assert "lockup" in r.message and "in the HardFault handler of a UsageFault UNDEFINSTR at undefined" \
            in r.message
        assert r.instructions < 100
