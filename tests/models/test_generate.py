"""Generation: TensorFlow stays optional, and regeneration reproduces the committed bytes."""

import json
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


def _regenerate(tmp_path_factory):
    pytest.importorskip("tensorflow")
    out = tmp_path_factory.mktemp("regen")
    proc = _python("", "-m", "tinysim.models.generate", "--out", str(out), "--only", "kws01,ad01")
    assert proc.returncode == 0, proc.stderr[-3000:]
    return out


@pytest.fixture(scope="module")
def regenerated(tmp_path_factory):
    return _regenerate(tmp_path_factory)


def _structure(path):
    """What regeneration must reproduce on any CPU: ops in order with their tensors' shapes and
    types, which tensors are constant and how they are quantized (per-tensor or per-channel,
    along which axis), and the parameter and MAC counts. Weights, scales and zero points are
    trained values and differ across CPU float paths."""
    from tinysim.models.graph import read_graph
    g = read_graph(path)
    tensors = [(t.shape, t.dtype, t.is_const, len(t.scale), t.quantized_dimension) for t in g.tensors]
    ops = [(op.name, [tensors[i] if i >= 0 else None for i in op.inputs],
            [tensors[i] for i in op.outputs]) for op in g.ops]
    return ops, g.params, g.macs


@pytest.mark.slow
@pytest.mark.tflite
@pytest.mark.parametrize("name", ["kws01", "ad01"])
def test_regeneration_reproduces_structure_and_quality(regenerated, name):
    """Machine-independent: the same graph, quantization scheme and counts as the committed model,
    and a synthetic held-out score within 0.05 of the committed one."""
    assert _structure(regenerated / f"{name}.tflite") == _structure(MODELS / f"{name}.tflite")
    new = json.loads((regenerated / "manifest.json").read_text())["models"][name]["synthetic_eval"]
    old = json.loads((MODELS / "manifest.json").read_text())["models"][name]["synthetic_eval"]
    assert new["metric"] == old["metric"] and new["files"] == old["files"]
    assert new["int8"] >= old["int8"] - 0.05, (new, old)


@pytest.mark.slow
@pytest.mark.tflite
def test_regeneration_is_byte_identical_on_the_pinned_machine(regenerated):
    """Byte identity holds only with the TensorFlow version and CPU float ISA the committed models
    were generated with (models/manifest.json `generator`); elsewhere this says why it skips."""
    from tinysim.models.generate import cpu_fingerprint
    pinned = json.loads((MODELS / "manifest.json").read_text())["generator"]
    here = json.loads((regenerated / "manifest.json").read_text())["generator"]
    if pinned.get("cpu") is None:
        pytest.skip("models/manifest.json does not record the CPU the models were generated on; "
                    "byte identity is checked once they are regenerated with this version")
    if (pinned.get("cpu"), pinned.get("tensorflow")) != (cpu_fingerprint(), here["tensorflow"]):
        pytest.skip(f"models were generated with tensorflow {pinned.get('tensorflow')} on "
                    f"'{pinned.get('cpu')}'; this machine is '{cpu_fingerprint()}' with "
                    f"{here['tensorflow']}: training is not bit-reproducible across CPU float paths")
    for name in ("kws01.tflite", "ad01.tflite"):
        assert (regenerated / name).read_bytes() == (MODELS / name).read_bytes(), name
