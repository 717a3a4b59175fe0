"""The layer-by-layer diff names the first op whose output differs."""

import re

import numpy as np
import pytest

from tinysim.compiler import compile_model
from tinysim.compiler.hostrun import HostModel
from tinysim.compiler.layerdiff import compare, interpreter_tensors, layer_diff, main

pytestmark = pytest.mark.tflite


def _input(size):
    return np.random.default_rng(3).integers(-128, 128, size, dtype=np.int8)


def test_exact_model_reports_no_difference(mini_net, tmp_path):
    diff = layer_diff(mini_net, _input(160), port="arm_dsp", work_dir=tmp_path)
    assert diff.first is None and diff.output_equal
    assert [r.name for r in diff.layers][:2] == ["CONV_2D", "DEPTHWISE_CONV_2D"]
    assert "bit-exact" in diff.text()


def test_tampered_op_is_found(mini_net, tmp_path):
    model = compile_model(mini_net, tmp_path)
    pw = [l for l in model.layers if l["name"] == "CONV_2D"][1]["index"]   # the pointwise conv
    text = model.c_path.read_text()
    # perturb that op's first requantization multiplier
    text, n = re.subn(rf"(op{pw}_mult\[\d+\] = \{{\n    )(\d+)",
                      lambda m: m.group(1) + str(int(m.group(2)) // 2), text)
    assert n == 1
    model.c_path.write_text(text)
    x = _input(model.input_size)
    diff = compare(model, HostModel(model).trace(x), interpreter_tensors(mini_net, x))
    assert diff.first is not None and diff.first.index == pw
    assert all(r.mismatches == 0 for r in diff.layers if r.index < pw)
    assert f"first difference: op {pw} CONV_2D" in diff.text()


def test_command_line(mini_net, capsys):
    assert main([str(mini_net), "--seed", "1"]) == 0
    assert "bit-exact" in capsys.readouterr().out
