"""`tinysim accuracy` on the emulated firmware scores exactly what the TFLite interpreter scores."""

import json

import pytest

from tinysim.cli import main
from tinysim.harness.datasets import make_dataset


@pytest.mark.tflite
@pytest.mark.parametrize("workload,n", [("kws01", 8), ("ic01", 4)])
def test_firmware_score_equals_tflite_score(workload, n, tmp_path, capsys):
    make_dataset(workload, tmp_path / workload, n, seed=3)
    rc = main(["accuracy", "--workload", workload, "--dataset", str(tmp_path), "--json",
               "--out", str(tmp_path / "results")])
    out = json.loads(capsys.readouterr().out)
    assert rc == 0
    assert out["files"] == n
    assert out["compared_inferences"] == n and out["identical_inferences"] == n
    assert out["firmware"] == out["tflite"]
