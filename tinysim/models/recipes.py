"""How each model of models/ is trained on synthetic data (no TensorFlow import, so the CLI and
`--help` can list the generatable workloads without loading it; generate_train.py trains)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Recipe:
    """How much synthetic data and training each model gets (kept small: whole run ~minutes)."""

    train: int  # training samples (AD: normal clips, each giving 196 windows)
    test: int  # held-out samples for the accuracy figure in the manifest (AD: clips per class)
    calib: int  # representative samples for post-training quantization
    epochs: int
    batch: int
    lr: float


RECIPES = {
    "kws01": Recipe(train=3000, test=600, calib=120, epochs=6, batch=32, lr=3e-3),
    "vww01": Recipe(train=2000, test=300, calib=60, epochs=6, batch=32, lr=3e-3),
    "ic01": Recipe(train=1500, test=300, calib=100, epochs=4, batch=32, lr=3e-3),
    "ad01": Recipe(train=80, test=40, calib=400, epochs=6, batch=64, lr=1e-3),
}

TRAIN_SEED = 20240501  # seeds weights, data order and the training split
TEST_SEED = 7  # the held-out split behind the accuracy recorded in the manifest
