"""The reconciliation index: every entity of every registered type with its labels by kind, its
crosswalk links and the few values data extension returns, read from a pyoxigraph store.

`from_store` reads a loaded store (what `kg serve` holds); `from_files` loads dist/kg.trig (or
importer N-Quads) into a fresh store first, the same reading `kg query` uses.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import pyoxigraph as ox

from kg.errors import KgError
from kg.reconcile.normalise import normalise
from kg.reconcile.types import OKG, SKOS, TYPES, RType

# Weight of each label kind: a preferred label is the strongest evidence, a hidden label
# (ESCO's misspellings and obsolete forms) the weakest. O*NET's reported titles (okg:
# reportedTitle, what incumbents wrote in the survey) are real usage but noisier than the
# curated alternate titles.
LABEL_WEIGHTS: dict[str, float] = {"prefLabel": 1.0, "altLabel": 0.95, "myNextMoveTitle": 0.95,
                                   "reportedTitle": 0.9, "hiddenLabel": 0.85}
# When one label is stated with several kinds, the first here names it: okg:myNextMoveTitle (the
# reported titles O*NET's My Next Move shows) is a sub-property of okg:reportedTitle, itself one
# of skos:altLabel, so the importer and a build's OWL RL closure state it with all three.
_KIND_ORDER = ("prefLabel", "myNextMoveTitle", "reportedTitle", "altLabel", "hiddenLabel")
_LINKS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch")
ESCO_ISCO = "http://data.europa.eu/esco/model#memberOfISCOGroup"
SDMX_VALUE = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
SDMX_PERIOD = "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod"
_FORMATS = {".trig": ox.RdfFormat.TRIG, ".nq": ox.RdfFormat.N_QUADS,
            ".nt": ox.RdfFormat.N_TRIPLES, ".ttl": ox.RdfFormat.TURTLE}


class IndexError_(KgError):
    """The source of the index cannot be read."""


@dataclass
class Entity:
    type: str
    iri: str
    id: str
    name: str = ""
    code: str = ""


@dataclass
class Index:
    entities: list[Entity] = field(default_factory=list)
    label_text: list[str] = field(default_factory=list)  # normalised
    label_entity: list[int] = field(default_factory=list)
    label_weight: list[float] = field(default_factory=list)
    links: dict[int, set[int]] = field(default_factory=lambda: defaultdict(set))
    by_id: dict[tuple[str, str], int] = field(default_factory=dict)  # (type, id) -> entity
    job_zone: dict[str, str] = field(default_factory=dict)  # iri -> job zone number
    median_wage: dict[str, float] = field(default_factory=dict)  # SOC code -> latest median
    median_wage_at_least: set[str] = field(default_factory=set)  # ... given as a lower bound
    soc_group: dict[str, str] = field(default_factory=dict)  # SOC 2018 code -> its broader one
    # SOC 2018 code -> the BLS aggregate that combines it (53-1042 -> 53-1047, skos:narrowMatch)
    soc_aggregate: dict[str, str] = field(default_factory=dict)
    hourly_only: set[str] = field(default_factory=set)  # SOC codes with an hourly median only
    # O*NET-SOC 2019 IRI -> ESCO occupations, through any match of O*NET's 2010 crosswalk
    esco_of: dict[str, list[str]] = field(default_factory=dict)
    # (entity, type key) -> codes or IRIs the entity's own statements give for a taxonomy even
    # when that taxonomy is not loaded: okg:socCode and the IRIs of its exact/close matches.
    stated: dict[tuple[int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    # entity -> context texts as written (its tasks and their detailed work activities)
    context: dict[int, list[str]] = field(default_factory=dict)
    # (entity, normalised label) -> its labels that may come from the same source row: O*NET
    # states a title and its short form as two alternate labels, the short form either part of
    # the title ("Chief Administrative Officer (CAO)" and "CAO"; "Help Desk Tech (Help Desk
    # Technician)" and "Help Desk Tech"). The re-ranker's leave-one-out training masks them
    # together, as the benchmark removes a held-out row.
    variants: dict[tuple[int, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    # O*NET-SOC 2019 or SOC 2018 IRI -> ISCO-08 codes by BLS's ISCO-08/SOC 2010 crosswalk,
    # reached through O*NET's 2010 crosswalks (kg.reconcile.index._isco_through_soc2010)
    isco_of: dict[str, list[str]] = field(default_factory=dict)
    # ISCO-08 code -> the O*NET-SOC 2019 and SOC 2018 entities of isco_of (read backwards)
    holders_of_isco: dict[str, list[int]] = field(default_factory=dict)
    store: ox.Store | None = None

    def codes(self, entity: int, type_key: str) -> list[str]:
        """The ids of `type_key` the entity names: linked entities' ids and stated codes."""
        found = {e.id for e in self.linked(entity, type_key)} | self.stated.get(
            (entity, type_key), set())
        return sorted(found)

    def linked(self, entity: int, type_key: str) -> list[Entity]:
        found = [self.entities[j] for j in self.links.get(entity, ())]
        return sorted((e for e in found if e.type == type_key), key=lambda e: e.id)


