"""The similarity components of a transition, each an occupations x occupations matrix in
[0, 1] (job zone: the signed step), computed from Profiles with numpy and scikit-learn.

Missing data is NaN, never 0: an occupation without Skills ratings (O*NET rates ~880 of its
1,016 codes) is not "unlike everything", it is unknown, and the blend treats it as neutral.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer

from kg.transitions.profiles import SKILL_BRANCHES, Profiles

Matrix = np.ndarray


def _cosine(rows: sparse.csr_matrix | Matrix, present: np.ndarray) -> Matrix:
    dense = rows.toarray() if sparse.issparse(rows) else np.asarray(rows, dtype=float)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    norms[norms == 0] = 1.0
    unit = dense / norms
    sim = np.clip(unit @ unit.T, 0.0, 1.0)
    sim[~present, :] = np.nan
    sim[:, ~present] = np.nan
    return sim


def _matrix(codes: Sequence[str], keyed: dict[str, dict], columns: Sequence) -> Matrix:
    at = {c: i for i, c in enumerate(columns)}
    out = np.zeros((len(codes), len(columns)))
    for i, code in enumerate(codes):
        for key, value in keyed.get(code, {}).items():
            if key in at:
                out[i, at[key]] = value
    return out


def _tfidf(codes: Sequence[str], docs: dict[str, list[str]], **options: object) -> Matrix:
    texts = [" ".join(docs.get(c, [])) for c in codes]
    present = np.array([bool(t.strip()) for t in texts])
    vectors = TfidfVectorizer(sublinear_tf=True, stop_words="english", dtype=np.float64,
                              **options).fit_transform(texts)
    return _cosine(vectors, present)


def _idf_weighted(counts: Matrix) -> Matrix:
    """Rare activities say more than ones every manager shares: smoothed idf weights."""
    df = (counts > 0).sum(axis=0)
    idf = np.log((1 + counts.shape[0]) / (1 + df)) + 1.0
    return (counts > 0) * idf


def skill_matrix(profiles: Profiles, scale: str) -> tuple[Matrix, list[str]]:
    elements = sorted({e for r in profiles.ratings.values() for (e, s) in r
                       if s == scale and e.startswith(SKILL_BRANCHES)})
    keyed = {c: {e: v for (e, s), v in r.items() if s == scale}
             for c, r in profiles.ratings.items()}
    return _matrix(profiles.codes, keyed, elements), elements


def compute(profiles: Profiles) -> dict[str, Matrix]:
    """Every component of COMPONENTS, plus "jobZoneStep" (target zone - source zone)."""
    codes = profiles.codes
    out: dict[str, Matrix] = {}
    for name, scale in (("skills", "IM"), ("skillLevels", "LV")):
        values, _ = skill_matrix(profiles, scale)
        out[name] = _cosine(values, values.any(axis=1))
    dwas = sorted({d for m in profiles.dwas.values() for d in m})
    counts = _matrix(codes, profiles.dwas, dwas)
    out["activities"] = _cosine(_idf_weighted(counts), counts.any(axis=1))
    iwas = sorted({d.rsplit(".", 1)[0] for d in dwas})
    grouped = {c: _group(m, lambda d: d.rsplit(".", 1)[0]) for c, m in profiles.dwas.items()}
    iwa_counts = _matrix(codes, grouped, iwas)
    out["activityGroups"] = _cosine(_idf_weighted(iwa_counts), iwa_counts.any(axis=1))
    skills = sorted({s for m in profiles.esco.values() for s in m})
    esco = _matrix(codes, profiles.esco, skills)
    out["escoSkills"] = _cosine(esco, esco.any(axis=1))
    interests = sorted({e for r in profiles.ratings.values() for (e, s) in r if s == "OI"})
    keyed = {c: {e: v for (e, s), v in r.items() if s == "OI"}
             for c, r in profiles.ratings.items()}
    riasec = _matrix(codes, keyed, interests)
    out["interests"] = _cosine(riasec, riasec.any(axis=1))
    out["tasks"] = _tfidf(codes, profiles.text)
    out["titles"] = _tfidf(codes, profiles.names)
    zone = np.array([profiles.job_zone.get(c, np.nan) for c in codes], dtype=float)
    out["jobZoneStep"] = zone[None, :] - zone[:, None]
    return out


def _group(counts: dict[str, int], parent: Callable[[str], str]) -> dict[str, int]:
    grouped: dict[str, int] = {}
    for key, count in counts.items():
        grouped[parent(key)] = grouped.get(parent(key), 0) + count
    return grouped
