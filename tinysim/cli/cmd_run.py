"""`tinysim run ELF --platform NAME`: run a firmware under emulation, streaming its UART output."""

from __future__ import annotations

import dataclasses
import json
import sys
from pathlib import Path
from typing import Any, List

import numpy as np

from .. import report
from ..errors import TinysimError
from .options import add_image_arguments, add_platform_argument, image_arg, platform_for

# The spin watch of a run without --max-instructions: the run goes in chunks of SPIN_CHUNK
# instructions; SPIN_CHUNKS chunks in a row with no console output that executed at most
# SPIN_BLOCKS distinct translation blocks is a firmware going round one loop for good (a
# `for (;;)` after main's work, a poll of a flag nothing sets). 200 M instructions is 0.4 s
# (patched engine) to a few seconds (stock wheel) of emulation here and ~2 s of device time at
# 100 MHz; any benchmark or test firmware prints or waits for input (exit 'idle') well before
# that. --max-instructions turns it off.
SPIN_CHUNK = 50_000_000
SPIN_CHUNKS = 4
SPIN_BLOCKS = 16

NAME = "run"
HELP = "run a firmware image (ELF, Intel HEX, raw binary) on an emulated platform and report instructions, cycles and speed"


def add_arguments(p) -> None:
    p.add_argument("elf", type=Path, metavar="FIRMWARE",
                   help="firmware image built for the platform: ELF, Intel HEX or raw binary (by content)")
    add_platform_argument(p)
    p.add_argument("--max-instructions", type=int, default=None, metavar="N",
                   help="stop with exit 'budget' after N instructions (default: no limit, but a "
                        "firmware that loops silently in a few blocks for "
                        f"{SPIN_CHUNK * SPIN_CHUNKS:,} instructions is stopped with exit 'spin', "
                        "saying where it spins)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--input", default=None, metavar="TEXT",
                     help="bytes fed to the console UART (escapes like \\n and \\r are honoured)")
    src.add_argument("--input-file", type=Path, default=None, metavar="F", help="file fed to the console UART")
    add_image_arguments(p)
    p.add_argument("--json", action="store_true", help="print one JSON object instead of the text report")
    p.add_argument("--strict-clocks", action="store_true",
                   help="stop with a clock-configuration fault when the firmware sets a clock, "
                        "voltage range or flash wait states outside the manual's limits (default: "
                        "a warning, and the run goes on at the configured settings)")
    p.add_argument("--unmodelled", action="store_true",
                   help="list accesses to peripheral registers no model emulates (they read as reset values)")


def _input_bytes(args) -> bytes:
    if args.input_file is not None:
        try:
            return args.input_file.read_bytes()
        except OSError as err:
            raise TinysimError(f"{args.input_file}: cannot read --input-file: {err.strerror}") from None
    if args.input is not None:
        try:
            return args.input.encode("utf-8").decode("unicode_escape").encode("latin-1")
        except UnicodeError as err:
            raise TinysimError(f"--input {args.input!r}: {err.reason} at position {err.start}; "
                               "escapes are Python-style bytes (\\n, \\x41, up to \\xff); "
                               "put other data in a file and pass --input-file") from None
    return b""


def _block_counts(counter) -> np.ndarray:
    return counter.blocks()["count"].astype(np.int64)


def run_watched(session) -> Any:
    """`session.run()` with no budget, in chunks, stopping a silent spin (see SPIN_CHUNK)."""
    machine, counter = session.machine, session.machine.counter
    parts: List[Any] = []   # RunResult of each chunk
    quiet = 0
    while True:
        before = _block_counts(counter)
        part = session.run(max_instructions=SPIN_CHUNK)
        parts.append(part)
        if part.exit != "budget":
            return _joined(parts, part.exit, part.message)
        after = _block_counts(counter)
        delta = np.concatenate([after[:len(before)] - before, after[len(before):]])
        distinct = int(np.count_nonzero(delta))
        quiet = quiet + 1 if not part.uart and distinct <= SPIN_BLOCKS else 0
        if quiet >= SPIN_CHUNKS:
            pc = machine.uc.reg_read(machine.pc_reg())
            n = SPIN_CHUNK * SPIN_CHUNKS
            return _joined(parts, "spin",
                           f"stopped: the firmware spins in {machine.firmware.symbolize(pc)} "
                           f"(pc={pc:#010x}), {n:,} instructions in at most {SPIN_BLOCKS} blocks "
                           "with no console output; give --max-instructions N to run it "
                           "longer (that turns this check off)")


def _joined(parts: List[Any], exit_name: str, message: str) -> Any:
    last = parts[-1]
    warnings: List[str] = []
    for p in parts:
        warnings += [w for w in p.warnings if w not in warnings]
    return dataclasses.replace(
        last, exit=exit_name, message=message, warnings=warnings,
        instructions=sum(p.instructions for p in parts), blocks=sum(p.blocks for p in parts),
        cycles=sum(p.cycles for p in parts), wall_s=sum(p.wall_s for p in parts),
        uart="".join(p.uart for p in parts))


def _where_stopped(machine) -> str:
    """One line for Ctrl-C: the function the firmware was in and how far it had run."""
    try:
        pc = machine.uc.reg_read(machine.pc_reg())
        n = machine.counter.instructions
    except Exception:  # noqa: BLE001 - never mask the interrupt with a report failure
        return "run: stopped by Ctrl-C"
    return (f"run: stopped by Ctrl-C in {machine.firmware.symbolize(pc)} (pc={pc:#010x}) after "
            f"{n:,} instructions; --max-instructions N stops a run by itself")


