"""Generation: TensorFlow stays optional, and regeneration reproduces the committed bytes."""

import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
MODELS = REPO / "models"


def _python(code: str, *args, timeout=600):
    return subprocess.run([sys.executable, *args] if not code else [sys.executable, "-c", code],
                          cwd=REPO, capture_output=True, text=True, timeout=timeout)


def test_nothing_but_generate_imports_tensorflow():
    code = (
        "import sys\n"
        "import tinysim.models, tinysim.models.graph, tinysim.workloads, tinysim.models.synthetic\n"
        "import tinysim.models.manifest, tinysim.models.fetch, tinysim.models.generate\n"
        "import tinysim.harness.datasets, tinysim.harness.scoring, tinysim.cli.cmd_models\n"
        "from tinysim.cli import build_parser; build_parser()\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('tensorflow', 'keras'))\n"
        "print(bad); sys.exit(1 if bad else 0)\n")
    proc = _python(code)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_generate_without_tensorflow_is_a_clear_error():
    code = (
        "import sys; sys.modules['tensorflow'] = None\n"
        "from tinysim.models.generate import main\n"
        "sys.exit(main(['--out', 'unused-dir', '--only', 'kws01']))\n")
    proc = _python(code)
    assert proc.returncode == 2
    assert "pip install '.[models]'" in proc.stderr and "Traceback" not in proc.stderr
    assert not (REPO / "unused-dir").exists()


def test_unknown_workload_rejected(capsys):
    from tinysim.cli import main
    assert main(["models", "generate", "--only", "kws02"]) == 2
    assert "unknown workload(s) kws02" in capsys.readouterr().err


@pytest.mark.slow
@pytest.mark.tflite
def test_regeneration_is_byte_identical(tmp_path):
    pytest.importorskip("tensorflow")
    proc = _python("", "-m", "tinysim.models.generate", "--out", str(tmp_path),
                   "--only", "kws01,ad01")
    assert proc.returncode == 0, proc.stderr[-3000:]
    for name in ("kws01.tflite", "ad01.tflite"):
        assert (tmp_path / name).read_bytes() == (MODELS / name).read_bytes(), name
