"""Run the unmodified MLCommons runner's main.py with a serial port it discovers as the board.

The runner finds its DUT by USB VID:PID (`serial.tools.list_ports.comports`, matched against its
device list). An emulated board's pty has no USB identity, so this process - started by
`tinysim runner` - makes `comports` report exactly the ptys it is given, each with the VID:PID the
device list gives the device it stands for (the DUT; or, in energy mode, the interface board and
the LPM01A), and makes pyusb's scan for USB-only devices (energy monitors such as the JS220) find
none; then it runs main.py as `__main__` with the runner folder on sys.path. Nothing
of the runner is copied or changed.

    python -m tinysim.harness.runner_shim --port /dev/pts/5 --usb 0x0483:0x374B \\
        --runner-dir ../shared/clients/mlcommons-tiny-runner -- --mode=p ...
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path
from typing import List, Optional, Tuple


def _fake_port(port: str, vid: int, pid: int, description: str):
    from serial.tools.list_ports_common import ListPortInfo

    info = ListPortInfo(port, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    info.description = description
    info.manufacturer = "tinysim"
    info.product = description
    info.hwid = f"USB VID:PID={vid:04X}:{pid:04X} (emulated by tinysim)"
    return info


def install(ports: List[Tuple[str, int, int, str]]) -> None:
    """Patch port discovery in this process: the ptys (path, vid, pid, description) are the only
    serial ports, and there is no USB-only device."""
    import serial.tools.list_ports as list_ports

    ports = [_fake_port(*p) for p in ports]

    def comports(include_links: bool = False):
        return list(ports)

    list_ports.comports = comports
    try:
        import usb.core
    except ImportError:
        return  # the runner imports pyusb itself and says what is missing
    usb.core.find = lambda *args, **kwargs: iter(()) if kwargs.get("find_all") else None


def parse_usb(text: str) -> tuple:
    try:
        vid, pid = (int(part, 16) for part in text.split(":"))
    except ValueError:
        raise SystemExit(f"runner_shim: --usb {text!r}: expected VID:PID in hex, e.g. 0x0483:0x374B") from None
    return vid, pid


def main(argv: Optional[List[str]] = None) -> int:
    p = argparse.ArgumentParser(prog="python -m tinysim.harness.runner_shim")
    p.add_argument("--port", required=True, action="append",
                   help="a serial device the runner should find (a pty); repeat it for several")
    p.add_argument("--usb", required=True, action="append", metavar="VID:PID",
                   help="the USB identity to report for it (one per --port, in order)")
    p.add_argument("--description", action="append", help="its description (one per --port, in order)")
    p.add_argument("--runner-dir", required=True, help="folder holding the runner's main.py")
    p.add_argument("runner_args", nargs=argparse.REMAINDER, help="arguments for main.py (after --)")
    args = p.parse_args(argv)
    runner_args = args.runner_args[1:] if args.runner_args[:1] == ["--"] else args.runner_args
    if len(args.usb) != len(args.port):
        raise SystemExit("runner_shim: give one --usb per --port")
    names = (args.description or []) + ["tinysim emulated board"] * len(args.port)
    main_py = Path(args.runner_dir) / "main.py"
    install([(port, *parse_usb(usb), name) for port, usb, name in zip(args.port, args.usb, names)])
    sys.path.insert(0, str(Path(args.runner_dir).resolve()))
    sys.argv = [str(main_py), *runner_args]
    runpy.run_path(str(main_py), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