def _rows(store: ox.Store, query: str) -> Iterable[tuple[str, ...]]:
    for solution in store.query(query, use_default_graph_as_union=True):  # type: ignore[union-attr]
        yield tuple(term.value if term is not None else "" for term in solution)


_PARENTHESIS = re.compile(r"^(.*?)\s*\((.*)\)\s*$")


def _row_forms(label: str) -> tuple[str, ...]:
    """The normalised parts of "Title (Other form)" (which of them a row gives as its short
    title the graph does not say: both are masked), or nothing."""
    found = _PARENTHESIS.match(label)
    return (normalise(found[1]), normalise(found[2])) if found else ()


def _type_entities(store: ox.Store, rtype: RType, index: Index) -> dict[str, int]:
    kinds = " ".join(f"<{SKOS}{k}>" for k in ("prefLabel", "altLabel", "hiddenLabel"))
    query = (f"SELECT ?s ?p ?l ?code WHERE {{ {{ SELECT DISTINCT ?s WHERE {{ {rtype.pattern} }} }}"
             f" ?s ?p ?l . VALUES ?p {{ {kinds} <{OKG}reportedTitle> <{OKG}myNextMoveTitle> }}"
             ' FILTER(LANG(?l) = "en" || LANG(?l) = "")'
             f" OPTIONAL {{ ?s <{SKOS}notation> ?code }} }}")
    rows = sorted(set(_rows(store, query)))
    by_iri: dict[str, int] = {}
    kind_of: dict[tuple[int, str], str] = {}  # (entity, normalised label) -> its kind
    for iri, pred, label, code in rows:
        if rtype.id_is_code and not code:
            continue
        number = by_iri.get(iri)
        if number is None:
            number = by_iri[iri] = len(index.entities)
            index.entities.append(Entity(rtype.key, iri, code if rtype.id_is_code else iri,
                                         code=code))
            index.by_id[(rtype.key, index.entities[number].id)] = number
        kind = pred.rsplit("#", 1)[1]
        if kind == "prefLabel" and not index.entities[number].name:
            index.entities[number].name = label
        text = normalise(label)
        for short in _row_forms(label):
            if short and text and short != text:
                index.variants[(number, text)].add(short)
                index.variants[(number, short)].add(text)
        if text:
            known = kind_of.get((number, text))
            if known is None or _KIND_ORDER.index(kind) < _KIND_ORDER.index(known):
                kind_of[(number, text)] = kind
    for (number, text), kind in kind_of.items():  # insertion order: sorted rows, deterministic
        index.label_text.append(text)
        index.label_entity.append(number)
        index.label_weight.append(LABEL_WEIGHTS[kind])
    return by_iri


def _context(store: ox.Store, iris: dict[str, list[int]], index: Index) -> None:
    """Each occupation's tasks and the detailed work activities they link to (when imported):
    weak context for queries with more words than a title."""
    query = (f"SELECT DISTINCT ?s ?text WHERE {{ ?s <{OKG}hasTask> ?task . "
             f"{{ ?task <{SKOS}prefLabel> ?text }} UNION "
             f"{{ ?task <{OKG}detailedWorkActivity> ?dwa . ?dwa <{SKOS}prefLabel> ?text }} }}")
    found: dict[int, set[str]] = defaultdict(set)
    for iri, text in _rows(store, query):
        for number in iris.get(iri, ()):
            found[number].add(text.strip())
    index.context = {number: sorted(texts) for number, texts in sorted(found.items())}


