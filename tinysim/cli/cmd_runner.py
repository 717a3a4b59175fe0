"""`tinysim runner -- <main.py args>`: the official MLCommons runner against an emulated board.

Starts `tinysim serve --pty` for the board and image, then runs the runner's own main.py,
unmodified, from its folder (`--runner-dir`, default ../shared/clients/mlcommons-tiny-runner
next to the repository) through `tinysim.harness.runner_shim`, which makes the runner discover
the pty as the DUT its device list names (the USB VID:PID of the list's `type: dut` entry).

The runner writes its `sessions/<date>_<time>/` folder (log.txt, results.txt, results.json) in
the current directory, or in `--out`. Its defaults that name files in its own folder (the device
list, the tests_<mode>.yaml script) are looked up there when they are not in the current
directory. Energy mode is refused: it needs an energy monitor (LPM01A or JS220) and an IO manager
board relaying the DUT's UART, which tinysim does not emulate (`tinysim run`/`bench` report
energy from the cost model instead).
"""

from __future__ import annotations

import importlib.util
import os
import select
import subprocess
import sys
import time
from pathlib import Path
from typing import List, Optional, Tuple

from ..errors import TinysimError

NAME = "runner"
HELP = ("run the official MLCommons runner (unmodified) against an emulated board served on a pty: "
        "tinysim runner --platform P --elf E -- --mode=p --dataset_path=DIR")

REPO = Path(__file__).resolve().parents[2]
DEFAULT_RUNNER_DIR = REPO.parent / "shared" / "clients" / "mlcommons-tiny-runner"
# The runner's imports (main.py, device_manager.py, script.py) -> what to pip install.
RUNNER_DEPENDENCIES = {
    "yaml": "pyyaml", "numpy": "numpy", "sklearn": "scikit-learn", "matplotlib": "matplotlib",
    "usb": "pyusb", "serial": "pyserial",
}
# A tinysim choice, not a measurement: serve prints its pty once the firmware has booted (about a
# second of wall time here); 120 s leaves room for a heavily loaded machine.
SERVE_START_TIMEOUT_S = 120.0


def add_arguments(p) -> None:
    p.add_argument("--platform", required=True, help="board name or TOML path (e.g. nucleo-l4r5zi)")
    p.add_argument("--elf", "--firmware", dest="elf", required=True,
                   help="DUT harness image to serve, e.g. firmware_images/nucleo-l4r5zi/kws01.elf")
    p.add_argument("--runner-dir", default=None, metavar="DIR",
                   help=f"the MLCommons runner's folder (holds main.py); default {DEFAULT_RUNNER_DIR}")
    p.add_argument("--out", default=None, metavar="DIR",
                   help="directory the runner runs in and writes sessions/ to (default: the current one)")
    p.add_argument("runner_args", nargs="*", metavar="-- RUNNER_ARGS",
                   help="arguments for the runner's main.py after --, e.g. -- --mode=p --dataset_path=DIR")


def missing_dependencies() -> List[str]:
    """pip names of the runner's Python dependencies this interpreter lacks."""
    return [pip for module, pip in RUNNER_DEPENDENCIES.items() if importlib.util.find_spec(module) is None]


def runner_dir(arg: Optional[str]) -> Path:
    folder = Path(arg) if arg else DEFAULT_RUNNER_DIR
    if not (folder / "main.py").is_file():
        how = "give --runner-dir DIR" if not arg else "check the path"
        raise TinysimError(f"runner folder {folder}: no main.py there; {how} (the folder holding the "
                           "MLCommons runner's main.py, device_manager.py and its yaml files)")
    return folder


def _option(args: List[str], short: str, long: str) -> Tuple[Optional[int], Optional[str]]:
    """(index, value) of `-x V`, `-xV`, `--long V` or `--long=V` in the runner's arguments."""
    for i, a in enumerate(args):
        if a in (short, long):
            return i, args[i + 1] if i + 1 < len(args) else None
        if a.startswith(long + "="):
            return i, a.split("=", 1)[1]
        if a.startswith(short) and not a.startswith("--") and len(a) > len(short):
            return i, a[len(short):]
    return None, None


def _with_option(args: List[str], short: str, long: str, value: str) -> List[str]:
    """`args` with the option set to `value` (replacing the user's spelling of it)."""
    i, old = _option(args, short, long)
    if i is None:
        return args + [f"{long}={value}"]
    spaced = args[i] in (short, long)
    return args[:i] + [f"{long}={value}"] + args[i + (2 if spaced else 1):]


def _resolve(path: str, here: Path, folder: Optional[Path] = None) -> str:
    """A path the user gave, made absolute (the runner runs in --out): relative to the current
    directory, or to the runner's folder when only that holds it (its yaml files)."""
    p = Path(path)
    if p.is_absolute():
        return path
    if folder is not None and not (here / p).exists() and (folder / p).exists():
        return str((folder / p).resolve())
    return str((here / p).resolve())


