"""Blend the components into one transition score and pick the top N targets per occupation.

Each component's raw similarity is first turned into two ranks: where the target stands among
all targets of the source (`forward`) and where the source stands among all targets of the
target (`backward`: a move is likelier between occupations that each count the other among
their closest). Ranks, not raw values, because the components live on different scales (Skills
cosines cluster at 0.8-0.95, title tf-idf cosines at 0-0.2). A rank r of n becomes
log(n / r) ("how far into the top"): the 1st of 1,000 scores 6.9, the 10th 4.6, the median 0.7,
so the blend rewards being near the top of a list rather than above its middle. The score is the
logistic of a weighted sum of those values and the job-zone distance; WEIGHTS were fitted by
benchmarks/bench_transitions.py (logistic regression) on the tuning half of the occupations
only, and are fixed here, so a build never reads the held-out truth.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.stats import rankdata

from kg.transitions.components import Matrix
from kg.transitions.terms import COMPONENTS

NEUTRAL = 0.5  # the rank of a target when either side lacks the component's data
# Fitted by `python3 benchmarks/bench_transitions.py --fit` on the tuning half (seed 13).
WEIGHTS: dict[str, float] = {
    "bias": -11.14,
    "activities.backward": -0.024,
    "activities.forward": 0.047,
    "activityGroups.backward": -0.056,
    "activityGroups.forward": 0.144,
    "escoSkills.backward": -0.114,
    "escoSkills.forward": 0.154,
    "interests.backward": 0.026,
    "interests.forward": 0.265,
    "jobZoneDistance": -0.319,
    "skillLevels.backward": -0.012,
    "skillLevels.forward": 0.002,
    "skills.backward": -0.103,
    "skills.forward": 0.424,
    "tasks.backward": 0.092,
    "tasks.forward": 0.649,
    "titles.backward": 0.178,
    "titles.forward": 0.67,
}


def percentile_ranks(sim: Matrix) -> Matrix:
    """Per row, the share of the other occupations the target beats or ties (0-1]; NaN (no
    data) and the diagonal get NEUTRAL."""
    n = sim.shape[0]
    valid = ~np.isnan(sim)
    np.fill_diagonal(valid, False)
    filled = np.where(valid, sim, -np.inf)
    ranks = rankdata(filled, axis=1)  # the invalid cells take the lowest ranks
    count = valid.sum(axis=1, keepdims=True)
    out = np.full((n, n), NEUTRAL)
    safe = np.maximum(count, 1)
    scaled = (ranks - (n - count)) / safe
    out[valid] = scaled[valid]
    return out


def top_closeness(percentile: Matrix) -> Matrix:
    """log(n / rank from the top), from the percentile rank: -log(1 - p + 1/n)."""
    n = percentile.shape[0]
    return -np.log(1.0 - percentile + 1.0 / n)


def features(components: dict[str, Matrix]) -> dict[str, Matrix]:
    out: dict[str, Matrix] = {}
    for name in COMPONENTS:
        forward = top_closeness(percentile_ranks(components[name]))
        out[f"{name}.forward"] = forward
        out[f"{name}.backward"] = forward.T
    step = components["jobZoneStep"]
    out["jobZoneDistance"] = np.where(np.isnan(step), 1.0, np.abs(step))
    return out


def blend(feats: dict[str, Matrix], weights: dict[str, float] | None = None) -> Matrix:
    weights = WEIGHTS if weights is None else weights
    total = np.full(next(iter(feats.values())).shape, weights["bias"])
    for name, value in feats.items():
        weight = weights.get(name, 0.0)
        if weight:
            total += weight * value
    return 1.0 / (1.0 + np.exp(-total))


@dataclass(frozen=True)
class Ranked:
    source: int
    target: int
    rank: int
    score: float


def top(scores: Matrix, codes: list[str], limit: int) -> list[Ranked]:
    """The `limit` best targets of every source: highest score first, ties by code."""
    n = scores.shape[0]
    order_code = np.arange(n)  # codes are sorted, so the index orders ties by code
    out: list[Ranked] = []
    for i in range(n):
        row = scores[i].copy()
        row[i] = -np.inf
        chosen = np.lexsort((order_code, -row))[:min(limit, n - 1)]
        out.extend(Ranked(i, int(j), r, float(row[j])) for r, j in enumerate(chosen, 1))
    return out