def from_store(store: ox.Store) -> Index:
    index = Index(store=store)
    iris: dict[str, list[int]] = defaultdict(list)
    for rtype in TYPES.values():
        for iri, number in _type_entities(store, rtype, index).items():
            iris[iri].append(number)
    for entity in index.entities:
        if not entity.name:
            entity.name = entity.id
    _context(store, iris, index)
    # Crosswalk links, also through one concept outside the index (ESCO -> O*NET-SOC 2010 ->
    # O*NET-SOC 2019).
    values = " ".join(f"<{SKOS}{p}>" for p in _LINKS) + f" <{ESCO_ISCO}>"
    hops: dict[str, set[str]] = defaultdict(set)
    inherited = _inherited(store)
    for a, b in _rows(store, f"SELECT ?a ?b WHERE {{ ?a ?p ?b . VALUES ?p {{ {values} }} }}"):
        if (a, b) in inherited or (b, a) in inherited:
            continue
        hops[a].add(b)
        hops[b].add(a)
    for a, others in hops.items():
        if a not in iris:
            continue
        reach = set(others)
        for b in others:
            if b not in iris:
                reach |= hops.get(b, set())
        for b in reach:
            for i in iris[a]:
                for j in iris.get(b, ()):
                    if i != j:
                        index.links[i].add(j)
                        index.links[j].add(i)
    # The project's occupations name their SOC code (okg:socCode) even without the mappings.
    soc = {e.code: n for n, e in enumerate(index.entities) if e.type == "soc2018"}
    for iri, code in _rows(store, f"SELECT ?s ?c WHERE {{ ?s <{OKG}socCode> ?c }}"):
        for i in iris.get(iri, ()):
            if code in soc:
                index.links[i].add(soc[code])
                index.links[soc[code]].add(i)
    _stated(store, iris, index)
    index.isco_of = _isco_through_soc2010(store)
    holders: dict[str, set[int]] = defaultdict(set)
    for iri, codes in index.isco_of.items():
        for code in codes:
            holders[code].update(iris.get(iri, ()))
    index.holders_of_isco = {code: sorted(found) for code, found in sorted(holders.items())}
    index.esco_of = _esco_through_onet2010(store)
    for a, b in _rows(store, f"SELECT ?a ?b WHERE {{ ?a <{SKOS}broader> ?b }}"):
        if (code := _SOC_2018.search(a)) and (group := _SOC_2018.search(b)):
            index.soc_group[code[1]] = group[1]
    for a, b in sorted(_rows(store, f"SELECT ?a ?b WHERE {{ ?a <{SKOS}narrowMatch> ?b }}")):
        if (aggregate := _SOC_2018.search(a)) and (code := _SOC_2018.search(b)):
            index.soc_aggregate.setdefault(code[1], aggregate[1])
    for iri, zone in _rows(store, f"SELECT ?s ?n WHERE {{ ?s <{OKG}jobZone> ?z . "
                                  f"?z <{SKOS}notation> ?n }}"):
        index.job_zone[iri] = zone
    # okg:isLowerBound: OEWS top-codes a median of $239,200 or more as "#" (the importer keeps
    # that value as a lower bound), which must not read as an exact median.
    wage_query = (f"SELECT ?c ?v ?end ?bound WHERE {{ ?o <{OKG}statistic> "
                  f"<{OKG}annualWageMedian> ; <{OKG}occupation> ?occ ; <{SDMX_VALUE}> ?v ; "
                  f"<{SDMX_PERIOD}> ?per . ?per <{OKG}endYear> ?end . "
                  f"{{ ?occ <{SKOS}notation> ?c }} UNION {{ ?occ <{OKG}socCode> ?c }} "
                  # last: before the UNION, pyoxigraph joined it first (minutes on the full graph)
                  f"OPTIONAL {{ ?o <{OKG}isLowerBound> ?bound }} }}")
    latest: dict[str, tuple[int, float, bool]] = {}
    for code, value, end, bound in sorted(_rows(store, wage_query), key=lambda r: r[:3]):
        if code not in latest or int(end) >= latest[code][0]:
            latest[code] = (int(end), float(value), bound == "true")
    index.median_wage = {code: value for code, (_, value, _) in latest.items()}
    hourly = (f"SELECT ?c WHERE {{ ?o <{OKG}statistic> <{OKG}hourlyWageMedian> ; "
              f"<{OKG}occupation> ?occ . ?occ <{SKOS}notation> ?c }}")
    index.hourly_only = {code for (code,) in _rows(store, hourly)} - set(latest)
    index.median_wage_at_least = {code for code, (_, _, bound) in latest.items() if bound}
    return index


