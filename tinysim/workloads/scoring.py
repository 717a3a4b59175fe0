"""Scoring primitives and rules as the MLPerf Tiny runner scores (research notes sections 2.2, 3.1).

Classifiers ("top1"): per input file, the mean of its result vectors; top-1 = argmax(mean) == label.
Detectors ("auc"): per window, the DUT prints the MSE between its dequantized output and the float
input; per file, the mean of its window MSEs; AUC over files (normal 0, anomaly 1) by the rank
statistic (what sklearn's roc_auc_score computes, ties counted half), without sklearn.
A workload names its rule in its registry entry (`Workload.metric`); tinysim.harness.scoring
applies it to a run, and tinysim.models.generate to a held-out split.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Callable

import numpy as np

from tinysim.errors import ModelError
from tinysim.registry import Registry


def file_prediction(results: Sequence[Sequence[float]]) -> int:
    """Predicted class of one file: argmax of the mean of its result vectors (first max wins)."""
    arr = np.asarray(results, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[0] == 0:
        raise ModelError(f"expected one or more result vectors per file, got shape {arr.shape}")
    return int(np.argmax(arr.mean(axis=0)))


def top1_accuracy(results: Mapping[str, Sequence[Sequence[float]]], labels: Mapping[str, int]) -> float:
    """Fraction of files whose predicted class equals the label. `results` maps file -> its
    result vectors (one per inference); every file in `labels` must have results."""
    if not labels:
        raise ModelError("top-1 accuracy of an empty dataset")
    missing = [f for f in labels if f not in results]
    if missing:
        raise ModelError(f"no results for {len(missing)} file(s), first {missing[0]}")
    hits = sum(file_prediction(results[f]) == int(label) for f, label in labels.items())
    return hits / len(labels)


def reconstruction_mse(output_q: Sequence[int], output_quant: tuple[float, int],
                       input_float: Sequence[float]) -> float:
    """One AD window's score as the reference th_results computes it: dequantize each int8 output
    ((q - zp) * scale), subtract the float input, and sum the squares in float32, in order,
    then divide by the element count (also in float32)."""
    q = np.asarray(output_q, dtype=np.int32)
    x = np.asarray(input_float, dtype=np.float32)
    if q.shape != x.shape:
        raise ModelError(f"AD output has {q.size} elements but the input window {x.size}")
    scale, zero_point = output_quant
    deq = (q - int(zero_point)).astype(np.float32) * np.float32(scale)
    diff = deq - x
    sq = diff * diff
    total = np.add.accumulate(sq, dtype=np.float32)[-1]  # sequential float32 sum, like the C loop
    return float(np.float32(total) / np.float32(q.size))


def file_scores(results: Mapping[str, Sequence[float]]) -> dict[str, float]:
    """Per-file anomaly score: mean of the file's window MSEs."""
    out = {}
    for name, values in results.items():
        arr = np.asarray(values, dtype=np.float64).reshape(-1)
        if arr.size == 0:
            raise ModelError(f"{name}: no window results")
        out[name] = float(arr.mean())
    return out


def roc_auc(labels: Sequence[int], scores: Sequence[float]) -> float:
    """Area under the ROC curve: probability that a random anomaly (label 1) scores higher than
    a random normal (label 0), ties counting 1/2 (Mann-Whitney U with average ranks)."""
    y = np.asarray(labels, dtype=np.int64)
    s = np.asarray(scores, dtype=np.float64)
    if y.shape != s.shape or y.ndim != 1:
        raise ModelError(f"AUC needs one score per label, got {y.shape} labels and {s.shape} scores")
    if not np.isin(y, (0, 1)).all():
        raise ModelError("AUC labels must be 0 (normal) or 1 (anomaly)")
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    if n_pos == 0 or n_neg == 0:
        raise ModelError(f"AUC needs both classes; got {n_pos} anomalies and {n_neg} normals")
    order = np.argsort(s, kind="mergesort")
    sorted_s = s[order]
    ranks = np.empty(len(s), dtype=np.float64)
    i = 0
    while i < len(s):  # average rank (1-based) over each run of tied scores
        j = i
        while j + 1 < len(s) and sorted_s[j + 1] == sorted_s[i]:
            j += 1
        ranks[order[i:j + 1]] = (i + j) / 2 + 1
        i = j + 1
    u = ranks[y == 1].sum() - n_pos * (n_pos + 1) / 2
    return float(u / (n_pos * n_neg))


def auc_of_window_mses(results: Mapping[str, Sequence[float]], labels: Mapping[str, int]) -> float:
    """The detector rule: results[file] = its window MSEs; AUC of the per-file means."""
    missing = [f for f in labels if f not in results]
    if missing:
        raise ModelError(f"no results for {len(missing)} file(s), first {missing[0]}")
    per_file = file_scores({f: results[f] for f in labels})
    names = list(labels)
    return roc_auc([labels[f] for f in names], [per_file[f] for f in names])


# Scoring rule name (Workload.metric) -> value(results per file, labels per file).
RULES: Registry[Callable[[Mapping[str, Sequence], Mapping[str, int]], float]] = Registry("scoring rule")
RULES.add("top1", top1_accuracy)
RULES.add("auc", auc_of_window_mses)
