"""`tinysim compile` through the CLI dispatcher."""

import pytest

from tinysim.cli import main

pytestmark = pytest.mark.tflite


def test_compile_prints_the_memory_report(mini_net, tmp_path, capsys):
    assert main(["compile", str(mini_net), "-o", str(tmp_path / "gen"), "--model-id", "m1"]) == 0
    out = capsys.readouterr().out
    for word in ("flash", "weights", "arena", "MACs", "model.c"):
        assert word in out
    assert '#define TS_MODEL_ID "m1"' in (tmp_path / "gen" / "model.h").read_text()


def test_compile_json_and_layers(mini_net, tmp_path, capsys):
    import json
    assert main(["compile", str(mini_net), "-o", str(tmp_path / "g"), "--json"]) == 0
    doc = json.loads(capsys.readouterr().out)
    assert doc["macs"] == sum(layer["macs"] for layer in doc["layers"]) > 0
    assert doc["flash_bytes"] == sum(doc["flash"].values())
    assert main(["compile", str(mini_net), "-o", str(tmp_path / "g"), "--layers"]) == 0
    assert "DEPTHWISE_CONV_2D" in capsys.readouterr().out


def test_compile_error_exits_2(tmp_path, capsys):
    bad = tmp_path / "x.tflite"
    bad.write_text("not a model")
    assert main(["compile", str(bad), "-o", str(tmp_path / "gen")]) == 2
    assert "x.tflite is not a TFLite model" in capsys.readouterr().err
