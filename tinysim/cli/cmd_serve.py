"""`tinysim serve --pty`: make an emulated board look like a serial device.

Opens a pseudo-terminal in raw mode, prints the path of its device (e.g. /dev/pts/5) and bridges
bytes between it and the DUT's console UART, so any serial client - the MLCommons runner,
picocom, pyserial, `tinysim run --port` - drives the emulated board as if it were plugged in.
The baud rate a client sets on the pty is ignored; bytes pass unchanged, and the emulated UART
delivers them at the baud rate the firmware configured, in device time.

The emulated board runs in device time whether or not a client reads (tinysim.pipeline.serve_loop):
a long silent `infer` keeps computing while the client waits, and once the firmware waits for
input the board is fast-forwarded at no host time. The exit summary separates the two.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import time
import tty
from typing import List

from ..errors import TinysimError
from ..harness.transports import ProcessTransport, Transport, TransportClosed
from ..platform import load_platform
from .options import add_image_arguments, image_arg

NAME = "serve"
BOOT_TIMEOUT_S = 5.0  # wall time a host-native DUT gets to print its boot banner
HELP = "serve an emulated board's console on a pseudo-terminal (pty) for serial clients"


def add_arguments(p) -> None:
    p.add_argument("--platform", help="board name or TOML path (e.g. nucleo-l4r5zi)")
    p.add_argument("--elf", "--firmware", dest="elf",
                   help="firmware image to run (a DUT harness build): ELF, Intel HEX or raw binary")
    add_image_arguments(p)
    p.add_argument("--pty", action="store_true", help="serve on a new pseudo-terminal (the only mode so far)")
    p.add_argument("--link", metavar="PATH", help="also make PATH a symlink to the pty device (e.g. /tmp/tinysim-dut)")
    p.add_argument("--energy", action="store_true",
                   help="serve the runner's energy bench instead of the bare console: an emulated LPM01A "
                   "power monitor and an emulated interface board, each on its own pty (stdout: one line, the "
                   "interface board's pty and the monitor's), fed by the board in device time")
    p.add_argument("--timestamp-pin", metavar="PERIPHERAL:PIN",
                   help="with --energy: the GPIO wired to the monitor's D7 input (the pin the energy firmware "
                   "pulls low as its timestamp); default the board's Arduino D7, e.g. gpio:PF13")
    p.add_argument(
        "--exec",
        dest="exec_program",
        metavar="PROGRAM",
        help="serve a local program's stdin/stdout instead of the emulator (e.g. the host-native "
        "harness from tinysim/firmware/boards/host), to try a serial client without an ELF",
    )


def run(args) -> int:
    if not args.pty:
        raise TinysimError("serve needs --pty (serving on a pseudo-terminal is the only mode)")
    if args.energy:
        return _serve_energy(args)
    if args.exec_program:
        if args.elf:
            raise TinysimError("give either --elf (emulated board) or --exec (local program), not both")
        board = ProcessTransport([args.exec_program])
    else:
        board = _open_board(args)
    master, slave = os.openpty()
    link_made = False
    t0 = time.monotonic()
    try:
        # Raw mode: no echo, no CR/LF translation, no line buffering - a UART passes bytes as is.
        tty.setraw(slave, termios.TCSANOW)
        path = os.ttyname(slave)
        # Boot the DUT before announcing the device, so no client can catch the banner half-way
        # (it would read the boot's m-ready as the answer to its first command). The banner goes
        # to stderr: like a board that booted before anyone opened its port.
        lines = board.boot() if not isinstance(board, Transport) else _boot_banner(board)
        for line in lines:
            print(f"tinysim serve: DUT: {line}", file=sys.stderr)
        if args.link:
            _make_link(args.link, path)
            link_made = True
        # stdout carries only the device path, so scripts can read it; the rest goes to stderr.
        print(path, flush=True)
        print(f"tinysim serve: {_describe(board, args)} on {path}"
              + (f" (link {args.link})" if args.link else "") + "; Ctrl-C stops", file=sys.stderr, flush=True)
        return _until_stopped(lambda: board.serve(master) if not isinstance(board, Transport) else _bridge(board, master))
    finally:
        if not isinstance(board, Transport):
            print(f"tinysim serve: stopped after {board.device_time().summary(board.machine.platform.name)}; "
                  f"{time.monotonic() - t0:.1f} s of host time", file=sys.stderr)
            board.machine.close()
        else:
            board.close()
        if link_made:
            try:
                os.unlink(args.link)
            except OSError:
                pass
        os.close(master)
        os.close(slave)  # held open until now so the pty survives clients closing and reopening


def _open_board(args):
    from ..pipeline.serve_loop import BoardServer  # deferred: `tinysim --help` start-up speed
    return BoardServer(_session(args).machine)


def _session(args):
    from ..pipeline.session import build_session  # deferred: `tinysim --help` start-up speed
    if not args.elf or not args.platform:
        raise TinysimError("serve needs --platform and --elf (or --exec PROGRAM for a host-native DUT)")
    platform = load_platform(args.platform)
    return build_session(image_arg(args.elf, platform, args), platform)


def _raw_pty():
    master, slave = os.openpty()
    tty.setraw(slave, termios.TCSANOW)
    return master, slave, os.ttyname(slave)


def _serve_energy(args) -> int:
    """`serve --energy`: the board behind an emulated interface board and LPM01A (two ptys)."""
    from ..pipeline.energy_rig import EnergyRig, timestamp_pin  # deferred: `tinysim --help` start-up speed
    if args.exec_program or args.link:
        raise TinysimError("serve --energy takes --platform and --elf (not --exec or --link)")
    session = _session(args)
    rig = EnergyRig(session, pin=timestamp_pin(session.platform.name, args.timestamp_pin))
    ptys = [_raw_pty(), _raw_pty()]
    t0 = time.monotonic()
    try:
        boot = rig.board.boot()
        for line in boot:
            print(f"tinysim serve: DUT: {line}", file=sys.stderr)
        if "m-timestamp-mode-performance" in boot:
            raise TinysimError(f"serve --energy: {args.elf} is a performance-mode build (it printed "
                               "m-timestamp-mode-performance): it times itself with its cycle counter and pulls no "
                               "timestamp pin, so the power monitor would see no window; give an energy-mode build "
                               "(e.g. ST's *_Energy_9600.hex on nucleo-l4r5zi-p)")
        (io_master, _, io_path), (pm_master, pm_slave, pm_path) = ptys
        print(f"{io_path} {pm_path}", flush=True)   # one line: a reader's select() sees it whole
        print(f"tinysim serve: emulated {session.platform.name} running {session.firmware.path.name} behind an "
              f"emulated interface board on {io_path} and an emulated LPM01A on {pm_path} (timestamp pin "
              f"{rig.pin} on its D7); Ctrl-C stops", file=sys.stderr, flush=True)
        return _until_stopped(lambda: rig.serve(
            io_master, pm_master, pm_slave,
            on_warning=lambda text: print(f"tinysim serve: warning: {text}", file=sys.stderr, flush=True)))
    finally:
        print(f"tinysim serve: stopped after {rig.board.device_time().summary(session.platform.name)}; "
              f"{rig.edges} timestamp edges on {rig.pin}; {time.monotonic() - t0:.1f} s of host time", file=sys.stderr)
        session.machine.close()
        for master, slave, _ in ptys:
            os.close(master)
            os.close(slave)


def _describe(board, args) -> str:
    if isinstance(board, Transport):
        return board.describe()
    return f"emulated {board.machine.platform.name} running {board.machine.firmware.path.name}"


def _boot_banner(dut: Transport, timeout: float = BOOT_TIMEOUT_S) -> List[str]:
    """The DUT's boot lines, up to its first m-ready (or whatever came within `timeout`)."""
    lines: List[str] = []
    while "m-ready" not in lines:
        line = dut.read_line(timeout)
        if line is None:
            break
        lines.append(line)
    return lines


