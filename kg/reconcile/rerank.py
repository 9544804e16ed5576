"""A learned re-ranker of the top candidates, trained on the index's own titles.

The raw score (kg/reconcile/rank.py) adds its evidence terms with fixed weights. The re-ranker
learns how to weigh them, and their interactions, from titles the index already holds: when the
Ranker is built, TRAIN_TITLES alternate and reported titles of the type (labels weighted under a
preferred label's) are drawn with a fixed seed, and each is ranked as a query with every label of
the type whose normalised text equals it masked out, and its occupation's labels from the same
O*NET row (the title's short form, index.Index.variants) - their similarity, place in the KNN
nearest, words in their owners' profiles, coverage and associations, label counts - as
bench_reconcile.py removes a held-out row's title and short title from O*NET's alternate and
reported titles; labels of other taxonomies (ESCO's, which vote) stay, as they do in the
benchmark. (Before the short forms were masked, a training title still saw its sibling: the
model's probabilities were calibrated on easier titles than held-out ones.) For each training title
the TOP candidates of the raw score become rows of FEATURES (each evidence term of
rank.Evidence, its gap to the best among the TOP, the raw score and its gap to the first, the
candidate's place, the query's number of words, how much of the other candidates' weight is in
its own SOC minor group, and whether it is a residual "All Other" occupation; among the terms,
the share of its labels ending in the query's last word, the coverage of the query's word
pairs, the word and head-word associations and the latent similarity), labelled 1 for the
title's own occupation; titles whose occupation is not among the TOP are left out (nothing to
learn from). A scikit-learn HistGradientBoostingClassifier (no early stopping, fixed random
state: the same index gives the same model) is fitted on them; at query time the TOP
candidates are ordered by its probability.
The candidate's number of labels is not a feature: it names the occupation, and the model learnt
the training titles' occupations from it (success@5 on seed 11 fell from 0.745 to 0.715 with it).
Tuned on bench_reconcile.py's seeds 11 and 3 (TOP 30 against 20 and 40, 8,000 titles against
4,000 and 12,000, these features against fewer, logistic regression: no gain). With the
association and latent terms (rank.py) more titles pay: 24,000 against 8,000 and 16,000 gave
+0.6 points success@1 and +0.9 success@5 over the mean of seeds 11, 3, 5 and 13 (0.464/0.750 to
0.470/0.759); the build takes about three times as long. The sentence-embedding terms
(semantic.py) took that mean to 0.492/0.779 (seed 13, the weakest: 0.446/0.735 to 0.477/0.752);
WordLlama's bundled 256-dimension token embeddings (no PyTorch) gave 0.480/0.766, and both
together 0.488/0.783: not worth a second model. LightGBM's lambdarank and rank_xendcg
objectives ranked no better than this classifier on the same rows (0.470/0.758, 0.470/0.760).

Nothing from outside the index is read, so the benchmark's held-out titles (removed from the
copy the index is built from) never reach the training. The `match` rule reads the raw
scores and the model's probabilities of the first two (rank.py). A type with fewer than
MIN_TITLES such titles gets no re-ranker.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from sklearn.ensemble import HistGradientBoostingClassifier
from threadpoolctl import threadpool_limits

if TYPE_CHECKING:
    from kg.reconcile.rank import Evidence, Ranker

RERANK_TYPES = ("onet-occupation",)
TOP = 30  # candidates of the raw score the model re-orders
TRAIN_TITLES = 24000
TRAIN_SEED = 0
MIN_TITLES = 1000
PREFERRED = 1.0  # a preferred label's weight (index.LABEL_WEIGHTS): never masked, never drawn
TERMS = ("best", "support", "knn", "vote", "profile", "coverage", "pairs", "context", "heads",
         "assoc", "head_assoc", "latent", "semantic", "semantic_mean")
FEATURES = ("score", "score_gap", *[f"{t}{s}" for t in TERMS for s in ("", "_gap")],
            "log_place", "words", "group", "residual")
GROUP_SCALE = 3.0  # how fast a candidate's weight in its group's share falls with its score
# OpenMP threads for the model: one tree over a few thousand rows is too little work to share,
# and on a busy machine the threads' waits took 4/5 of the ranking time.
THREADS = 1
_CHUNK = 256  # training titles per evidence batch (bounds the dense blocks)


@dataclass
class Reranker:
    model: HistGradientBoostingClassifier
    top: int = TOP

    def probabilities(self, ev: Evidence, scores: np.ndarray, top: np.ndarray) -> np.ndarray:
        """queries x candidates (`top`'s columns): the model's probability that each is right."""
        x = features(ev, scores, top)
        with threadpool_limits(THREADS, "openmp"):
            found = self.model.predict_proba(x.reshape(-1, x.shape[2]))[:, 1]
        return found.reshape(top.shape)


def features(ev: Evidence, scores: np.ndarray, top: np.ndarray) -> np.ndarray:
    """queries x candidates x FEATURES for the candidates `top` (columns, best raw score
    first)."""
    def take(a: np.ndarray) -> np.ndarray:
        return np.take_along_axis(a, top, axis=1)

    score = take(scores)
    columns = [score, score - score[:, :1]]
    for name in TERMS:
        term = take(getattr(ev, name))
        columns += [term, term - term.max(axis=1, keepdims=True)]
    columns.append(np.broadcast_to(np.log1p(np.arange(top.shape[1])), score.shape))
    columns.append(np.broadcast_to(ev.words[:, None], score.shape))
    columns.append(_group_share(score, ev.groups[top]))
    columns.append(ev.residual[top])
    return np.stack(columns, axis=2).astype(np.float32)


def _group_share(score: np.ndarray, groups: np.ndarray) -> np.ndarray:
    """Each candidate's share of the other candidates' weight (exp(GROUP_SCALE x gap to the
    first)) that falls in its own group: neighbours of the same kind of work agree."""
    weight = np.exp(GROUP_SCALE * (score - score[:, :1]))
    same = groups[:, :, None] == groups[:, None, :]
    mass = np.einsum("qkj,qj->qk", same, weight) - weight
    return mass / np.maximum(weight.sum(axis=1, keepdims=True) - weight, 1e-9)


def training_titles(ranker: Ranker, type_key: str
                    ) -> tuple[list[str], np.ndarray, list[np.ndarray]]:
    """The drawn titles (normalised), the part column of each one's occupation, and the label
    columns of the type each must not see: every non-preferred label of the same text, and its
    occupation's labels from the same source row (Index.variants: "CAO" for "Chief
    Administrative Officer (CAO)", and back), as the benchmark removes a held-out row."""
    part = ranker.part(type_key)
    assert part.rows is not None
    text = [ranker.index.label_text[r] for r in part.rows]
    drawable = np.flatnonzero(part.weights < PREFERRED)
    same: dict[str, list[int]] = {}
    for column in drawable:
        same.setdefault(text[column], []).append(int(column))
    if len(drawable) < MIN_TITLES:
        return [], np.zeros(0, dtype=np.int64), []
    rng = np.random.default_rng(TRAIN_SEED)
    drawn = rng.choice(drawable, size=min(TRAIN_TITLES, len(drawable)), replace=False)
    owner = np.searchsorted(part.starts, drawn, side="right") - 1
    variants = ranker.index.variants
    masks = []
    for column, at in zip(drawn, owner, strict=True):
        masked = list(same[text[column]])
        entity = int(part.entities[at])
        for variant in variants.get((entity, text[column]), ()):
            masked += [c for c in range(part.starts[at], part.starts[at] + part.sizes[at])
                       if text[c] == variant and c not in masked]
        masks.append(np.asarray(masked, dtype=np.int64))
    return [text[c] for c in drawn], owner, masks


def training_rows(ranker: Ranker, type_key: str) -> tuple[np.ndarray, np.ndarray]:
    """FEATURES rows and 0/1 labels of the drawn titles' TOP candidates (leave-one-out)."""
    texts, truth, masks = training_titles(ranker, type_key)
    xs, ys = [], []
    for start in range(0, len(texts), _CHUNK):
        end = start + _CHUNK
        ev = ranker.evidence(texts[start:end], type_key, masks[start:end])
        scores = ev.score()
        top = top_columns(scores, TOP)
        right = top == truth[start:end, None]
        found = right.any(axis=1)
        xs.append(features(ev, scores, top)[found].reshape(-1, len(FEATURES)))
        ys.append(right[found].ravel())
    if not xs:
        return np.zeros((0, len(FEATURES)), dtype=np.float32), np.zeros(0, dtype=bool)
    return np.concatenate(xs), np.concatenate(ys)


def train(ranker: Ranker, type_key: str) -> Reranker | None:
    """The type's re-ranker, or None when the index holds too few titles to learn from."""
    x, y = training_rows(ranker, type_key)
    if not len(y) or y.all() or not y.any():
        return None
    model = HistGradientBoostingClassifier(max_iter=150, learning_rate=0.1, max_leaf_nodes=31,
                                           min_samples_leaf=40, l2_regularization=1.0,
                                           early_stopping=False, random_state=0)
    with threadpool_limits(THREADS, "openmp"):
        model.fit(x, y)
    return Reranker(model)


def top_columns(scores: np.ndarray, keep: int) -> np.ndarray:
    """queries x keep: the columns of each row's `keep` highest scores, best first (ties by
    column, so by entity number: deterministic)."""
    if scores.shape[1] > keep:
        near = np.argpartition(-scores, keep - 1, axis=1)[:, :keep]
    else:
        near = np.broadcast_to(np.arange(scores.shape[1]), scores.shape)
    near = np.sort(near, axis=1)
    order = np.argsort(-np.take_along_axis(scores, near, axis=1), axis=1, kind="stable")
    return np.take_along_axis(near, order, axis=1)