def run(args) -> int:
    from ..pipeline.session import build_session  # deferred: `tinysim --help` start-up speed
    data = _input_bytes(args)  # a bad --input fails before the firmware is loaded
    platform = platform_for(args, args.elf)
    session = build_session(image_arg(args.elf, platform, args), platform)
    session.machine.strict_clocks = args.strict_clocks
    machine = session.machine
    if not args.json:
        def stream(data: bytes) -> None:
            sys.stdout.write(data.decode("utf-8", "replace"))
            sys.stdout.flush()
        machine.on_uart_tx(stream)
    if data:
        machine.uart_rx(data)
    idle0 = machine.idle_cycles
    try:
        result = (session.run(max_instructions=args.max_instructions) if args.max_instructions
                  else run_watched(session))
    except KeyboardInterrupt:
        print(_where_stopped(machine), file=sys.stderr)   # where a spinning firmware spins
        raise
    unmodelled = machine.unmodelled_accesses() if args.unmodelled else None
    split = active_idle(machine, result, machine.idle_cycles - idle0)
    if args.json:
        out = result.to_dict()
        out.update({"elf": str(args.elf), "elf_sha256": session.firmware.sha256,
                    "platform": session.platform.name, **split})
        if unmodelled is not None:
            out["unmodelled"] = [dict(zip(("peripheral", "register", "access", "pc", "count"), row))
                                 for row in unmodelled]
        print(json.dumps(out, indent=2))
    else:
        _report(result, session, unmodelled, split)
    return exit_code(result)


def exit_code(result) -> int:
    """The command's status: the firmware's own after a semihosting exit (as QEMU gives it, for
    test firmware run in CI), else 0 when the firmware stopped, idled or printed what was waited
    for, and 1 otherwise."""
    if result.exit == "exit":
        return result.exit_status & 0xFF
    return 0 if result.exit in ("halt", "idle", "until") else 1


def active_idle(machine, result, idle_cycles: int) -> dict:
    """The run's device cycles and time split into active (the core executing) and idle (WFI
    sleep and waits the emulator skipped to their next event), with the MIPS of each clock."""
    end = machine.now()
    seconds = machine.seconds_at(end) - machine.seconds_at(end - result.cycles)
    idle = min(max(int(idle_cycles), 0), int(result.cycles))
    active = int(result.cycles) - idle
    share = active / result.cycles if result.cycles else 1.0
    active_s = seconds * share   # by cycles: exact at one clock, a split in proportion otherwise
    return {"device_s": seconds, "active_cycles": active, "idle_cycles": idle,
            "active_s": active_s, "idle_s": seconds - active_s,
            "device_mips": result.instructions / active_s / 1e6 if active_s > 0 else None,
            "emulation_mips": result.mips}


def _report(result, session, unmodelled, split) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console(stderr=False, highlight=False)
    if result.uart and not result.uart.endswith("\n"):
        console.print()
    if result.fault is not None:
        console.print(f"[bold red]{_escape(result.fault.format())}[/]")
        caller = return_address(result.fault, session.firmware)
        if caller:
            console.print(f"[red]  called from {_escape(caller)}[/]")
    elif result.exit == "idle":
        console.print(f"[yellow]{_escape(result.message)}; feed it with --input or --input-file[/]")
    elif result.message:
        console.print(f"[yellow]{_escape(result.message)}[/]")
    t = Table(title=f"{session.firmware.path.name} on {session.platform.name}", show_header=False)
    t.add_row("exit", result.exit if result.exit != "exit" else f"exit, status {result.exit_status}")
    t.add_row("instructions", f"{result.instructions:,}")
    t.add_row("blocks", f"{result.blocks:,}")
    m = session.machine  # device time: each clock segment the firmware set at its own clock
    ms = report.column([split["active_s"] * 1e3, split["idle_s"] * 1e3, split["device_s"] * 1e3])
    t.add_row("cycles, active", f"{split['active_cycles']:,} (cost model)")
    t.add_row("cycles, idle", f"{split['idle_cycles']:,} (sleep and waits skipped to their event)")
    t.add_row("device time, active", f"{ms[0]} ms")
    t.add_row("device time, idle", f"{ms[1]} ms")
    t.add_row("device time, total", f"{ms[2]} ms @ {m.clock_hz() / 1e6:g} MHz"
              + (" at the end" if len(m.op_changes) > 1 else ""))
    if split["device_mips"] is not None:
        t.add_row("device MIPS (active)", f"{split['device_mips']:.1f}")
    t.add_row("wall time", f"{result.wall_s:.3f} s")
    t.add_row("emulation speed", f"{result.mips:.1f} MIPS of wall time")
    t.add_row("stack peak", "unknown (no __stack_limit/_estack symbols)" if result.stack_peak_bytes is None
              else f"{result.stack_peak_bytes:,} bytes")
    for w in result.warnings:
        t.add_row("warning", w)
    console.print(t)
    if unmodelled is not None:
        u = Table(title="accesses to unmodelled registers (read as reset value)")
        for col in ("peripheral", "register", "access", "pc", "count"):
            u.add_column(col)
        for row in unmodelled:
            u.add_row(*[str(x) for x in row])
        if not unmodelled:
            u.add_row("(none)", "", "", "", "")
        console.print(u)


def return_address(fault, firmware) -> str:
    """The faulting code's caller, `func+0x1a (lr=0x...)`, when the link register holds a code
    address with a symbol (lr on Cortex-M, ra on RISC-V); "" otherwise."""
    for reg in ("lr", "ra"):
        value = fault.registers.get(reg) if isinstance(fault.registers, dict) else None
        if value is None:
            continue
        name = firmware.symbolize(int(value) & ~1)
        if not name.startswith("0x"):
            return f"{name} ({reg}={int(value):#010x})"
    return ""


def _escape(text: str) -> str:
    from rich.markup import escape
    return escape(text)
