"""`tinysim serve --pty`: make an emulated board look like a serial device.

Opens a pseudo-terminal in raw mode, prints the path of its device (e.g. /dev/pts/5) and bridges
bytes between it and the DUT's console UART, so any serial client - the MLCommons runner,
picocom, pyserial, `tinysim run --port` - drives the emulated board as if it were plugged in.
The baud rate a client sets on the pty is ignored; bytes pass unchanged.
"""

from __future__ import annotations

import os
import select
import signal
import sys
import termios
import tty
from typing import List, Optional

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
    dut = _open_dut(args)
    master, slave = os.openpty()
    link_made = False
    try:
        # Raw mode: no echo, no CR/LF translation, no line buffering - a UART passes bytes as is.
        tty.setraw(slave, termios.TCSANOW)
        path = os.ttyname(slave)
        # Boot the DUT before announcing the device, so no client can catch the banner half-way
        # (it would read the boot's m-ready as the answer to its first command). The banner goes
        # to stderr: like a board that booted before anyone opened its port.
        for line in _boot_banner(dut):
            print(f"tinysim serve: DUT: {line}", file=sys.stderr)
        if args.link:
            _make_link(args.link, path)
            link_made = True
        # stdout carries only the device path, so scripts can read it; the rest goes to stderr.
        print(path, flush=True)
        print(f"tinysim serve: {dut.describe()} on {path}"
              + (f" (link {args.link})" if args.link else "") + "; Ctrl-C stops", file=sys.stderr, flush=True)
        signal.signal(signal.SIGTERM, _raise_interrupt)
        try:
            _bridge(dut, master)
        except TransportClosed as err:
            print(f"tinysim serve: {err}", file=sys.stderr)
            return 1
        except KeyboardInterrupt:
            return 0
        return 0
    finally:
        _summary(dut)
        if link_made:
            try:
                os.unlink(args.link)
            except OSError:
                pass
        dut.close()
        os.close(master)
        os.close(slave)  # held open until now so the pty survives clients closing and reopening


def _open_dut(args) -> Transport:
    from ..pipeline.emulated_transport import EmulatedTransport  # deferred: `tinysim --help` start-up speed
    if args.exec_program:
        if args.elf:
            raise TinysimError("give either --elf (emulated board) or --exec (local program), not both")
        return ProcessTransport([args.exec_program])
    if not args.elf or not args.platform:
        raise TinysimError("serve needs --platform and --elf (or --exec PROGRAM for a host-native DUT)")
    platform = load_platform(args.platform)
    return EmulatedTransport(platform, image_arg(args.elf, platform, args))


def _boot_banner(dut: Transport, timeout: float = BOOT_TIMEOUT_S) -> List[str]:
    """The DUT's boot lines, up to its first m-ready (or whatever came within `timeout`)."""
    lines: List[str] = []
    while "m-ready" not in lines:
        line = dut.read_line(timeout)
        if line is None:
            break
        lines.append(line)
    return lines


def _summary(dut: Transport) -> None:
    """On the way out, how much virtual time the emulated board spent (its own clock)."""
    from ..pipeline.emulated_transport import EmulatedTransport  # deferred: `tinysim --help` start-up speed
    if isinstance(dut, EmulatedTransport) and dut.machine.counter is not None:
        counter, platform = dut.machine.counter, dut.machine.platform
        print(f"tinysim serve: stopped after {counter.instructions} instructions, "
              f"{counter.cycles / platform.clock_hz:.3f} s of {platform.name} time", file=sys.stderr)


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


def _bridge(dut: Transport, master: int) -> None:
    """Copy client bytes to the DUT and DUT bytes to the client until interrupted."""
    dut_fd: Optional[int] = dut.fileno()
    # A DUT without a file descriptor (the emulator) only talks after input: pump it to idle
    # after each write instead of polling.
    watched = [master] + ([dut_fd] if dut_fd is not None else [])
    while True:
        ready, _, _ = select.select(watched, [], [])
        if master in ready:
            try:
                data = os.read(master, 4096)
            except OSError:  # EIO while no client holds the slave side: wait for one
                data = b""
            if data:
                dut.write(data)
                if dut_fd is None:
                    _forward(dut, master)
        if dut_fd is not None and dut_fd in ready:
            _forward(dut, master)


def _forward(dut: Transport, master: int) -> None:
    """Pass on what the DUT has to say; an emulated DUT runs until it waits for input again."""
    while True:
        data = dut.read_bytes(0)
        if not data:
            return
        while data:
            written = os.write(master, data)
            data = data[written:]