def _make_link(link: str, target: str) -> None:
    if os.path.lexists(link):
        if not os.path.islink(link):
            raise TinysimError(f"--link {link}: exists and is not a symlink; choose another path")
        os.unlink(link)  # a stale link from an earlier serve
    try:
        os.symlink(target, link)
    except OSError as err:
        raise TinysimError(f"--link {link}: cannot create the symlink: {err}") from None


def _raise_interrupt(signum, frame) -> None:
    raise KeyboardInterrupt


def _until_stopped(serve) -> int:
    """Run `serve()` until Ctrl-C or SIGTERM (exit 0) or the board goes away (exit 1)."""
    signal.signal(signal.SIGTERM, _raise_interrupt)
    try:
        serve()
    except TransportClosed as err:
        print(f"tinysim serve: {err}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    return 0


def _bridge(dut: Transport, master: int) -> None:
    """Copy client bytes to a local program's stdin and its stdout to the client until interrupted."""
    dut_fd = dut.fileno()
    while True:
        ready, _, _ = select.select([master, dut_fd], [], [])
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO while no client holds the slave side: wait for one
                data = b""
            if data:
                dut.write(data)
        if dut_fd in ready:
            _forward(dut, master)


def _forward(dut: Transport, master: int) -> None:
    """Pass on what the program has said so far."""
    data = dut.read_bytes(0)
    while data:
        written = os.write(master, data)
        data = data[written:]
