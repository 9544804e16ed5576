"""Ranking: TF-IDF similarity over normalised labels, label-kind weights, crosswalk votes and the
`match` rule.

Similarity. scikit-learn's TfidfVectorizer, fitted on every normalised label, over character
n-grams (3-4, inside word bounds: tolerates spelling variants and inflections), word uni/bigrams
(rewards whole shared words) and the head word (a title's last word: "road design engineer" is
an engineer), concatenated with weights CHAR/WORD/HEAD_WEIGHT; cosine similarity is one sparse
product per batch of queries (scipy). A well-kept library, no model download, and a batch of
1,000 queries is a few sparse products.

Raw score of a candidate (the ranking uses it; the API's score is 100 x it, capped at 100):
- its best label's similarity times the label kind's weight (index.LABEL_WEIGHTS),
- plus SUPPORT_SHARE of its other labels above SUPPORT_FROM and KNN_SHARE of the sum of sim^3
  over those of its labels among the KNN nearest of the type (an occupation with several close
  titles is likelier than one with a single look-alike),
- or, when higher, VOTE_SHARE of the best label of a linked entity of another taxonomy (an ESCO
  occupation's label votes for the O*NET occupation the crosswalk maps it to, and back; VOTERS),
- plus PROFILE_SHARE of the cosine between the query's words and the candidate's word profile
  (all its labels, and PROFILE_LINKED of its linked entities' labels): weak context that counts
  more as the query has more words.

The match rule (in the manifest and README): `match` is true only for the best candidate, and
only when its raw score is at least MATCH_SCORE/100 and leads the runner-up's by at least
MATCH_MARGIN/100 (it is far stronger than any other), or when the query is the candidate's id or
code. Calibrated on bench_reconcile.py's held-out O*NET titles (seeds 11 and 7) for precision
>= 0.95; looser rules (an exact label only this candidate has, a margin of 1.0) fell to 0.84.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import TfidfVectorizer

from kg.reconcile.index import Index
from kg.reconcile.normalise import normalise
from kg.reconcile.types import TYPES

MATCH_SCORE = 100.0
MATCH_MARGIN = 120.0
CHAR_NGRAMS = (3, 4)
CHAR_WEIGHT = 1.0
WORD_WEIGHT = 1.0
HEAD_WEIGHT = 0.5
KNN = 30
KNN_SHARE = 0.2
SUPPORT_FROM = 0.5
SUPPORT_SHARE = 0.1
PROFILE_SHARE = 0.8
PROFILE_LINKED = 0.5
VOTE_SHARE = 0.9
MIN_SCORE = 0.15
VOTERS: dict[str, tuple[str, ...]] = {
    "onet-occupation": ("esco-occupation",),
    "esco-occupation": ("onet-occupation",),
    "soc2018": ("onet-occupation",),
    "isco08": ("esco-occupation",),
    "occupation": ("soc2018",),
}
_CHUNK = 256  # queries per sparse product (bounds the dense score block)


@dataclass
class Candidate:
    entity: int
    id: str
    name: str
    type: str
    score: float
    match: bool = False
    raw: float = 0.0  # the uncapped score the ranking uses


@dataclass
class _Part:
    """One type's slice of the index: its labels' vectors (transposed for the product), where
    each entity's labels start (they are contiguous), and the entities' word profiles."""

    entities: np.ndarray  # entity numbers, ascending
    starts: np.ndarray  # first label row of each entity in `labels`
    labels: sp.csr_matrix  # features x labels
    weights: np.ndarray
    profiles: sp.csr_matrix  # word features x entities


class Ranker:
    """Answers queries for one index; built once (fitting the vectorisers takes the time)."""

    def __init__(self, index: Index):
        self.index = index
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                                     dtype=np.float32)
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=r"\S+", dtype=np.float32)
        self.heads = TfidfVectorizer(analyzer=_head, dtype=np.float32)
        texts = index.label_text or ["-"]
        chars = self.chars.fit_transform(texts)
        self.word_matrix = self.words.fit_transform(texts).tocsr()
        heads = self.heads.fit_transform(texts)
        self.matrix = _unit_rows(sp.hstack([CHAR_WEIGHT * chars, WORD_WEIGHT * self.word_matrix,
                                            HEAD_WEIGHT * heads]).tocsr())
        self.label_entity = np.asarray(index.label_entity, dtype=np.int64)
        self.label_weight = np.asarray(index.label_weight, dtype=np.float32)
        entity_type = np.asarray([e.type for e in index.entities] or [""])
        label_type = entity_type[self.label_entity] if len(self.label_entity) else entity_type[:0]
        self.rows: dict[str, np.ndarray] = {k: np.flatnonzero(label_type == k) for k in TYPES}
        self.parts: dict[str, _Part] = {}
        self._pair_cache: dict[tuple[int, int], tuple[np.ndarray, np.ndarray]] = {}

    def part(self, type_key: str) -> _Part:
        """The type's slice, made on first use (most services ask few types)."""
        found = self.parts.get(type_key)
        if found is None:
            rows = self.rows[type_key]
            owners = self.label_entity[rows]
            entities, starts = np.unique(owners, return_index=True)
            # Word profile of an entity: the normalised sum of its labels' word vectors and,
            # at PROFILE_LINKED, those of the linked entities that vote for it.
            at = {int(e): i for i, e in enumerate(entities)}
            cells = [(at[int(o)], int(r), 1.0) for o, r in zip(owners, rows, strict=True)]
            for voter_type in VOTERS.get(type_key, ()):
                for r in self.rows[voter_type]:
                    for target in self.index.links.get(int(self.label_entity[r]), ()):
                        if target in at:
                            cells.append((at[target], int(r), PROFILE_LINKED))
            member = sp.csr_matrix(([c[2] for c in cells], ([c[0] for c in cells],
                                                            [c[1] for c in cells])),
                                   shape=(len(entities), self.word_matrix.shape[0]),
                                   dtype=np.float32)
            profiles = _unit_rows((member @ self.word_matrix).tocsr())
            found = self.parts[type_key] = _Part(entities, starts, self.matrix[rows].T.tocsr(),
                                                 self.label_weight[rows], profiles.T.tocsr())
        return found

    def vectors(self, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        words = self.words.transform(texts)
        both = _unit_rows(sp.hstack([CHAR_WEIGHT * self.chars.transform(texts),
                                     WORD_WEIGHT * words,
                                     HEAD_WEIGHT * self.heads.transform(texts)]).tocsr())
        return both, _unit_rows(words.tocsr())

    def rank(self, queries: list[str], type_key: str, limit: int = 5) -> list[list[Candidate]]:
        out: list[list[Candidate]] = []
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start : start + _CHUNK]
            out.extend(self._rank_chunk(chunk, type_key, limit))
        return out

    def _label_scores(self, vecs: sp.csr_matrix, part: _Part) -> np.ndarray:
        """queries x entities: best label similarity (times its kind's weight), plus a share of
        the other labels above SUPPORT_FROM (several close titles beat one look-alike)."""
        sims = (vecs @ part.labels).toarray() * part.weights
        best = np.maximum.reduceat(sims, part.starts, axis=1)
        strong = np.add.reduceat(np.where(sims >= SUPPORT_FROM, sims, 0.0), part.starts, axis=1)
        support = np.minimum(strong - np.where(best >= SUPPORT_FROM, best, 0.0), 1.0)
        score = best + SUPPORT_SHARE * support
        if KNN and sims.shape[1] > KNN:
            # The nearest KNN labels of the whole type vote for their entities (sim^3 each).
            near = np.argpartition(-sims, KNN, axis=1)[:, :KNN]
            values = np.take_along_axis(sims, near, axis=1) ** 3
            owner = np.searchsorted(part.starts, near, side="right") - 1
            knn = np.zeros_like(score)
            np.add.at(knn, (np.repeat(np.arange(len(sims)), KNN), owner.ravel()), values.ravel())
            score += KNN_SHARE * knn
        return score

    def _rank_chunk(self, queries: list[str], type_key: str, limit: int) -> list[list[Candidate]]:
        texts = [normalise(q) for q in queries]
        vecs, words = self.vectors(texts)
        part = self.part(type_key)
        if not len(part.entities):
            return [[] for _ in queries]
        scores = self._label_scores(vecs, part)
        for voter_type in VOTERS.get(type_key, ()):
            self._add_votes(scores, vecs, part, self.part(voter_type))
        scores = scores + PROFILE_SHARE * (words @ part.profiles).toarray()
        answers: list[list[Candidate]] = []
        for q, text in enumerate(texts):
            row = scores[q]
            keep = max(limit, 2)
            top = np.argpartition(-row, keep)[:keep] if len(row) > keep else np.arange(len(row))
            found = {int(part.entities[i]): float(row[i]) for i in top if row[i] > MIN_SCORE}
            answers.append(self._candidates(found, queries[q], text, type_key, limit))
        return answers

    def _add_votes(self, scores: np.ndarray, vecs: sp.csr_matrix, part: _Part,
                   voters: _Part) -> None:
        """A linked entity's best label votes with VOTE_SHARE of its score (max, not sum)."""
        if not len(voters.entities):
            return
        key = (id(part), id(voters))
        pairs = self._pair_cache.get(key)
        if pairs is None:
            pairs = self._pair_cache[key] = self._pairs(part, voters)
        if not len(pairs[0]):
            return
        sims = (vecs @ voters.labels).toarray() * voters.weights
        best = np.maximum.reduceat(sims, voters.starts, axis=1)
        votes = np.zeros_like(scores.T)
        np.maximum.at(votes, pairs[0], VOTE_SHARE * best.T[pairs[1]])
        np.maximum(scores, votes.T, out=scores)

    def _pairs(self, part: _Part, voters: _Part) -> tuple[np.ndarray, np.ndarray]:
        target_at = {int(e): i for i, e in enumerate(part.entities)}
        targets, sources = [], []
        for j, voter in enumerate(voters.entities):
            for target in self.index.links.get(int(voter), ()):
                if target in target_at:
                    targets.append(target_at[target])
                    sources.append(j)
        return np.asarray(targets, dtype=np.int64), np.asarray(sources, dtype=np.int64)

    def _candidates(self, scores: dict[int, float], query: str, text: str, type_key: str,
                    limit: int) -> list[Candidate]:
        # A query that is a code or id of the type ("11-3051.00") finds its entity outright.
        coded = self.index.by_id.get((type_key, query.strip()))
        if coded is not None:
            scores[coded] = max(scores.get(coded, 0.0), 2.0)
        order = sorted(scores.items(), key=lambda kv: (-kv[1], self.index.entities[kv[0]].id))
        result = []
        for entity, raw in order[: max(limit, 1)]:
            e = self.index.entities[entity]
            result.append(Candidate(entity, e.id, e.name, e.type,
                                    round(100.0 * min(raw, 1.0), 2), raw=raw))
        if result:
            best = order[0][1]
            runner = order[1][1] if len(order) > 1 else 0.0
            result[0].match = (
                (best >= MATCH_SCORE / 100 and best - runner >= MATCH_MARGIN / 100)
                or coded == result[0].entity)
        return result[:limit]


def _head(text: str) -> list[str]:
    """The head word of a title (its last word: "road design engineer" -> "engineer")."""
    words = text.split()
    return words[-1:]


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms).dot(matrix).tocsr()
