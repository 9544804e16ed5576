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

Five more terms are for the re-ranker only (rerank.py), not in the raw score: `assoc`, the
share of the type's labels with each query word that are the candidate's (IDF-weighted mean:
how specifically the words point to it, where coverage says only whether it has them);
`head_assoc`, the same for the query's last word among the labels' last words; and `latent`, the
cosine in an LSA space (TruncatedSVD, LATENT_DIMS) of the candidates' task documents and their
linked voters' labels ("gynecology" near health specialties); `semantic` and `semantic_mean`,
the best and the mean cosine between the query's sentence embedding and those of the
candidate's labels (semantic.py; types in SEMANTIC_TYPES, zeros without the `semantic` extra).
All are leave-one-out safe: the first two drop the masked labels from counts and totals, the
third never reads own labels, the last two leave the masked labels out.

The API's score is 100 x raw / SCORE_FULL (an exact title of a candidate whose other titles
share its words scores about SCORE_FULL), or, when the best candidate's raw score passes
SCORE_FULL, 100 x raw / that best one: the first is at 100 and the others keep their distance
from it. Before a query is scored, a word no label holds is respelled to the nearest label word
(respell.py); such an answer is a guess and never matches.

Re-ranking (kg/reconcile/rerank.py). For the types in rerank.RERANK_TYPES (O*NET-SOC
occupations) the Ranker trains, when it is built, a model on the index's own alternate and
reported titles, each ranked with its own labels masked out (leave-one-out); at query time the
rerank.TOP best candidates of the raw score are put in the order of the model's probability.
The first keeps its raw score and each other candidate's `raw` is the first's times its
probability relative to the first's, so `raw` and the API's score fall in the answer's order
(the service merges types by `raw`). `rank(..., rerank=False)` gives the raw score's order.

The match rule (in the manifest and README): `match` is true only for the best candidate, and
only when its raw score leads the runner-up's by at least MATCH_MARGIN and at least
MATCH_SUPPORT of it comes from its own titles among the type's KNN nearest (the sum of sim^3:
two or more near-identical titles; 0.9, one such title, for a candidate with MATCH_FEW titles
or fewer, as credentials have), or when the query is the candidate's id or code. Calibrated on
bench_reconcile.py's held-out O*NET titles of seed 11 (margin alone reached only 0.85 precision
there: a held-out title is often a real title of another occupation too). The rule reads the raw
scores, re-ranked or not: a re-ranked first that the raw score does not put first trails the
raw first, so it never matches; and a re-ranked first matches only when it leads by
MATCH_MARGIN_RERANKED with a KNN support of MATCH_SUPPORT_RERANKED (the model vouches for the
rest), the model gives the runner-up at most MATCH_RATIO of its probability and the first at
least MATCH_PROB. Those were calibrated on a larger sample than the benchmark's few dozen
matches: the re-ranker's 24,000 leave-one-out training titles of tuning seed 101, each half
ranked by a model fitted on the other half (cross-fitting: out-of-sample probabilities, as a
query gets), the rule with the most flags of a grid at a precision of 0.99 or more: 124 flags
at 0.992; on the held-out samples of seeds 101 and 103 (4,000 titles each) its 36 matches are
all right. That estimate transfers to held-out titles only since the training masks a title's
short form with it (rerank.py): before, the cross-fitted titles still saw their row's sibling
label, a rule at 1.000 there (353 flags) made 17 of 18 and 21 of 25 right matches on fresh
seeds 89 and 97, and the model's probability of 0.9 or more was right 81% of the time on seed
101's held-out titles (89% now). The wrong matches left are mostly titles O*NET lists under a
neighbouring occupation ("GIS Specialist" under Surveying and Mapping Technicians, matched to
Geographic Information Systems Technologists).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from sklearn.decomposition import TruncatedSVD
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS, TfidfVectorizer

from kg.reconcile.index import LABEL_WEIGHTS, Index
from kg.reconcile.normalise import normalise, singular
from kg.reconcile.rerank import RERANK_TYPES, Reranker, top_columns, train
from kg.reconcile.respell import Respeller
from kg.reconcile.semantic import encoder
from kg.reconcile.types import TYPES

MATCH_MARGIN = 1.6
MATCH_SUPPORT = 1.5
MATCH_FEW = 2  # a candidate with this many titles or fewer needs one near-identical title
MATCH_MARGIN_RERANKED = 1.6  # re-ranked: the raw score's lead of the first
MATCH_SUPPORT_RERANKED = 1.0  # re-ranked: its KNN support (the model vouches for the rest)
MATCH_RATIO = 0.01  # re-ranked: the runner-up's probability at most this share of the first's
MATCH_PROB = 0.5  # re-ranked: the first's own probability at least this
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
# Types whose labels get sentence embeddings (semantic.py) for the re-ranker: those it re-ranks.
SEMANTIC_TYPES = RERANK_TYPES
LATENT_DIMS = 150
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
    raw: float = 0.0  # the uncapped score, in the answer's order (rank.py's docstring)
    coded: bool = False  # the query is this candidate's id or code


