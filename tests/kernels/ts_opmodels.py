"""Small int8 single-op .tflite models built with TensorFlow, for the kernel tests.

Each builder returns a Keras model; `convert()` quantizes it to a full-integer
int8 model (int8 input and output, per-channel weights unless asked
otherwise) with a fixed-seed representative dataset. TensorFlow is imported
lazily so collecting the tests does not need it.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")


def _tf():
    import tensorflow as tf
    return tf


def _init(seed):
    tf = _tf()
    return dict(kernel_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=seed),
                bias_initializer=tf.keras.initializers.RandomNormal(stddev=0.5, seed=seed + 1))


def _conv(shape, filters, kernel, strides, padding, activation, seed=1):
    L = _tf().keras.layers
    x = L.Input(shape)
    y = L.Conv2D(filters, kernel, strides=strides, padding=padding, activation=activation,
                 **_init(seed))(x)
    return _tf().keras.Model(x, y)


def _dw(shape, kernel, strides, padding, activation, depth_multiplier=1, seed=3):
    tf = _tf()
    L = tf.keras.layers
    x = L.Input(shape)
    y = L.DepthwiseConv2D(kernel, strides=strides, padding=padding, activation=activation,
                          depth_multiplier=depth_multiplier,
                          depthwise_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=seed),
                          bias_initializer=tf.keras.initializers.RandomNormal(stddev=0.5, seed=seed + 1))(x)
    return tf.keras.Model(x, y)


def _fc(n_in, units, activation, seed=5):
    L = _tf().keras.layers
    x = L.Input((n_in,))
    y = L.Dense(units, activation=activation, **_init(seed))(x)
    return _tf().keras.Model(x, y)


def _pool(kind, shape, size, strides, padding):
    L = _tf().keras.layers
    x = L.Input(shape)
    cls = L.AveragePooling2D if kind == "avg" else L.MaxPooling2D
    return _tf().keras.Model(x, cls(size, strides=strides, padding=padding)(x))


def _add(shape, relu):
    L = _tf().keras.layers
    x = L.Input(shape)
    b = L.Conv2D(shape[-1], 1, **_init(7))(x)     # a second operand with its own scale
    y = L.Add()([x, b])
    if relu:
        y = L.ReLU()(y)                            # fused into ADD by the converter
    return _tf().keras.Model(x, y)


def _softmax(rows, n_in, classes):
    L = _tf().keras.layers
    x = L.Input((n_in,))
    y = L.Dense(rows * classes, **_init(9))(x)
    if rows > 1:
        y = L.Reshape((rows, classes))(y)   # softmax over the last axis of each row
    return _tf().keras.Model(x, L.Softmax()(y))


def _softmax_direct(n):
    L = _tf().keras.layers
    x = L.Input((n,))
    return _tf().keras.Model(x, L.Softmax()(x))


def _mini_net():
    """A KWS/IC-like chain: conv, depthwise, pointwise, residual add, pools, FC, softmax."""
    tf = _tf()
    L = tf.keras.layers
    x = L.Input((16, 10, 1))
    y = L.Conv2D(16, (5, 3), strides=2, padding="same", activation="relu", **_init(11))(x)
    z = L.DepthwiseConv2D(3, padding="same", activation="relu",
                          depthwise_initializer=tf.keras.initializers.RandomUniform(-1, 1, seed=12))(y)
    z = L.Conv2D(16, 1, activation="relu", **_init(13))(z)
    y = L.ReLU()(L.Add()([y, z]))
    y = L.MaxPooling2D(2)(y)
    y = L.AveragePooling2D((4, 2))(y)
    y = L.Flatten()(y)
    y = L.Dense(12, **_init(14))(y)
    return tf.keras.Model(x, L.Softmax()(y))


# name -> (builder, kwargs for convert)
OP_MODELS = {
    "conv_s1_same_relu": (lambda: _conv((9, 7, 3), 8, 3, 1, "same", "relu"), {}),
    "conv_s2_valid_relu6": (lambda: _conv((10, 9, 5), 6, (3, 2), 2, "valid", "relu6"), {}),
    "conv_s2_same_k5": (lambda: _conv((8, 8, 4), 7, 5, 2, "same", None), {}),
    "conv_1x1": (lambda: _conv((6, 5, 12), 9, 1, 1, "valid", None), {}),
    "conv_1x1_s2": (lambda: _conv((7, 7, 8), 4, 1, 2, "valid", "relu"), {}),
    # relu6 clips a wide input*weight range: multipliers above 1/4, so the DSP port's
    # requantization takes its general (shift > -2) path
    "conv_big_multiplier": (lambda: _conv((6, 6, 1), 4, 1, 1, "valid", "relu6"), {"gain": 40.0}),
    "dw_big_multiplier": (lambda: _dw((6, 6, 4), 1, 1, "valid", "relu6"), {"gain": 40.0}),
    # multipliers of 1/2 and more (shift >= 0): the arm_dsp depthwise's ts_requant path
    "dw_huge_multiplier": (lambda: _dw((6, 6, 4), 3, 1, "same", "relu6"), {"gain": 2000.0}),
    "conv_per_tensor": (lambda: _conv((6, 6, 4), 5, 3, 1, "same", "relu"), {"per_channel": False}),
    "dw_s1_same_relu": (lambda: _dw((7, 9, 12), 3, 1, "same", "relu"), {}),
    "dw_s2_valid_relu6": (lambda: _dw((9, 9, 6), 3, 2, "valid", "relu6"), {}),
    "dw_s2_same_k5": (lambda: _dw((10, 8, 8), 5, 2, "same", None), {}),
    "dw_per_tensor": (lambda: _dw((6, 5, 8), 3, 1, "same", "relu6"), {"per_channel": False}),
    "dw_mult2": (lambda: _dw((6, 6, 3), 3, 1, "same", "relu", depth_multiplier=2), {}),
    # arm_dsp block boundaries: depthwise channels over two stack blocks of unpacked
    # weights (5x5 taps: 92 channels a block) plus a 2-channel tail; conv receptive
    # fields of 576 bytes (5 pixel pairs per stack block) with an odd pixel count;
    # 3456-byte fields that do not fit the stack buffer (the direct path)
    "dw_two_blocks_k5": (lambda: _dw((5, 4, 98), 5, 1, "same", "relu"), {}),
    "conv_blocks_odd_pixels": (lambda: _conv((7, 5, 64), 5, 3, 1, "same", "relu"), {}),
    "conv_wide_field": (lambda: _conv((3, 3, 384), 3, 3, 1, "same", None), {}),
    # pointwise with 40-byte rows over 18 pixel pairs: unpacked weight rows, 16-byte chunks
    # plus single groups; relu6 keeps the clamp's compare path in use
    "conv_1x1_unpacked": (lambda: _conv((6, 6, 40), 6, 1, 1, "valid", "relu6"), {}),
    "fc_relu": (lambda: _fc(37, 50, "relu"), {}),
    "fc_plain": (lambda: _fc(64, 71, None), {}),
    "fc_per_tensor": (lambda: _fc(24, 40, "relu"), {"per_channel": False}),
    "fc_per_tensor_plain": (lambda: _fc(96, 64, None), {"per_channel": False}),
    "avgpool_same_s2": (lambda: _pool("avg", (9, 8, 5), 3, 2, "same"), {}),
    "avgpool_valid": (lambda: _pool("avg", (6, 6, 8), 2, 2, "valid"), {}),
    "avgpool_global": (lambda: _pool("avg", (5, 3, 16), (5, 3), None, "valid"), {}),
    "maxpool_same": (lambda: _pool("max", (7, 5, 6), 2, 2, "same"), {}),
    "maxpool_valid_s1": (lambda: _pool("max", (6, 6, 3), 3, 1, "valid"), {}),
    "add": (lambda: _add((5, 4, 6), False), {}),
    "add_relu": (lambda: _add((4, 4, 8), True), {}),
    "add_large": (lambda: _add((16, 12, 8), True), {}),   # the DSP port's table path (>= 512)
    "softmax": (lambda: _softmax(1, 16, 10), {}),
    "softmax_rows": (lambda: _softmax(4, 8, 12), {}),
    # softmax straight on the int8 input: input scale (gain) moves beta*scale and diff_min
    "softmax_direct_narrow": (lambda: _softmax_direct(20), {"gain": 0.5}),
    "softmax_direct_wide": (lambda: _softmax_direct(33), {"gain": 40.0}),
    "mini_net": (_mini_net, {}),
}


def convert(model, path: Path, per_channel: bool = True, seed: int = 0, gain: float = 2.0) -> Path:
    tf = _tf()
    shape = tuple(model.inputs[0].shape[1:])
    rng = np.random.default_rng(seed)

    def representative():
        for _ in range(16):
            yield [rng.standard_normal((1,) + shape).astype(np.float32) * gain]

    conv = tf.lite.TFLiteConverter.from_keras_model(model)
    conv.optimizations = [tf.lite.Optimize.DEFAULT]
    conv.representative_dataset = representative
    conv.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    conv.inference_input_type = tf.int8
    conv.inference_output_type = tf.int8
    if not per_channel:
        conv._experimental_disable_per_channel = True
    path.write_bytes(conv.convert())
    return path


def build(name: str, directory: Path) -> Path:
    builder, kwargs = OP_MODELS[name]
    path = directory / f"{name}.tflite"
    if not path.exists():
        _tf().keras.utils.set_random_seed(0)
        convert(builder(), path, **kwargs)
    return path
