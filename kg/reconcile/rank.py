"""Ranking: TF-IDF similarity over normalised labels, label-kind weights, crosswalk votes and the
`match` rule.

Similarity. scikit-learn's TfidfVectorizer, fitted on every normalised label, over character
n-grams (3-4, inside word bounds: tolerates spelling variants and inflections), word uni/bigrams
(rewards whole shared words) and the head word (a title's last word: "road design engineer" is
an engineer), concatenated with weights CHAR/WORD/HEAD_WEIGHT; cosine similarity is one sparse
product per batch of queries (scipy). A well-kept library, no model download, and a batch of
1,000 queries is a few sparse products.

Raw score of a candidate (the ranking uses it; weights tuned on seed 11 of the benchmark):
- its best label's similarity times the label kind's weight (index.LABEL_WEIGHTS),
- plus SUPPORT_SHARE of its other labels above SUPPORT_FROM and KNN_SHARE of the sum of sim^3
  over those of its labels among the KNN nearest of the type (an occupation with several close
  titles is likelier than one with a single look-alike),
- or, when higher, VOTE_SHARE of the best label of a linked entity of another taxonomy (an ESCO
  occupation's label votes for the O*NET occupation the crosswalk maps it to, and back; VOTERS),
- plus PROFILE_SHARE of the cosine between the query's words and the candidate's word profile
  (all its labels, and PROFILE_LINKED of its linked entities' labels): weak context that counts
  more as the query has more words,
- plus COVERAGE_SHARE x the share of the query's words (each weighted by its IDF) that occur in
  any of the candidate's labels: "road design engineer" is covered by civil engineers' "road
  engineer" and "design engineer" even though neither label is close to the whole query (the
  strongest single addition on the held-out titles: +4 points success@1 and @5 on seed 11),
- plus CONTEXT_SHARE x min(1, words / CONTEXT_WORDS) of the cosine between the query's words and
  the candidate's task document (its O*NET task statements and their detailed work activities,
  or those of the O*NET occupations it is linked to; TF-IDF over those documents, English stop
  words dropped): the weakest evidence, worth more as the query says more.

The API's score is 100 x raw / SCORE_FULL, capped at 100 (an exact title of a candidate whose
other titles share its words scores about SCORE_FULL).

The match rule (in the manifest and README): `match` is true only for the best candidate, and
only when its raw score leads the runner-up's by at least MATCH_MARGIN and at least
MATCH_SUPPORT of it comes from its own titles among the type's KNN nearest (the sum of sim^3:
two or more near-identical titles; 0.9, one such title, for a candidate with MATCH_FEW titles
or fewer, as credentials have), or when the query is the candidate's id or code. Calibrated on
bench_reconcile.py's held-out O*NET titles of seed 11 (margin alone reached only 0.85 precision
there: a held-out title is often a real title of another occupation too).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from kg.reconcile.index import Index
from kg.reconcile.normalise import normalise, singular
from kg.reconcile.types import TYPES

MATCH_MARGIN = 1.6
MATCH_SUPPORT = 1.5
MATCH_FEW = 2  # a candidate with this many titles or fewer needs one near-identical title
SCORE_FULL = 3.0
CHAR_NGRAMS = (3, 4)
CHAR_WEIGHT = 1.0
WORD_WEIGHT = 1.0
HEAD_WEIGHT = 0.5
KNN = 30
KNN_SHARE = 0.2
KNN_FLOOR = 0.3  # similarity above which the KNN nearest usually are (speed only)
SUPPORT_FROM = 0.5
SUPPORT_SHARE = 0.1
PROFILE_SHARE = 1.2
PROFILE_LINKED = 0.5
VOTE_SHARE = 0.9
COVERAGE_SHARE = 1.2
CONTEXT_SHARE = 1.0
CONTEXT_WORDS = 3
MIN_SCORE = 0.15
VOTERS: dict[str, tuple[str, ...]] = {
    "onet-occupation": ("esco-occupation",),
    "esco-occupation": ("onet-occupation",),
    "soc2018": ("onet-occupation",),
    "isco08": ("esco-occupation",),
    "occupation": ("soc2018",),
}
_WORD = re.compile(r"[a-z][a-z0-9+#]+")
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
    coded: bool = False  # the query is this candidate's id or code


@dataclass
class _Part:
    """One type's slice of the index: its labels' vectors (transposed for the product), where
    each entity's labels start (they are contiguous), and the entities' word profiles."""

    entities: np.ndarray  # entity numbers, ascending
    starts: np.ndarray  # first label row of each entity in `labels`
    labels: sp.csr_matrix  # features x labels
    weights: np.ndarray
    sizes: np.ndarray  # number of labels of each entity
    profiles: sp.csr_matrix  # word features x entities
    coverage: sp.csr_matrix  # word features x entities: 1 where a label of it has the word
    context: sp.csr_matrix | None = None  # task-document features x entities


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
        # IDF of each single-word feature (0 for the bigrams), for coverage.
        unigram = np.asarray([" " not in w for w in self.words.get_feature_names_out()])
        self.unigram_idf = (self.words.idf_ * unigram).astype(np.float32)[None, :]
        self.label_entity = np.asarray(index.label_entity, dtype=np.int64)
        self.label_weight = np.asarray(index.label_weight, dtype=np.float32)
        entity_type = np.asarray([e.type for e in index.entities] or [""])
        label_type = entity_type[self.label_entity] if len(self.label_entity) else entity_type[:0]
        self.rows: dict[str, np.ndarray] = {k: np.flatnonzero(label_type == k) for k in TYPES}
        self.parts: dict[str, _Part] = {}
        # Task documents: one per entity with context; words as written, singular, no stop words.
        self.context = TfidfVectorizer(analyzer=_context_words, sublinear_tf=True,
                                       dtype=np.float32)
        documents = [" ".join(texts) for texts in index.context.values()]
        self.context_matrix = (_unit_rows(self.context.fit_transform(documents).tocsr())
                               if documents else None)
        self.context_row = {entity: i for i, entity in enumerate(index.context)}
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
            own = sp.csr_matrix((np.ones(len(rows), dtype=np.float32),
                                 ([at[int(o)] for o in owners], rows)),
                                shape=(len(entities), self.word_matrix.shape[0]))
            coverage = _binary((own @ _binary(self.word_matrix)).tocsr())
            found = self.parts[type_key] = _Part(entities, starts, self.matrix[rows].T.tocsr(),
                                                 self.label_weight[rows],
                                                 np.diff(np.append(starts, len(rows))),
                                                 profiles.T.tocsr(),
                                                 coverage.T.tocsr(), self._context_of(entities))
        return found

    def _context_of(self, entities: np.ndarray) -> sp.csr_matrix | None:
        """Task documents of the entities (columns): their own, else the mean of those of the
        entities they are linked to (an ESCO occupation borrows its O*NET occupations' tasks)."""
        if self.context_matrix is None:
            return None
        cells: list[tuple[int, int, float]] = []
        for column, entity in enumerate(entities):
            own = self.context_row.get(int(entity))
            rows = [own] if own is not None else sorted(
                {self.context_row[j] for j in self.index.links.get(int(entity), ())
                 if j in self.context_row})
            cells.extend((column, r, 1.0 / len(rows)) for r in rows)
        member = sp.csr_matrix(([c[2] for c in cells], ([c[0] for c in cells],
                                                        [c[1] for c in cells])),
                               shape=(len(entities), self.context_matrix.shape[0]),
                               dtype=np.float32)
        return _unit_rows((member @ self.context_matrix).tocsr()).T.tocsr()

    def vectors(self, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        words = self.words.transform(texts)
        both = _unit_rows(sp.hstack([CHAR_WEIGHT * self.chars.transform(texts),
                                     WORD_WEIGHT * words,
                                     HEAD_WEIGHT * self.heads.transform(texts)]).tocsr())
        return both, _unit_rows(words.tocsr())

    def _query_words(self, texts: list[str]) -> sp.csr_matrix:
        """Each query's single words (no bigrams), weighted by IDF and summing to 1."""
        found = _binary(self.words.transform(texts).tocsr()).multiply(self.unigram_idf).tocsr()
        total = np.asarray(found.sum(axis=1)).ravel()
        total[total == 0] = 1.0
        return sp.diags(1.0 / total).dot(found).tocsr()

    def rank(self, queries: list[str], type_key: str, limit: int = 5) -> list[list[Candidate]]:
        out: list[list[Candidate]] = []
        for start in range(0, len(queries), _CHUNK):
            chunk = queries[start : start + _CHUNK]
            out.extend(self._rank_chunk(chunk, type_key, limit))
        return out

    def _label_scores(self, vecs: sp.csr_matrix, part: _Part) -> tuple[np.ndarray, np.ndarray]:
        """queries x entities: best label similarity (times its kind's weight), plus a share of
        the other labels above SUPPORT_FROM (several close titles beat one look-alike), plus
        KNN_SHARE of the KNN support; and that support (the sum of sim^3 of the entity's labels
        among the type's KNN nearest to the query) on its own, for the match rule."""
        sims = (vecs @ part.labels).toarray() * part.weights
        best = np.maximum.reduceat(sims, part.starts, axis=1)
        strong = np.add.reduceat(np.where(sims >= SUPPORT_FROM, sims, 0.0), part.starts, axis=1)
        support = np.minimum(strong - np.where(best >= SUPPORT_FROM, best, 0.0), 1.0)
        score = best + SUPPORT_SHARE * support
        if sims.shape[1] > KNN:
            knn = _knn_support(sims, part.starts)
        else:  # a type with fewer labels than KNN: all of them are the nearest
            knn = np.add.reduceat(sims**3, part.starts, axis=1)
        return score + KNN_SHARE * knn, knn

    def _rank_chunk(self, queries: list[str], type_key: str, limit: int) -> list[list[Candidate]]:
        texts = [normalise(q) for q in queries]
        vecs, words = self.vectors(texts)
        part = self.part(type_key)
        if not len(part.entities):
            return [[] for _ in queries]
        scores, knn = self._label_scores(vecs, part)
        for voter_type in VOTERS.get(type_key, ()):
            self._add_votes(scores, vecs, part, self.part(voter_type))
        scores = scores + PROFILE_SHARE * (words @ part.profiles).toarray()
        if COVERAGE_SHARE:
            scores = scores + COVERAGE_SHARE * (self._query_words(texts) @ part.coverage).toarray()
        if part.context is not None and CONTEXT_SHARE:
            context = _unit_rows(self.context.transform(texts).tocsr())
            length = np.asarray([min(1.0, len(t.split()) / CONTEXT_WORDS) for t in texts],
                                dtype=np.float32)
            scores = scores + (CONTEXT_SHARE * length)[:, None] * (context @ part.context
                                                                  ).toarray()
        answers: list[list[Candidate]] = []
        for q in range(len(texts)):
            row = scores[q]
            keep = max(limit, 2)
            top = np.argpartition(-row, keep)[:keep] if len(row) > keep else np.arange(len(row))
            found = {int(part.entities[i]): (float(row[i]), float(knn[q, i]),
                                             int(part.sizes[i]))
                     for i in top if row[i] > MIN_SCORE}
            answers.append(self._candidates(found, queries[q], type_key, limit))
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

    def _candidates(self, found: dict[int, tuple[float, float, int]], query: str,
                    type_key: str, limit: int) -> list[Candidate]:
        """`found`: entity -> (raw score, KNN support, number of labels)."""
        scores = {entity: value[0] for entity, value in found.items()}
        # A query that is a code or id of the type ("11-3051.00") finds its entity outright.
        coded = self.index.by_id.get((type_key, query.strip()))
        if coded is not None:
            scores[coded] = max(scores.values(), default=0.0) + SCORE_FULL
        order = sorted(scores.items(), key=lambda kv: (-kv[1], self.index.entities[kv[0]].id))
        result = []
        for entity, raw in order[: max(limit, 1)]:
            e = self.index.entities[entity]
            result.append(Candidate(entity, e.id, e.name, e.type,
                                    round(min(100.0, 100.0 * raw / SCORE_FULL), 2), raw=raw,
                                    coded=entity == coded))
        if result:
            first = result[0]
            runner = order[1][1] if len(order) > 1 else 0.0
            _, support, size = found.get(first.entity, (0.0, 0.0, 0))
            first.match = first.coded or (
                first.raw - runner >= MATCH_MARGIN
                and support >= (MATCH_SUPPORT if size > MATCH_FEW else 0.9))
        return result[:limit]


def _knn_support(sims: np.ndarray, starts: np.ndarray) -> np.ndarray:
    """queries x entities: the sum of sim^3 of each entity's labels among the KNN labels
    nearest the query. A full partition of every row took a fifth of the ranking time, so a row
    partitions only its labels at or above KNN_FLOOR when at least KNN of them are (the KNN
    nearest are then among them: the same sum), else the whole row."""
    owner = np.repeat(np.arange(len(starts)), np.diff(np.append(starts, sims.shape[1])))
    knn = np.zeros((len(sims), len(starts)), dtype=sims.dtype)
    for q, row in enumerate(sims):
        near = np.flatnonzero(row >= KNN_FLOOR)
        if len(near) > KNN:
            near = near[np.argpartition(-row[near], KNN)[:KNN]]
        elif len(near) < KNN:
            near = np.argpartition(-row, KNN)[:KNN]
        np.add.at(knn[q], owner[near], row[near] ** 3)
    return knn


def _head(text: str) -> list[str]:
    """The head word of a title (its last word: "road design engineer" -> "engineer")."""
    words = text.split()
    return words[-1:]


def _context_words(text: str) -> list[str]:
    """The content words of a task statement or query, singular (no abbreviation expansion: a
    task's "it" is a pronoun, not information technology)."""
    return [singular(w) for w in _WORD.findall(text.lower()) if w not in ENGLISH_STOP_WORDS]


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The same sparsity pattern with every stored value 1."""
    out = matrix.copy()
    out.data[:] = 1.0
    return out


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms).dot(matrix).tocsr()
