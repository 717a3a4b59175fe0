"""`tinysim runner -- <main.py args>`: the official MLCommons runner against an emulated board.

Starts `tinysim serve --pty` for the board and image, then runs the runner's own main.py,
unmodified, from its folder (`--runner-dir`, default ../shared/clients/mlcommons-tiny-runner
next to the repository) through `tinysim.harness.runner_shim`, which makes the runner discover
the pty as the DUT its device list names (the USB VID:PID of the list's `type: dut` entry).

The runner writes its `sessions/<date>_<time>/` folder (log.txt, results.txt, results.json) in
the current directory, or in `--out`. Its defaults that name files in its own folder (the device
list, the tests_<mode>.yaml script) are looked up there when they are not in the current
directory. Energy mode (`-- --mode=e`) serves the board with `tinysim serve --energy`: an
emulated LPM01A and an emulated interface board on two ptys (tinysim.pipeline.energy_rig), which
the runner discovers as the device list's `lpm01a` and `stm32h573i-dk` entries; it needs an
energy-mode build of the firmware (one that prints m-timestamp-mode-energy and pulls its
timestamp pin low, such as ST's published *_Energy_9600 builds).
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
    absolute."""
    mode = runner_mode(args)
    _, devices = _option(args, "-d", "--device_list")
    if devices is None:
        devices = "devices_ad.yaml" if model.startswith("ad") else "devices_kws_ic_vww.yaml"
    args = _with_option(args, "-d", "--device_list", _resolve(devices, here, folder))
    _, script = _option(args, "-t", "--test_script")
    if script is None:
        script = {"a": "tests_accuracy.yaml", "p": "tests_performance.yaml", "e": "tests_energy.yaml"}[mode]
    args = _with_option(args, "-t", "--test_script", _resolve(script, here, folder))
    _, data = _option(args, "-s", "--dataset_path")
    return args if data is None else _with_option(args, "-s", "--dataset_path", _resolve(data, here))


def runner_mode(args: List[str]) -> str:
    _, mode = _option(args, "-m", "--mode")
    return mode or "a"  # main.py's default


def _devices(device_list: Path) -> list:
    import yaml  # a runner dependency, checked before this is called

    try:
        devices = yaml.safe_load(device_list.read_text())
    except (OSError, yaml.YAMLError) as err:
        raise TinysimError(f"runner device list {device_list}: cannot read it: {err}") from None
    return [d for d in devices or [] if isinstance(d, dict)]


def _usb(device_list: Path, entry: dict, example: str) -> Tuple[int, int, str]:
    for vid, pids in (entry.get("usb") or {}).items():
        pid = pids[0] if isinstance(pids, list) else pids
        return int(vid), int(pid), str(entry.get("name", entry.get("type")))
    raise TinysimError(f"runner device list {device_list}: entry {entry.get('name')!r} has no `usb:` "
                       f"VID: PID pair; add the one the runner should match (e.g. {example})")


def dut_usb(device_list: Path) -> Tuple[int, int, str]:
    """(vid, pid, name) of the device list's DUT entry: the identity the pty is given."""
    duts = [d for d in _devices(device_list) if d.get("type") == "dut"]
    if not duts:
        raise TinysimError(f"runner device list {device_list}: no entry with `type: dut`; "
                           "the emulated board needs one to stand in for")
    return _usb(device_list, duts[-1], "0x0483: 0x374B")  # main.py uses the last DUT listed


# The devices the energy bench emulates, by their names in the runner's device lists: the
# interface board whose class (io_manager_enhanced.py) has the sync_baud main.py calls in energy
# mode (the Arduino one's io_manager.py has none), and the LPM01A (the JS220 is a USB-only device
# tinysim does not emulate).
ENERGY_DEVICES = (("interface", "stm32h573i-dk", "0x0483: 0x374E"), ("power", "lpm01a", "0x0483: 0x5740"))


def energy_usb(device_list: Path) -> List[Tuple[int, int, str]]:
    """(vid, pid, name) of the interface board and power monitor entries the two ptys stand for."""
    devices = _devices(device_list)
    found = []
    for kind, name, example in ENERGY_DEVICES:
        entry = next((d for d in devices if d.get("type") == kind and d.get("name") == name), None)
        if entry is None:
            raise TinysimError(f"runner device list {device_list}: no `type: {kind}` entry named {name!r}; "
                               f"energy mode emulates that one (add it with its usb: {example})")
        found.append(_usb(device_list, entry, example))
    return found


def start_serve(platform: str, elf: str, energy: bool = False) -> Tuple[subprocess.Popen, List[str]]:
    """`tinysim serve --pty [--energy]` in a child process; returns it and the pty paths it printed
    (one; with energy, the interface board's and the monitor's)."""
    proc = subprocess.Popen([sys.executable, "-m", "tinysim", "serve", "--pty", "--platform", platform,
                             "--elf", elf, *(["--energy"] if energy else [])], stdout=subprocess.PIPE, text=True)
    ready, _, _ = select.select([proc.stdout], [], [], SERVE_START_TIMEOUT_S)
    paths = proc.stdout.readline().split() if ready else []
    if len(paths) != (2 if energy else 1):
        if not ready:   # serve neither printed its pty nor stopped: a firmware stuck before m-ready
            stop_serve(proc)
            raise TinysimError(f"runner: `tinysim serve` printed no pty within {SERVE_START_TIMEOUT_S} s "
                               f"for {elf}; check that the image boots on {platform} with `tinysim run`")
        code = proc.wait(timeout=SERVE_START_TIMEOUT_S)
        raise TinysimError(f"runner: `tinysim serve` stopped (exit {code}) before serving {elf}; see its "
                           "message above")
    return proc, paths


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
    energy = runner_mode(runner_args) == "e"
    identities = energy_usb(Path(devices)) if energy else [dut_usb(Path(devices))]
    started = time.time()
    serve, ports = start_serve(args.platform, args.elf, energy=energy)
    try:
        roles = ["interface board", "power monitor"] if energy else ["DUT"]
        shim = []
        for port, (vid, pid, name), role in zip(ports, identities, roles):
            print(f"tinysim runner: {port} ({'emulated ' + role if energy else args.elf}) reported to the "
                  f"runner as its {role} {name!r} (USB {vid:04X}:{pid:04X})", file=sys.stderr, flush=True)
            shim += ["--port", port, "--usb", f"{vid:#06x}:{pid:#06x}",
                     "--description", f"tinysim emulated {name if energy else args.platform}"]
        print(f"tinysim runner: runner {folder}", file=sys.stderr, flush=True)
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(REPO), env.get("PYTHONPATH", "")]).rstrip(os.pathsep)
        code = subprocess.call(
            [sys.executable, "-m", "tinysim.harness.runner_shim", *shim, "--runner-dir", str(folder), "--",
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
