"""Compiler tests reuse the kernel tests' model builders (tests/kernels/ts_opmodels.py)."""

import sys
from pathlib import Path

import pytest

KERNEL_TESTS = Path(__file__).resolve().parent.parent / "kernels"
sys.path.insert(0, str(KERNEL_TESTS))
import ts_opmodels  # noqa: E402


@pytest.fixture(scope="session")
def tf_model_dir(tmp_path_factory):
    pytest.importorskip("tensorflow", reason="building test models needs tensorflow (pip install .[models])")
    return tmp_path_factory.mktemp("compiler_models")


@pytest.fixture(scope="session")
def mini_net(tf_model_dir) -> Path:
    return ts_opmodels.build("mini_net", tf_model_dir)
