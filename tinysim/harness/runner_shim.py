"""Run the unmodified MLCommons runner's main.py with a serial port it discovers as the board.

The runner finds its DUT by USB VID:PID (`serial.tools.list_ports.comports`, matched against its
device list). An emulated board's pty has no USB identity, so this process - started by
`tinysim runner` - makes `comports` report exactly one port, the pty, with the VID:PID the device
list gives the DUT, and makes pyusb's scan for USB-only devices (energy monitors such as the
JS220) find none; then it runs main.py as `__main__` with the runner folder on sys.path. Nothing
of the runner is copied or changed.

    python -m tinysim.harness.runner_shim --port /dev/pts/5 --usb 0x0483:0x374B \\
        --runner-dir ../shared/clients/mlcommons-tiny-runner -- --mode=p ...
"""

from __future__ import annotations

import argparse
import runpy
import sys
from pathlib import Path
from typing import List, Optional


def _fake_ports(port: str, vid: int, pid: int, description: str):
    from serial.tools.list_ports_common import ListPortInfo

    info = ListPortInfo(port, skip_link_detection=True)
    info.vid, info.pid = vid, pid
    info.description = description
    info.manufacturer = "tinysim"
    info.product = description
    info.hwid = f"USB VID:PID={vid:04X}:{pid:04X} (emulated by tinysim)"
    return [info]


def install(port: str, vid: int, pid: int, description: str) -> None:
    """Patch port discovery in this process: the pty is the only serial port, no USB-only device."""
    import serial.tools.list_ports as list_ports

    ports = _fake_ports(port, vid, pid, description)

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
    p.add_argument("--port", required=True, help="the serial device the runner should find (a pty)")
    p.add_argument("--usb", required=True, metavar="VID:PID", help="the USB identity to report for it")
    p.add_argument("--description", default="tinysim emulated board")
    p.add_argument("--runner-dir", required=True, help="folder holding the runner's main.py")
    p.add_argument("runner_args", nargs=argparse.REMAINDER, help="arguments for main.py (after --)")
    args = p.parse_args(argv)
    runner_args = args.runner_args[1:] if args.runner_args[:1] == ["--"] else args.runner_args
    vid, pid = parse_usb(args.usb)
    main_py = Path(args.runner_dir) / "main.py"
    install(args.port, vid, pid, args.description)
    sys.path.insert(0, str(Path(args.runner_dir).resolve()))
    sys.argv = [str(main_py), *runner_args]
    runpy.run_path(str(main_py), run_name="__main__")
    return 0


if __name__ == "__main__":
    sys.exit(main())