@dataclass
class _Hidden:
    """The labels each query may not see (leave-one-out training), as the terms need them: per
    query, how many of them have each character, word and head-word feature; per masked label,
    its query, its entity column and its binary word and head-word vectors. A title and its
    row's short form differ in text, so no term may assume a masked label is the query."""

    counts: tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]
    query: np.ndarray
    owner: np.ndarray
    words: sp.csr_matrix
    heads: sp.csr_matrix


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
    rows: np.ndarray | None = None  # the index's label rows of the type, in column order
    profile_sums: sp.csr_matrix | None = None  # entities x words: profiles before normalising
    counts: sp.csr_matrix | None = None  # entities x words: how many of its labels have it
    heads: sp.csr_matrix | None = None  # head words x entities: how many labels end with it
    groups: np.ndarray | None = None  # a number per entity: its code's first 4 characters
    residual: np.ndarray | None = None  # 1 for a residual ("All Other") occupation
    word_totals: np.ndarray | None = None  # per word feature: the type's labels that have it
    head_totals: np.ndarray | None = None  # per head word: the type's labels ending with it
    latent: tuple[TfidfVectorizer, np.ndarray, np.ndarray] | None = None  # _latent_of
    embeddings: np.ndarray | None = None  # labels x dimensions: semantic.py's unit vectors
    embedded: dict[str, int] | None = None  # a label text -> its first row in `embeddings`
    titles: frozenset[str] = frozenset()  # the type's labels, normalised


@dataclass
class Evidence:
    """queries x entities of one type: every score term before its weight (the re-ranker's
    features too), and the raw score they make."""

    best: np.ndarray  # best label similarity times its kind's weight
    support: np.ndarray  # other labels above SUPPORT_FROM (at most 1)
    knn: np.ndarray  # sum of sim^3 of its labels among the KNN nearest
    vote: np.ndarray  # VOTE_SHARE x the best label of a linked entity of a voter type
    profile: np.ndarray
    coverage: np.ndarray
    pairs: np.ndarray  # as coverage, of the query's word pairs (bigrams)
    context: np.ndarray  # cosine with the task document (0 without)
    length: np.ndarray  # per query: min(1, words / CONTEXT_WORDS)
    words: np.ndarray  # per query: number of words
    sizes: np.ndarray  # queries x entities: number of labels (fewer where masked)
    heads: np.ndarray  # queries x entities: share of its labels ending in the query's last word
    groups: np.ndarray  # per entity: its group (SOC minor group of an O*NET code)
    residual: np.ndarray  # per entity: 1 for a residual ("All Other") SOC occupation
    assoc: np.ndarray  # share of the type's labels with each query word that are its own
    head_assoc: np.ndarray  # share of the type's labels ending in the query's last word
    latent: np.ndarray  # cosine in a latent (LSA) space of task documents and linked labels
    semantic: np.ndarray  # best cosine of the query's and its labels' sentence embeddings
    semantic_mean: np.ndarray  # the mean of those cosines over its labels

    def score(self) -> np.ndarray:
        label = self.best + SUPPORT_SHARE * self.support + KNN_SHARE * self.knn
        return (np.maximum(label, self.vote) + PROFILE_SHARE * self.profile
                + COVERAGE_SHARE * self.coverage
                + (CONTEXT_SHARE * self.length)[:, None] * self.context)


