"""Scoring a run: the registered workload's rule applied to what the DUT printed per input file.

The rules and their primitives (top-1 of mean result vectors, AUC of mean window MSEs) live in
tinysim.workloads.scoring, beside the workload entries that name them (`Workload.metric`), so the
model generator scores its held-out split the same way without importing the harness.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from tinysim import workloads
from tinysim.workloads.scoring import (RULES, file_prediction, file_scores, reconstruction_mse,
                                       roc_auc, top1_accuracy)

# The primitives are re-exported: the runner and the CLI score through this module.
__all__ = ["Score", "score", "file_prediction", "file_scores", "reconstruction_mse", "roc_auc",
           "top1_accuracy"]


@dataclass(frozen=True)
class Score:
    workload: str
    metric: str  # "top1" or "auc"
    value: float
    target: float
    files: int

    @property
    def passed(self) -> bool:
        return self.value >= self.target

    def __str__(self) -> str:
        shown = f"{100 * self.value:.1f} %" if self.metric == "top1" else f"{self.value:.3f}"
        want = f"{100 * self.target:.0f} %" if self.metric == "top1" else f"{self.target:.2f}"
        return (f"{self.workload}: {self.metric} {shown} over {self.files} files "
                f"(target {want}: {'met' if self.passed else 'NOT met'})")


def score(workload: str, results: Mapping[str, Sequence], labels: Mapping[str, int]) -> Score:
    """Score a run. Top-1 workloads: results[file] = list of result vectors. AUC workloads:
    results[file] = list of window MSEs (what the DUT prints per inference)."""
    entry = workloads.get(workload)
    value = RULES.get(entry.metric)(results, labels)
    return Score(workload, entry.metric, value, entry.target, len(labels))
