"""The "Occupations that rate it highest" section of an O*NET content-model element's page (a
skill, knowledge area, ability, work activity, work style, interest or work value): the O*NET-SOC
occupations with its highest rating on the element's main scale (importance, else occupational
interest, else extent), with the level where O*NET rates one. The page listed the element's
ratings only as "Ratings of it", the first 300 by IRI: a career site asks which jobs need the
skill most. Read with pattern lookups from the served store."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox

from kg.prefixes import OKG, SKOS

SHOWN = 25
# the element's main scale, by what O*NET rates it on: importance (skills, knowledge, abilities,
# work activities, work styles), occupational interest, extent (work values)
MAIN_SCALES = ("im", "oi", "ex")
SCALE_NAMES = {"im": "importance (1 to 5)", "oi": "occupational interest (1 to 7)",
               "ex": "extent (1 to 7)"}


@dataclass
class Rated:
    iri: str
    code: str
    label: str
    value: Decimal
    level: Decimal | None = None
    suppressed: bool = False


@dataclass
class TopOccupations:
    scale: str  # one of MAIN_SCALES
    rated: int  # occupations O*NET rates on it
    top: list[Rated]

    @property
    def scale_name(self) -> str:
        return SCALE_NAMES[self.scale]


# the O*NET sheets this project's reference copy lacks (its README: each over 4 MiB)
MISSING_RATINGS = {"1.A": "Abilities", "4.A": "Work Activities", "4.C": "Work Context"}


def unrated_note(store: ox.Store, iri: str, public_base: str, code: str) -> str | None:
    """For an O*NET element that no occupation is rated on in this graph, why: the session 28
    skills audit found abilities' pages silent, though reconciliation offers them."""
    if not iri.startswith(public_base + "onet-element/"):
        return None
    if next(store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedElement"),
                                    ox.NamedNode(iri), None), None) is not None:
        return None
    upper = code.upper()
    sheet = next((name for prefix, name in MISSING_RATINGS.items()
                  if upper == prefix or upper.startswith(prefix + ".")), None)
    none = "This graph holds no O*NET ratings of occupations on this element"
    if sheet is not None:
        return (f"{none}: O*NET rates them in its {sheet} sheet, which the reference copy of "
                "O*NET 29.3 this graph is built from does not include.")
    below = next(store.quads_for_pattern(None, ox.NamedNode(SKOS + "broader"),
                                         ox.NamedNode(iri), None), None)
    if below is not None:
        return f"{none}: O*NET rates the elements below it, not the category."
    # a leaf O*NET rates nothing on in the files imported (the second audit: 210 such leaves
    # were told of "the elements below", which they do not have)
    return f"{none}."


def _one(store: ox.Store, s: ox.NamedNode, p: str) -> ox.NamedNode | ox.Literal | None:
    for q in store.quads_for_pattern(s, ox.NamedNode(OKG + p), None, None):
        if not isinstance(q.object, ox.BlankNode):
            return q.object
    return None


def read_top_occupations(store: ox.Store, iri: str, public_base: str,
                         labels: dict[str, str]) -> TopOccupations | None:
    """None unless `iri` is an O*NET element that O*NET rates occupations on."""
    if not iri.startswith(public_base + "onet-element/"):
        return None
    scale_base = public_base + "onet-scale/"
    onet = public_base + "onet-soc2019/"
    # scale -> occupation IRI -> (value, suppressed)
    values: dict[str, dict[str, tuple[Decimal, bool]]] = {}
    for seen, q in enumerate(store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedElement"),
                                                     ox.NamedNode(iri), None)):
        if seen >= 100 and not values:
            return None  # rated on a category scale only (2.D.1's 11,000 ratings: 1.2 s)
        rating = q.subject
        if not isinstance(rating, ox.NamedNode):
            continue
        scale = _one(store, rating, "ratingScale")
        scale_id = scale.value.removeprefix(scale_base) if scale is not None else ""
        if scale_id not in (*MAIN_SCALES, "lv"):
            continue
        occupation = _one(store, rating, "ratedOccupation")
        if occupation is None or not occupation.value.startswith(onet):
            continue
        value = _one(store, rating, "ratingValue")
        try:
            number = Decimal(value.value) if value is not None else None
        except InvalidOperation:
            number = None
        if number is None:
            continue
        flag = _one(store, rating, "recommendSuppress")
        values.setdefault(scale_id, {})[occupation.value] = (
            number, flag is not None and flag.value in ("true", "1"))
    scale_id = next((s for s in MAIN_SCALES if values.get(s)), None)
    if scale_id is None:
        return None
    main, levels = values[scale_id], values.get("lv", {})

    def rated(occupation: str) -> Rated:
        code = occupation.rsplit("/", 1)[-1]
        level = levels.get(occupation)
        return Rated(occupation, code, labels.get(occupation, code), main[occupation][0],
                     level[0] if level else None, main[occupation][1])

    def rating(o: str) -> tuple[Decimal, Decimal]:
        return -main[o][0], -(levels.get(o, (Decimal(0),))[0])

    ordered = sorted(main, key=lambda o: (rating(o), labels.get(o, o), o))
    # the occupations rated as the last one shown are shown too: a cut inside a tie left out
    # some of equal rating, in A-Z order (session 28's skills audit)
    cut = min(SHOWN, len(ordered))
    while 0 < cut < len(ordered) and rating(ordered[cut]) == rating(ordered[cut - 1]):
        cut += 1
    return TopOccupations(scale_id, len(main), [rated(o) for o in ordered[:cut]])
