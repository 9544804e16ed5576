"""The "Education and training" section of an occupation's page: what the BLS Employment
Projections program gives for entry into its SOC 2018 occupation (typical education, work
experience in a related occupation, on-the-job training), and, for an O*NET-SOC occupation,
O*NET's Required Level of Education (element 2.D.1, scale RL): the share of the surveyed workers
who say the job needs each level. "What training do I need?" is a career site's first question;
the page had the BLS answer only on the SOC code's page and O*NET's only as twelve bare
category links among the ratings. Read with pattern lookups from the served store."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

import pyoxigraph as ox

from kg.prefixes import OKG

SKOS = "http://www.w3.org/2004/02/skos/core#"
# Where the entry requirements come from, first found first: the entity; the SOC code it is
# filed under (an exact or close match); the SOC code that takes in an O*NET specialty (a broad
# match: 11-3051.01 within 11-3051); the broad group BLS projects a code within (51-2092 within
# 51-2090). Regression (session 27's second audit): only the first two were read, so 135
# specialties and 23 codes projected as a group had no entry, though their pages chart those
# codes' wages.
RELATIONS = {"exactMatch": "filed", "closeMatch": "filed", "broadMatch": "covers"}
SAID = {"filed": "the SOC 2018 occupation this one is filed under",
        "covers": "the SOC 2018 occupation that takes in this specialty",
        "aggregate": "the BLS aggregate that combines this occupation's SOC 2018 code with "
                     "others",
        "group": "the SOC 2018 group within which BLS projects this occupation"}
ENTRY = (("typicalEntryEducation", "Typical education needed for entry"),
         ("relatedWorkExperience", "Work experience in a related occupation"),
         ("typicalOnTheJobTraining", "Typical on-the-job training"))


@dataclass
class Level:
    label: str  # the category's name, without O*NET's explanation after " - "
    iri: str
    share: Decimal  # percent of respondents
    suppressed: bool = False  # O*NET recommends suppressing the estimate

    @property
    def share_text(self) -> str:
        """One decimal, rounded half up as O*NET's figures are read (a float format gave 4.35
        as 4.3: the second audit)."""
        return str(self.share.quantize(Decimal("0.1"), rounding=ROUND_HALF_UP))


@dataclass
class Education:
    entry: list[tuple[str, str, str]] = field(default_factory=list)  # (what, label, IRI)
    entry_of: tuple[str, str, str] | None = None  # the SOC concept's (code, label, IRI)
    relation: str = ""  # how that concept stands to the entity, in words (SAID)
    levels: list[Level] = field(default_factory=list)  # O*NET's RL categories over 0 %


def _objects(store: ox.Store, s: ox.NamedNode, p: str) -> list[ox.NamedNode | ox.Literal]:
    found: list[ox.NamedNode | ox.Literal] = []
    for q in store.quads_for_pattern(s, ox.NamedNode(p), None, None):
        if q.object not in found and not isinstance(q.object, ox.BlankNode):
            found.append(q.object)
    return found


def _number(term: ox.NamedNode | ox.Literal | None) -> Decimal | None:
    try:
        return Decimal(term.value) if isinstance(term, ox.Literal) else None
    except InvalidOperation:
        return None


def _category_number(iri: str) -> int:
    tail = iri.rsplit("-", 1)[-1]
    return int(tail) if tail.isdigit() else 0


def typical_entry_education(store: ox.Store, iri: str, public_base: str,
                            labels: dict[str, str]) -> str | None:
    """BLS's typical education needed for entry into the occupation (through its SOC code, as
    the section reads it), by name; None where BLS gives none."""
    found = Education()
    _read_entry(store, ox.NamedNode(iri), public_base, labels, found)
    return next((label for what, label, _ in found.entry if what == ENTRY[0][1]), None)


def _read_entry(store: ox.Store, node: ox.NamedNode, public_base: str,
                labels: dict[str, str], out: Education) -> None:
    """The BLS entry requirements into `out`: of the entity, else of the first SOC concept it
    is matched to (RELATIONS), else of that concept's broader group."""
    soc = public_base + "soc2018/"
    candidates: list[tuple[ox.NamedNode, str]] = [(node, "")] + [
        (m, relation) for p, relation in RELATIONS.items() for m in _objects(store, node, SKOS + p)
        if isinstance(m, ox.NamedNode) and m.value.startswith(soc)]
    # the BLS aggregate that combines the SOC code (53-1047 takes in 53-1042), as the wages
    # and the outlook take it, before the broad group (the second audit: the 12 O*NET codes
    # under an aggregate had no BLS entry requirements)
    aggregates = [(a.subject, "aggregate") for c, _ in list(candidates)
                  for a in store.quads_for_pattern(None, ox.NamedNode(SKOS + "narrowMatch"), c,
                                                   None)
                  if isinstance(a.subject, ox.NamedNode) and a.subject.value.startswith(soc)]
    candidates += list(dict.fromkeys(aggregates))
    candidates += [(g, "group") for c, relation in list(candidates) if relation != "aggregate"
                   for g in _objects(store, c, SKOS + "broader")
                   if isinstance(g, ox.NamedNode) and g.value.startswith(soc)]
    for concept, relation in candidates:
        entry = [(what, labels.get(o.value, o.value.rsplit("/", 1)[-1]), o.value)
                 for prop, what in ENTRY for o in _objects(store, concept, OKG + prop)
                 if isinstance(o, ox.NamedNode)]
        if entry:
            out.entry = entry
            if concept != node:
                code = next((o.value for o in _objects(store, concept, SKOS + "notation")), "")
                out.entry_of = (code, labels.get(concept.value, code), concept.value)
                out.relation = SAID[relation]
            break


def read_education(store: ox.Store, iri: str, public_base: str,
                   labels: dict[str, str]) -> Education | None:
    node = ox.NamedNode(iri)
    out = Education()
    _read_entry(store, node, public_base, labels, out)
    element = ox.NamedNode(public_base + "onet-element/2.d.1")
    scale = ox.NamedNode(public_base + "onet-scale/rl")
    for q in store.quads_for_pattern(None, ox.NamedNode(OKG + "ratedOccupation"), node, None):
        rating = q.subject
        if not isinstance(rating, ox.NamedNode) \
                or element not in _objects(store, rating, OKG + "ratedElement") \
                or scale not in _objects(store, rating, OKG + "ratingScale"):
            continue
        category = next(iter(_objects(store, rating, OKG + "ratingCategory")), None)
        share = _number(next(iter(_objects(store, rating, OKG + "ratingValue")), None))
        if not isinstance(category, ox.NamedNode) or share is None or share <= 0:
            continue
        flag = next(iter(_objects(store, rating, OKG + "recommendSuppress")), None)
        name = labels.get(category.value, category.value.rsplit("/", 1)[-1])
        out.levels.append(Level(name.split(" - ", 1)[0].strip(), category.value, share,
                                flag is not None and flag.value in ("true", "1")))
    out.levels.sort(key=lambda level: _category_number(level.iri))
    return out if out.entry or out.levels else None
