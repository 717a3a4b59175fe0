"""Helpers shared by the CLI tests (no tests here): `tinysim serve --pty` as a background board,
benchmark images built from models/ when no prebuilt image exists, host-native DUT builds."""

from __future__ import annotations

import contextlib
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
HOST_DIR = REPO / "tinysim" / "firmware" / "boards" / "host"
PLATFORM = "nucleo-l4r5zi"


def build_host_dut(out: Path, model: str) -> Path:
    if shutil.which("gcc") is None or shutil.which("make") is None:
        pytest.skip("needs the host C compiler and make: apt-get install build-essential")
    proc = subprocess.run(["make", "-s", "-C", str(HOST_DIR), f"OUT={out}", f"MODEL={model}"],
                          capture_output=True, text=True)
    if proc.returncode != 0:
        pytest.fail(f"host DUT build failed:\n{proc.stdout}\n{proc.stderr}")
    return out / "dut"


def emulation_available() -> bool:
    try:
        import tinysim.emu.counter  # noqa: F401
        import tinysim.pipeline.session  # noqa: F401 (imported to check it loads)
        return True
    except ImportError:
        return False


def benchmark_images(root: Path, workloads) -> Path:
    """An images root holding <platform>/<workload>.elf: the prebuilt ones if present, otherwise
    compiled from models/<workload>.tflite with the cross toolchain (CMSIS-style DSP kernels)."""
    if not emulation_available():
        pytest.skip("the emulator (tinysim.emu.counter / session) is not available yet")
    prebuilt = REPO / "firmware_images" / PLATFORM
    if all((prebuilt / f"{w}.elf").is_file() for w in workloads):
        return REPO / "firmware_images"
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("needs arm-none-eabi-gcc: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi")
    from tinysim.compiler.compile import compile_model
    from tinysim.firmware.build import build_benchmark

    out = root / PLATFORM
    out.mkdir(parents=True, exist_ok=True)
    for w in workloads:
        elf = out / f"{w}.elf"
        if not elf.is_file():
            compile_model(REPO / "models" / f"{w}.tflite", root / f"{w}_c", model_id=w)
            build_benchmark(root / f"{w}_c", PLATFORM, elf, kernels="arm_dsp")
    return root


@contextlib.contextmanager
def served_pty(args, timeout: float = 60.0):
    """Run `tinysim serve --pty ARGS` in the background; yields the pty device path."""
    proc = subprocess.Popen([sys.executable, "-m", "tinysim", "serve", "--pty", *map(str, args)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        deadline = time.monotonic() + timeout
        path = ""
        while not path and time.monotonic() < deadline:
            path = proc.stdout.readline().strip()
            if proc.poll() is not None:
                break
        if not path.startswith("/dev/"):
            proc.kill()
            pytest.fail(f"tinysim serve --pty printed no device path: {path!r} {proc.stderr.read()}")
        yield path
    finally:
        if proc.poll() is None:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def sigint_default():
    """Popen preexec_fn: SIGINT back to its default in the child, as in a terminal. A test runner
    started in the background of a non-interactive shell passes SIGINT on as ignored, and Python
    then never raises KeyboardInterrupt, which is what the Ctrl-C tests are about."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
