"""The "In other taxonomies" section of an O*NET-SOC 2019 occupation's page: its SOC 2018 code,
the O*NET-SOC 2010 codes O*NET's crosswalk matches it to, and, through those, the ESCO
occupations of the Nesta ESCO-O*NET crosswalk and the ISCO-08 unit groups of BLS's ISCO-08/SOC
2010 crosswalk. The page's own mappings list only the first hop (SOC 2018); ESCO and ISCO are
two hops away, which a reader joining this data with a European taxonomy needs most. From the
other side, an ESCO occupation's and an ISCO-08 group's US codes (read_us_equivalents,
read_isco_us_equivalents). Read with pattern lookups from the served store (both directions of
each SKOS mapping property)."""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field

import pyoxigraph as ox

from kg.build.chained_matches import compose

SKOS = "http://www.w3.org/2004/02/skos/core#"
MATCHES = {ox.NamedNode(SKOS + name): name.removesuffix("Match")
           for name in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")}
# A mapping read from the other end: A broadMatch B says B is broader, so seen from B it is the
# narrower one.
INVERSE = {"exact": "exact", "close": "close", "broad": "narrow", "narrow": "broad",
           "related": "related"}
ORDER = list(INVERSE)  # closest first
NOTATION = ox.NamedNode(SKOS + "notation")
ESCO_OCCUPATION = "http://data.europa.eu/esco/occupation/"
ANNOTATED_SOURCE = ox.NamedNode("http://www.w3.org/2002/07/owl#annotatedSource")
ANNOTATED_TARGET = ox.NamedNode("http://www.w3.org/2002/07/owl#annotatedTarget")
JUSTIFICATION = ox.NamedNode("https://w3id.org/sssom/mapping_justification")
CHAINING = ox.NamedNode("https://w3id.org/semapv/vocab/MappingChaining")
SUBJECT_LABEL = ox.NamedNode("https://w3id.org/sssom/subject_label")
ISCO_GROUP = "http://data.europa.eu/esco/isco/C"


@dataclass
class Equivalent:
    iri: str
    code: str
    label: str
    match: str  # exact, close, broad, narrow or related, as the crosswalk states it
    # the O*NET-SOC 2010 or SOC 2010 codes the link goes through, with their IRIs (sorted)
    via: list[tuple[str, str]] = field(default_factory=list)
    in_graph: bool = True  # False: only the crosswalk names it (not in the graph's edition)


@dataclass
class Taxonomy:
    name: str
    source: str  # the crosswalk, as the reader should cite it
    entries: list[Equivalent] = field(default_factory=list)


def _linked(store: ox.Store, iri: str, prefix: str) -> dict[str, str]:
    """IRI under `prefix` -> the match, for every SKOS mapping between `iri` and it, read from
    `iri`'s side (the closest match when several are stated)."""
    node = ox.NamedNode(iri)
    found: dict[str, str] = {}
    order = ORDER

    def keep(other: ox.NamedNode | ox.Literal | ox.BlankNode, match: str) -> None:
        if isinstance(other, ox.NamedNode) and other.value.startswith(prefix):
            known = found.get(other.value)
            if known is None or order.index(match) < order.index(known):
                found[other.value] = match

    for predicate, match in MATCHES.items():
        for quad in store.quads_for_pattern(node, predicate, None, None):
            keep(quad.object, match)
        for quad in store.quads_for_pattern(None, predicate, node, None):
            keep(quad.subject, INVERSE[match])
    return found


def _inherited(store: ox.Store, esco: str, old: str) -> bool:
    """Whether the match is one an ESCO occupation inherits from its parent
    (kg/build/inherited_matches.py): left out here as in reconciliation, where as voters and
    extension values they did more harm than good (session 28's second audit; the page listed
    82 ESCO occupations for 11-3071.00)."""
    for mapping in store.quads_for_pattern(None, ANNOTATED_SOURCE, ox.NamedNode(esco), None):
        node = mapping.subject
        if any(True for _ in store.quads_for_pattern(node, ANNOTATED_TARGET, ox.NamedNode(old),
                                                     None)) \
                and any(True for _ in store.quads_for_pattern(node, JUSTIFICATION, CHAINING, None)):
            return True
    return False


def _code(store: ox.Store, iri: str) -> str:
    codes = sorted(q.object.value for q in store.quads_for_pattern(ox.NamedNode(iri), NOTATION,
                                                                     None, None))
    return codes[0] if codes else ""


def _crosswalk_label(store: ox.Store, iri: str) -> str:
    """The label a crosswalk's mapping node records for `iri` (sssom:subject_label), for an
    entity the graph's edition of its taxonomy does not hold (one ESCO URI of the Nesta
    crosswalk is not in ESCO v1.1.1)."""
    for source in store.quads_for_pattern(None, ANNOTATED_SOURCE, ox.NamedNode(iri), None):
        for label in store.quads_for_pattern(source.subject, SUBJECT_LABEL, None, None):
            return label.object.value
    return ""


def _reach(found: dict[str, Equivalent], other: str, match: str, via: tuple[str, str],
           entry: Callable[[str, str], Equivalent]) -> None:
    """One row per target: the closest match of any path, and every code it goes through."""
    known = found.get(other)
    if known is None:
        known = found[other] = entry(other, match)
    elif ORDER.index(match) < ORDER.index(known.match):
        known.match = match
    if via not in known.via:
        known.via.append(via)


def _natural(code: str) -> tuple[tuple[int, str], ...]:
    """Sorts 1349.4 before 1349.20, as codes are read."""
    return tuple((int(part), "") if part.isdigit() else (0, part)
                 for part in re.split(r"(\d+)", code) if part)


def read_equivalents(store: ox.Store, iri: str, public_base: str,
                     labels: dict[str, str]) -> list[Taxonomy]:
    """The taxonomies with at least one equivalent of the O*NET-SOC 2019 occupation `iri`, or
    of the ESCO occupation `iri` (read_us_equivalents)."""
    if iri.startswith(ESCO_OCCUPATION):
        return read_us_equivalents(store, iri, public_base, labels)
    if iri.startswith(ISCO_GROUP):
        return read_isco_us_equivalents(store, iri, public_base, labels)
    if not iri.startswith(public_base + "onet-soc2019/"):
        return []

    def entry(other: str, match: str) -> Equivalent:
        label = labels.get(other, "")
        code = _code(store, other)
        if label or code:
            return Equivalent(other, code, label, match)
        return Equivalent(other, "", _crosswalk_label(store, other), match, in_graph=False)

    def reach(found: dict[str, Equivalent], other: str, match: str,
              via: tuple[str, str]) -> None:
        _reach(found, other, match, via, entry)

    soc2018 = Taxonomy("SOC 2018", "the O*NET-SOC 2019 taxonomy's SOC 2018 codes")
    onet2010 = Taxonomy("O*NET-SOC 2010", "O*NET's 2010 to 2019 crosswalk")
    esco = Taxonomy("ESCO occupations", "through O*NET-SOC 2010: the Nesta ESCO-O*NET "
                                        "crosswalk (2020)")
    isco = Taxonomy("ISCO-08", "through SOC 2010: BLS's ISCO-08/SOC 2010 crosswalk")
    for other, match in _linked(store, iri, public_base + "soc2018/").items():
        soc2018.entries.append(entry(other, match))
    escos: dict[str, Equivalent] = {}
    iscos: dict[str, Equivalent] = {}
    for old, match in _linked(store, iri, public_base + "onet-soc2010/").items():
        found = entry(old, match)
        onet2010.entries.append(found)
        for other, esco_match in _linked(store, old, ESCO_OCCUPATION).items():
            if not _inherited(store, other, old):
                reach(escos, other, esco_match, (found.code, old))
        # An O*NET-SOC 2010 code is its SOC 2010 code plus a two-digit suffix.
        soc2010 = public_base + "soc2010/" + found.code[:7]
        for other, isco_match in _linked(store, soc2010, ISCO_GROUP).items():
            reach(iscos, other, isco_match, (found.code[:7], soc2010))
    esco.entries.extend(escos.values())
    isco.entries.extend(iscos.values())
    taxonomies = [soc2018, onet2010, isco, esco]
    for taxonomy in taxonomies:
        for e in taxonomy.entries:
            e.via.sort()
        taxonomy.entries.sort(key=lambda e: (not e.in_graph, _natural(e.code), e.label, e.iri))
    return [t for t in taxonomies if t.entries]


def _listed(taxonomies: list[Taxonomy]) -> list[Taxonomy]:
    """The taxonomies that have entries, each in code order, each entry's paths sorted."""
    for taxonomy in taxonomies:
        for e in taxonomy.entries:
            e.via.sort()
        taxonomy.entries.sort(key=lambda e: (_natural(e.code), e.label, e.iri))
    return [t for t in taxonomies if t.entries]


def _entry_maker(store: ox.Store, labels: dict[str, str]) -> Callable[[str, str], Equivalent]:
    """An entry of the US codes: the IRI with its code and label, and its match."""
    def entry(other: str, match: str) -> Equivalent:
        return Equivalent(other, _code(store, other), labels.get(other, ""), match)
    return entry


def _composed(first: str, second: str) -> str:
    """Two matches in a row ("close", "broad"), as kg.build.chained_matches composes them."""
    return compose(first + "Match", second + "Match").removesuffix("Match")


def read_us_equivalents(store: ox.Store, iri: str, public_base: str,
                        labels: dict[str, str]) -> list[Taxonomy]:
    """The US codes of the ESCO occupation `iri`: the O*NET-SOC 2010 codes Nesta's crosswalk
    matches it (or its nearest matched ancestor: kg.build.inherited_matches) to, the
    O*NET-SOC 2019 occupations O*NET's crosswalk takes those to, and their SOC 2018 codes,
    whose pages chart BLS's wages and outlook. Regression (session 34's audit): ESCO's
    "welder" page named only the retired O*NET-SOC 2010 code 51-4121.06, while the
    reconciliation preview of the same IRI gave SOC 51-4121, O*NET 51-4121.00 and a wage."""
    onet2010 = Taxonomy("O*NET-SOC 2010", "the Nesta ESCO-O*NET crosswalk (2020)")
    onet2019 = Taxonomy("O*NET-SOC 2019", "through O*NET-SOC 2010: O*NET's 2010 to 2019 "
                                          "crosswalk")
    soc2018 = Taxonomy("SOC 2018", "through O*NET-SOC 2019: the O*NET-SOC 2019 taxonomy's "
                                   "SOC 2018 codes")
    reached: dict[str, dict[str, Equivalent]] = {"2019": {}, "soc": {}}

    entry = _entry_maker(store, labels)

    def reach(found: dict[str, Equivalent], other: str, match: str,
              via: tuple[str, str]) -> None:
        _reach(found, other, match, via, entry)

    for old, match in _linked(store, iri, public_base + "onet-soc2010/").items():
        first = entry(old, match)
        onet2010.entries.append(first)
        for new, second in _linked(store, old, public_base + "onet-soc2019/").items():
            via_2010 = _composed(match, second)
            reach(reached["2019"], new, via_2010, (first.code, old))
            for soc, third in _linked(store, new, public_base + "soc2018/").items():
                reach(reached["soc"], soc, _composed(via_2010, third), (_code(store, new), new))
    onet2019.entries.extend(reached["2019"].values())
    soc2018.entries.extend(reached["soc"].values())
    return _listed([soc2018, onet2019, onet2010])


# O*NET-SOC 2010 codes are their SOC 2010 code and a two-digit suffix; the graph does not link
# the two, so a SOC 2010 code's O*NET codes are looked up by IRI (.00 to .99: 100 point lookups).
SUFFIXES = [f".{n:02d}" for n in range(100)]


def read_isco_us_equivalents(store: ox.Store, iri: str, public_base: str,
                             labels: dict[str, str]) -> list[Taxonomy]:
    """The US codes of the ISCO-08 group `iri`, composed as
    dist/mappings/isco08-soc2018-chained.sssom.tsv composes them
    (kg.build.chained_matches.isco_soc_rows): the SOC 2010 codes BLS's crosswalk maps to the
    group, every O*NET-SOC 2010 code under those (its ".00" code is the SOC 2010 code itself,
    the others narrower specialties), and the SOC 2018 codes and O*NET-SOC 2019 occupations
    O*NET's crosswalks take those to. Regression (session 36's client audit): an ISCO group's
    page named no US code, though the chained set maps 2655 Actors to SOC 27-2011."""
    soc2010 = Taxonomy("SOC 2010", "BLS's ISCO-08/SOC 2010 crosswalk")
    onet2019 = Taxonomy("O*NET-SOC 2019", "through SOC 2010 and its O*NET-SOC 2010 codes: "
                                          "O*NET's 2010 to 2019 crosswalk")
    soc2018 = Taxonomy("SOC 2018", "through SOC 2010 and its O*NET-SOC 2010 codes: O*NET's "
                                   "2010 to 2018 SOC crosswalk")
    reached: dict[str, dict[str, Equivalent]] = {"2019": {}, "soc": {}}

    entry = _entry_maker(store, labels)
    for old, first in _linked(store, iri, public_base + "soc2010/").items():
        group = entry(old, first)
        soc2010.entries.append(group)
        code = old.rsplit("/", 1)[1]
        for suffix in SUFFIXES:
            mid = public_base + "onet-soc2010/" + code + suffix
            if next(store.quads_for_pattern(ox.NamedNode(mid), None, None, None), None) is None:
                continue
            bridge = _composed(first, "exact" if suffix == ".00" else "narrow")
            for prefix, found in (("onet-soc2019/", reached["2019"]), ("soc2018/", reached["soc"])):
                for target, second in _linked(store, mid, public_base + prefix).items():
                    _reach(found, target, _composed(bridge, second), (code, old), entry)
    onet2019.entries.extend(reached["2019"].values())
    soc2018.entries.extend(reached["soc"].values())
    return _listed([soc2018, onet2019, soc2010])
