"""The shared skills of a transition in the order the build chose them (kg.transitions.explain):
strongest first, by the lower of the two occupations' O*NET importance (IM), then by IRI.

The graph keeps a transition's `okg:sharedSkill` values as a set, so the occupation page and
`kg transitions` read the two occupations' importance ratings back from the store to order them;
the page listed them as the store gave them and the table A-Z (session 30's career-guidance
audit: Registered Nurses -> Critical Care Nurses read Customer and Personal Service, Psychology,
Medicine and Dentistry, the strongest last)."""

from __future__ import annotations

from collections.abc import Iterable

import pyoxigraph as ox

from kg.transitions.terms import OKG_IRI as OKG


def _object(store: ox.Store, subject: ox.NamedNode | ox.BlankNode, prop: str) -> str | None:
    for quad in store.quads_for_pattern(subject, ox.NamedNode(OKG + prop), None, None):
        return quad.object.value
    return None


def importances(store: ox.Store, occupation: str) -> dict[str, float]:
    """O*NET's importance (IM) of each element the occupation is rated on, by element IRI."""
    out: dict[str, float] = {}
    for q in store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedOccupation"),
                                     ox.NamedNode(occupation), None):
        rating = q.subject
        if not isinstance(rating, ox.NamedNode | ox.BlankNode):
            continue
        scale = _object(store, rating, "ratingScale")
        if scale is None or not scale.endswith("/im"):
            continue
        element, value = _object(store, rating, "ratedElement"), _object(store, rating,
                                                                        "ratingValue")
        if element is not None and value is not None:
            try:
                out[element] = float(value)
            except ValueError:
                continue
    return out


def strongest_first(elements: Iterable[str], source: dict[str, float],
                    target: dict[str, float]) -> list[str]:
    return sorted(elements, key=lambda e: (-min(source.get(e, 0.0), target.get(e, 0.0)), e))


class Importances:
    """importances() of each occupation asked, read once."""

    def __init__(self, store: ox.Store):
        self.store = store
        self.read: dict[str, dict[str, float]] = {}

    def read_all(self) -> None:
        """Every occupation's at once, in one query: `kg transitions --all` read them
        occupation by occupation in 12 s more than the rest of its work."""
        query = f"""PREFIX okg: <{OKG}>
SELECT ?occupation ?element ?value WHERE {{
  ?rating okg:ratingScale ?scale ; okg:ratedOccupation ?occupation ;
          okg:ratedElement ?element ; okg:ratingValue ?value .
  FILTER(STRENDS(STR(?scale), "/im")) }}"""
        for row in self.store.query(query):  # type: ignore[union-attr]
            try:
                value = float(row["value"].value)  # type: ignore[index]
            except ValueError:
                continue
            self.read.setdefault(row["occupation"].value, {})[  # type: ignore[index]
                row["element"].value] = value  # type: ignore[index]

    def __call__(self, occupation: str) -> dict[str, float]:
        if occupation not in self.read:
            self.read[occupation] = importances(self.store, occupation)
        return self.read[occupation]
