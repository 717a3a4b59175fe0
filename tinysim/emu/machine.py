"""The generic emulated machine: the run loop and virtual time, on top of its memory map
(`memory_map.py`), the peripherals' host interface and console UART (`peripheral_host.py`) and
fault reporting (`fault_hooks.py`).

Architecture specifics (reset, exceptions, interrupt delivery, register names) live in
`cortex_m.py` and `riscv.py`, which subclass `Machine`. `create_machine(platform, firmware)`
picks the right one. Counting is not done here: a native `Counter` (see `counter/`) is
attached with `attach_counter`; the machine reads its running `cycles` as virtual time and
sets its cycle deadline so emulation stops at the next timer event, where pending interrupts
are delivered (at block boundaries).
"""

from __future__ import annotations

import collections
import ctypes
import time
from dataclasses import dataclass, field
from typing import Callable, Dict, List, Optional, Tuple

from unicorn import (UC_HOOK_CODE, UC_HOOK_INTR, UC_HOOK_MEM_FETCH_PROT, UC_HOOK_MEM_UNMAPPED,
                     UC_HOOK_MEM_WRITE_PROT, UcError)

from ..elf import Firmware
from ..errors import EmulationError, FirmwareError
from ..registry import Registry
from . import faults
from .engine_regs import RegReader
from .fault_hooks import FaultHooks
from .faults import FaultReport
from .memory_map import MemoryMap
from .operating_point import OperatingPoints
from .peripheral_host import PeripheralHost
from .peripherals.base import Peripheral
from .semihosting import Semihosting
from .wires import Wires

# With no timer event due, emulation still returns to Python this often, so a firmware that
# spins without touching a timer can be interrupted (Ctrl-C) and a host loop stays responsive.
# Costs one emu_start round trip per 2^26 cycles (about 0.5 s of a 120 MHz core).
HEARTBEAT_CYCLES = 1 << 26
EXITS = ("halt", "budget", "fault", "idle", "until")  # RunResult.exit values


@dataclass
class RunResult:
    """What one `Machine.run()` call did. Counts are for this call (not since reset)."""

    exit: str
    instructions: int
    blocks: int
    cycles: int
    wall_s: float
    uart: str
    stack_peak_bytes: Optional[int]
    fault: Optional[FaultReport] = None
    message: str = ""
    warnings: List[str] = field(default_factory=list)
    exit_status: Optional[int] = None  # exit "exit": the status the firmware gave (semihosting)

    @property
    def mips(self) -> float:
        return self.instructions / self.wall_s / 1e6 if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "exit": self.exit, "instructions": self.instructions, "blocks": self.blocks,
            "cycles": self.cycles, "wall_s": self.wall_s, "mips": self.mips, "uart": self.uart,
            "stack_peak_bytes": self.stack_peak_bytes, "message": self.message,
            "fault": self.fault.to_dict() if self.fault else None, "warnings": list(self.warnings),
            "exit_status": self.exit_status,
        }


