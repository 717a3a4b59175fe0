"""Build a compiled model with the host C compiler and run it (tests, layer diffs).

The same kernel sources as the firmware are used: `port="arm_dsp"` builds the
Cortex-M4 port with the portable emulations of its DSP intrinsics
(kernels/arm_dsp/ts_simd.h), so its arithmetic is checked on the host too.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np

from tinysim.errors import ToolchainError
from tinysim.compiler.compile import CompiledModel

HOST_MAIN = Path(__file__).resolve().parent / "host_main.c"
CFLAGS = ["-std=c99", "-O2", "-Wall", "-Wextra", "-Werror", "-fno-strict-aliasing"]


def host_cc() -> str:
    for cc in ("gcc", "cc", "clang"):
        if shutil.which(cc):
            return cc
    raise ToolchainError("no host C compiler found (install the Debian package 'gcc')")


class HostModel:
    """An executable of one compiled model; run(inputs) -> outputs."""

    def __init__(self, model: CompiledModel, port: str = "reference", build_dir=None):
        self.model = model
        self.port = port
        build_dir = Path(build_dir or model.c_path.parent)
        self.exe = build_dir / f"host_{port}"
        srcs = [str(model.c_path), str(HOST_MAIN)] + [str(p) for p in model.kernel_sources(port)]
        incs = [f"-I{model.c_path.parent}"] + [f"-I{d}" for d in model.include_dirs()]
        cmd = [host_cc(), *CFLAGS, "-DTS_MODEL_TRACE", *incs, *srcs, "-o", str(self.exe)]
        proc = subprocess.run(cmd, capture_output=True, text=True)
        if proc.returncode:
            raise ToolchainError(f"host build of {model.c_path} failed:\n{' '.join(cmd)}\n{proc.stderr}")

    def run(self, inputs: np.ndarray, repeat: int = 1) -> np.ndarray:
        """inputs: int8 array [n, input_size] (or one input) -> int8 [n, output_size].
        repeat > 1 invokes the model that many times per loaded input (last output kept)."""
        x = np.ascontiguousarray(inputs, dtype=np.int8).reshape(-1, self.model.input_size)
        args = [str(self.exe)] + (["-r", str(int(repeat))] if repeat != 1 else [])
        proc = subprocess.run(args, input=x.tobytes(), capture_output=True)
        if proc.returncode:
            raise ToolchainError(f"{self.exe} exited with {proc.returncode}: {proc.stderr.decode()}")
        return np.frombuffer(proc.stdout, np.int8).reshape(len(x), self.model.output_size)

    def trace(self, one_input: np.ndarray, trace_path=None) -> dict[int, np.ndarray]:
        """Run one input and return {op index: that op's output bytes}."""
        trace_path = Path(trace_path or self.exe.with_suffix(".trace"))
        x = np.ascontiguousarray(one_input, dtype=np.int8).reshape(self.model.input_size)
        proc = subprocess.run([str(self.exe), str(trace_path)], input=x.tobytes(), capture_output=True)
        if proc.returncode:
            raise ToolchainError(f"{self.exe} exited with {proc.returncode}: {proc.stderr.decode()}")
        raw = trace_path.read_bytes()
        out, pos = {}, 0
        while pos < len(raw):
            idx, size = np.frombuffer(raw[pos:pos + 8], np.int32)
            out[int(idx)] = np.frombuffer(raw[pos + 8:pos + 8 + int(size)], np.int8).copy()
            pos += 8 + int(size)
        return out