# The ids a match target's IRI gives, by taxonomy (the importers' IRI patterns).
_STATED_IRIS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("onet-occupation", re.compile(r"/onet-soc2019/([0-9]{2}-[0-9]{4}\.[0-9]{2})$")),
    ("soc2018", re.compile(r"/soc2018/([0-9]{2}-[0-9]{4})$")),
    ("isco08", re.compile(r"^http://data\.europa\.eu/esco/isco/C([0-9]{1,4})$")),
    ("esco-occupation", re.compile(r"^(http://data\.europa\.eu/esco/occupation/[0-9a-f-]+)$")),
)


_ONET_2010 = re.compile(r"/onet-soc2010/([0-9]{2}-[0-9]{4})\.[0-9]{2}$")
# The O*NET matches ESCO occupations inherit from their parent (kg/build/inherited_matches.py)
# are left out of the links: as voters they moved ESCO occupations' own exact labels down (76
# of 300 sampled preferred labels matched before, 67 with them), for no gain on held-out O*NET
# titles (success@1 0.493 -> 0.496, seed 7), and data extension gave every subject lecturer
# the match of its parent (session 28's second audit).
_INHERITED = ("SELECT ?a ?b WHERE { ?m "
              "<https://w3id.org/sssom/mapping_justification> "
              "<https://w3id.org/semapv/vocab/MappingChaining> ; "
              "<http://www.w3.org/2002/07/owl#annotatedSource> ?a ; "
              "<http://www.w3.org/2002/07/owl#annotatedTarget> ?b }")


def _inherited(store: ox.Store) -> set[tuple[str, str]]:
    """(ESCO occupation, O*NET-SOC 2010 IRI) of every inherited match."""
    return set(_rows(store, _INHERITED))  # type: ignore[arg-type]
_SOC_2010 = re.compile(r"/soc2010/([0-9]{2}-[0-9]{4})$")
_ISCO = re.compile(r"^http://data\.europa\.eu/esco/isco/C([0-9]{1,4})$")
_NOW = re.compile(r"/(?:onet-soc2019|soc2018)/[0-9.-]+$")
_CROSSWALK_LINKS = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def _isco_through_soc2010(store: ox.Store) -> dict[str, list[str]]:
    """ISCO-08 codes for O*NET-SOC 2019 and SOC 2018 occupations by BLS's ISCO-08/SOC 2010
    crosswalk: an O*NET-SOC 2010 code is its SOC 2010 code plus a suffix, and O*NET's
    crosswalks link it to the 2019 and 2018 codes (15-1252 Software Developers was 15-1132 in
    SOC 2010, which BLS maps to ISCO 2512). Any match kind of either crosswalk counts: a code
    split or merged between editions keeps every group BLS gives its parts."""
    values = " ".join(f"<{SKOS}{p}>" for p in _CROSSWALK_LINKS)
    soc2010_of: dict[str, set[str]] = defaultdict(set)  # 2019/2018 IRI -> SOC 2010 codes
    isco_of_soc2010: dict[str, set[str]] = defaultdict(set)
    for a, b in _rows(store, f"SELECT ?a ?b WHERE {{ ?a ?p ?b . VALUES ?p {{ {values} }} }}"):
        for one, other in ((a, b), (b, a)):
            if (old := _ONET_2010.search(one)) and _NOW.search(other):
                soc2010_of[other].add(old[1])
            elif (soc := _SOC_2010.search(one)) and (isco := _ISCO.search(other)):
                isco_of_soc2010[soc[1]].add(isco[1])
    found = {iri: sorted({c for code in codes for c in isco_of_soc2010.get(code, ())})
             for iri, codes in soc2010_of.items()}
    return {iri: codes for iri, codes in sorted(found.items()) if codes}


