"""Short, seeded, deterministic training of the four architectures on the synthetic data.

Imports TensorFlow (part of the optional `models` extra). Determinism comes from a fixed seed set
before each model is built (`tf.keras.utils.set_random_seed`), op determinism and one thread; the
caller (tinysim.models.generate) configures threads and oneDNN before TensorFlow is imported.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from tinysim.models import synthetic
from tinysim.models.generate_keras import BUILDERS
from tinysim.models.recipes import RECIPES, TEST_SEED, TRAIN_SEED, Recipe  # noqa: F401 (used as gt.*)


def float_inputs(workload: str, raw: np.ndarray) -> np.ndarray:
    """The float tensor the Keras model sees for .bin-domain samples (section 3 of the notes:
    KWS dequantized MFCC; VWW pixels / 255; IC raw 0..255 pixels; AD log-mel as is)."""
    if workload == "kws01":
        return synthetic.kws_to_float(raw)[..., None]
    if workload == "vww01":
        return raw.astype(np.float32) / np.float32(255.0)
    if workload == "ic01":
        return raw.astype(np.float32)
    return raw.astype(np.float32)


def dataset(workload: str, n: int, seed: int):
    """(float inputs, targets) for training or evaluation. AD: windows of normal clips, targets
    are the inputs; with `anomalous` labels for clip-level evaluation see `ad_clips`."""
    rng = np.random.default_rng(seed)
    if workload == "ad01":
        windows = np.concatenate([synthetic.ad_windows(synthetic.ad_spectrogram(rng, False))
                                  for _ in range(n)])
        return windows, windows
    raw, labels = synthetic.SAMPLERS.get(workload)(n, rng)
    return float_inputs(workload, raw), labels


def ad_clips(n_per_class: int, seed: int):
    """Evaluation clips for AD: list of (196, 640) window arrays and 0/1 anomaly labels."""
    rng = np.random.default_rng(seed)
    labels = np.array([0] * n_per_class + [1] * n_per_class)
    clips = [synthetic.ad_windows(synthetic.ad_spectrogram(rng, bool(y))) for y in labels]
    return clips, labels


def calibration_set(workload: str, x: np.ndarray, n: int) -> np.ndarray:
    """Representative inputs for PTQ. The first one is widened to the full input code range so
    the converter picks the reference input quantization: KWS scale 0.5847/zp 83, VWW 1/255 and
    IC 1.0 with zp -128 (research notes section 3), which is what the .bin formats assume."""
    calib = np.array(x[:n], np.float32, copy=True)
    if workload == "kws01":
        calib[0, 0, 0, 0] = synthetic.kws_to_float(np.array(-128, np.int8))
        calib[0, 0, 1, 0] = synthetic.kws_to_float(np.array(127, np.int8))
    elif workload in ("vww01", "ic01"):
        top = 1.0 if workload == "vww01" else 255.0
        calib[0, 0, 0, 0], calib[0, 0, 0, 1] = 0.0, top
    return calib


def train(workload: str):
    """Build and train one model; returns (keras model, training float inputs)."""
    recipe = RECIPES[workload]
    # Fresh Keras state: layer names (which end up as tensor names in the .tflite) restart, so
    # a model's bytes do not depend on which models were built before it in this process.
    tf.keras.backend.clear_session()
    tf.keras.utils.set_random_seed(TRAIN_SEED)
    x, y = dataset(workload, recipe.train, TRAIN_SEED)
    model = BUILDERS[workload]()
    if workload == "ad01":
        loss, metrics = "mse", []
    else:
        loss, metrics = "sparse_categorical_crossentropy", ["accuracy"]
    model.compile(optimizer=tf.keras.optimizers.Adam(recipe.lr), loss=loss, metrics=metrics)
    model.fit(x, y, batch_size=recipe.batch, epochs=recipe.epochs, shuffle=True, verbose=0)
    return model, x


def batch1_copy(workload: str, model):
    """The same network rebuilt with a static batch of 1 (static shapes in the .tflite)."""
    weights = model.get_weights()
    tf.keras.backend.clear_session()  # same layer names as the trained model
    clone = BUILDERS[workload](batch_size=1)
    clone.set_weights(weights)
    return clone
