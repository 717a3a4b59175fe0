"""The arm_dsp port's Cortex-M4-only code (inline asm inner loops, SMMULR, SSAT) built for
the NUCLEO-L4R5ZI and run in the emulator, against the TFLite interpreter bit for bit.

The host tests (test_kernel_ops.py) run the same kernels with the portable C definitions
of the intrinsics; the asm loops exist only on the target, so they are checked here on
single-op models chosen to reach each of them."""

import shutil
import subprocess
import sys

import pytest

from tinysim.platform import load_platform
from tinysim.pipeline.verify import verify

pytestmark = [pytest.mark.tflite, pytest.mark.toolchain]

CASES = {
    "dw_s1_same_relu": "3x3 depthwise: interior asm kernel, border patches, requant loop",
    "dw_two_blocks_k5": "5x5 depthwise: tap-row path over two channel blocks",
    "dw_huge_multiplier": "3x3 depthwise with multipliers >= 1/2: asm taps, ts_requant",
    "conv_1x1_unpacked": "pointwise: unpacked weight rows, asm 16-byte chunks, clamp compares",
    "conv_blocks_odd_pixels": "3x3 conv, 576-byte fields: unpacked-weight blocks, then 2 pairs + 1 pixel on the packed-weight asm loop",
    "conv_s1_same_relu": "3x3 conv with a 27-byte field: tail groups, odd pixel count",
    "fc_plain": "fully connected 64 -> 71: asm four-unit loop, then two- and one-unit passes",
    "fc_relu": "fully connected 37 -> 50: tail bytes after the asm loop",
    "add_large": "ADD over 1536 elements: input tables, SMMULR output stage",
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_arm_dsp_firmware_bit_exact(op_model, tmp_path, name):
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc missing: apt-get install gcc-arm-none-eabi")
    model = op_model(name)
    elf = tmp_path / f"{name}.elf"
    subprocess.run([sys.executable, "-m", "tinysim", "build", "--model", str(model),
                    "--platform", "nucleo-l4r5zi", "-o", str(elf)], check=True, capture_output=True)
    report = verify(model, load_platform("nucleo-l4r5zi"), elf, inputs=4, seed=3)
    assert report.inputs == 4
    assert report.mismatches == 0, f"{name} ({CASES[name]}): {report.details[:1]}"