class Ranker:
    """Answers queries for one index; built once (fitting the vectorisers takes the time)."""

    def __init__(self, index: Index, rerank: bool = True, semantic: bool = True):
        self.index = index
        # Sentence embeddings for the re-ranker (semantic.py); None without the extra.
        self.encoder = encoder() if semantic else None
        self.chars = TfidfVectorizer(analyzer="char_wb", ngram_range=CHAR_NGRAMS, sublinear_tf=True,
                                     dtype=np.float32)
        self.words = TfidfVectorizer(analyzer="word", ngram_range=(1, 2), sublinear_tf=True,
                                     token_pattern=r"\S+", dtype=np.float32)
        self.heads = TfidfVectorizer(analyzer=_head, dtype=np.float32)
        texts = index.label_text or ["-"]
        self.respeller = Respeller(texts)
        chars = self.chars.fit_transform(texts)
        self.word_matrix = self.words.fit_transform(texts).tocsr()
        heads = self.heads.fit_transform(texts)
        self.head_matrix = _binary(heads.tocsr())  # labels x head words
        # How many labels have each feature (leave-one-out training drops the unseen ones).
        self.df = tuple(np.bincount(m.indices, minlength=m.shape[1])
                        for m in (chars.tocsr(), self.word_matrix, self.head_matrix))
        self.matrix = _unit_rows(sp.hstack([CHAR_WEIGHT * chars, WORD_WEIGHT * self.word_matrix,
                                            HEAD_WEIGHT * heads]).tocsr())
        # IDF of each single-word feature (0 for the bigrams), for coverage.
        unigram = np.asarray([" " not in w for w in self.words.get_feature_names_out()])
        self.unigram_idf = (self.words.idf_ * unigram).astype(np.float32)[None, :]
        self.bigram_idf = (self.words.idf_ * ~unigram).astype(np.float32)[None, :]
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
        # Learned re-rankers of the top candidates, trained here on the index's own titles.
        self.rerankers: dict[str, Reranker] = {}
        if rerank:
            for type_key in RERANK_TYPES:
                model = train(self, type_key)
                if model is not None:
                    self.rerankers[type_key] = model

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
            counts = (own @ _binary(self.word_matrix)).tocsr()
            codes = [self.index.entities[int(e)].code for e in entities]
            groups = np.unique([c[:4] for c in codes], return_inverse=True)[1]
            # SOC's residual occupations ("..., All Other") have codes ending in 9 (xx-xxx9;
            # in O*NET, xx-xxx9.00: its .01, .02 are specific occupations under it).
            residual = np.asarray([c[6:7] == "9" and c[7:] in ("", ".00") for c in codes],
                                  dtype=np.float32)
            heads = (own @ self.head_matrix).T.tocsr()
            found = self.parts[type_key] = _Part(entities, starts, self.matrix[rows].T.tocsr(),
                                                 self.label_weight[rows],
                                                 np.diff(np.append(starts, len(rows))),
                                                 profiles.T.tocsr(),
                                                 coverage.T.tocsr(), self._context_of(entities),
                                                 rows, (member @ self.word_matrix).tocsr(),
                                                 counts, heads, groups, residual,
                                                 np.asarray(counts.sum(axis=0)).ravel(),
                                                 np.asarray(heads.sum(axis=1)).ravel(),
                                                 self._latent_of(entities, type_key))
            found.titles = frozenset(self.index.label_text[r] for r in rows)
            if self.encoder is not None and type_key in SEMANTIC_TYPES:
                texts = [self.index.label_text[r] for r in rows]
                found.embeddings = self.encoder.encode(texts)
                found.embedded = {}
                for row, text in enumerate(texts):
                    found.embedded.setdefault(text, row)
        return found

    def query_vectors(self, texts: list[str], part: _Part) -> np.ndarray | None:
        """The sentence embeddings of normalised queries for the type's semantic terms; None
        for a type without embeddings."""
        if part.embeddings is None or part.embedded is None or self.encoder is None:
            return None
        # A query that is one of the type's label texts (the re-ranker's training titles) has
        # its vector already.
        known = [part.embedded.get(t) for t in texts]
        vectors = np.empty((len(texts), part.embeddings.shape[1]), dtype=np.float32)
        new = [q for q, row in enumerate(known) if row is None]
        if new:
            vectors[new] = self.encoder.encode([texts[q] for q in new])
        old = [q for q, row in enumerate(known) if row is not None]
        if old:
            vectors[old] = part.embeddings[[known[q] for q in old]]
        return vectors

    def _semantic_terms(self, texts: list[str], part: _Part, masks: list[np.ndarray] | None,
                        vectors: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """queries x entities: the best and the mean cosine between the query's sentence
        embedding (`vectors`, when already made) and those of the entity's labels (masked labels
        left out); zeros for a type without embeddings."""
        if vectors is None:
            vectors = self.query_vectors(texts, part)
        if vectors is None or part.embeddings is None:
            shape = (len(texts), len(part.entities))
            return np.zeros(shape, dtype=np.float32), np.zeros(shape, dtype=np.float32)
        sims = vectors @ part.embeddings.T
        if not masks:  # a query: every label counts (no 60 MB mask block per chunk)
            best = np.maximum.reduceat(sims, part.starts, axis=1)
            total = np.add.reduceat(sims, part.starts, axis=1)
            return best, total / np.maximum(part.sizes, 1).astype(np.float32)
        seen = np.ones_like(sims)
        for q, columns in enumerate(masks):
            sims[q, columns] = -1.0
            seen[q, columns] = 0.0
        best = np.maximum.reduceat(sims, part.starts, axis=1)
        total = np.add.reduceat(sims * seen, part.starts, axis=1)
        count = np.add.reduceat(seen, part.starts, axis=1)
        return best, total / np.maximum(count, 1.0)

    def _latent_of(self, entities: np.ndarray, type_key: str
                   ) -> tuple[TfidfVectorizer, np.ndarray, np.ndarray] | None:
        """A latent semantic space of the entities' documents: their task documents and the
        labels of the linked entities that vote for them (never their own labels, which
        leave-one-out training masks). LSA relates words that describe the same work ("clinic",
        "medical"). Returns the documents' vectoriser, its features x LATENT_DIMS projection
        and the entities' unit vectors (LATENT_DIMS x entities)."""
        at = {int(e): i for i, e in enumerate(entities)}
        docs: list[list[str]] = [[] for _ in entities]
        for entity, texts in self.index.context.items():
            if entity in at:
                docs[at[entity]].extend(texts)
        for voter_type in VOTERS.get(type_key, ()):
            for r in self.rows[voter_type]:
                for target in self.index.links.get(int(self.label_entity[r]), ()):
                    if target in at:
                        docs[at[target]].append(self.index.label_text[r])
        texts = [" . ".join(d) for d in docs]
        if sum(bool(t) for t in texts) <= LATENT_DIMS:
            return None
        vectoriser = TfidfVectorizer(analyzer=_context_words, sublinear_tf=True,
                                     dtype=np.float32)
        matrix = _unit_rows(vectoriser.fit_transform(texts).tocsr())
        svd = TruncatedSVD(LATENT_DIMS, random_state=0).fit(matrix)
        vectors = _unit_dense(svd.transform(matrix))
        return vectoriser, svd.components_.T.astype(np.float32), vectors.T.astype(np.float32)

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

    def _transform(self, texts: list[str], hidden: _Hidden | None = None
                   ) -> tuple[sp.csr_matrix, sp.csr_matrix, sp.csr_matrix]:
        """The queries' character, word and head-word vectors. `hidden`: the labels each query
        may not see; a feature no other label has is dropped, as a vectoriser fitted without
        those labels would not know it (leave-one-out training)."""
        found = [v.transform(texts).tocsr() for v in (self.chars, self.words, self.heads)]
        if hidden is None:
            return found[0], found[1], found[2]
        kept = [_drop_unseen(m, df, counts)
                for m, df, counts in zip(found, self.df, hidden.counts, strict=True)]
        return kept[0], kept[1], kept[2]

    def _hidden(self, part: _Part, masks: list[np.ndarray]) -> _Hidden:
        """What the masked labels of each query hold (see _Hidden)."""
        assert part.rows is not None
        columns = (np.concatenate(masks) if masks else np.zeros(0)).astype(np.int64)
        query = np.repeat(np.arange(len(masks)), [len(m) for m in masks])
        texts = [self.index.label_text[int(r)] for r in part.rows[columns]]
        found = [_binary(v.transform(texts).tocsr()) for v in (self.chars, self.words, self.heads)]
        belongs = sp.csr_matrix((np.ones(len(columns), dtype=np.float32),
                                 (query, np.arange(len(columns)))),
                                shape=(len(masks), len(columns)))
        counts = tuple((belongs @ f).tocsr() for f in found)
        owner = np.searchsorted(part.starts, columns, side="right") - 1
        return _Hidden((counts[0], counts[1], counts[2]), query, owner, found[1], found[2])

    def vectors(self, texts: list[str]) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        return self._vectors(*self._transform(texts))

    def _vectors(self, chars: sp.csr_matrix, words: sp.csr_matrix, heads: sp.csr_matrix
                 ) -> tuple[sp.csr_matrix, sp.csr_matrix]:
        both = _unit_rows(sp.hstack([CHAR_WEIGHT * chars, WORD_WEIGHT * words,
                                     HEAD_WEIGHT * heads]).tocsr())
        return both, _unit_rows(words)

    def _query_words(self, words: sp.csr_matrix, idf: np.ndarray | None = None
                     ) -> sp.csr_matrix:
        """Each query's single words (no bigrams; or the features `idf` weighs), weighted by
        IDF and summing to 1."""
        found = _binary(words).multiply(self.unigram_idf if idf is None else idf).tocsr()
        total = np.asarray(found.sum(axis=1)).ravel()
        total[total == 0] = 1.0
        return sp.diags(1.0 / total).dot(found).tocsr()

    def rank(self, queries: list[str], type_key: str, limit: int = 5, rerank: bool = True,
             progress: Callable[[int], object] | None = None) -> list[list[Candidate]]:
        """The best `limit` candidates of each query; `rerank=False` leaves out the type's
        learned re-ranker (the order of the raw score alone); `progress` is told how many
        queries each finished chunk held (a progress bar's update)."""
        model = self.rerankers.get(type_key) if rerank else None
        part = self.part(type_key)
        # Each query as typed, or each of its respellings (respell.py): scored side by side,
        # the one whose first candidate scores highest is the answer.
        asked, texts, owners = self._variants(queries)
        # Chunks of at most _CHUNK texts (the dense score block's rows), a query's texts in one.
        bounds: list[tuple[int, int]] = []
        start = 0
        while start < len(texts):
            end = min(start + _CHUNK, len(texts))
            while end < len(texts) and owners[end] == owners[end - 1]:
                end += 1
            bounds.append((start, end))
            start = end
        best: list[list[Candidate] | None] = [None] * len(queries)

        def keep(bound: tuple[int, int], answers: list[list[Candidate]]) -> None:
            for owner, answer in zip(owners[bound[0]:bound[1]], answers, strict=True):
                kept = best[owner]
                if kept is None or (answer and (not kept or answer[0].raw > kept[0].raw)):
                    best[owner] = answer
            if progress is not None:
                progress(len(set(owners[bound[0]:bound[1]])))

        if len(bounds) < 2 or part.embeddings is None:
            for a, b in bounds:
                keep((a, b), self._rank_chunk(asked[a:b], texts[a:b], type_key, limit, model))
            return [answer or [] for answer in best]
        # The sentence encoder (PyTorch, which lets go of the GIL) encodes the next chunk in a
        # thread while this one is scored, mostly one-threaded sparse products: the two cores
        # stay busy (the encoder was half of a query's time).
        with ThreadPoolExecutor(1, thread_name_prefix="kg-encode") as pool:
            a, b = bounds[0]
            pending = pool.submit(self.query_vectors, texts[a:b], part)
            for k, (a, b) in enumerate(bounds):
                vectors = pending.result()
                if k + 1 < len(bounds):
                    c, d = bounds[k + 1]
                    pending = pool.submit(self.query_vectors, texts[c:d], part)
                keep((a, b), self._rank_chunk(asked[a:b], texts[a:b], type_key, limit, model,
                                              vectors))
        return [answer or [] for answer in best]

    def _variants(self, queries: list[str]) -> tuple[list[str], list[str], list[int]]:
        """The queries, each repeated once per text to score (as typed, normalised, or its
        respellings), those texts, and the query each belongs to."""
        asked: list[str] = []
        texts: list[str] = []
        owners: list[int] = []
        for k, query in enumerate(queries):
            for text in self.respeller.variants(normalise(query)):
                asked.append(query)
                texts.append(text)
                owners.append(k)
        return asked, texts, owners

    def _label_terms(self, vecs: sp.csr_matrix, part: _Part,
                     masks: list[np.ndarray] | None) -> tuple[np.ndarray, ...]:
        """queries x entities: best label similarity (times its kind's weight); the other
        labels above SUPPORT_FROM (several close titles beat one look-alike), at most 1; and the
        KNN support (the sum of sim^3 of the entity's labels among the type's KNN nearest to the
        query). `masks`: label columns each query may not see (leave-one-out training)."""
        sims = (vecs @ part.labels).toarray() * part.weights
        for q, columns in enumerate(masks or ()):
            sims[q, columns] = 0.0
        best = np.maximum.reduceat(sims, part.starts, axis=1)
        strong = np.add.reduceat(np.where(sims >= SUPPORT_FROM, sims, 0.0), part.starts, axis=1)
        support = np.minimum(strong - np.where(best >= SUPPORT_FROM, best, 0.0), 1.0)
        if sims.shape[1] > KNN:
            knn = _knn_support(sims, part.starts)
        else:  # a type with fewer labels than KNN: all of them are the nearest
            knn = np.add.reduceat(sims**3, part.starts, axis=1)
        return best, support, knn

    def evidence(self, texts: list[str], type_key: str,
                 masks: list[np.ndarray] | None = None,
                 sentence_vectors: np.ndarray | None = None) -> Evidence:
        """Every score term of every entity of the type for normalised queries; `masks` hides
        label columns of the type from each query, as if those titles were not in the index;
        `sentence_vectors`: the queries' sentence embeddings, when already made (query_vectors)."""
        part = self.part(type_key)
        hidden = None if masks is None else self._hidden(part, masks)
        chars, word_vectors, head_vectors = self._transform(texts, hidden)
        vecs, words = self._vectors(chars, word_vectors, head_vectors)
        best, support, knn = self._label_terms(vecs, part, masks)
        vote = np.zeros_like(best)
        for voter_type in VOTERS.get(type_key, ()):
            self._add_votes(vote, vecs, part, self.part(voter_type))
        query_words = self._query_words(word_vectors)
        profile = (words @ part.profiles).toarray()
        coverage = (query_words @ part.coverage).toarray()
        query_pairs = self._query_words(word_vectors, self.bigram_idf)
        pairs = (query_pairs @ part.coverage).toarray()
        if part.context is not None:
            context = (_unit_rows(self.context.transform(texts).tocsr()) @ part.context).toarray()
        else:
            context = np.zeros_like(best)
        if part.latent is not None:
            vectoriser, projection, vectors = part.latent
            latent = _unit_dense(vectoriser.transform(texts) @ projection) @ vectors
        else:
            latent = np.zeros_like(best)
        semantic, semantic_mean = self._semantic_terms(texts, part, masks, sentence_vectors)
        count = np.asarray([len(t.split()) for t in texts], dtype=np.float32)
        sizes = np.broadcast_to(part.sizes, best.shape)
        query_head = _binary(head_vectors)
        heads = (query_head @ part.heads).toarray()
        assoc = self._association(query_words, part, hidden)
        assert part.head_totals is not None
        head_total = query_head @ part.head_totals
        if masks is not None:
            assert hidden is not None
            sizes = sizes.copy()
            self._unmask_profiles(part, masks, words, [(query_words, coverage),
                                                       (query_pairs, pairs)], profile, sizes)
            # The masked labels ending in the query's last word: fewer such labels, each owner's
            # and the type's.
            ending = np.asarray(query_head[hidden.query].multiply(hidden.heads).sum(axis=1)
                                ).ravel()
            np.subtract.at(heads, (hidden.query, hidden.owner), ending)
            head_total = head_total - np.bincount(hidden.query, ending, len(texts))
        return Evidence(best, support, knn, vote, profile, coverage, pairs, context,
                        np.minimum(1.0, count / CONTEXT_WORDS), count, sizes,
                        heads / np.maximum(sizes, 1), part.groups, part.residual, assoc,
                        heads / np.maximum(head_total, 1.0)[:, None], latent, semantic,
                        semantic_mean)

    def _association(self, query_words: sp.csr_matrix, part: _Part,
                     hidden: _Hidden | None) -> np.ndarray:
        """queries x entities: for each query word (IDF-weighted, summing to 1), the share of
        the type's labels with it that are the entity's: how specifically the word points to
        it ("coverage" says only whether it has the word). A masked label leaves the totals of
        the words it has and its owner's counts of them."""
        assert part.word_totals is not None and part.counts is not None
        qw = query_words.tocoo()
        lost = 0.0 if hidden is None else np.asarray(hidden.counts[1][qw.row, qw.col]).ravel()
        share = qw.data / np.maximum(part.word_totals[qw.col] - lost, 1.0)
        scaled = sp.csr_matrix((share, (qw.row, qw.col)), shape=qw.shape)
        assoc = (scaled @ part.counts.T).toarray()
        if hidden is not None and len(hidden.query):
            own = np.asarray(scaled[hidden.query].multiply(hidden.words).sum(axis=1)).ravel()
            np.subtract.at(assoc, (hidden.query, hidden.owner), own)
        return assoc

    def _unmask_profiles(self, part: _Part, masks: list[np.ndarray], words: sp.csr_matrix,
                         coverages: list[tuple[sp.csr_matrix, np.ndarray]],
                         profile: np.ndarray, sizes: np.ndarray) -> None:
        """Profile, coverages (query weights, values) and label count of each entity owning a
        masked label, remade without it (in place): else its own title would vouch for it."""
        assert part.rows is not None and part.profile_sums is not None
        assert part.counts is not None
        owner = np.searchsorted(part.starts, np.arange(len(part.rows)), side="right") - 1
        pairs: dict[tuple[int, int], list[int]] = {}
        for q, columns in enumerate(masks):
            for column in columns:
                pairs.setdefault((q, int(owner[column])), []).append(int(part.rows[column]))
        if not pairs:
            return
        keys = list(pairs)
        queries = np.asarray([k[0] for k in keys])
        entities = np.asarray([k[1] for k in keys])
        cells = [(i, r) for i, key in enumerate(keys) for r in pairs[key]]
        dropped = sp.csr_matrix((np.ones(len(cells), dtype=np.float32),
                                 ([c[0] for c in cells], [c[1] for c in cells])),
                                shape=(len(keys), self.word_matrix.shape[0]))
        sums = _unit_rows((part.profile_sums[entities] - dropped @ self.word_matrix).tocsr())
        profile[queries, entities] = np.asarray(sums.multiply(words[queries]).sum(axis=1)).ravel()
        left = (part.counts[entities] - dropped @ _binary(self.word_matrix)).tocsr()
        left.data = (left.data > 0.5).astype(np.float32)
        for weights, coverage in coverages:
            coverage[queries, entities] = np.asarray(
                left.multiply(weights[queries]).sum(axis=1)).ravel()
        sizes[queries, entities] -= np.asarray([len(pairs[k]) for k in keys])

    def _rank_chunk(self, queries: list[str], texts: list[str], type_key: str, limit: int,
                    model: Reranker | None,
                    sentence_vectors: np.ndarray | None = None) -> list[list[Candidate]]:
        """`texts`: the queries normalised; `sentence_vectors`: their embeddings, if made."""
        part = self.part(type_key)
        if not len(part.entities):
            return [[] for _ in queries]
        ev = self.evidence(texts, type_key, sentence_vectors=sentence_vectors)
        scores = ev.score()
        top = top_columns(scores, max(limit, 2, model.top if model is not None else 0))
        probs = model.probabilities(ev, scores, top) if model is not None else None
        answers: list[list[Candidate]] = []
        for q in range(len(texts)):
            kept = [k for k, i in enumerate(top[q]) if scores[q, i] > MIN_SCORE]
            columns = [int(i) for i in top[q, kept]]
            if probs is None and texts[q] in part.titles:
                # every holder of the title is a candidate, whatever the limit: with limit 1,
                # ISCO's "Commissioned armed forces officers" kept 01 by raw score and lost
                # 0110, the unit group that the title names (session 32's second audit)
                column_of = self._columns(part, type_key)
                columns += sorted({column_of[e] for e in self._holders()[texts[q]]
                                   if e in column_of} - set(columns))
            found = [(int(part.entities[i]), float(scores[q, i]), float(ev.knn[q, i]),
                      int(part.sizes[i])) for i in columns]
            answers.append(self._candidates(found, queries[q], type_key, limit,
                                            None if probs is None else probs[q, kept],
                                            texts[q] in part.titles, texts[q],
                                            guessed=texts[q] != normalise(queries[q])))
        return answers

    def _columns(self, part: _Part, type_key: str) -> dict[int, int]:
        """Entity -> its column in the type's score matrix, built on first use (by type, not
        by the part object's id: a ranker may be pickled and read back)."""
        cache: dict[str, dict[int, int]] = self.__dict__.setdefault("_column_cache", {})
        if type_key not in cache:
            cache[type_key] = {int(e): i for i, e in enumerate(part.entities)}
        return cache[type_key]

    def _add_votes(self, votes: np.ndarray, vecs: sp.csr_matrix, part: _Part,
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
        found = np.zeros_like(votes.T)
        np.maximum.at(found, pairs[0], VOTE_SHARE * best.T[pairs[1]])
        np.maximum(votes, found.T, out=votes)

    def _pairs(self, part: _Part, voters: _Part) -> tuple[np.ndarray, np.ndarray]:
        target_at = {int(e): i for i, e in enumerate(part.entities)}
        targets, sources = [], []
        for j, voter in enumerate(voters.entities):
            for target in self.index.links.get(int(voter), ()):
                if target in target_at:
                    targets.append(target_at[target])
                    sources.append(j)
        return np.asarray(targets, dtype=np.int64), np.asarray(sources, dtype=np.int64)

    def _holders(self) -> dict[str, dict[int, float]]:
        """A normalised label -> the entities that have it, with the weight of that label
        (a preferred label's is the highest), built on first use."""
        holders: dict[str, dict[int, float]] | None = getattr(self, "_label_holders", None)
        if holders is None:
            holders = defaultdict(dict)
            for text, entity, weight in zip(self.index.label_text, self.index.label_entity,
                                            self.index.label_weight, strict=True):
                holders[text][entity] = max(weight, holders[text].get(entity, 0.0))
            self._label_holders = holders
        return holders

    def _candidates(self, found: list[tuple[int, float, float, int]], query: str,
                    type_key: str, limit: int, probs: np.ndarray | None,
                    exact: bool = False, text: str = "", guessed: bool = False
                    ) -> list[Candidate]:
        """`found`: (entity, raw score, KNN support, number of labels); `probs`: the
        re-ranker's probability of each (None: the raw score's order); `exact`: the query is a
        title of the type; `guessed`: a word of the query was respelled (respell.py), so the
        answer rests on a guess and never matches: a client may accept a match unseen.

        An exact title keeps the raw score's order: the re-ranker learnt from titles masked
        out of the index, so it never saw a candidate that holds the query as a title, and it
        put such candidates down (on the full graph "Upholsterers" came back under "Production
        Workers, All Other"). Its `match` is still the re-ranked rule's, which asks the re-ranked
        first to be the raw first: the same matches as before, at the calibrated precision."""
        raws = {entity: raw for entity, raw, _, _ in found}
        shown = dict(raws)
        sure = True  # the re-ranker does not hesitate between the first two
        margin, needed = MATCH_MARGIN, MATCH_SUPPORT
        if probs is None or not found:
            order = sorted(raws, key=lambda e: (-raws[e], self.index.entities[e].id))
            if exact and type_key not in RERANK_TYPES:
                # The candidates that have the query as a label come first (session 28's
                # skills audit: "customer service" gave "manage customer service" and "teach
                # customer service techniques" before the skill of that name, all at 100, 7
                # of 300 ESCO preferred labels so). Shown scores are raised where needed so
                # that they keep the answer's order.
                holders = self._holders().get(text, {})
                # the one named so before those also called so ("court administrator" came
                # after two that have it as an alternative label; the second audit)
                # and of those, one within another (SOC's detailed 29-1141 "Registered Nurses"
                # in its broad group 29-1140 of that title) before the group: a job title
                # names the occupation (the full-graph audit, session 32)
                within = self._broader_holders(
                    {e: w for e, w in holders.items()
                     if self.index.entities[e].type == type_key}, type_key)
                first = sorted((e for e in order if e in holders),
                               key=lambda e: (-holders[e], within.get(e, 0)))
                rest = [e for e in order if e not in holders]
                order = first + rest
                running = 0.0
                for e in reversed(order):  # each at least every later one's
                    running = shown[e] = max(shown[e], running)
            elif exact:  # an O*NET-SOC occupation, ranked without its re-ranker
                order = self._general_first(order, self._holders().get(text, {}))
        else:
            ranked = sorted(zip([f[0] for f in found], probs.tolist(), strict=True),
                            key=lambda ep: (-ep[1], self.index.entities[ep[0]].id))
            order = [e for e, _ in ranked]
            sure = ranked[0][1] >= MATCH_PROB and (
                len(ranked) < 2 or ranked[1][1] <= MATCH_RATIO * ranked[0][1])
            if exact:
                raw_order = sorted(raws, key=lambda e: (-raws[e], self.index.entities[e].id))
                sure = sure and raw_order[0] == order[0]
                order = self._general_first(raw_order, self._holders().get(text, {}))
            else:
                # The first keeps its raw score, the others that times their probability
                # relative to its: raw (which the service merges types by) follows the answer.
                scale = raws[order[0]] / max(ranked[0][1], 1e-9)
                shown = {e: p * scale for e, p in ranked}
            margin, needed = MATCH_MARGIN_RERANKED, MATCH_SUPPORT_RERANKED
        # A query that is a code or id of the type ("11-3051.00") finds its entity outright.
        coded = self.index.by_id.get((type_key, query.strip()))
        if coded is not None:
            raws[coded] = shown[coded] = max(shown.values(), default=0.0) + SCORE_FULL
            order = [coded] + [e for e in order if e != coded]
        kept = order[: max(limit, 1)]
        # Scores are out of the best raw score when it passes SCORE_FULL, not capped there: a
        # cap put "Cashiers" and "Gambling Change Persons and Booth Cashiers" both at 100 for
        # "cashier" (session 35). Each is at least every later one's, so scores keep the order.
        full = max([SCORE_FULL] + [shown[e] for e in kept])
        points: dict[int, float] = {}
        running = 0.0
        for entity in reversed(kept):
            running = points[entity] = max(100.0 * shown[entity] / full, running)
        result = []
        for entity in kept:
            e = self.index.entities[entity]
            result.append(Candidate(entity, e.id, e.name, e.type, round(points[entity], 2),
                                    raw=shown[entity], coded=entity == coded))
        if result:
            first = result[0]
            # The rule reads the raw scores before re-ranking: a first that they do not put
            # first leads by less than nothing, so it never matches.
            runner = max((raws[e] for e in order[1:]), default=0.0)
            support, size = next(((k, n) for e, _, k, n in found if e == first.entity),
                                 (0.0, 0))
            first.match = first.coded or not guessed and ((
                sure and raws[first.entity] - runner >= margin
                and support >= (needed if size > MATCH_FEW else 0.9)) or (
                exact and self._named_only(text, type_key) == first.entity))
        return result[:limit]

    def _general_first(self, order: list[int], holders: dict[int, float]) -> list[int]:
        """The occupation whose own name the query is comes first; then an O*NET-SOC
        occupation (xx-xxxx.00) before its own specialties (.01, .02, ...) when both hold the
        query as a title: a title that names no specialty is the occupation's. Six occupations
        are "Plant Manager" in O*NET 29.3, and the raw score, all but tied, put Biofuels
        Production Managers before Industrial Production Managers (session 30's new-user
        audit). Regression (session 35's audit): the second rule alone put Physicians, All Other
        (29-1229.00, alternate title "Urologist") before Urologists (29-1229.03); 14 of the 1,016
        O*NET-SOC titles typed as written were not first. Other holders keep the raw score's
        order."""
        ids = {e: self.index.entities[e].id for e in order}
        named = [e for e in order if holders.get(e) == LABEL_WEIGHTS["prefLabel"]]
        out: list[int] = list(named)
        for e in order:
            if e in named:
                continue
            code = ids[e]
            if e in holders and code.endswith(".00"):
                at = next((k for k, f in enumerate(out) if k >= len(named) and f in holders
                           and ids[f][:7] == code[:7]), len(out))
                out.insert(at, e)
            else:
                out.append(e)
        return out

    def _named_only(self, text: str, type_key: str) -> int | None:
        """The entity of the type whose preferred label is `text` (normalised) when no other
        entity of the type has it as any label: an exact, unambiguous name is a match.
        Regression (session 29's audit): 0 of 25 O*NET preferred titles matched ("Baristas"
        at 100, the runner-up at 5.3), so OpenRefine's auto-match did nothing for the
        default type."""
        of_type = {e: w for e, w in self._holders().get(text, {}).items()
                   if self.index.entities[e].type == type_key}
        # a group that shares its title with a code within it is not another holder: SOC's
        # broad group 29-1140 and its one detailed occupation 29-1141 are "Registered Nurses"
        broader = self._broader_holders(of_type, type_key)
        holders = [(e, w) for e, w in of_type.items() if e not in broader]
        if len(holders) == 1 and holders[0][1] >= LABEL_WEIGHTS["prefLabel"]:
            return holders[0][0]
        return None

    def _broader_holders(self, holders: dict[int, float], type_key: str) -> dict[int, int]:
        """The holders of a label that are a group of a nested classification (SOC 2018,
        ISCO-08) with other holders within them, and how many (ISCO's 01 holds 011 and 0110
        of one title: 2; 011: 1), so that the most specific comes first."""
        if type_key not in NESTED_CODES or len(holders) < 2:
            return {}
        codes = {e: self.index.entities[e].id for e in holders}
        counts = {g: sum(within(code, group, type_key) for code in codes.values())
                  for g, group in codes.items()}
        return {g: n for g, n in counts.items() if n}


# Types whose codes nest: SOC 2018's major 29-0000 > minor 29-1100 > broad 29-1140 > detailed
# 29-1141 (a group's code ends in zeros); ISCO-08's 2 > 22 > 222 > 2221 (a group's code is a
# prefix).
NESTED_CODES = ("soc2018", "isco08")


def within(code: str, group: str, type_key: str) -> bool:
    """Whether `code` lies within the group `group` of a NESTED_CODES classification."""
    stem = group.rstrip("0") if type_key == "soc2018" else group
    return code != group and code.startswith(stem) and (
        type_key != "soc2018" or len(code.rstrip("0")) > len(stem))


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


def _drop_unseen(matrix: sp.csr_matrix, df: np.ndarray, hidden: sp.csr_matrix
                 ) -> sp.csr_matrix:
    """`matrix` without the features of row q that no label but row q's hidden ones has
    (`hidden`: queries x features, how many of them have it)."""
    out = matrix.copy()
    row = np.repeat(np.arange(out.shape[0]), np.diff(out.indptr))
    out.data[df[out.indices] <= np.asarray(hidden[row, out.indices]).ravel()] = 0.0
    out.eliminate_zeros()
    return out


def _unit_dense(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.where(norms == 0, 1.0, norms)


def _binary(matrix: sp.csr_matrix) -> sp.csr_matrix:
    """The same sparsity pattern with every stored value 1."""
    out = matrix.copy()
    out.data[:] = 1.0
    return out


def _unit_rows(matrix: sp.csr_matrix) -> sp.csr_matrix:
    norms = np.sqrt(np.asarray(matrix.multiply(matrix).sum(axis=1)).ravel())
    norms[norms == 0] = 1.0
    return sp.diags(1.0 / norms).dot(matrix).tocsr()
