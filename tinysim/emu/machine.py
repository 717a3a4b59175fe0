"""The generic emulated machine: memory map, MMIO bus, run loop, faults.

Architecture specifics (reset, exceptions, interrupt delivery, register names) live in
`cortex_m.py` and `riscv.py`, which subclass `Machine`. `create_machine(platform, firmware)`
picks the right one. Counting is not done here: a native `Counter` (see `counter.py`) is
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

from unicorn import (UC_HOOK_INTR, UC_HOOK_MEM_FETCH_PROT, UC_HOOK_MEM_UNMAPPED,
                     UC_HOOK_MEM_WRITE_PROT, UC_MEM_FETCH_UNMAPPED, UC_MEM_READ_UNMAPPED,
                     UC_MEM_WRITE_UNMAPPED, UC_PROT_ALL, UC_PROT_EXEC, UC_PROT_READ, UcError)

from ..elf import Firmware
from ..errors import EmulationError, FirmwareError
from ..registry import Registry
from . import faults
from .faults import FaultReport
from .peripherals import model_class
from .peripherals.base import Host, Peripheral
from .peripherals.bus import MmioBus

PAGE = 0x1000
# A core sleeping in WFI that only timers wake, at least IDLE_WAKES times and for at least
# IDLE_SECONDS of virtual time since the last UART traffic, while a UART receive interrupt is
# enabled, is waiting for host input: the run exits "idle". (A tinysim convention: the periodic
# tick a board keeps for its clock would otherwise wake it forever.)
IDLE_WAKES = 8
IDLE_SECONDS = 1.0
MASKED_POLL_EXACT = 256  # see Machine.run
MASKED_POLL_MAX = 1024  # cycles
# With no timer event due, emulation still returns to Python this often, so a firmware that
# spins without touching a timer can be interrupted (Ctrl-C) and a host loop stays responsive.
# Costs one emu_start round trip per 2^26 cycles (about 0.5 s of a 120 MHz core).
HEARTBEAT_CYCLES = 1 << 26
STACK_PAINT = 0xC5  # byte pattern painted over the stack at reset; the high-water mark is where it ends
UART_TAIL_LINES = 8
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

    @property
    def mips(self) -> float:
        return self.instructions / self.wall_s / 1e6 if self.wall_s > 0 else 0.0

    def to_dict(self) -> dict:
        return {
            "exit": self.exit, "instructions": self.instructions, "blocks": self.blocks,
            "cycles": self.cycles, "wall_s": self.wall_s, "mips": self.mips, "uart": self.uart,
            "stack_peak_bytes": self.stack_peak_bytes, "message": self.message,
            "fault": self.fault.to_dict() if self.fault else None, "warnings": list(self.warnings),
        }


def _align_up(value: int, align: int = PAGE) -> int:
    return (value + align - 1) & ~(align - 1)


class Machine(Host):
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
        self.counter = None
        self._buffers: Dict[str, ctypes.Array] = {}
        self._map_memories()
        self.peripherals: Dict[str, Peripheral] = {}
        self._create_peripherals()
        self._map_mmio()
        self.uart_out = bytearray()
        self._tx_listeners: List[Callable[[bytes], None]] = []
        self._run_tx = bytearray()
        self._until = None
        self._deadline: Optional[int] = None
        self._masked_polls = 0
        self._stop_reason: Optional[str] = None
        self._mem_fault: Optional[Tuple[str, int, int]] = None
        self._unmodelled: collections.Counter = collections.Counter()
        self.timestamps: List[dict] = []  # counter snapshots at the firmware's cycle-counter reads
        self.timestamp_cycles: List[int] = []
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
        self.last_uart_cycles = 0
        self._stack = self._stack_region()
        self.uc.hook_add(UC_HOOK_MEM_UNMAPPED, self._on_unmapped)
        self.uc.hook_add(UC_HOOK_MEM_WRITE_PROT | UC_HOOK_MEM_FETCH_PROT, self._on_protected)
        self.uc.hook_add(UC_HOOK_INTR, self._on_interrupt)
        self.reset()

    # ---- construction ---------------------------------------------------------------------
    def create_uc(self):
        raise NotImplementedError

    def core_peripherals(self) -> List[Peripheral]:
        """Peripherals every core of this architecture has (Cortex-M PPB); none by default."""
        return []

    def _map_memories(self) -> None:
        mems = self.platform.memories
        for m in mems:
            if m.alias_of:
                continue
            size = _align_up(m.size)
            buf = (ctypes.c_ubyte * size)()
            self._buffers[m.name] = buf
            self.uc.mem_map_ptr(m.base, size, self._perms(m), ctypes.addressof(buf))
        for m in mems:
            if not m.alias_of:
                continue
            target = next((t for t in mems if t.name == m.alias_of), None)
            if target is None or target.name not in self._buffers:
                raise FirmwareError(f"platform {self.platform.name}: memory {m.name} aliases unknown {m.alias_of}")
            size = min(_align_up(m.size), len(self._buffers[target.name]))
            self.uc.mem_map_ptr(m.base, size, self._perms(target), ctypes.addressof(self._buffers[target.name]))

    @staticmethod
    def _perms(mem) -> int:
        # Flash is read/execute: a store to flash is a firmware bug (silicon needs the unlock
        # sequence and the FLASH_CR programming flow, which the benchmark never uses).
        return UC_PROT_READ | UC_PROT_EXEC if mem.kind == "flash" else UC_PROT_ALL

    def _load_segments(self) -> None:
        for m in self.platform.memories:
            if not m.alias_of and m.name in self._buffers:
                ctypes.memset(self._buffers[m.name], 0, len(self._buffers[m.name]))
        for seg in self.firmware.segments:
            if seg.data:
                self.uc.mem_write(seg.paddr, seg.data)

    def _create_peripherals(self) -> None:
        for p in self.core_peripherals():
            self.peripherals[p.name] = p
        for spec in self.platform.peripherals:
            cls = model_class(spec.model)
            params = dict(spec.params)
            if "clock_hz" in getattr(cls, "DEFAULTS", {}):
                params.setdefault("clock_hz", self.platform.clock_hz)  # timers that scale cycles
            self.peripherals[spec.name] = cls(spec.name, spec.base, spec.size, spec.irq, params, host=self)

    def _map_mmio(self) -> None:
        spans = sorted(((p.base & ~(PAGE - 1), _align_up(p.base + p.size), p) for p in self.peripherals.values()),
                       key=lambda s: s[0])
        groups: List[List] = []
        for start, end, p in spans:
            if groups and start <= groups[-1][1]:
                groups[-1][1] = max(groups[-1][1], end)
                groups[-1][2].append(p)
            else:
                groups.append([start, end, [p]])
        self.buses = []
        for start, end, members in groups:
            bus = MmioBus(self, start, end, members)
            self.buses.append(bus)
            self.uc.mmio_map(start, end - start, bus.read, None, bus.write, None)

    # ---- stack --------------------------------------------------------------------------
    def _stack_region(self) -> Optional[Tuple[int, int]]:
        """(lowest valid stack address, initial SP) from the board linker script's symbols."""
        lo = self.firmware.symbol("__stack_limit")
        hi = self.firmware.symbol("_estack")
        if lo is None or hi is None or not lo < hi:
            return None
        return lo, hi

    def _paint_stack(self) -> None:
        if self._stack:
            lo, hi = self._stack
            self.uc.mem_write(lo, bytes([STACK_PAINT]) * (hi - lo))

    def stack_peak_bytes(self) -> Optional[int]:
        """Deepest stack use so far: the first byte from the bottom the firmware overwrote."""
        if not self._stack:
            return None
        lo, hi = self._stack
        data = bytes(self.uc.mem_read(lo, hi - lo))
        stripped = len(data) - len(data.lstrip(bytes([STACK_PAINT])))
        return (hi - lo) - stripped

    def stack_guard(self) -> Optional[Tuple[int, int]]:
        """The address range just below the stack: a write there is a stack overflow."""
        if not self._stack:
            return None
        lo = self._stack[0]
        mem = self.platform.region_of(lo - 1) if lo else None
        if mem is None:
            return None
        # Guard up to 1 KiB below the stack, never reaching into .bss (the linker scripts keep
        # the free gap between _ebss and __stack_limit; with no gap there is nothing to guard).
        floor = max(mem.base, lo - 0x400)
        for name in ("_ebss", "__bss_end__", "_end", "end"):
            end_bss = self.firmware.symbol(name)
            if end_bss is not None and end_bss <= lo:
                floor = max(floor, end_bss)
                break
        return (floor, lo) if floor < lo else None

    # ---- reset / counter ------------------------------------------------------------------
    def reset(self) -> None:
        self._load_segments()
        self._paint_stack()
        for p in self.peripherals.values():
            p.reset()
        self.reset_core()

    def reset_core(self) -> None:
        raise NotImplementedError

    def attach_counter(self, counter) -> None:
        self.counter = counter

    def close(self) -> None:
        """Release the native counter (its hooks and tables) now rather than at collection."""
        close = getattr(self.counter, "close", None)
        if callable(close):
            close()

    # ---- Host interface for peripherals -------------------------------------------------------
    def now(self) -> int:
        return self.counter.cycles if self.counter is not None else 0

    def uart_tx(self, periph, byte: int) -> None:
        if periph.name != self.platform.console and self.platform.console in self.peripherals:
            return  # only the console UART's output is the firmware's output
        b = bytes([byte])
        self._uart_activity()
        self.uart_out += b
        self._run_tx += b
        for cb in self._tx_listeners:
            cb(b)
        if self._until is not None and self._until(self._run_tx):
            self.request_stop("until")

    def request_stop(self, reason: str) -> None:
        """Stop at the next block boundary (called from MMIO callbacks).

        Never `uc.emu_stop()` here: stopping inside an MMIO access leaves the PC on the access
        itself, so the store (a TDR byte, an ISPR bit) would be executed again on resume.
        Instead the counter's cycle deadline is pulled in to now: the current block completes
        and emulation stops at the next block entry."""
        if self._stop_reason is None:
            self._stop_reason = reason
        if self.counter is not None:
            self._lower_deadline(self.counter.cycles)
        else:
            self.uc.emu_stop()

    def _lower_deadline(self, cycles: int) -> None:
        """Make emulation stop at the first block entry at or after `cycles`, unless it already
        stops sooner (or the counter has already stopped it for another reason)."""
        cycles = max(1, cycles)
        if self.counter.stop_reason is not None:
            return
        if self._deadline is None or cycles < self._deadline:
            self._deadline = cycles
            self.counter.set_deadline(cycles)

    def timers_changed(self) -> None:
        if self.counter is None:
            return
        event = self.next_event()
        if event is not None:
            self._lower_deadline(event)

    def stop_now(self, reason: str) -> None:
        """Stop immediately (from the CPU interrupt hook: BKPT, SVC, exception return)."""
        if self._stop_reason is None:
            self._stop_reason = reason
        self.uc.emu_stop()

    def note_unmodelled(self, periph: Optional[Peripheral], register: str, kind: str) -> None:
        pc = self.uc.reg_read(self.pc_reg())
        self._unmodelled[(periph.name if periph else "(no peripheral)", register, kind, pc)] += 1

    def unmodelled(self, periph, register, kind):
        self.note_unmodelled(periph, register, kind)

    def in_handler(self) -> bool:
        """Whether the core is running an exception/interrupt handler (arch-specific)."""
        return False

    def cycle_counter_read(self) -> None:
        """The firmware read its cycle counter: note a timestamp. Reads from interrupt handlers
        (e.g. a periodic tick extending the counter past 32 bits) are not the application timing
        itself, so they are counted in `handler_timestamp_reads` but not recorded: the first and
        last timestamps of a window are then the firmware's own (th_timestamp) reads."""
        if self.counter is None:
            return
        if self.in_handler():
            self.handler_timestamp_reads += 1
            return
        self.timestamp_cycles.append(self.counter.cycles)
        if self.record_timestamps:
            self.timestamps.append(self.counter.snapshot())
        if len(self.timestamp_cycles) == self.learn_data_cache_after_timestamps:
            if self.counter.freeze_data_model():
                self._lower_deadline(self.counter.cycles)   # leave emu_start: the fast path returns

    def unmodelled_accesses(self) -> List[Tuple[str, str, str, str, int]]:
        """(peripheral, register, read|write, PC symbol, count) for every access to a register
        no model emulates (it read as its reset value), most frequent first."""
        merged: collections.Counter = collections.Counter()
        for (periph, reg, kind, pc), n in self._unmodelled.items():
            merged[(periph, reg, kind, self.firmware.symbolize(pc))] += n
        return [(*k, n) for k, n in merged.most_common()]

    def flash_config(self) -> Optional[dict]:
        """The flash interface set-up the firmware chose (wait states, prefetch, caches), read
        from the flash controller model, or None when the platform has none."""
        for p in self.peripherals.values():
            if hasattr(p, "latency"):
                return {"latency": p.latency, "prefetch": p.prefetch, "icache": p.icache, "dcache": p.dcache}
        return None

    def _flash_warning(self) -> Optional[str]:
        cfg = self.flash_config()
        if cfg is None or self.counter is None or self.counter.instructions == 0:
            return None
        try:
            model_ws = self.platform.wait_states
            model_ws = model_ws() if callable(model_ws) else model_ws
        except Exception:  # noqa: BLE001 - no table: nothing to compare
            return None
        if cfg["latency"] != model_ws:
            return (f"firmware set flash LATENCY={cfg['latency']} wait states, the cost model uses "
                    f"{model_ws} for {self.platform.clock_hz / 1e6:g} MHz ({self.platform.name}); the "
                    f"estimate follows the platform file")
        return None

    # ---- host-side API ------------------------------------------------------------------------
    def console(self):
        return self.peripherals.get(self.platform.console)

    def uart_rx(self, data: bytes) -> None:
        con = self.console()
        if con is None:
            raise EmulationError(f"platform {self.platform.name} has no console UART {self.platform.console!r}")
        self._uart_activity()
        con.inject(bytes(data))

    def _uart_activity(self) -> None:
        self.idle_wakes = 0
        self.last_uart_cycles = self.now()

    def sleep_or_idle(self) -> Optional[str]:
        """WFI with nothing pending: sleep to the next timer event, or decide the firmware is
        waiting for host input ("idle"), or that nothing can ever wake it ("halt")."""
        waiting_for_host = self.any_wake_source()
        if waiting_for_host and self.idle_wakes >= IDLE_WAKES and \
                self.now() - self.last_uart_cycles >= IDLE_SECONDS * self.platform.clock_hz:
            self.idle_wakes = 0
            return "idle"
        if self.skip_to_next_event():
            if waiting_for_host:
                self.idle_wakes += 1
            return None
        return "idle" if waiting_for_host else "halt"

    def on_uart_tx(self, callback: Callable[[bytes], None]) -> None:
        self._tx_listeners.append(callback)

    def uart_tail(self, lines: int = UART_TAIL_LINES) -> List[str]:
        text = self.uart_out.decode("utf-8", "replace").replace("\r", "")
        return [ln for ln in text.split("\n") if ln][-lines:]

    # ---- architecture hooks -----------------------------------------------------------------
    def pc_reg(self) -> int:
        raise NotImplementedError

    def start_address(self) -> int:
        """Address to pass to emu_start (Thumb adds bit 0)."""
        return self.uc.reg_read(self.pc_reg())

    def register_dump(self) -> Dict[str, int]:
        raise NotImplementedError

    def deliver_interrupts(self) -> None:
        """Take the highest-priority pending, enabled exception, if the core would."""

    def invalid_instruction_message(self) -> str:
        pc = self.uc.reg_read(self.pc_reg())
        try:
            word = bytes(self.uc.mem_read(pc, 4)).hex()
        except UcError:
            word = "?"
        return f"undefined or unsupported instruction (bytes {word} at {pc:#010x})"

    def masked_pending(self) -> bool:
        """Whether an interrupt is pending and enabled but cannot be taken right now."""
        return False

    def irq_enabled(self, irq: int) -> bool:
        return True

    def handle_stop(self, reason: str) -> Optional[str]:
        """Arch-specific stop reasons from the interrupt hook; returns an exit name or None to go on."""
        return None

    def handle_clean_return(self) -> Optional[str]:
        """emu_start returned on its own (e.g. WFI); returns an exit name or None to go on."""
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
                   for p in self.peripherals.values())

    # ---- unicorn hooks -----------------------------------------------------------------------
    def _on_unmapped(self, uc, access, addr, size, value, _user):
        kind = {UC_MEM_READ_UNMAPPED: faults.UNMAPPED_READ, UC_MEM_WRITE_UNMAPPED: faults.UNMAPPED_WRITE,
                UC_MEM_FETCH_UNMAPPED: faults.UNMAPPED_FETCH}.get(access, faults.UNMAPPED_READ)
        self._mem_fault = (kind, addr, size)
        return False

    def _on_protected(self, uc, access, addr, size, value, _user):
        kind = faults.WRITE_PROTECTED if access != UC_HOOK_MEM_FETCH_PROT else faults.FETCH_PROTECTED
        self._mem_fault = (kind, addr, size)
        return False

    def _on_interrupt(self, uc, intno, _user):
        self.on_cpu_interrupt(intno)

    def on_cpu_interrupt(self, intno: int) -> None:
        self.stop_now(f"intr:{intno}")

    # ---- time --------------------------------------------------------------------------------
    def next_event(self) -> Optional[int]:
        now = self.now()
        events = [e for p in self.peripherals.values() if (e := p.next_event(now)) is not None]
        return min(events) if events else None

    def tick(self) -> None:
        now = self.now()
        for p in self.peripherals.values():
            p.tick(now)

    def clock_hz(self) -> float:
        return float(self.platform.clock_hz)

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
            self.timers_changed()

    def skip_to_next_event(self) -> bool:
        """WFI: advance virtual time to the next timer interrupt; False if none is coming."""
        event = self.next_event()
        if event is None:
            return False
        now = self.now()
        if event > now:
            self.counter.add_cycles(event - now)
        self.tick()
        return True

    # ---- faults --------------------------------------------------------------------------------
    def make_fault(self, kind: str, message: str, pc: Optional[int] = None,
                   address: Optional[int] = None) -> FaultReport:
        if pc is None:
            pc = self.uc.reg_read(self.pc_reg())
        return FaultReport(kind=kind, pc=pc, where=self.firmware.symbolize(pc), message=message,
                           address=address, registers=self.register_dump(), uart_tail=self.uart_tail())

    def _fault_from_error(self, err: UcError) -> FaultReport:
        if self._mem_fault is not None:
            kind, addr, size = self._mem_fault
            self._mem_fault = None
            region = self.platform.region_of(addr)
            what = {faults.UNMAPPED_READ: f"{size}-byte read from unmapped address {addr:#010x}",
                    faults.UNMAPPED_WRITE: f"{size}-byte write to unmapped address {addr:#010x}",
                    faults.UNMAPPED_FETCH: f"instruction fetch from unmapped address {addr:#010x}",
                    faults.WRITE_PROTECTED: f"{size}-byte write to {addr:#010x} in read-only "
                                            f"{region.name if region else 'memory'}",
                    faults.FETCH_PROTECTED: f"instruction fetch from non-executable {addr:#010x}"}[kind]
            if kind in (faults.UNMAPPED_READ, faults.UNMAPPED_WRITE):
                what += " (no memory or modelled peripheral of platform " + self.platform.name + " is there)"
            pc = addr if kind == faults.UNMAPPED_FETCH else None
            return self.make_fault(kind, what, pc=pc, address=addr)
        text = str(err)
        if "INSN_INVALID" in text:
            return self.make_fault(faults.INVALID_INSTRUCTION, self.invalid_instruction_message())
        return self.make_fault(faults.CPU_EXCEPTION, f"unicorn stopped with: {text}")

    # ---- the run loop ------------------------------------------------------------------------
    def run(self, max_instructions: Optional[int] = None, until=None) -> RunResult:
        """Run until the firmware halts, faults, idles waiting for input, hits the instruction
        budget, or `until(uart_bytes_so_far_in_this_run) -> bool` becomes true."""
        if self.counter is None:
            raise EmulationError("Machine.run needs a counter: use tinysim.emu.session to build a machine")
        c = self.counter
        self._until = (lambda data, s=until.encode() if isinstance(until, str) else until: s in data) \
            if isinstance(until, (str, bytes)) else until
        if max_instructions is not None and max_instructions <= 0:
            raise EmulationError(f"max_instructions must be positive, got {max_instructions}")
        self._run_tx = bytearray()
        insn0, cyc0, blocks0 = c.instructions, c.cycles, self._block_total()
        c.set_budget(None if max_instructions is None else insn0 + max_instructions)
        fault, exit_name, message = None, None, ""
        t0 = time.perf_counter()
        while exit_name is None:
            self.tick()
            self.deliver_interrupts()
            event = self.next_event()
            if self.masked_pending():
                # Something is pending but masked (PRIMASK/BASEPRI/priority, mstatus.MIE): stop
                # soon to re-check, so it is taken when the firmware unmasks it: at the next
                # block for the first MASKED_POLL_EXACT checks (short critical sections stay
                # exact), then at doubling intervals of at most MASKED_POLL_MAX cycles, so a long
                # masked stretch does not crawl (the interrupt may then come that much late).
                self._masked_polls += 1
                extra = self._masked_polls - MASKED_POLL_EXACT
                step = 1 if extra <= 0 else min(1 << min(extra, 20), MASKED_POLL_MAX)
                poll = c.cycles + step
                event = poll if event is None else min(event, poll)
            else:
                self._masked_polls = 0
            self._deadline = event
            c.set_deadline(event if event is not None else c.cycles + HEARTBEAT_CYCLES)
            self._stop_reason = None
            self._mem_fault = None
            try:
                self.uc.emu_start(self.start_address(), self.UNTIL)
                error = None
            except UcError as err:
                error = err
            counter_reason = c.stop_reason
            if error is not None and (self._stop_reason is None or self._mem_fault is not None):
                fault = self._fault_from_error(error)
                exit_name = "fault" if fault is not None else "halt"
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
            if exit_name == "budget":
                message = (f"stopped by the instruction budget after {c.instructions - insn0} instructions "
                           f"(--max-instructions {max_instructions}); raise it if the firmware needs longer")
            elif exit_name == "reset":
                # System reset (SYSRESETREQ): core and peripherals restart, RAM keeps its contents.
                self.resets += 1
                for p in self.peripherals.values():
                    p.reset()
                self.reset_core()
                exit_name = None
        wall = time.perf_counter() - t0
        c.set_budget(None)
        if fault is not None:
            message = fault.format()
        elif exit_name == "idle":
            message = "the firmware is waiting for console UART input (nothing more is queued)"
        flash_note = self._flash_warning()
        if flash_note and flash_note not in self.warnings:
            self.warnings.append(flash_note)
        return RunResult(
            exit=exit_name, instructions=c.instructions - insn0, blocks=self._block_total() - blocks0,
            cycles=c.cycles - cyc0, wall_s=wall, uart=self._run_tx.decode("utf-8", "replace"),
            stack_peak_bytes=self.stack_peak_bytes(), fault=fault, message=message,
            warnings=list(self.warnings),
        )

    # emu_start's `until`: an odd address no Thumb or RISC-V PC can hold (a null function
    # pointer must reach address 0 and fault there, not end the run).
    UNTIL = 0xFFFFFFFF
    _pending_fault: Optional[FaultReport] = None

    def _block_total(self) -> int:
        return int(self.counter.blocks_executed)

    def _dispatch_stop(self, reason: str) -> Optional[str]:
        if reason in ("idle", "until", "reset"):
            return reason
        return self.handle_stop(reason)

    def _counter_stop(self, reason: str) -> Optional[str]:
        if reason == "budget":
            return "budget"
        if reason in ("deadline", "cycles"):
            return None  # a timer fell due: the loop ticks and delivers it
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
