"""Both kernel ports build freestanding for the real targets, with the DSP instructions
where the arm_dsp port promises them and no floating point anywhere."""

import shutil
import subprocess
from pathlib import Path

import pytest

from tinysim.compiler.compile import KERNELS_DIR

pytestmark = pytest.mark.toolchain

ARM = ["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-mfpu=fpv4-sp-d16", "-mfloat-abi=hard"]
RV32 = ["riscv64-unknown-elf-gcc", "-march=rv32imc", "-mabi=ilp32"]
COMMON = ["-std=c99", "-O2", "-ffreestanding", "-Wall", "-Wextra", "-Werror", f"-I{KERNELS_DIR / 'common'}"]
# what a kernel object may import: the two libc functions the firmware provides
ALLOWED_UNDEFINED = {"memcpy", "memset"}


def _tool(cc: str, suffix: str) -> str:
    return cc.replace("-gcc", f"-{suffix}")


def _build(cc: list[str], port: str, out: Path) -> list[Path]:
    if shutil.which(cc[0]) is None:
        pytest.skip(f"{cc[0]} missing: apt-get install "
                    f"{'gcc-arm-none-eabi' if 'arm' in cc[0] else 'gcc-riscv64-unknown-elf'}")
    objs = []
    for src in sorted((KERNELS_DIR / port).glob("*.c")):
        obj = out / f"{port}_{src.stem}.o"
        proc = subprocess.run([*cc, *COMMON, "-c", str(src), "-o", str(obj)], capture_output=True, text=True)
        assert proc.returncode == 0, proc.stderr
        objs.append(obj)
    return objs


def _undefined(cc: str, obj: Path) -> set[str]:
    out = subprocess.run([_tool(cc, "nm"), "-u", str(obj)], capture_output=True, text=True, check=True).stdout
    return {line.split()[-1] for line in out.splitlines() if line.strip()}


def _kernel_entry_points(cc: str, objs: list[Path]) -> set[str]:
    """The kernel functions the port's objects define (ts_conv2d_const calls ts_conv2d)."""
    out = subprocess.run([_tool(cc, "nm"), "--defined-only", "-g", *map(str, objs)], capture_output=True,
                         text=True, check=True).stdout
    rows = [line.split() for line in out.splitlines()]
    return {r[2] for r in rows if len(r) == 3 and r[1] == "T" and r[2].startswith("ts_")}


def _disasm(cc: str, obj: Path) -> str:
    return subprocess.run([_tool(cc, "objdump"), "-d", str(obj)], capture_output=True, text=True, check=True).stdout


@pytest.mark.parametrize("port", ["reference", "arm_dsp"])
def test_cortex_m4_build_is_freestanding_and_integer_only(tmp_path, port):
    objs = _build(ARM, port, tmp_path)
    allowed = ALLOWED_UNDEFINED | _kernel_entry_points(ARM[0], objs)
    for obj in objs:
        assert _undefined(ARM[0], obj) <= allowed, obj.name
        text = _disasm(ARM[0], obj)
        assert not any(f"\t{op}" in text for op in ("vmul", "vadd", "vcvt", "vldr", "vdiv")), obj.name


def test_arm_dsp_hot_paths_use_smlad(tmp_path):
    objs = {o.stem.split("_", 2)[-1]: o for o in _build(ARM, "arm_dsp", tmp_path)}
    for name, instructions in (("conv", ("smlad", "sxtb16")),
                               ("fully_connected", ("smlad", "sxtb16")),
                               ("depthwise_conv", ("smlabb", "smlatt", "sxtb16"))):
        text = _disasm(ARM[0], objs[name])
        for ins in instructions:
            assert f"\t{ins}" in text, f"{name}.o has no {ins}"


def test_reference_builds_for_rv32(tmp_path):
    objs = _build(RV32, "reference", tmp_path)
    allowed = ALLOWED_UNDEFINED | _kernel_entry_points(RV32[0], objs)
    for obj in objs:
        assert _undefined(RV32[0], obj) <= allowed, obj.name
