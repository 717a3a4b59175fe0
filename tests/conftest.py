"""Shared test configuration: markers that skip with a message saying what to install."""

import shutil

import pytest

ARM_GCC = "arm-none-eabi-gcc"
RISCV_GCC = "riscv64-unknown-elf-gcc"


def _have_tflite() -> bool:
    try:
        import ai_edge_litert.interpreter  # noqa: F401
        return True
    except ImportError:
        try:
            import tensorflow  # noqa: F401
            return True
        except ImportError:
            return False


def pytest_collection_modifyitems(config, items):
    missing = [t for t in (ARM_GCC, RISCV_GCC) if shutil.which(t) is None]
    no_toolchain = pytest.mark.skip(
        reason=f"needs {', '.join(missing)}: apt-get install gcc-arm-none-eabi libnewlib-arm-none-eabi "
        "gcc-riscv64-unknown-elf picolibc-riscv64-unknown-elf"
    )
    no_tflite = pytest.mark.skip(reason="needs the TFLite interpreter: pip install .[tflite]")
    tflite_ok = None
    for item in items:
        if "toolchain" in item.keywords and missing:
            item.add_marker(no_toolchain)
        if "tflite" in item.keywords:
            if tflite_ok is None:
                tflite_ok = _have_tflite()
            if not tflite_ok:
                item.add_marker(no_tflite)


@pytest.fixture(scope="session")
def repo_root():
    from pathlib import Path
    return Path(__file__).resolve().parent.parent