_ESCO_OCCUPATION = re.compile(r"^http://data\.europa\.eu/esco/occupation/[0-9a-f-]+$")
_ONET_2019 = re.compile(r"/onet-soc2019/[0-9]{2}-[0-9]{4}\.[0-9]{2}$")
_SOC_2018 = re.compile(r"/soc2018/([0-9]{2}-[0-9]{4})$")


def _esco_through_onet2010(store: ox.Store) -> dict[str, list[str]]:
    """ESCO occupations for O*NET-SOC 2019 occupations by the Nesta crosswalk (ESCO to
    O*NET-SOC 2010), through any match of O*NET's 2010-to-2019 crosswalk, as the pages' "In
    other taxonomies" reads it. The ranker's links leave relatedMatch out, so data extension
    gave no ESCO occupation for Software Developers (15-1252.00, from 15-1132.00 and 15-1133.00
    by a many-to-many relatedMatch) and 377 more (session 27's audit)."""
    values = " ".join(f"<{SKOS}{p}>" for p in _CROSSWALK_LINKS)
    old_of: dict[str, set[str]] = defaultdict(set)  # 2019 IRI -> O*NET-SOC 2010 IRIs
    esco_of_old: dict[str, set[str]] = defaultdict(set)
    inherited = _inherited(store)
    for a, b in _rows(store, f"SELECT ?a ?b WHERE {{ ?a ?p ?b . VALUES ?p {{ {values} }} }}"):
        if (a, b) in inherited or (b, a) in inherited:
            continue
        for one, other in ((a, b), (b, a)):
            if _ONET_2010.search(one):
                if _ONET_2019.search(other):
                    old_of[other].add(one)
                elif _ESCO_OCCUPATION.match(other):
                    esco_of_old[one].add(other)
    found = {iri: sorted({e for old in olds for e in esco_of_old.get(old, ())})
             for iri, olds in old_of.items()}
    return {iri: uris for iri, uris in sorted(found.items()) if uris}


def _stated(store: ox.Store, iris: dict[str, list[int]], index: Index) -> None:
    """Codes the project's occupations state themselves (okg:socCode, exact and close matches),
    so data extension gives them with or without the reference data loaded."""
    own = {iri: numbers for iri, numbers in iris.items()
           if any(index.entities[n].type == "occupation" for n in numbers)}
    for iri, code in _rows(store, f"SELECT ?s ?c WHERE {{ ?s <{OKG}socCode> ?c }}"):
        for number in own.get(iri, ()):
            index.stated[(number, "soc2018")].add(code)
    query = (f"SELECT ?s ?o WHERE {{ ?s ?p ?o . "
             f"VALUES ?p {{ <{SKOS}exactMatch> <{SKOS}closeMatch> }} }}")
    for iri, target in _rows(store, query):
        for number in own.get(iri, ()):
            for type_key, pattern in _STATED_IRIS:
                if match := pattern.search(target):
                    index.stated[(number, type_key)].add(match[1])


def load_store(paths: Iterable[Path]) -> ox.Store:
    store = ox.Store()
    for path in paths:
        fmt = _FORMATS.get(path.suffix)
        if fmt is None or not path.is_file():
            raise IndexError_(f"{path}: not a .trig/.nq/.nt/.ttl file to reconcile against")
        try:
            store.bulk_load(path=str(path), format=fmt)
        except (OSError, SyntaxError, ValueError) as exc:
            raise IndexError_(f"{path}: cannot load: {exc}") from exc
    return store


def from_files(paths: Iterable[Path]) -> Index:
    return from_store(load_store(paths))
