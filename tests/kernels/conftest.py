"""Fixtures of the kernel tests: single-op int8 models built once per session."""

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))
import ts_opmodels  # noqa: E402


@pytest.fixture(scope="session")
def op_model(tmp_path_factory):
    """op_model(name) -> path of the cached .tflite (skips without TensorFlow)."""
    pytest.importorskip("tensorflow", reason="building test models needs tensorflow (pip install .[models])")
    directory = tmp_path_factory.mktemp("op_models")

    def get(name: str) -> Path:
        return ts_opmodels.build(name, directory)

    return get
