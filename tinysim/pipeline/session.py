"""The one place that builds a Machine + native Counter + BlockCoster for (platform, firmware).

It joins the emulator and the cost model, which never import each other, so it lives in the
pipeline layer above both.

    from tinysim.pipeline.session import run_firmware
    result = run_firmware("hello.elf", "nucleo-l4r5zi", max_instructions=10_000_000)
    print(result.exit, result.instructions, result.cycles, result.uart)
"""

from __future__ import annotations

from pathlib import Path
from typing import Callable, Optional, Union

from ..cost import BlockCoster
from ..cost.flash import flash_penalties, penalties_for_ws
from ..cost.profile import ExecutionProfile
from ..elf import Firmware
from ..emu.counter import CacheGeometry, Counter
from ..emu.machine import Machine, RunResult, create_machine
from ..errors import EmulationError
from ..image import load_image
from ..platform import load_platform
from .segments import window_points


def _platform(platform):
    return load_platform(platform) if isinstance(platform, str) else platform


def _firmware(elf, plat) -> Firmware:
    """A Firmware as given, or the image (ELF, Intel HEX, raw binary) at that path."""
    return elf if isinstance(elf, Firmware) else load_image(Path(elf), plat)


def counter_options(plat, *, stack_guard=None, count_data: bool = False,
                    line_bytes: Optional[int] = None) -> dict:
    """The native counter's options a platform implies: flash ranges, the ART-style caches with
    the cost model's penalties, data regions, the stack guard. `line_bytes`: the flash read
    width when the flash controller's option bytes say (else the platform file's)."""
    flash = [m for m in plat.memories if m.kind == "flash"]
    imiss, ipre, dmiss = flash_penalties(plat)
    ft = plat.flash
    if line_bytes and line_bytes != ft.line_bytes:
        ft = ft.with_line_bytes(line_bytes)
    icache = dcache = None
    if flash and ft.icache_lines > 0:
        icache = CacheGeometry(line_bytes=ft.line_bytes, lines=ft.icache_lines, miss_penalty=imiss,
                               prefetch=bool(ft.prefetch), prefetch_penalty=ipre,
                               ways=ft.icache_ways)
    if flash and ft.dcache_lines > 0:
        dcache = CacheGeometry(line_bytes=ft.line_bytes, lines=ft.dcache_lines, miss_penalty=dmiss,
                               ways=ft.dcache_ways)
    return {
        "flash_ranges": [(m.base, m.base + m.size) for m in flash],
        "icache": icache,
        "dcache": dcache,
        "regions": [(m.name, m.base, m.base + m.size, m.kind) for m in plat.memories],
        "stack_guard": stack_guard,
        "count_data": count_data,
        "shared_caches": bool(ft.shared_cache and icache is not None and dcache is not None),
    }


class Session:
    """A machine ready to run: emulator, cost model and counter wired together."""

    def __init__(self, elf, platform, *, count_data: bool = False, coster=None,
                 counter_overrides: Optional[dict] = None):
        """`counter_overrides` replaces options of the native counter the platform implies
        (e.g. `dcache=None`, `stack_guard_mode="hook"`): tests and the differential tester
        use it to run one firmware in each hook mode."""
        self.platform = _platform(platform)
        self.firmware = _firmware(elf, self.platform)
        self.machine: Machine = create_machine(self.platform, self.firmware)
        self.coster = coster or BlockCoster(self.platform)
        uc = self.machine.uc
        describe = self.machine.describer(self.coster.describer(uc.mem_read))

        read = self.machine.flash_read_bytes()   # the flash controller's read width, if it says
        self.flash = self.platform.flash.with_read_bytes(read) if read else self.platform.flash
        self.line_bytes = self.flash.line_bytes
        options = {**counter_options(self.platform, stack_guard=self.machine.stack_guard(),
                                     count_data=count_data, line_bytes=self.line_bytes),
                   **(counter_overrides or {})}
        self.counter = Counter(uc, describe, **options)
        self.machine.attach_counter(self.counter)
        self.machine.on_operating_point(self._retime)

    def _retime(self, point, icache_reset: bool, dcache_reset: bool) -> None:
        """The firmware changed its clock or flash set-up: misses cost the new penalties from
        the next block on (tinysim.emu.operating_point). Under a what-if clock override the
        platform's penalties stay."""
        if point.latency is None or self.machine.clock_override is not None:
            return
        imiss, ipre, dmiss, dpre = (int(round(float(x))) for x in penalties_for_ws(
            point.latency, self.line_bytes, bool(point.prefetch), None, self.flash.refill_reads))
        self.counter.set_flash_timing(imiss=imiss, iprefetch=ipre, prefetch=bool(point.prefetch),
                                      dmiss=dmiss, dprefetch=dpre, icache_on=bool(point.icache),
                                      dcache_on=bool(point.dcache), icache_reset=icache_reset,
                                      dcache_reset=dcache_reset, cache_ways=point.cache_ways)

    def run(self, max_instructions: Optional[int] = None, until=None) -> RunResult:
        return self.machine.run(max_instructions=max_instructions, until=until)


def build_session(elf, platform, *, count_data: bool = False, coster=None) -> Session:
    return Session(elf, platform, count_data=count_data, coster=coster)


def run_firmware(elf, platform, max_instructions: Optional[int] = None, uart_input: Union[bytes, str] = b"",
                 on_uart: Optional[Callable[[bytes], None]] = None) -> RunResult:
    """Run a firmware from reset until it halts, faults, idles or exhausts the budget.

    `uart_input` is queued on the console UART before the run; the run ends ("idle") when the
    firmware waits for more. `on_uart(bytes)` sees console output as it is produced."""
    session = build_session(elf, platform)
    if on_uart is not None:
        session.machine.on_uart_tx(on_uart)
    if uart_input:
        session.machine.uart_rx(uart_input.encode() if isinstance(uart_input, str) else uart_input)
    return session.run(max_instructions=max_instructions)


def record_profile(elf, platform, max_instructions: Optional[int] = None, uart_input: Union[bytes, str] = b""):
    """Run like `run_firmware`, counting data accesses, and return the whole run as one
    `ExecutionProfile` (tinysim.cost.profile) plus the RunResult."""
    session = build_session(elf, platform, count_data=True)
    before = session.counter.snapshot()
    if uart_input:
        session.machine.uart_rx(uart_input.encode() if isinstance(uart_input, str) else uart_input)
    result = session.run(max_instructions=max_instructions)
    if result.exit == "fault":
        raise EmulationError(f"{session.firmware.path}: cannot record a profile, the firmware faulted:\n"
                             f"{result.fault.format()}")
    after = session.counter.snapshot()
    profile = ExecutionProfile.from_snapshots(before, after, session.coster,
                                              platform=session.platform.name,
                                              elf_sha256=session.firmware.sha256,
                                              **window_points(session.machine, before, after))
    return profile, result
