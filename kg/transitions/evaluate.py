"""Evaluation against O*NET's Related Occupations, the held-out truth: read straight from the
publisher's file (never from the graph), a fixed-seed split of the occupations into a tuning and
a held-out half, micro-averaged recall@10, and the fit of the blend weights on the tuning half.
Used by benchmarks/bench_transitions.py only; the build never imports this module.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from kg.transitions.components import Matrix

SEED = 13
TIER = "Primary-Short"


def read_truth(path: Path, tier: str = TIER) -> dict[str, set[str]]:
    truth: dict[str, set[str]] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if row["Relatedness Tier"] == tier:
                truth.setdefault(row["O*NET-SOC Code"], set()).add(row["Related O*NET-SOC Code"])
    return truth


def split(truth: dict[str, set[str]], seed: int = SEED) -> tuple[set[str], set[str]]:
    """(tuning half, held-out half) of the occupations that have a truth list."""
    sources = sorted(truth)
    order = np.random.default_rng(seed).permutation(len(sources))
    tuning = {sources[i] for i in order[: len(sources) // 2]}
    return tuning, set(sources) - tuning


def recall_at(scores: Matrix, codes: list[str], truth: dict[str, set[str]],
              among: set[str] | None = None, k: int = 10) -> float:
    """Micro-averaged recall@k: found related occupations / all related occupations."""
    at = {c: i for i, c in enumerate(codes)}
    hits = total = 0
    for source, related in sorted(truth.items()):
        if (among is not None and source not in among) or source not in at:
            continue
        row = scores[at[source]].astype(float).copy()
        row[at[source]] = -np.inf
        best = np.lexsort((np.arange(len(codes)), -np.nan_to_num(row, nan=-np.inf)))[:k]
        hits += len({codes[j] for j in best} & related)
        total += len(related)
    return hits / total if total else 0.0


def fit(feats: dict[str, Matrix], codes: list[str], truth: dict[str, set[str]],
        tuning: set[str]) -> dict[str, float]:
    """Logistic-regression weights of the features, from the tuning sources' rows only."""
    from sklearn.linear_model import LogisticRegression

    names = sorted(feats)
    rows = np.array([i for i, c in enumerate(codes) if c in tuning])
    at = {c: i for i, c in enumerate(codes)}
    labels = np.zeros((len(codes), len(codes)))
    for source in tuning:
        for target in truth.get(source, ()):
            if target in at:
                labels[at[source], at[target]] = 1
    keep = np.ones((len(rows), len(codes)), dtype=bool)
    keep[np.arange(len(rows)), rows] = False  # not the occupation itself
    x = np.stack([feats[n][rows][keep] for n in names], axis=1)
    y = labels[rows][keep]
    model = LogisticRegression(C=1.0, max_iter=5000).fit(x, y)
    weights = {n: round(float(w), 3) for n, w in zip(names, model.coef_[0], strict=True)}
    weights["bias"] = round(float(model.intercept_[0]), 3)
    return weights
