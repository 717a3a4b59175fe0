"""Scoring against hand-computed values: top-1 from mean vectors, AUC with ties, AD window MSE."""

import itertools

import numpy as np
import pytest

from tinysim import workloads
from tinysim.errors import ModelError
from tinysim.harness import scoring


def test_file_prediction_uses_mean_of_vectors_not_majority():
    # Two inferences vote class 0 weakly, one votes class 1 strongly: mean is (0.4, 0.6) -> 1.
    vectors = [[0.55, 0.45], [0.55, 0.45], [0.1, 0.9]]
    assert scoring.file_prediction(vectors) == 1


def test_top1_accuracy_hand_computed():
    results = {"a.bin": [[0.1, 0.7, 0.2]], "b.bin": [[0.8, 0.1, 0.1]], "c.bin": [[0.3, 0.3, 0.4]],
               "d.bin": [[0.2, 0.2, 0.6], [0.9, 0.05, 0.05]]}  # d: mean (0.55, .125, .325) -> 0
    labels = {"a.bin": 1, "b.bin": 0, "c.bin": 1, "d.bin": 2}
    assert scoring.top1_accuracy(results, labels) == pytest.approx(0.5)


def test_top1_missing_results_named():
    with pytest.raises(ModelError, match="x.bin"):
        scoring.top1_accuracy({}, {"x.bin": 0})


def test_auc_hand_computed_without_ties():
    # Pairs (anomaly, normal): (0.35 vs 0.1) win, (0.35 vs 0.4) lose, (0.8 vs both) win -> 3/4.
    assert scoring.roc_auc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == pytest.approx(0.75)


def test_auc_ties_count_half():
    assert scoring.roc_auc([0, 1], [0.5, 0.5]) == pytest.approx(0.5)
    # Anomaly 0.3 ties one normal (0.3: 1/2) and beats the other (0.1: 1) -> 1.5 / 2.
    assert scoring.roc_auc([0, 0, 1], [0.3, 0.1, 0.3]) == pytest.approx(0.75)


def test_auc_matches_pairwise_definition_on_random_tied_scores():
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, 60)
    scores = rng.integers(0, 8, 60).astype(float)  # many ties
    pos = scores[labels == 1]
    neg = scores[labels == 0]
    brute = np.mean([1.0 if p > n else 0.5 if p == n else 0.0
                     for p, n in itertools.product(pos, neg)])
    assert scoring.roc_auc(labels, scores) == pytest.approx(brute)


def test_auc_perfect_and_inverted():
    assert scoring.roc_auc([0, 0, 1, 1], [1, 2, 3, 4]) == 1.0
    assert scoring.roc_auc([1, 1, 0, 0], [1, 2, 3, 4]) == 0.0


def test_auc_needs_both_classes():
    with pytest.raises(ModelError, match="both classes"):
        scoring.roc_auc([0, 0], [0.1, 0.2])


def test_reconstruction_mse_hand_computed():
    # scale 0.5, zp 10: q=12 -> 1.0, q=8 -> -1.0, q=10 -> 0.0. Inputs 1.5, -1.0, 2.0:
    # squared errors 0.25, 0, 4 -> mean 4.25 / 3.
    mse = scoring.reconstruction_mse([12, 8, 10], (0.5, 10), [1.5, -1.0, 2.0])
    assert mse == pytest.approx(4.25 / 3, rel=1e-6)


def test_reconstruction_mse_is_float32_like_the_firmware():
    rng = np.random.default_rng(0)
    q = rng.integers(-128, 128, 640)
    x = rng.normal(-30, 20, 640).astype(np.float32)
    got = scoring.reconstruction_mse(q, (0.3644985, 96), x)
    acc = np.float32(0)
    for qi, xi in zip(q, x):  # the C loop, literally
        d = np.float32(np.float32(qi - 96) * np.float32(0.3644985)) - xi
        acc = np.float32(acc + np.float32(d * d))
    assert got == float(np.float32(acc / np.float32(640)))


def test_score_ad_uses_mean_window_mse_per_file():
    results = {"n1": [1.0, 3.0], "n2": [2.0, 2.0], "a1": [5.0, 1.0], "a2": [9.0]}
    labels = {"n1": 0, "n2": 0, "a1": 1, "a2": 1}
    # per-file means 2, 2, 3, 9 -> every anomaly above every normal
    s = scoring.score("ad01", results, labels)
    assert (s.metric, s.value, s.files, s.passed) == ("auc", 1.0, 4, True)


def test_score_top1_against_target():
    labels = {f"f{i}": i % 2 for i in range(10)}
    results = {f: [[1.0, 0.0]] for f in labels}  # always class 0: half right
    s = scoring.score("vww01", results, labels)
    assert s.value == 0.5 and s.target == 0.80 and not s.passed
    assert "NOT met" in str(s) and "50.0 %" in str(s)


def test_quality_targets_are_the_closed_division_ones():
    targets = {w: (workloads.get(w).metric, workloads.get(w).target) for w in workloads.ids()}
    assert targets == {"kws01": ("top1", 0.90), "vww01": ("top1", 0.80),
                       "ic01": ("top1", 0.85), "ad01": ("auc", 0.85)}


def test_unknown_workload_and_rule_are_clear_errors():
    with pytest.raises(ModelError, match="unknown workload 'zz01'.*kws01"):
        scoring.score("zz01", {}, {})
