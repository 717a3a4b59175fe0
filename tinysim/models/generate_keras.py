"""Keras definitions of the four MLPerf Tiny reference architectures (imports TensorFlow).

Layer by layer as the mlcommons/tiny training sources describe them (research notes section 3.1):
KWS `keyword_spotting/keras_model.py` (ds_cnn), VWW `visual_wake_words/vww_model.py` (SiLabs
MobileNetV1 alpha 0.25), IC `image_classification/keras_model.py` at tags <= v1.1 (ResNet-8,
16/32/64 filters), AD `anomaly_detection/keras_model.py` (DCASE 2020 task 2 baseline).
Written from those descriptions, not copied. Convolutions that feed a BatchNorm carry no bias of
their own; the TFLite converter folds the BN into weights + bias, giving the published counts.
Training uses a free batch size; conversion rebuilds the model with batch_size=1 (same weights) so
the graph has static shapes and Flatten becomes one RESHAPE, as in the reference files.
"""

from __future__ import annotations

import tensorflow as tf

layers = tf.keras.layers

# BatchNorm moving-average momentum. Keras' default 0.99 needs thousands of steps before the
# inference statistics settle; our trainings are a few hundred steps, so 0.9. The graph after BN
# folding is the same either way.
BN_MOMENTUM = 0.9


def _bn():
    return layers.BatchNormalization(momentum=BN_MOMENTUM)


def _bn_relu(x):
    x = _bn()(x)
    return layers.Activation("relu")(x)


def ds_cnn_kws(num_classes: int = 12, batch_size: int | None = None) -> tf.keras.Model:
    inp = tf.keras.Input(shape=(49, 10, 1), batch_size=batch_size, name="input")
    x = layers.Conv2D(64, (10, 4), strides=(2, 2), padding="same", use_bias=False)(inp)
    x = _bn_relu(x)
    x = layers.Dropout(0.2)(x)
    for _ in range(4):
        x = layers.DepthwiseConv2D((3, 3), padding="same", use_bias=False)(x)
        x = _bn_relu(x)
        x = layers.Conv2D(64, (1, 1), padding="same", use_bias=False)(x)
        x = _bn_relu(x)
    x = layers.Dropout(0.4)(x)
    x = layers.AveragePooling2D(pool_size=(25, 5))(x)
    x = layers.Flatten()(x)
    out = layers.Dense(num_classes, activation="softmax")(x)
    return tf.keras.Model(inp, out, name="kws01_ds_cnn")


# (pointwise filters, depthwise stride) of the 13 separable blocks of MobileNetV1 alpha=0.25.
_MOBILENET_BLOCKS = ((16, 1), (32, 2), (32, 1), (64, 2), (64, 1), (128, 2), (128, 1), (128, 1),
                     (128, 1), (128, 1), (128, 1), (256, 2), (256, 1))


def mobilenet_v1_vww(num_classes: int = 2, batch_size: int | None = None) -> tf.keras.Model:
    inp = tf.keras.Input(shape=(96, 96, 3), batch_size=batch_size, name="input")
    x = layers.Conv2D(8, (3, 3), strides=(2, 2), padding="same", use_bias=False)(inp)
    x = _bn_relu(x)
    for filters, stride in _MOBILENET_BLOCKS:
        x = layers.DepthwiseConv2D((3, 3), strides=(stride, stride), padding="same", use_bias=False)(x)
        x = _bn_relu(x)
        x = layers.Conv2D(filters, (1, 1), padding="same", use_bias=False)(x)
        x = _bn_relu(x)
    x = layers.AveragePooling2D(pool_size=(3, 3))(x)
    x = layers.Flatten()(x)
    out = layers.Dense(num_classes, activation="softmax")(x)
    return tf.keras.Model(inp, out, name="vww01_mobilenet_v1_025")


def _residual_stack(x, filters: int, downsample: bool):
    stride = 2 if downsample else 1
    y = layers.Conv2D(filters, (3, 3), strides=stride, padding="same", use_bias=False)(x)
    y = _bn_relu(y)
    y = layers.Conv2D(filters, (3, 3), padding="same", use_bias=False)(y)
    y = _bn()(y)
    if downsample:  # 1x1 stride-2 projection shortcut, no BN (as in the reference)
        x = layers.Conv2D(filters, (1, 1), strides=2, padding="same")(x)
    x = layers.Add()([x, y])
    return layers.Activation("relu")(x)


def resnet8_ic(num_classes: int = 10, batch_size: int | None = None) -> tf.keras.Model:
    inp = tf.keras.Input(shape=(32, 32, 3), batch_size=batch_size, name="input")
    x = layers.Conv2D(16, (3, 3), padding="same", use_bias=False)(inp)
    x = _bn_relu(x)
    x = _residual_stack(x, 16, downsample=False)
    x = _residual_stack(x, 32, downsample=True)
    x = _residual_stack(x, 64, downsample=True)
    x = layers.AveragePooling2D(pool_size=(8, 8))(x)
    x = layers.Flatten()(x)
    out = layers.Dense(num_classes, activation="softmax")(x)
    return tf.keras.Model(inp, out, name="ic01_resnet8")


def fc_autoencoder_ad(input_dim: int = 640, batch_size: int | None = None) -> tf.keras.Model:
    inp = tf.keras.Input(shape=(input_dim,), batch_size=batch_size, name="input")
    x = inp
    for units in (128, 128, 128, 128, 8, 128, 128, 128, 128):
        x = layers.Dense(units, use_bias=False)(x)
        x = _bn_relu(x)
    out = layers.Dense(input_dim)(x)
    return tf.keras.Model(inp, out, name="ad01_fc_autoencoder")


BUILDERS = {
    "kws01": ds_cnn_kws,
    "vww01": mobilenet_v1_vww,
    "ic01": resnet8_ic,
    "ad01": fc_autoencoder_ad,
}
