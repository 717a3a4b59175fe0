"""What the compiler refuses, and how it says so."""

import os

import pytest

from tinysim.compiler import compile_model
from tinysim.errors import ModelError, TinysimError

import ts_opmodels


def test_missing_file(tmp_path):
    with pytest.raises(ModelError, match="cannot read model .*nope.tflite"):
        compile_model(tmp_path / "nope.tflite", tmp_path / "out")


def test_not_a_tflite_file(tmp_path):
    bad = tmp_path / "bad.tflite"
    bad.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="bad.tflite is not a TFLite model"):
        compile_model(bad, tmp_path / "out")


def test_errors_are_user_errors():
    assert issubclass(ModelError, TinysimError)


def _keras(tmp_path, name, build, int8=True):
    import tensorflow as tf
    model = build(tf.keras.layers)
    path = tmp_path / f"{name}.tflite"
    if int8:
        return ts_opmodels.convert(model, path)
    path.write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return path


@pytest.fixture()
def tf_tmp(tmp_path):
    pytest.importorskip("tensorflow", reason="building test models needs tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    return tmp_path


def _model(L, layers, shape):
    import tensorflow as tf
    x = L.Input(shape)
    y = x
    for layer in layers:
        y = layer(y)
    return tf.keras.Model(x, y)


@pytest.mark.tflite
def test_float_model_is_refused_naming_the_tensor(tf_tmp):
    path = _keras(tf_tmp, "float", lambda L: _model(L, [L.Dense(4)], (8,)), int8=False)
    with pytest.raises(ModelError, match=r"float.tflite.*input '.*' is float32; tinysim needs an int8 input"):
        compile_model(path, tf_tmp / "out")


@pytest.mark.tflite
def test_unsupported_op_names_op_and_index(tf_tmp):
    path = _keras(tf_tmp, "tanh", lambda L: _model(L, [L.Dense(6), L.Activation("tanh")], (8,)))
    with pytest.raises(ModelError, match=r"operator #1 TANH: operator is not supported"):
        compile_model(path, tf_tmp / "out")


@pytest.mark.tflite
def test_dilated_conv_is_refused(tf_tmp):
    # the converter rewrites a dilated conv as SPACE_TO_BATCH_ND -> CONV_2D -> BATCH_TO_SPACE_ND
    path = _keras(tf_tmp, "dilated",
                  lambda L: _model(L, [L.Conv2D(4, 3, dilation_rate=2, padding="same")], (9, 9, 2)))
    with pytest.raises(ModelError, match=r"dilated.tflite: operator #0 SPACE_TO_BATCH_ND: operator is not supported"):
        compile_model(path, tf_tmp / "out")


@pytest.mark.tflite
def test_softmax_output_quantization_is_checked(tf_tmp, monkeypatch):
    """An option the kernels cannot honour is refused with the op and the reason."""
    from tinysim.compiler import reader
    path = _keras(tf_tmp, "sm", lambda L: _model(L, [L.Dense(5), L.Softmax()], (4,)))
    real_read = reader.read_tflite

    def read_with_wrong_scale(p):
        g = real_read(p)
        g.tensors[g.outputs[0]].scales[0] = 0.5
        return g
    monkeypatch.setattr("tinysim.compiler.compile.read_tflite", read_with_wrong_scale)
    with pytest.raises(ModelError, match=r"operator #\d+ SOFTMAX: output scale 0.5.*requires 1/256"):
        compile_model(path, tf_tmp / "out")


@pytest.mark.tflite
def test_bad_model_id_is_refused(tf_tmp):
    path = _keras(tf_tmp, "fc", lambda L: _model(L, [L.Dense(3)], (5,)))
    with pytest.raises(ModelError, match="model id"):
        compile_model(path, tf_tmp / "out", model_id='a"b')