def runner_arguments(args: List[str], here: Path, folder: Path, model: str) -> List[str]:
    """The user's main.py arguments with the device list, test script and dataset paths made
    absolute and the mode checked (energy mode cannot run on an emulated board)."""
    _, mode = _option(args, "-m", "--mode")
    mode = mode or "a"  # main.py's default
    if mode == "e":
        raise TinysimError(
            "runner: energy mode (-m e) needs an energy monitor (LPM01A or JS220) powering the DUT and "
            "an IO manager board relaying its UART at 9600 baud; tinysim emulates neither, so the runner "
            "cannot measure energy here. Use --mode=p or --mode=a; `tinysim run`/`bench` report energy "
            "from the cost model")
    _, devices = _option(args, "-d", "--device_list")
    if devices is None:
        devices = "devices_ad.yaml" if model.startswith("ad") else "devices_kws_ic_vww.yaml"
    args = _with_option(args, "-d", "--device_list", _resolve(devices, here, folder))
    _, script = _option(args, "-t", "--test_script")
    if script is None:
        script = {"a": "tests_accuracy.yaml", "p": "tests_performance.yaml"}.get(mode, "tests_accuracy.yaml")
    args = _with_option(args, "-t", "--test_script", _resolve(script, here, folder))
    _, data = _option(args, "-s", "--dataset_path")
    return args if data is None else _with_option(args, "-s", "--dataset_path", _resolve(data, here))


def dut_usb(device_list: Path) -> Tuple[int, int, str]:
    """(vid, pid, name) of the device list's DUT entry: the identity the pty is given."""
    import yaml  # a runner dependency, checked before this is called

    try:
        devices = yaml.safe_load(device_list.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise TinysimError(f"runner device list {device_list}: cannot read it: {err}") from None
    duts = [d for d in devices or [] if isinstance(d, dict) and d.get("type") == "dut"]
    if not duts:
        raise TinysimError(f"runner device list {device_list}: no entry with `type: dut`; "
                           "the emulated board needs one to stand in for")
    dut = duts[-1]  # main.py uses the last DUT listed
    for vid, pids in (dut.get("usb") or {}).items():
        pid = pids[0] if isinstance(pids, list) else pids
        return int(vid), int(pid), str(dut.get("name", "dut"))
    raise TinysimError(f"runner device list {device_list}: DUT entry {dut.get('name')!r} has no `usb:` "
                       "VID: PID pair; add the one the runner should match (e.g. 0x0483: 0x374B)")


def start_serve(platform: str, elf: str) -> Tuple[subprocess.Popen, str]:
    """`tinysim serve --pty` in a child process; returns it and the pty path it printed."""
    proc = subprocess.Popen([sys.executable, "-m", "tinysim", "serve", "--pty", "--platform", platform,
                             "--elf", elf], stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], SERVE_START_TIMEOUT_S)
    path = proc.stdout.readline().strip() if ready else ""
    if not path:
        if not ready:   # serve neither printed its pty nor stopped: a firmware stuck before m-ready
            stop_serve(proc)
            raise TinysimError(f"runner: `tinysim serve` printed no pty within {SERVE_START_TIMEOUT_S} s "
                               f"for {elf}; check that the image boots on {platform} with `tinysim run`")
        code = proc.wait(timeout=SERVE_START_TIMEOUT_S)
        raise TinysimError(f"runner: `tinysim serve` stopped (exit {code}) before serving {elf}; see its "
                           "message above")
    return proc, path


def stop_serve(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()
    proc.stdout.close()


def _model_of(elf: str) -> str:
    return Path(elf).stem.lower()


def run(args) -> int:
    folder = runner_dir(args.runner_dir)
    if not Path(args.elf).is_file():
        raise TinysimError(f"--elf {args.elf}: no such file (a DUT harness image, e.g. "
                           "firmware_images/nucleo-l4r5zi/kws01.elf)")
    missing = missing_dependencies()
    if missing:
        raise TinysimError(f"runner: the MLCommons runner needs {', '.join(missing)} in this Python; "
                           f"pip install {' '.join(missing)}")
    cwd = Path(args.out) if args.out else Path.cwd()
    cwd.mkdir(parents=True, exist_ok=True)
    runner_args = args.runner_args[1:] if args.runner_args[:1] == ["--"] else list(args.runner_args)
    runner_args = runner_arguments(runner_args, Path.cwd(), folder, _model_of(args.elf))
    _, devices = _option(runner_args, "-d", "--device_list")
    vid, pid, name = dut_usb(Path(devices))
    started = time.time()
    serve, port = start_serve(args.platform, args.elf)
    try:
        print(f"tinysim runner: {args.elf} on {port}, reported to the runner as its DUT {name!r} "
              f"(USB {vid:04X}:{pid:04X}); runner {folder}", file=sys.stderr, flush=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        code = subprocess.call(
            [sys.executable, "-m", "tinysim.harness.runner_shim", "--port", port, "--usb", f"{vid:#06x}:{pid:#06x}",
             "--description", f"tinysim emulated {args.platform}", "--runner-dir", str(folder), "--",
             *runner_args], cwd=cwd, env=env)
    finally:
        stop_serve(serve)
    sessions = sorted((p for p in (cwd / "sessions").glob("*/results.txt") if p.stat().st_mtime >= started),
                      key=lambda p: p.stat().st_mtime)
    if sessions:
        print(f"tinysim runner: the runner's results: {sessions[-1]}", file=sys.stderr)
    if code != 0:
        print(f"tinysim runner: the runner exited with status {code}", file=sys.stderr)
    return code