class Machine(OperatingPoints, MemoryMap, PeripheralHost, FaultHooks):
    ARCH = ""
    PC_NAME = "pc"

    def __init__(self, platform, firmware: Firmware):
        if firmware.arch != platform.core.arch:
            raise FirmwareError(
                f"{firmware.path}: firmware is built for {firmware.arch} but platform "
                f"{platform.name} has a {platform.core.cpu} ({platform.core.arch}) core"
            )
        firmware.check_fits(platform.memories, platform.name)
        self.platform = platform
        self.firmware = firmware
        self.uc = self.create_uc()
        self.reg32 = RegReader(self.uc).read  # the run loop's register reads (engine_regs.py)
        self.counter = None
        self._buffers: Dict[str, ctypes.Array] = {}
        self._map_memories()
        self.peripherals: Dict[str, Peripheral] = {}
        self._timed_cache: Optional[Tuple[int, tuple]] = None  # see _peripheral_sets
        self._live_fns: Optional[Tuple[tuple, tuple]] = None  # see _time_fns
        self._create_peripherals()
        self._map_mmio()
        self._map_bit_band()
        self.wires = Wires(self, platform.wires)
        self.uart_out = bytearray()
        self.console_name = platform.console
        self._tx_listeners: List[Callable[[bytes], None]] = []
        self._run_tx = bytearray()
        self._until = None
        self._deadline: Optional[int] = None
        # Inside run()'s emu_start: a stop request (request_stop) can only matter then; between
        # slices the run loop sets the next deadline and clears the reason before starting again.
        self.emulating = False
        self._stop_reason: Optional[str] = None
        self._mem_fault: Optional[Tuple[str, int, int]] = None
        self._unmodelled: collections.Counter = collections.Counter()
        self.timestamps: List[dict] = []  # counter snapshots at the firmware's cycle-counter reads
        # ... and at reads inside handlers and GPIO pulls low (while record_timestamps): the
        # candidates when the firmware times itself from an interrupt handler or on a pin
        self.other_timestamps: List[dict] = []
        self.timestamp_cycles: List[int] = []
        self.pin_lows: List[Tuple[int, str]] = []   # (cycle, "gpio:PF13"): GPIO writes pulling a pin low
        self.record_timestamps = False
        self.handler_timestamp_reads = 0
        # The flash data-cache model runs exactly (a native read hook, ~4x slower emulation) until
        # the firmware has timed its first window: boot timestamp, window start, window end. Its
        # per-block miss rates are then frozen and applied without the hook (Counter docs). None
        # keeps the exact model for the whole run.
        self.learn_data_cache_after_timestamps: Optional[int] = 3
        self.warnings: List[str] = []
        self.resets = 0
        self.idle_wakes = 0  # WFI wake-ups by timers only, since the last UART traffic
        # Device cycles skipped while the core waited (WFI sleep, a poll skipped to its flag's
        # change): reports separate them from the cycles the core worked.
        self.idle_cycles = 0
        self.last_uart_cycles = 0
        self.semihosting = Semihosting(self.uc, self.console_output, self.now, self.clock_hz,
                                       self.warn, str(firmware.path))
        self.exit_status: Optional[int] = None  # set by a semihosting exit (run's exit "exit")
        self.semihosting_waits = False  # an "idle" stop at a semihosting console read
        self._stack = self._stack_region()
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.uc.hook_add(UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT, self._on_protected)
        self.uc.hook_add(UC_HOOK_INTR, self._on_interrupt)
        self._init_operating_points()
        self.reset()
    # ---- reset / counter ------------------------------------------------------------------
    def reset(self) -> None:
        self._load_segments()
        self._paint_stack()
        for p in self.peripherals.values():
            p.reset()
        self._restart_operating_points()
        self.wires.reset()
        self.reset_core()

    def reset_core(self) -> None:
        raise NotImplementedError

    def attach_counter(self, counter) -> None:
        """`counter`'s describe callback must be one `describer` wrapped (Session does)."""
        self.counter = counter
        counter.set_unmask_handler(self._take_unmasked)

    def _take_unmasked(self) -> Optional[bool]:
        """The counter's unmask handler: a block that may have lifted an interrupt mask ran while
        an interrupt waited for it (set_stop_on_unmask). Takes it inside the engine, before the
        next block, as the run loop would at a stop there (nothing falls due before the deadline,
        so nothing needs a tick first): True if an exception was entered (PC is its handler),
        False if it is still held back (the block runs), None to stop the run instead."""
        if self._stop_reason is not None or not self.emulating:
            return None
        taken = self.deliver_interrupts()
        if self._stop_reason is not None:   # the entry failed (a frame outside memory)
            return None
        if taken:
            self.pc_written_in_hook()
        self._watch_unmask(self.masked_pending(none_deliverable=not taken))
        return taken

    def _watch_unmask(self, masked: bool) -> None:
        """Something pending but masked (PRIMASK/BASEPRI/FAULTMASK, mstatus.MIE) is let in by an
        instruction that does not stop the run (CPSIE, MSR, a CSR write): while `masked`, the
        counter calls _take_unmasked before the block after one that may have run it."""
        self.counter.set_stop_on_unmask(masked)

    def pc_written_in_hook(self) -> None:
        """PC was written from inside the engine (a hook) and the run goes on there: what the
        architecture needs of it then (Cortex-M: the Thumb bit, which emu_start adds otherwise)."""

    def describer(self, describe: Callable[[int, int], tuple]) -> Callable[[int, int], tuple]:
        """The counter's describe callback: `describe`'s costs, with the flags `inspect_block`
        returns for the block (the run loop relies on DESCRIBE_UNMASKS to learn that a masked
        interrupt may have been let in)."""
        def describe_block(addr: int, size: int) -> tuple:
            flags = self.inspect_block(addr, size)
            info = describe(addr, size)
            return (*info, flags) if flags else info
        return describe_block

    def inspect_block(self, addr: int, size: int) -> int:
        """A block is about to run for the first time; returns counter describe flags for it
        (DESCRIBE_UNMASKS when it may lift an interrupt mask)."""
        return 0

    def close(self) -> None:
        """Release the native counter (its hooks and tables) now rather than at collection."""
        close = getattr(self.counter, "close", None)
        if callable(close):
            close()

    # ---- architecture hooks -----------------------------------------------------------------
    def pc_reg(self) -> int:
        raise NotImplementedError

    def start_address(self) -> int:
        """Address to pass to emu_start (Thumb adds bit 0)."""
        return self.uc.reg_read(self.pc_reg())

    def register_dump(self) -> Dict[str, int]:
        raise NotImplementedError

    def deliver_interrupts(self) -> bool:
        """Take the highest-priority pending, enabled exception, if the core would; whether one
        was taken (if not, none could be: masked_pending(none_deliverable=True) may rely on it)."""
        return False

    def invalid_instruction_message(self) -> str:
        pc = self.uc.reg_read(self.pc_reg())
        try:
            word = bytes(self.uc.mem_read(pc, 4)).hex()
        except UcError:
            word = "?"
        return f"undefined or unsupported instruction (bytes {word} at {pc:#010x})"

    def masked_pending(self, none_deliverable: bool = False) -> bool:
        """Whether an interrupt is pending and enabled but held back by a mask the firmware can
        lift without the run stopping: only with instructions `inspect_block` flags
        DESCRIBE_UNMASKS, after which the counter hands it to `_take_unmasked` while this holds.
        `none_deliverable`: the caller just found no exception it could take (deliver_interrupts
        returned False), so that need not be looked up again."""
        return False

    def irq_enabled(self, irq: int) -> bool:
        return True

    def take_fault(self, report: FaultReport) -> Optional[FaultReport]:
        """The run stopped on `report`: None if the core takes it as an exception the firmware
        handles (the run goes on), else the report to stop with."""
        return report

    def fault_in_progress(self) -> Optional[FaultReport]:
        """The report of a fault whose handler is running, if one is."""
        return None

    def handle_stop(self, reason: str) -> Optional[str]:
        """Arch-specific stop reasons from the interrupt hook; returns an exit name or None to go on."""
        return None

    def handle_clean_return(self) -> Optional[str]:
        """emu_start returned on its own (e.g. WFI); returns an exit name or None to go on."""
        return "halt"

    def handle_break(self) -> Optional[str]:
        """The engine's error was the firmware's breakpoint (`_fault_from_error` gave no fault):
        its halt, or (RISC-V) a semihosting call; an exit name or None to go on."""
        return "halt"

    def interrupt_name(self, intno: int) -> str:
        return f"interrupt {intno}"

    def set_irq(self, irq: int, level: bool) -> None:
        raise NotImplementedError

    def pend_irq(self, irq: int) -> None:
        raise NotImplementedError

    def any_wake_source(self) -> bool:
        """Whether host input could wake the core (a UART RX interrupt enabled end to end)."""
        return any(p.can_wake() and (p.irq is None or self.irq_enabled(p.irq))
                   for p in self._peripheral_sets()[1])

    # ---- time --------------------------------------------------------------------------------
    def _timed(self) -> List[Peripheral]:
        """The peripherals with a notion of time (they override next_event or tick). Peripherals
        are only added while the machine is built (memory_map.py), so the list is made once, at
        first use, and made again only if the count of peripherals changed."""
        return self._peripheral_sets()[0]

    def _peripheral_sets(self) -> Tuple[List[Peripheral], tuple]:
        """The timed peripherals, and those that may wake the core on host input (can_wake)."""
        sets = self._timed_cache
        if sets is None or sets[0] != len(self.peripherals):
            every = list(self.peripherals.values())
            sets = self._timed_cache = (len(self.peripherals), (
                [p for p in every
                 if type(p).next_event is not Peripheral.next_event or type(p).tick is not Peripheral.tick],
                tuple(p for p in every if type(p).can_wake is not Peripheral.can_wake)))
            self._live_fns = None
        return sets[1]

    def _time_fns(self) -> Tuple[tuple, tuple]:
        """next_event and tick, bound once, of the timed peripherals that are not quiescent and of
        the wires: the run loop calls them at every stop, thousands of times per device second
        while a UART line runs. Made again after a timer is reprogrammed (`timers_changed`) or a
        register is set from outside (`registers_set`): the only ways out of quiescence."""
        timed = self._peripheral_sets()[0]
        fns = self._live_fns
        if fns is None:
            live = [p for p in timed if not p.quiescent()] + [self.wires]
            fns = self._live_fns = (tuple(p.next_event for p in live), tuple(p.tick for p in live))
        return fns

    def registers_set(self, periph) -> None:
        self._live_fns = None

    def next_event(self) -> Optional[int]:
        now = self.now()
        best = None
        for next_event in self._time_fns()[0]:
            e = next_event(now)
            if e is not None and (best is None or e < best):
                best = e
        return best

    def tick(self) -> None:
        now = self.now()
        for tick in self._time_fns()[1]:
            tick(now)

    def advance_to(self, cycle: int) -> None:
        """A peripheral saw the core spin on a flag that changes at `cycle`: device time passes
        to then, or to any earlier timer event, which is then taken as it would be mid-spin."""
        if self.counter is None:
            return
        now = self.now()
        event = self.next_event()
        target = min(cycle, event) if event is not None and event > now else cycle
        if target > now:
            self.counter.add_cycles(target - now)
            self.idle_cycles += target - now
            self.timers_changed()

    def skip_to_next_event(self) -> bool:
        """WFI: advance virtual time to the next timer interrupt; False if none is coming."""
        event = self.next_event()
        if event is None:
            return False
        now = self.now()
        if event > now:
            self.counter.add_cycles(event - now, sleep=True)
            self.idle_cycles += event - now
        self.tick()
        return True

    def on_execute(self, addr: int, callback: Callable[[int], None]) -> None:
        """Call `callback(addr)` each time the instruction at `addr` is about to execute (a code
        hook on that one address, so the rest of the run keeps its speed). Call between runs."""
        addr &= ~1 if self.ARCH == "armv7m" else ~0
        self.uc.hook_add(UC_HOOK_CODE, lambda uc, a, size, _user: callback(a), begin=addr, end=addr)
        self.uc.ctl_remove_cache(addr, addr + 4)   # retranslate it with the hook

    # ---- the run loop ------------------------------------------------------------------------
    def run(self, max_instructions: Optional[int] = None, until=None) -> RunResult:
        """Run until the firmware halts, faults, idles waiting for input, hits the instruction
        budget, or `until(uart_bytes_so_far_in_this_run) -> bool` becomes true."""
        if self.counter is None:
            raise EmulationError("Machine.run needs a counter: use tinysim.pipeline.session to build a machine")
        c = self.counter
        self._until = (lambda data, s=until.encode() if isinstance(until, str) else until: s in data) \
            if isinstance(until, (str, bytes)) else until
        if max_instructions is not None and max_instructions <= 0:
            raise EmulationError(f"max_instructions must be positive, got {max_instructions}")
        self._run_tx = bytearray()
        self.semihosting_waits = False
        insn0, cyc0, blocks0 = c.instructions, c.cycles, self._block_total()
        c.set_budget(None if max_instructions is None else insn0 + max_instructions)
        fault, exit_name, message = None, None, ""
        t0 = time.perf_counter()
        while exit_name is None:
            self.tick()
            taken = self.deliver_interrupts()
            event = self.next_event()
            self._watch_unmask(self.masked_pending(none_deliverable=not taken))
            self._deadline = event
            c.set_deadline(event if event is not None else c.cycles + HEARTBEAT_CYCLES)
            self.before_engine_start()
            self._stop_reason = None
            self._mem_fault = None
            error = None
            if self.stop_before_start is not None:   # set between runs of the engine
                self._stop_reason, self.stop_before_start = self.stop_before_start, None
            else:
                self.emulating = True
                try:
                    self.uc.emu_start(self.start_address(), self.UNTIL)
                except UcError as err:
                    error = err
                finally:
                    self.emulating = False
            counter_reason = c.stop_reason
            if error is not None and (self._stop_reason is None or self._mem_fault is not None):
                fault = self._fault_from_error(error)
                exit_name = "fault" if fault is not None else self.handle_break()
            elif self._stop_reason is not None:
                exit_name = self._dispatch_stop(self._stop_reason)
                if exit_name == "fault":
                    fault = self._pending_fault
            elif counter_reason:
                exit_name = self._counter_stop(counter_reason)
                if exit_name == "fault":
                    fault = self._pending_fault
            else:
                exit_name = self.handle_clean_return()
            if exit_name == "fault" and fault is not None:
                fault = self.take_fault(fault)   # one the core raises: the firmware's handler runs
                exit_name = None if fault is None else exit_name
            elif exit_name == "halt":
                fault = self.fault_in_progress()   # a fault's handler gave up: its report
                exit_name = "halt" if fault is None else "fault"
            if exit_name == "budget":
                message = (f"stopped by the instruction budget after {c.instructions - insn0} instructions "
                           f"(--max-instructions {max_instructions}); raise it if the firmware needs longer")
                in_fault = self.fault_in_progress()
                if in_fault is not None:
                    message += f". A fault handler was still running: {in_fault.message}"
            elif exit_name == "reset":
                # System reset (SYSRESETREQ): core and peripherals restart, RAM keeps its contents.
                self.resets += 1
                for p in self.peripherals.values():
                    p.reset()
                self._restart_operating_points()
                self.wires.reset()
                self.reset_core()
                exit_name = None
        wall = time.perf_counter() - t0
        c.set_budget(None)
        if fault is not None:
            message = fault.format()
        elif exit_name == "idle" and self.semihosting_waits:
            message = ("the firmware waits for a character from the semihosting console (SYS_READC), "
                       "which tinysim does not feed")
        elif exit_name == "idle":
            message = "the firmware is waiting for console UART input (nothing more is queued)"
        elif exit_name == "exit":
            message = f"the firmware exited with status {self.exit_status} (a semihosting exit call)"
        flash_note = self._flash_warning()
        if flash_note:
            self.warn(flash_note)
        if c.settle_errors:   # an invariant of the native counter broke: never expected
            self.warn(f"internal: the instruction-cache order after inline-counted blocks could not be "
                      f"restored {c.settle_errors} time(s) (native fetch_settle), so the cycles may "
                      f"differ from a run with Counter(inline_fast=False); please report it with the image")
        return RunResult(
            exit=exit_name, instructions=c.instructions - insn0, blocks=self._block_total() - blocks0,
            cycles=c.cycles - cyc0, wall_s=wall, uart=self._run_tx.decode("utf-8", "replace"),
            stack_peak_bytes=self.stack_peak_bytes(), fault=fault, message=message,
            exit_status=self.exit_status if exit_name == "exit" else None,
            warnings=list(self.warnings),
        )

    def before_engine_start(self) -> None:
        """Bring what the engine enforces up to date with the machine (the Cortex-M MPU)."""

    # emu_start's `until`: an odd address no Thumb or RISC-V PC can hold (a null function
    # pointer must reach address 0 and fault there, not end the run).
    UNTIL = 0xFFFFFFFF
    _pending_fault: Optional[FaultReport] = None
    # A stop reason the run loop takes instead of starting the engine (what the loop itself did
    # between two runs of it, an exception entry say, ended the run).
    stop_before_start: Optional[str] = None

    def _block_total(self) -> int:
        return int(self.counter.blocks_executed)

    def _dispatch_stop(self, reason: str) -> Optional[str]:
        if reason in ("idle", "until", "reset"):
            return reason
        return self.handle_stop(reason)

    def _counter_stop(self, reason: str) -> Optional[str]:
        if reason == "budget":
            return "budget"
        if reason in ("deadline", "cycles", "unmask"):
            return None  # a timer fell due, or a mask may have been lifted: the loop delivers it
        if reason in ("describe-error", "no-memory"):
            err = getattr(self.counter, "error", None)
            if err is not None:
                raise err
            raise EmulationError(f"native counter stopped: {reason}")
        if reason == "stack-overflow":
            lo = self._stack[0] if self._stack else 0
            sp = self.uc.reg_read(self.sp_reg())
            addr = getattr(self.counter, "stop_address", None)
            pc = getattr(self.counter, "stop_pc", None) or None
            self._pending_fault = self.make_fault(
                faults.STACK_OVERFLOW,
                f"stack overflow: write to {addr or 0:#010x}, below the stack limit __stack_limit={lo:#010x} "
                f"(sp={sp:#010x}); the stack needs more than {self._stack[1] - lo if self._stack else '?'} bytes",
                pc=pc, address=addr)
            return "fault"
        return None

    def sp_reg(self) -> int:
        raise NotImplementedError


# Core architecture ("armv7m", "rv32") -> Machine subclass; cortex_m.py and riscv.py register.
ENGINES: Registry = Registry("core architecture")
_ENGINE_MODULES = ("cortex_m", "riscv")


def create_machine(platform, firmware: Firmware) -> Machine:
    """The machine class for the platform's core architecture."""
    import importlib

    for name in _ENGINE_MODULES:
        importlib.import_module(f"{__package__}.{name}")
    if platform.core.arch not in ENGINES:
        raise EmulationError(f"platform {platform.name}: no engine for core arch {platform.core.arch!r} "
                             f"(engines: {', '.join(ENGINES)})")
    return ENGINES.get(platform.core.arch)(platform, firmware)
