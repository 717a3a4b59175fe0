"""`tinysim hw`: measure an ELF on a board over its serial port, then simulate the same ELF.

    tinysim hw --port /dev/ttyACM0 --platform nucleo-l4r5zi --elf firmware_images/nucleo-l4r5zi/kws01.elf --flash

Flashes with pyOCD when asked (`pyocd flash -t <target> ELF`), runs the performance procedure
over the serial port (the board's own m-lap-us timer), runs the same procedure on the same ELF in
the emulator, and reports measured vs simulated latency and the error. Both rows land in one
results directory (engine "hardware" and "unicorn"). `tinysim serve --pty` makes an emulated
board look like a serial device, which exercises this exact code path without hardware.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from .. import report, workloads
from ..errors import FirmwareError, ProtocolError, TinysimError
from ..harness.protocol import DutClient
from ..harness.runner import Runner
from ..harness.transports import SerialTransport
from ..platform import load_platform
from ..harness.results import RunWriter, args_meta
from . import cmd_bench

NAME = "hw"
HELP = "measure an ELF on a board over a serial port and compare with its simulation"

# pyOCD target names of the boards tinysim knows (`pyocd list --targets`); others use --target.
PYOCD_TARGETS = {"nucleo-l4r5zi": "stm32l4r5zitx"}
FLASH_TIMEOUT_S = 300


def add_arguments(p) -> None:
    p.add_argument("--port", required=True, help="serial device of the board (e.g. /dev/ttyACM0)")
    p.add_argument("--elf", required=True, type=Path, help="firmware ELF (a DUT harness build)")
    p.add_argument("--baud", type=int, default=None, help="baud rate (default: the platform's console baud)")
    p.add_argument("--flash", action="store_true", help="flash the ELF with pyOCD first")
    p.add_argument("--target", default=None, help="pyOCD target name (default: from the platform)")
    p.add_argument("--workload", choices=workloads.ids(), default=None,
                   help="expected model id (default: whatever the board reports)")
    p.add_argument("--timeout", type=float, default=60.0,
                   help="seconds to wait for each DUT line while inferring (default 60)")
    p.add_argument("--no-sim", action="store_true", help="measure only; skip the simulation of the same ELF")
    cmd_bench.add_common_arguments(p)


def flash(elf: Path, target: str) -> None:
    """`pyocd flash -t TARGET ELF`, with errors a user can act on."""
    exe = _pyocd()
    try:
        proc = subprocess.run([exe, "flash", "-t", target, str(elf)], capture_output=True, text=True,
                              timeout=FLASH_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        raise TinysimError(f"pyocd flash -t {target} {elf}: no result after {FLASH_TIMEOUT_S} s "
                           "(is the probe connected?)") from None
    if proc.returncode != 0:
        tail = (proc.stderr or proc.stdout).strip().splitlines()[-5:]
        raise TinysimError(f"pyocd flash -t {target} {elf} failed (status {proc.returncode}): "
                           + " | ".join(tail))


def _pyocd() -> str:
    exe = shutil.which("pyocd")
    if exe is None:
        raise TinysimError("--flash needs pyOCD, which is not installed: pip install pyocd "
                           "(or flash the ELF another way and run without --flash)")
    return exe


def check_elf(elf: Path, platform) -> None:
    """The simulation of the ELF runs after the board measurement (and flashing): a file that is
    no ELF, or one for another core, must fail before either, not minutes later."""
    from ..elf import Firmware  # deferred: `tinysim --help` start-up speed
    firmware = Firmware.load(elf)   # names the file when it is not an ELF
    if firmware.arch != platform.core.arch:
        raise FirmwareError(f"{elf}: firmware is built for {firmware.arch} but platform "
                            f"{platform.name} has a {platform.core.cpu} ({platform.core.arch}) "
                            "core; pass the --platform of the board the ELF was built for")


def measure_on_board(args, platform, workload_hint):
    """(PerformanceRun, workload) of the board on `args.port`."""
    transport = SerialTransport(args.port, args.baud or platform.console_baud)
    try:
        if not args.no_sim:
            check_elf(args.elf, platform)
        if args.flash:
            flash(args.elf, args.target or _target_for(platform))
        client = DutClient(transport, infer_timeout=args.timeout)
        try:
            client.wait_ready(timeout=2.0)   # a banner after a reset; a running board prints none
        except ProtocolError:
            pass
        client.name()                        # the board answers the protocol at all
        workload = workload_hint or client.profile()
        if workload not in workloads.WORKLOADS:
            raise TinysimError(f"{args.port}: the board runs model {workload!r}, not an MLPerf Tiny workload")
        run = Runner(client, cmd_bench.runner_options(args, workload)).performance(workload)
    finally:
        transport.close()
    return run, workload


def _target_for(platform) -> str:
    target = PYOCD_TARGETS.get(platform.name)
    if target is None:
        raise TinysimError(f"no pyOCD target known for {platform.name}; pass --target (see `pyocd list --targets`)")
    return target


def run(args) -> int:
    platform = load_platform(args.platform)
    if not args.elf.is_file():
        raise TinysimError(f"--elf {args.elf}: no such file")
    if args.flash:
        _pyocd()                         # a missing flasher is said first: nothing else can run
    writer = RunWriter(args.out, meta={"command": "hw", "platform": platform.label, "port": args.port,
                                       "options": args_meta(args), "quick": args.quick})
    with writer:   # a run that fails before the board answers leaves no empty results folder
        run_hw, workload = measure_on_board(args, platform, args.workload)
        measured = cmd_bench.row_from_performance(run_hw, platform=platform, engine="hardware",
                                                  elf=args.elf, entry={}, models_dir=args.models)
        writer.add(measured, uart_log="\n".join(run_hw.log) + "\n")
        simulated = None
        if not args.no_sim:
            simulated = cmd_bench.bench_workload(platform, workload, args.elf, {}, args, writer)
    err = report.error_pct(measured.metrics.latency_ms, simulated.metrics.latency_ms) if simulated else None
    if args.json:
        print(json.dumps({"results_dir": str(writer.directory),
                          "measured": report.summary([measured]).popitem()[1],
                          "simulated": report.summary([simulated]).popitem()[1] if simulated else None,
                          "latency_error_pct": err}, indent=2))
        return 0
    con = report.console()
    if simulated:
        con.print(report.hw_table(measured, simulated))
        con.print(f"latency error (simulated vs measured): {err:+.2f}%" if err is not None else "")
    else:
        report.print_bench(con, [measured], title=f"tinysim hw: {args.port}")
    con.print(f"results: {writer.directory}")
    return 0
