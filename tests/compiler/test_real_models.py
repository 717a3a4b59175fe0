"""The four benchmark models (models/*.tflite) compile, run bit-exact on the host in
both kernel ports, and their report agrees with the manifest and the cross compiler."""

import json
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from tinysim.compiler import compile_model
from tinysim.compiler.hostrun import HostModel
from tinysim.compiler.interp import run_interpreter

MODELS = ["kws01", "vww01", "ic01", "ad01"]
MODELS_DIR = Path(__file__).resolve().parents[2] / "models"


def _path(name):
    path = MODELS_DIR / f"{name}.tflite"
    if not path.exists():
        pytest.skip(f"{path} not generated yet (tinysim models generate)")
    return path


@pytest.fixture(scope="module")
def compiled(tmp_path_factory):
    cache = {}

    def get(name):
        if name not in cache:
            cache[name] = compile_model(_path(name), tmp_path_factory.mktemp(name))
        return cache[name]

    return get


@pytest.mark.tflite
@pytest.mark.parametrize("port", ["reference", "arm_dsp"])
@pytest.mark.parametrize("name", MODELS)
def test_real_model_bit_exact(compiled, name, port):
    model = compiled(name)
    x = np.random.default_rng(11).integers(-128, 128, (3, model.input_size), dtype=np.int8)
    assert np.array_equal(HostModel(model, port).run(x), run_interpreter(_path(name), x))


@pytest.mark.tflite
@pytest.mark.parametrize("name", MODELS)
def test_input_survives_repeated_invokes(compiled, name):
    """The harness loads an input once and runs it N times: invoke must not clobber it."""
    model = compiled(name)
    x = np.random.default_rng(5).integers(-128, 128, (2, model.input_size), dtype=np.int8)
    host = HostModel(model, "arm_dsp")
    assert np.array_equal(host.run(x, repeat=3), run_interpreter(_path(name), x))


@pytest.mark.parametrize("name", MODELS)
def test_mac_count_matches_manifest(compiled, name):
    model = compiled(name)
    manifest = MODELS_DIR / "manifest.json"
    if not manifest.exists():
        pytest.skip("models/manifest.json missing")
    entry = json.loads(manifest.read_text())["models"].get(name)
    if not entry or "macs" not in entry:
        pytest.skip(f"no MAC count for {name} in the manifest")
    assert model.macs == entry["macs"]


@pytest.mark.toolchain
@pytest.mark.parametrize("name", MODELS)
def test_flash_and_sram_report_match_the_cortex_m4_object(compiled, name, tmp_path):
    """The generated model.c built for the M4: .rodata holds exactly the reported
    constants, .bss exactly the arena."""
    if shutil.which("arm-none-eabi-gcc") is None:
        pytest.skip("arm-none-eabi-gcc missing: apt-get install gcc-arm-none-eabi")
    model = compiled(name)
    obj = tmp_path / "model.o"
    incs = [f"-I{d}" for d in model.include_dirs()]
    subprocess.run(["arm-none-eabi-gcc", "-mcpu=cortex-m4", "-mthumb", "-O2", "-std=c99",
                    "-Wall", "-Werror", "-fdata-sections", *incs, "-c", str(model.c_path),
                    "-o", str(obj)], check=True)
    from elftools.elf.elffile import ELFFile
    sizes = {"rodata": 0, "bss": 0}
    with open(obj, "rb") as fh:
        for sec in ELFFile(fh).iter_sections():
            for kind in sizes:
                if sec.name.startswith(f".{kind}"):
                    sizes[kind] += sec["sh_size"]
    assert sizes["bss"] == model.arena_bytes
    assert sizes["rodata"] == model.flash_bytes
