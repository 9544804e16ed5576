"""What the server knows about one entity: its RDF description and its page model.

The description of an entity (what /id/... returns as Turtle, JSON-LD, N-Triples, RDF/XML) is,
over the union of the named graphs: every triple with the entity as subject, every triple with it
as object, and every triple of the okg:Evidence nodes whose rdf:subject is the entity (so each of
its facts arrives with its quote and source document). The graph has no blank nodes, so this is
its symmetric concise bounded description plus provenance.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from itertools import islice

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from kg.prefixes import prefix_map
from kg.query.results import exact_literal
from kg.serve import humanize
from kg.serve.store import BaseMap, MappedStore

OKG = "https://w3id.org/occupation-kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
OWL = "http://www.w3.org/2002/07/owl#"
DCAT = "http://www.w3.org/ns/dcat#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"

TYPE = ox.NamedNode(RDF + "type")
SCHEMA = "https://schema.org/"
SSSOM = "https://w3id.org/sssom/"
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title", SCHEMA + "name")
MATCH_PREDICATES = tuple(
    SKOS + m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
# Statements within a classification: the codes they list are shown with their notation.
HIERARCHY_PREDICATES = {SKOS + p for p in ("inScheme", "broader", "narrower", "topConceptOf",
                                           "hasTopConcept", "member")}
CODE_PREDICATES = (OKG + "socCode", OKG + "naicsCode", SKOS + "notation")
SKIP_FACTS = {
    RDF + "type", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
    PROV + "wasDerivedFrom", OKG + "searchText", OKG + "quote", SCHEMA + "name",
    *MATCH_PREDICATES, *CODE_PREDICATES,
}
SKIP_INBOUND = {RDF + "subject", RDF + "object", OKG + "occupation", OKG + "industry",
                OKG + "searchBlockMember",  # label-search's blocks, not facts
                # the career transitions whose wage or outlook figures a SOC code gives: 462
                # lines of "Paramedics → Critical Care Nurses, career transition no. 3" on SOC
                # 29-1141's page (session 29's audit); the O*NET pages list the moves
                OKG + "sourceWageOccupation", OKG + "targetWageOccupation",
                OKG + "targetOutlookOccupation"}
# An inbound list that a more specific one repeats: the referrers of the key are not listed
# again under the properties given. ESCO's top occupations of an ISCO group are skos:broader
# to it and members of it, and the group's page listed them twice (carried-over finding).
SHOWN_UNDER = {SKOS + "broader": ("http://data.europa.eu/esco/model#memberOfISCOGroup",)}
# Inbound lists in their publisher's order, by the rank each referrer states: O*NET's related
# occupations by its relatedness index, the career transitions by their rank. They were A-Z,
# related occupation no. 1 fifth (session 34's audit).
RANKED_INBOUND = {OKG + "relatedFrom": OKG + "relatednessIndex",
                  OKG + "fromOccupation": OKG + "transitionRank"}
# Facts that a ranked inbound list repeats: an O*NET occupation's skos:related occupations are
# the relatedness records' targets, listed with their rank under "Related".
REPEATED_BY_INBOUND = {SKOS + "related": OKG + "relatedFrom"}
# ... and inbound lists that another inbound list repeats: the occupations that state
# skos:related to this one are the sources of the relatedness records that name it (Registered
# Nurses listed the same 46 twice; session 34's review).
INBOUND_REPEATED_BY = {SKOS + "related": OKG + "relatedTo"}
WAGE_STATS = (
    ("annualWagePercentile10", "p10"),
    ("annualWagePercentile25", "p25"),
    ("annualWageMedian", "median"),
    ("annualWagePercentile75", "p75"),
    ("annualWagePercentile90", "p90"),
)
HOURLY_WAGE_STATS = tuple((name.replace("annual", "hourly"), key) for name, key in WAGE_STATS)

# Statistics in reading order (the wage percentiles low to high), the rest by label after them.
STATISTIC_ORDER = {name: i for i, name in enumerate((
    "employment", "wageAndSalaryEmployment", "employmentShare", "annualWagePercentile10",
    "annualWagePercentile25",
    "annualWageMedian", "annualWagePercentile75", "annualWagePercentile90", "annualWageMean",
    "hourlyWagePercentile10", "hourlyWagePercentile25", "hourlyWageMedian",
    "hourlyWagePercentile75", "hourlyWagePercentile90", "hourlyWageMean",
    "projectedEmployment", "projectedEmploymentChange", "projectedEmploymentChangeNumeric",
    "annualAverageOpenings",
))}


def to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        # the data's own lexical form (rdflib would rewrite a dateTime or "INF")
        return exact_literal(term.value, term.datatype.value, term.language)
    raise ValueError(f"unexpected blank node {term!r} (the graph has none)")


def kind_names(classes: Iterable[str]) -> dict[str, str]:
    """Each class's name in /kind/NAME and the index page's anchors: its local name, or, when
    two classes share one (dcat:Dataset and void:Dataset), the prefix and the local name of
    each that is not an okg class ("dcat-Dataset"), so no kind hides another."""
    classes = sorted(classes)
    seen: dict[str, int] = defaultdict(int)
    for cls in classes:
        seen[local_name(cls)] += 1
    prefixes = {namespace: prefix for prefix, namespace in prefix_map().items()}
    names = {}
    for cls in classes:
        name = local_name(cls)
        if seen[name] > 1 and not cls.startswith(OKG):
            namespace = cls[: len(cls) - len(name)]
            prefix = prefixes.get(namespace) or re.sub(r"\W+", "-", namespace.split("//")[-1])
            name = f"{prefix.strip('-')}-{name}"
        names[cls] = name
    return names


# Labels for the reified records of the imports, which the data leaves unnamed (an O*NET rating
# was titled "11-3051.00-1.b.1.e-oi"): by class, the (text before, property) parts.
# A property marked "+code" is followed by its value's code: O*NET names two elements
# "Mathematics" (skill 2.A.1.e, knowledge 2.C.4.a) and repeats task statements under other
# task IDs, so ratings and task-to-DWA links read the same without it.
_COMPOSED_LABELS: dict[str, tuple[tuple[str, str], ...]] = {
    "Rating": (("", "ratedOccupation"), (" — ", "ratedElement+code"), (", ", "ratingScale"),
               (", ", "ratingCategory")),
    "TaskActivity": (("", "task+code"), (" — ", "activity")),
    "OccupationRelatedness": (("", "relatedFrom"), (" → ", "relatedTo"),
                              (", related occupation no. ", "relatednessIndex")),
    "OccupationMetadatum": (("", "describedOccupation"), (" — ", "metadataItem"),
                            (": ", "metadataResponse")),
    "CareerTransition": (("", "fromOccupation"), (" → ", "toOccupation"),
                         (", career transition no. ", "transitionRank")),
}


# Links that cite an entity rather than own it (kg.serve.entities._referrer).
_CITING = {
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#subject",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#object",
    "http://www.w3.org/ns/prov#wasDerivedFrom",
}

KIND_PAGE = 1000  # entities on one page of a kind's list
PAGE_OBSERVATIONS = 300  # observations shown on one entity's page
INBOUND_SHOWN = 300  # entities listed under one property of an entity's "Related" section
# A concept scheme's members, all of them up to this many: O*NET-SOC 2019 (1,016), SOC 2018,
# NAICS 2022 (2,125), ISCO-08. Regression (session 27's audit): the O*NET-SOC scheme's page
# listed its first 300 by IRI (up to 25-1021.00), shown A-Z, so it looked complete without
# Registered Nurses or Electricians.
SCHEME_MEMBERS_SHOWN = 4000  # ESCO's occupations scheme (3,626) whole; its skills (14,536) not
# values listed under one property of an entity's "Facts" section; the rest by a query. An ESCO
# scheme states hasTopConcept for each of its 13,896 skills: a 2.0 MB page.
FACTS_SHOWN = 1000


def local_name(iri: str) -> str:
    for sep in ("#", "/"):
        if sep in iri:
            iri = iri.rsplit(sep, 1)[1] or iri
    return iri


@dataclass
class Source:
    quote: str
    document: str  # IRI
    document_label: str
    evidence: str = ""  # the okg:Evidence record's IRI, when there is one


@dataclass
class Value:
    text: str
    iri: str | None = None  # set for resources
    local: bool = False  # IRI served here
    sources: list[Source] = field(default_factory=list)


@dataclass
class FactGroup:
    predicate: str
    label: str
    values: list[Value]
    total: int = 0  # how many there are, when `values` holds only the first ones shown
    cut_by: str = "IRI"  # how the ones shown were chosen: "name", "IRI" or "rank"


@dataclass
class Observation:
    iri: str
    statistic: str
    statistic_label: str
    industry: str
    industry_label: str
    period: str
    period_label: str
    period_start: str
    value: Decimal
    unit_label: str
    approximate: bool
    quote: str
    document: str
    document_label: str
    unit: str = ""
    figure: str = ""  # the value as a reader wants it: "$83,290", "80%", "about 156,100 jobs"
    all_industries: bool = True
    lower_bound: bool = False  # an OEWS top code: the figure is at least the value
    occupation: str = ""  # IRI
    occupation_label: str = ""

    @property
    def statistic_name(self) -> str:
        return humanize.statistic_name(self.statistic_label or "value")

    @property
    def title(self) -> str:
        """`Median annual wage, May 2008: $83,290` (with the industry when it is one)."""
        name = self.statistic_name
        where = "" if self.all_industries else f" in {self.industry_label}"
        when = f", {self.period_label}" if self.period_label else ""
        return f"{name}{where}{when}: {self.figure}"


@dataclass
class Match:
    """An entity published here that stands for the same occupation in another
    classification (skos:exactMatch or closeMatch, either way) or for the occupation it
    belongs to (its skos:broadMatch), with that entity's statistics: the curated occupation's
    page shows the May 2024 wages of SOC 2018 11-3051 (exact), O*NET-SOC 11-3051.00's the same
    (close), and 11-3051.01's (broader), as O*NET OnLine shows the SOC occupation's wages for
    its specialties."""

    iri: str
    label: str
    observations: list[Observation]
    code: str = ""  # its skos:notation ("11-3051"), if it has one
    relation: str = "exact"  # "exact", "close", "broader" (skos:broadMatch), "aggregate"
    # (a BLS code that combines it: skos:narrowMatch it) or "group"
    via: str = ""  # for a group: the label of the entity whose skos:broader it is

    @property
    def name(self) -> str:
        """`Industrial Production Managers (11-3051)`."""
        return f"{self.label} ({self.code})" if self.code else self.label

    @property
    def phrase(self) -> str:
        """How it relates: "an exact match", "the group of Purchasing Agents (...)"."""
        if self.relation == "group":
            return f"the group of {self.via}" if self.via else "the group of this occupation"
        if self.relation == "aggregate":
            return (f"the BLS aggregate that combines {self.via}" if self.via
                    else "the BLS aggregate that combines this occupation")
        return f"{'an' if self.relation == 'exact' else 'a'} {self.relation} match"


@dataclass
class EntityPage:
    iri: str
    label: str
    kinds: list[tuple[str, str]]  # (class IRI, label)
    codes: list[tuple[str, str]]  # (property label, code)
    alt_labels: list[Value]
    definitions: list[Value]
    named_in: list[Source]
    facts: list[FactGroup]
    inbound: list[FactGroup]
    mappings: list[FactGroup]
    observations: list[Observation]
    fact: tuple[Value, str, Value] | None = None  # an evidence record's (subject, property, value)
    jsonld: str = ""  # schema.org JSON-LD for the page's <script> (kg/serve/schema_org.py)
    matched: list[Match] = field(default_factory=list)  # matches with statistics
    observation_count: int = 0  # all of them; `observations` holds PAGE_OBSERVATIONS at most
    # its skos:broader concepts, the top first: (label, IRI). Session 29's audit: O*NET's
    # skill "Mathematics" and its knowledge area "Mathematics" read the same; their
    # content-model paths (Basic Skills, Knowledge) tell them apart.
    path: list[tuple[str, str]] = field(default_factory=list)


class EntityIndex:
    """Labels, kinds and evidence, computed once from the store; labels of observations and
    evidence records (which have none in the data) are composed on first use."""

    def __init__(self, store: MappedStore, mapping: BaseMap):
        self.store = store
        self.mapping = mapping
        # Entailments repeat asserted facts: pages show what was asserted (or derived as a view).
        self.inferred = {ox.NamedNode(mapping.to_public(mapping.data + "graph/inferred"))}
        # The scans over most of the graph read the stored quads and map only the values they
        # keep to the published base (on the full graph 3.3 s, against 7.8 s for published
        # copies of a million quads).
        public = store.mapping.to_public
        self.labels: dict[str, str] = {}
        for pred in reversed(LABEL_PREDICATES):  # prefLabel wins
            for q in store.named_quads_unmapped(ox.NamedNode(pred)):
                if isinstance(q.object, ox.Literal) and q.object.language in (None, "", "en"):
                    self.labels[public(q.subject.value)] = q.object.value
        self._composed: dict[str, str] = {}
        self.inverse: dict[str, str] = {}
        for q in store.quads_for_pattern(None, ox.NamedNode(OWL + "inverseOf"), None, None):
            if isinstance(q.object, ox.NamedNode):
                self.inverse[q.subject.value] = q.object.value
        self.superclasses: dict[str, set[str]] = defaultdict(set)
        for q in store.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, None):
            if isinstance(q.object, ox.NamedNode):
                self.superclasses[q.subject.value].add(q.object.value)
        # entity -> its asserted okg classes; a published entity without one (a SOC or NAICS
        # concept, a concept scheme, the derived salary distribution) keeps its other classes,
        # so the index lists every entity the VoID description counts.
        self.kinds: dict[str, list[str]] = defaultdict(list)
        others: dict[str, list[str]] = defaultdict(list)
        # IRIs the graph does not mint but describes from an import (ESCO's occupations and
        # skills, ISCO groups, their schemes): served at /resource?iri=..., as this edition
        # has them. Typed in a data graph: not a vocabulary term the ontology speaks of.
        self.external: set[str] = set()
        ontology = mapping.to_public(mapping.data + "graph/ontology")
        # the project's own IRIs outside /id/ (its SSSOM mapping sets) are not another's
        own = mapping.data.rsplit("id/", 1)[0]
        for q in store.named_quads_unmapped(TYPE, skip=self.inferred):
            if not isinstance(q.object, ox.NamedNode):
                continue
            if not isinstance(q.subject, ox.NamedNode):
                continue
            cls, entity = public(q.object.value), public(q.subject.value)
            if public(q.graph_name.value) != ontology and not self.is_local(entity) and \
                    not entity.startswith(own):
                self.external.add(entity)
            target = self.kinds if cls.startswith(OKG) else others
            if cls not in target[entity]:
                target[entity].append(cls)
        for entity, classes in others.items():
            if entity not in self.kinds and self.is_local(entity):
                self.kinds[entity] = classes
        self._ancestor_sets: dict[str, set[str]] = {}
        for entity, classes in self.kinds.items():
            if len(classes) > 1:  # most entities have one class, its own most specific
                specific = [c for c in classes
                            if not any(c in self._ancestors(o) for o in classes)]
                self.kinds[entity] = sorted(specific or classes)
        self.evidence: dict[tuple[str, str, object], list[Source]] = defaultdict(list)
        self.evidence_of: dict[str, tuple[str, str, ox.NamedNode | ox.Literal]] = {}
        for q in store.named_quads(TYPE, ox.NamedNode(OKG + "Evidence")):
            ev = q.subject
            parts = {}
            for p in ("subject", "predicate", "object"):
                parts[p] = next(iter(self._objects(ev, RDF + p)), None)
            quote = next(iter(self._objects(ev, OKG + "quote")), None)
            doc = next(iter(self._objects(ev, PROV + "wasDerivedFrom")), None)
            if None in parts.values() or quote is None or doc is None:
                continue
            s, p, o = parts["subject"], parts["predicate"], parts["object"]
            self.evidence_of[ev.value] = (s.value, p.value, o)  # type: ignore[union-attr]
            key = (s.value, p.value, _key(o))  # type: ignore[union-attr]
            src = Source(quote.value, doc.value, self.label(doc.value), ev.value)
            if src not in self.evidence[key]:
                self.evidence[key].append(src)
        for found in self.evidence.values():  # [persistent store] independent of store order
            found.sort(key=lambda src: (src.document, src.quote, src.evidence))
        self._members: dict[str, list[str]] | None = None
        self._by_kind: dict[str, list[tuple[str, str]]] = {}
        self._by_iri: dict[str, list[str]] = {}  # a paged kind's members, by IRI
        self._groups: dict[str, dict[str, list[str]]] = {}  # kind -> shared data label -> members
        # (entity, its group's first member and size) -> the note that tells it from the group
        self._notes: dict[tuple[str, str, int], str] = {}
        self._entity_count: int | None = None

    def _ancestors(self, cls: str) -> set[str]:
        cached = self._ancestor_sets.get(cls)
        if cached is not None:
            return cached
        seen: set[str] = set()
        todo = list(self.superclasses.get(cls, ()))
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.superclasses.get(c, ()))
        self._ancestor_sets[cls] = seen
        return seen

    def _objects(self, s: ox.NamedNode, p: str) -> list[ox.NamedNode | ox.Literal]:
        seen = []
        for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None, None):
            if q.object not in seen:
                seen.append(q.object)
        return seen

    def _one(self, s: str, p: str) -> ox.NamedNode | ox.Literal | None:
        found = self._objects(ox.NamedNode(s), p)
        return found[0] if found else None

    # --- labels -----------------------------------------------------------------------------

    def label(self, iri: str) -> str:
        found = self.labels.get(iri) or self._composed.get(iri)
        if found:
            return found
        text = self._compose_label(iri) or local_name(iri)
        self._composed[iri] = text
        return text

    def _compose_label(self, iri: str) -> str | None:
        """A label for an entity the data leaves unnamed: an observation says its figure, an
        evidence record the fact it supports, a code its scheme and notation."""
        if iri in self.evidence_of:
            s, p, o = self.evidence_of[iri]
            return f"{self.label(s)} — {self.property_label(p)} — {self.term_text(o, p)}"
        kinds = self.kinds.get(iri, [])
        if OKG + "Observation" in kinds:
            # The occupation first: a list of observations (a kind page, search results) said
            # "Median annual wage, May 2024: $102,010" for hundreds of occupations.
            obs = self.observation(iri)
            if obs is None:
                return None
            if not obs.occupation:
                return obs.title
            # with the code: BLS's broad groups share their detailed occupation's title
            code = self._code_note(obs.occupation) or self._soc_code(obs.occupation)
            who = f"{obs.occupation_label} ({code})" if code else obs.occupation_label
            return f"{who} — {obs.title}"
        for kind, parts in _COMPOSED_LABELS.items():
            if OKG + kind in kinds:
                return self._compose(iri, parts)
        if SSSOM + "Mapping" in kinds:
            return self._mapping_label(iri)
        code = self._one(iri, SKOS + "notation")
        if code is not None:
            scheme = self._one(iri, SKOS + "inScheme")
            return f"{self.label(scheme.value)} {code.value}" if scheme is not None else code.value
        return None

    def _mapping_label(self, iri: str) -> str | None:
        """An SSSOM mapping record says its pair: "Industrial Production Managers — close match —
        Manufacturing managers" (its IRI's slug, occupations-d85e1def6ae953b7, said nothing)."""
        ends = []
        for end, recorded in ((OWL + "annotatedSource", SSSOM + "subject_label"),
                              (OWL + "annotatedTarget", SSSOM + "object_label")):
            node = self._one(iri, end)
            # the graph's own label first; the one the mapping file recorded, else the IRI's end
            text = self.labels.get(node.value) if isinstance(node, ox.NamedNode) else None
            label = self._one(iri, recorded)
            if text is None and label is not None:
                text = label.value
            if text is None and node is not None:
                text = local_name(node.value)
            ends.append(text)
        relation = self._one(iri, OWL + "annotatedProperty")
        if None in ends or relation is None:
            return None
        return f"{ends[0]} — {self.property_label(relation.value)} — {ends[1]}"

    def _compose(self, iri: str, parts: tuple[tuple[str, str], ...]) -> str | None:
        """`parts`: (text before, property) pairs; a part whose property the node lacks is left
        out, and a node with none of them gets no composed label."""
        out = []
        for before, part in parts:
            prop, _, with_code = part.partition("+")
            value = self._one(iri, OKG + prop)
            if value is not None:
                text = self.term_text(value, OKG + prop)
                code = self._code_note(value.value) if with_code and isinstance(
                    value, ox.NamedNode) else None
                out.append(before + text + (f" ({code})" if code else ""))
        return "".join(out).strip(" —,") or None

    def property_label(self, iri: str) -> str:
        """The ontology's label of a property, a reader's name for a well-known external one,
        or its local name split into words."""
        return (
            self.labels.get(iri) or humanize.EXTERNAL_LABELS.get(iri)
            or humanize.split_camel(local_name(iri))
        )

    def class_label(self, iri: str) -> str:
        # A reader's name first: two vocabularies' classes may share a label ("Dataset").
        return humanize.capitalize(humanize.EXTERNAL_LABELS.get(iri) or self.property_label(iri))

    def inverse_label(self, iri: str) -> str:
        """How the subject of `iri` relates to its object, said from the object's side."""
        if iri in self.inverse:
            return self.property_label(self.inverse[iri])
        found = humanize.INVERSE_LABELS.get(iri)
        if found:
            return found
        label = self.property_label(iri)
        # "X of" seen from its object is "has X" (skos:topConceptOf read "Top concept of of")
        return f"has {label[:-3]}" if label.endswith(" of") else f"{label} of"

    def term_text(self, term: ox.NamedNode | ox.Literal, predicate: str = "") -> str:
        if isinstance(term, ox.NamedNode):
            return self.label(term.value)
        return humanize.literal(term.value, term.datatype.value, predicate)

    def is_local(self, iri: str) -> bool:
        return iri.startswith(self.mapping.public)

    def describes_external(self, iri: str) -> bool:
        """Whether `iri` is one the graph does not mint but describes (kg.serve `/resource`)."""
        return iri in self.external

    def exists(self, iri: str) -> bool:
        if not self.is_local(iri):
            return False
        node = ox.NamedNode(iri)
        return next(iter(self.store.quads_for_pattern(node, None, None, None)), None) is not None

    def entity_count(self) -> int:
        """Distinct published subjects: the figure void:entities gives for the same build."""
        if self._entity_count is not None:
            return self._entity_count
        # Distinct subjects first, then the string test: each subject's IRI is decoded once
        # (half the time on the persistent store, where decoding is a disk lookup).
        query = (
            "SELECT (COUNT(*) AS ?n) WHERE { { SELECT DISTINCT ?s WHERE { GRAPH ?g { ?s ?p ?o } } }"
            f' FILTER(STRSTARTS(STR(?s), "{self.mapping.public}")) }}'
        )
        found = next(iter(self.store.query(query)))  # type: ignore[call-overload]
        self._entity_count = int(found["n"].value)
        return self._entity_count

    def members_by_kind(self) -> dict[str, list[str]]:
        """The local entities of each kind (its most specific okg classes), unlabelled: cheap,
        so the index page can say how many there are without labelling them all."""
        if self._members is None:
            out: dict[str, list[str]] = defaultdict(list)
            for entity, classes in self.kinds.items():
                if self.is_local(entity):
                    for cls in classes:
                        out[cls].append(entity)
            self._members = dict(sorted(out.items()))
        return self._members

    def entities_of(self, cls: str) -> list[tuple[str, str]]:
        """A kind's entities with their labels, label-sorted. Labelling all 380,000 entities of
        the full graph takes half a minute (observations and ratings compose theirs from the
        store), so it is done per kind, when a page lists that kind."""
        found = self._by_kind.get(cls)
        if found is None:
            labelled = [(e, self.label(e)) for e in self.members_by_kind().get(cls, ())]
            found = sorted(self._distinguished(labelled), key=lambda e: (e[1].lower(), e[0]))
            self._by_kind[cls] = found
        return found

    def entities_by_kind(self) -> dict[str, list[tuple[str, str]]]:
        """The label-sorted lists of every kind listed on one page (the larger kinds are
        paged: kind_page labels a page when it is asked for)."""
        return {cls: self.entities_of(cls) for cls, members in self.members_by_kind().items()
                if len(members) <= KIND_PAGE}

    def kind_page(self, cls: str, page: int) -> tuple[list[tuple[str, str]], int]:
        """Page `page` (from 1) of a kind's entities with their labels, and the number of
        pages. A kind of at most KIND_PAGE entities is one page, label-sorted; a larger one is
        listed by IRI (an O*NET rating's is its occupation, element and scale), KIND_PAGE to a
        page, and only that page is labelled (the full graph's 185,989 ratings made one page of
        15.4 MB, about 1 s a request; composed labels for all of them would take some 20 s,
        against 0.12-0.26 s for a page of 1,000). An empty list past the last page."""
        members = self.members_by_kind().get(cls, [])
        if len(members) <= KIND_PAGE:
            return (self.entities_of(cls) if page == 1 else []), 1
        ordered = self._by_iri.get(cls)
        if ordered is None:
            ordered = self._by_iri[cls] = sorted(members)
        pages = -(-len(ordered) // KIND_PAGE)
        chunk = ordered[(page - 1) * KIND_PAGE: page * KIND_PAGE] if page >= 1 else []
        return self._distinguished([(e, self.label(e)) for e in chunk], cls), pages

    def _distinguished(self, entries: list[tuple[str, str]],
                       cls: str | None = None) -> list[tuple[str, str]]:
        """Entities that share a label get a note after it that tells them apart: their code,
        their scheme and code, their broader concept, their scheme, or what refers to them
        (with its code), the first of these that no other member of the group shares, else
        their IRI's path (under the data base). The full graph's 1,389 wage distributions were
        all "Annual wage distribution, May 2024" on their kind page; SOC's broad group 11-3050
        and detailed occupation 11-3051 are both "Industrial Production Managers"; O*NET's
        answer categories "Every day" belong to many questions. With `cls`, a label from the
        data is compared over the whole kind (a paged kind's pages are labelled one at a time,
        so a composed label only within `entries`)."""
        groups: dict[str, list[str]] = defaultdict(list)
        for entity, label in entries:
            groups[label].append(entity)
        whole = self._label_groups(cls) if cls is not None else {}
        out = []
        for entity, label in entries:
            group = whole.get(label) if entity in self.labels else None
            group = group or groups[label]
            if len(group) > 1:
                label = f"{label} ({self._note(entity, group)})"
            out.append((entity, label))
        return out

    def _label_groups(self, cls: str) -> dict[str, list[str]]:
        """The kind's entities by their label from the data (a dict lookup each: cheap for
        the 185,989 ratings too), only the labels that more than one of them has."""
        found = self._groups.get(cls)
        if found is None:
            every: dict[str, list[str]] = defaultdict(list)
            for entity in self.members_by_kind().get(cls, ()):
                if entity in self.labels:
                    every[self.labels[entity]].append(entity)
            found = self._groups[cls] = {k: sorted(v) for k, v in every.items() if len(v) > 1}
        return found

    def _note(self, entity: str, group: list[str]) -> str:
        """The note that tells `entity` from the others of `group` (computed for the whole
        group once, then kept)."""
        members = sorted(set(group))
        key = (entity, members[0], len(members))  # an entity may be in two kinds' groups
        if key not in self._notes:
            # Each member gets the first note that no other member of the group shares: in
            # "None", BLS's two schemes differ by scheme, O*NET's categories by question.
            steps = (self._code_note, self._scheme_code_note, self._broader_note,
                     self._scheme_note, self._referrer_note, self._referrer_code_note)
            table = [[how(member) for member in members] for how in steps]
            for column, member in enumerate(members):
                note = None
                for row in table:
                    value = row[column]
                    if value is not None and row.count(value) == 1:
                        note = value
                        break
                self._notes[(member, members[0], len(members))] = note or self._iri_note(member)
        return self._notes[key]

    def _soc_code(self, iri: str) -> str | None:
        code = self._least(iri, OKG + "socCode")
        return code.value if code is not None else None

    def _iri_note(self, iri: str) -> str:
        """The IRI's path under the data base ("onet-rating/11-1011.00-2.c.4.a-im")."""
        return iri[len(self.mapping.public):] if self.is_local(iri) else iri

    def _least(self, iri: str, p: str) -> ox.NamedNode | ox.Literal | None:
        """The least value of `p` (one that does not depend on the store's order)."""
        return min(self._objects(ox.NamedNode(iri), p), key=lambda t: t.value, default=None)

    def broader_path(self, iri: str, depth: int = 8) -> list[tuple[str, str]]:
        """The chain of the least skos:broader concept, up to `depth` steps, the top first."""
        path: list[tuple[str, str]] = []
        seen = {iri}
        here = self._least(iri, SKOS + "broader")
        while isinstance(here, ox.NamedNode) and here.value not in seen and len(path) < depth:
            seen.add(here.value)
            path.append((self.label(here.value), here.value))
            here = self._least(here.value, SKOS + "broader")
        return path[::-1]

    def _code_note(self, iri: str) -> str | None:
        code = self._least(iri, SKOS + "notation")
        return code.value if code is not None else None

    def _scheme_code_note(self, iri: str) -> str | None:
        code, scheme = self._least(iri, SKOS + "notation"), self._least(iri, SKOS + "inScheme")
        if code is None or scheme is None:
            return None
        return f"{self.label(scheme.value)} {code.value}"

    def _scheme_note(self, iri: str) -> str | None:
        """"None" is an answer in BLS's work-experience scheme and in its training scheme."""
        scheme = self._least(iri, SKOS + "inScheme")
        return self.label(scheme.value) if scheme is not None else None

    def _broader_note(self, iri: str) -> str | None:
        broader = self._least(iri, SKOS + "broader")
        return self.label(broader.value) if broader is not None else None

    def _referrer_note(self, iri: str) -> str | None:
        referrer = self._referrer(iri)
        return self.label(referrer) if referrer is not None else None

    def _referrer_code_note(self, iri: str) -> str | None:
        """`Chief Executives, 11-1011`: BLS's broad group 11-1010 has the same title."""
        referrer = self._referrer(iri)
        if referrer is None:
            return None
        code = self._code_note(referrer)
        return f"{self.label(referrer)}, {code}" if code is not None else self.label(referrer)

    def _referrer(self, iri: str) -> str | None:
        """The first (in IRI order) named entity that links to `iri`, evidence records and
        observations aside (they cite, they do not own); looks at 100 links at most."""
        links = islice(self.store.quads_for_pattern(None, None, ox.NamedNode(iri), None), 100)
        found = sorted({q.subject.value for q in links if isinstance(q.subject, ox.NamedNode)
                        and q.predicate.value not in _CITING})
        skip = {OKG + "Evidence", OKG + "Observation"}
        return next((s for s in found if s != iri and not skip & set(self.kinds.get(s, []))),
                    None)

    def evidence_by_fact(self) -> list[tuple[str, list[tuple[str, str, list[Source]]]]]:
        """Every evidence record under the fact it supports: per subject (label-sorted), its
        facts as (property label, value text, sources)."""
        facts: dict[str, dict[tuple[str, str], list[Source]]] = defaultdict(dict)
        for (s, p, _), sources in self.evidence.items():
            if not self.is_local(sources[0].evidence):
                continue
            o = self.evidence_of[sources[0].evidence][2]
            facts[s].setdefault((self.property_label(p), self.term_text(o, p)), []).extend(sources)
        out = []
        for s in sorted(facts, key=lambda e: (self.label(e).lower(), e)):
            rows = [(p, o, srcs) for (p, o), srcs in sorted(facts[s].items())]
            out.append((s, rows))
        return out

    # --- the RDF description ------------------------------------------------------------------

    def describe(self, iri: str, max_inbound: int | None = None) -> tuple[Graph, bool]:
        """The entity's statements, the statements that point to it (at most `max_inbound`)
        and the records about either; and whether some pointing statements were left out. A
        hub such as O*NET's importance scale, which 75,000 ratings name, was a 14 MB document
        that took 11 s of a request thread (session 30's attack)."""
        node = ox.NamedNode(iri)
        triples: set[tuple[object, object, object]] = set()

        def add(quads: Iterable[ox.Quad]) -> None:
            for q in quads:
                triples.add((q.subject, q.predicate, q.object))

        # from the default graph, the union: each statement once (over all graphs, twice;
        # an ESCO scheme's 13,000 hasTopConcept statements were a 21 s document)
        add(self.store.quads_for_pattern(node, None, None, ox.DefaultGraph()))
        # counted in the default graph, the union, where each statement is once: over all
        # graphs a statement came twice (the union's copy and its graph's), so every entity
        # with over 5,000 pointing statements was said to be cut (the second audit)
        pointing = self.store.quads_for_pattern(None, None, node, ox.DefaultGraph())
        inbound = list(islice(pointing, max_inbound)) if max_inbound is not None else \
            list(pointing)
        cut = max_inbound is not None and next(pointing, None) is not None
        add(inbound)
        kept = {q.subject for q in inbound}
        # The evidence records (reifications) of the statements given, whole: of those about
        # the entity, and of those that point to it (session 28's linked-data audit: of an
        # incoming statement's record only its "rdf:object <entity>" triple came along).
        # The same for the SSSOM mapping nodes (owl:Axiom-style annotations) of its mappings:
        # of each only its owl:annotatedTarget came along (the second audit).
        for role in (RDF + "subject", RDF + "object", OWL + "annotatedSource",
                     OWL + "annotatedTarget"):
            records = self.store.quads_for_pattern(None, ox.NamedNode(role), node,
                                                   ox.DefaultGraph())
            for q in records:
                if cut and role.endswith(("object", "annotatedTarget")) and \
                        not self._about_kept(q.subject, kept):
                    continue  # the record of a pointing statement the document leaves out
                add(self.store.quads_for_pattern(q.subject, None, None, None))
        graph = Graph()
        for prefix, ns in _prefixes(self.mapping.public).items():
            graph.bind(prefix, ns, override=True, replace=True)
        for s, p, o in triples:
            graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))  # type: ignore[arg-type]
        return graph, cut

    def _about_kept(self, record: ox.NamedNode | ox.BlankNode, kept: set[object]) -> bool:
        """Whether the record's statement (rdf:subject, or owl:annotatedSource) is one of the
        pointing statements kept."""
        for role in (RDF + "subject", OWL + "annotatedSource"):
            for q in self.store.quads_for_pattern(record, ox.NamedNode(role), None,
                                                  ox.DefaultGraph()):
                return q.object in kept
        return True

    # --- the page model -------------------------------------------------------------------------

    def _value(
        self, term: ox.NamedNode | ox.Literal, key: tuple[str, str, object], predicate: str
    ) -> Value:
        sources = list(self.evidence.get(key, []))
        if isinstance(term, ox.NamedNode):
            # a mapping names its scheme and code: "Close match (2)" listed "Registered
            # Nurses" twice (O*NET-SOC 2019's and 2010's 29-1141.00; session 29's audit)
            text = self.label(term.value)
            if predicate in MATCH_PREDICATES:
                coded = self._scheme_code_note(term.value) or self._code_note(term.value)
                text = f"{text} ({coded})" if coded else text
            elif predicate in HIERARCHY_PREDICATES:
                # a classification's list names each code: SOC 2018's scheme listed "Accountants
                # and Auditors" twice (the broad group 13-2010 and the detailed 13-2011), and
                # NAICS 238210's broader concept read as the page's own title (session 32)
                coded = self._code_note(term.value)
                # not twice where the label is composed of it ("SOC 2018 11-3051"); a label
                # that merely holds the digits ("Over 1 month, up to and including 3 months",
                # code 3) still gets it (session 32's second audit)
                text = f"{text} ({coded})" if coded and not text.endswith(coded) else text
            return Value(text, term.value, self.is_local(term.value), sources)
        return Value(self.term_text(term, predicate), sources=sources)

    def page(self, iri: str) -> EntityPage:
        node = ox.NamedNode(iri)
        subjects = self.observation_subjects(iri)
        out: dict[str, list[Value]] = defaultdict(list)
        seen: set[tuple[str, object]] = set()
        codes: list[tuple[str, str]] = []
        observation = self.observation(iri) if OKG + "Observation" in self.kinds.get(
            iri, []) else None
        for q in self.store.quads_for_pattern(node, None, None, None):
            p = q.predicate.value
            if (p, _key(q.object)) in seen:
                continue
            seen.add((p, _key(q.object)))
            if p in CODE_PREDICATES:
                codes.append((humanize.capitalize(self.property_label(p)), q.object.value))
                continue
            asserted = q.graph_name not in self.inferred
            if p in MATCH_PREDICATES or (asserted and p not in SKIP_FACTS) or p in (
                SKOS + "altLabel", SKOS + "definition"
            ):
                if p in (SKOS + "altLabel", SKOS + "definition") and not asserted:
                    continue
                value = self._value(q.object, (iri, p, _key(q.object)), p)
                if observation is not None and p == SDMX_MEASURE + "obsValue":
                    value.text = observation.figure  # "$83,290", not 83290
                out[p].append(value)
        # What links here, by property; only the first INBOUND_SHOWN of a property (by IRI)
        # are labelled and listed: the BLS OEWS dataset's page listed its 20,385 observations
        # (8.5 MB, 9.7 s), O*NET's importance scale its ratings (12.8 MB).
        # Graph by graph, the inferred one skipped: a scan of all graphs decoded the default
        # graph's copy of each statement too, only to drop it (O*NET's level scale, 75,000
        # ratings: a 16 s page).
        referrers: dict[str, set[str]] = defaultdict(set)
        for q in self.store.named_quads(None, node, skip=self.inferred):
            p = q.predicate.value
            if p in SKIP_INBOUND or p == RDF + "type":
                continue
            if isinstance(q.subject, ox.NamedNode):
                referrers[p].add(q.subject.value)
        for p, other in INBOUND_REPEATED_BY.items():
            if p in referrers and other in referrers:
                del referrers[p]
        for p, specific in SHOWN_UNDER.items():
            if p in referrers:
                referrers[p].difference_update(*(referrers.get(m, ()) for m in specific))
                if not referrers[p]:
                    del referrers[p]
        # Cut by name where every referrer has a stored label (a stored label is a lookup;
        # a composed one costs a few store reads each, 75,000 for a scale's ratings): the list
        # shown then runs A to some letter, where the first by IRI looked complete with names
        # missing (ESCO's occupations scheme, 2,500 of 3,626 without "software developer";
        # session 32's audit). Else by IRI, as the note under the list says.
        inbound: dict[str, list[Value]] = {}
        cut_by: dict[str, str] = {}
        for p, found in referrers.items():
            named = all(s in self.labels for s in found)
            cut_by[p] = "name" if named else "IRI"
            order = sorted(found, key=(lambda s: (self.labels[s].lower(), s)) if named else None)
            if p in RANKED_INBOUND and len(found) <= INBOUND_SHOWN:
                order = sorted(found, key=lambda s, r=RANKED_INBOUND[p]: (self._rank(s, r), s))
                cut_by[p] = "rank"
            inbound[p] = [self._value(ox.NamedNode(s), (s, p, _key(node)), p) for s in order[
                :SCHEME_MEMBERS_SHOWN if p == SKOS + "inScheme" else INBOUND_SHOWN]]
        for fact, inbound_p in REPEATED_BY_INBOUND.items():
            if inbound_p in inbound:
                out.pop(fact, None)
        named_in: list[Source] = []
        for cls in self.kinds.get(iri, []):
            for src in self.evidence.get((iri, RDF + "type", _key(ox.NamedNode(cls))), []):
                if src not in named_in:
                    named_in.append(src)
        quote, doc = self._one(iri, OKG + "quote"), self._one(iri, PROV + "wasDerivedFrom")
        if quote is not None and isinstance(doc, ox.NamedNode):  # evidence, observations
            named_in.append(Source(quote.value, doc.value, self.label(doc.value)))

        def groups(values: dict[str, list[Value]], keys: Iterable[str],
                   name: Callable[[str], str]) -> list[FactGroup]:
            result = []
            for p in keys:
                vals = list(values[p]) if p in RANKED_INBOUND else sorted(
                    values[p], key=lambda v: v.text.lower())
                result.append(FactGroup(p, humanize.capitalize(name(p)), vals))
            return sorted(result, key=lambda g: g.label.lower())

        from kg.serve.schema_org import SchemaOrg  # imported here: it imports this module

        fact = None
        if iri in self.evidence_of:  # said as one sentence, not as rdf:subject/predicate/object
            s, p, o = self.evidence_of[iri]
            fact = (self._value(ox.NamedNode(s), ("", "", None), ""), self.property_label(p),
                    self._value(o, ("", "", None), p))
            for part in ("subject", "predicate", "object"):
                out.pop(RDF + part, None)

        fact_keys = [
            p for p in out
            if p not in MATCH_PREDICATES and p not in (SKOS + "altLabel", SKOS + "definition")
        ]
        return EntityPage(
            iri=iri,
            label=self.label(iri),
            kinds=[(c, self.class_label(c)) for c in self.kinds.get(iri, [])],
            codes=sorted(codes),
            alt_labels=sorted(out.get(SKOS + "altLabel", []), key=lambda v: v.text.lower()),
            definitions=out.get(SKOS + "definition", []),
            named_in=named_in,
            facts=[FactGroup(g.predicate, g.label, g.values[:FACTS_SHOWN], len(g.values))
                   for g in groups(out, fact_keys, self.property_label)],
            inbound=[FactGroup(g.predicate, g.label, g.values, len(referrers[g.predicate]),
                               cut_by[g.predicate])
                     for g in groups(inbound, list(inbound), self.inverse_label)],
            mappings=groups(out, [p for p in out if p in MATCH_PREDICATES], self.property_label),
            observations=self.observations(iri, subjects=subjects),
            observation_count=len(subjects),
            matched=self.matched_statistics(iri),
            fact=fact,
            jsonld=SchemaOrg(self).script(iri),
            path=self.broader_path(iri),
        )

    def _rank(self, iri: str, predicate: str) -> int:
        """The whole number `iri` states with `predicate` (a large one where it states none)."""
        for value in self._objects(ox.NamedNode(iri), predicate):
            if value.value.isdigit():
                return int(value.value)
        return 1 << 30

    def observation(self, iri: str) -> Observation | None:
        obs = ox.NamedNode(iri)

        def one(p: str) -> str:
            found = self._objects(obs, p)
            return found[0].value if found else ""

        try:
            value = Decimal(one(SDMX_MEASURE + "obsValue"))
        except InvalidOperation:
            return None
        period = one(SDMX_DIM + "refPeriod")
        start = self._objects(ox.NamedNode(period), DCAT + "startDate") if period else []
        doc = one(PROV + "wasDerivedFrom")
        stat, industry = one(OKG + "statistic"), one(OKG + "industry")
        occupation = one(OKG + "occupation")
        unit = one(SDMX_ATTR + "unitMeasure")
        approximate = one(OKG + "isApproximate") == "true"
        lower = one(OKG + "isLowerBound") == "true"  # OEWS top code (engineer E)
        return Observation(
            iri=iri, statistic=stat, statistic_label=self.label(stat) if stat else "",
            industry=industry, industry_label=self.label(industry) if industry else "",
            period=period, period_label=self.label(period) if period else "",
            period_start=start[0].value if start else period,
            value=value, unit=unit, unit_label=self.label(unit) if unit else "",
            approximate=approximate, quote=one(OKG + "quote"),
            document=doc, document_label=self.label(doc) if doc else "",
            figure=humanize.figure(value, unit, approximate) + (" or more" if lower else ""),
            lower_bound=lower,
            occupation=occupation, occupation_label=self.label(occupation) if occupation else "",
            all_industries=industry.endswith("/industry/all-industries") or not industry,
        )

    def matched_statistics(self, iri: str) -> list[Match]:
        """The exact, then close, then broader matches published here that have statistics,
        each in IRI order. Exact and close matches count either way; broader ones are this
        entity's skos:broadMatch (a narrower match's figures do not cover it) and, for this
        entity or an exact, close or broader match that has no figures of its own, its
        skos:broader:
        BLS publishes SOC 13-1021 (Buyers and Purchasing Agents, Farm Products) only within
        13-1020, so O*NET-SOC 13-1021.00 (exact match of SOC 13-1021, broader 13-1020) gets
        13-1020's figures, as O*NET OnLine shows them."""
        node = ox.NamedNode(iri)
        seen = {iri}
        out: list[Match] = []
        bare = [] if self.observation_subjects(iri, ("occupation",)) else [iri]
        for relation in ("exact", "close"):
            predicate = ox.NamedNode(f"{SKOS}{relation}Match")
            found = {q.object.value for q in self.store.quads_for_pattern(node, predicate, None)
                     if isinstance(q.object, ox.NamedNode)}
            found |= {q.subject.value for q in self.store.quads_for_pattern(
                None, predicate, node) if isinstance(q.subject, ox.NamedNode)}
            for match in sorted(found - seen):
                seen.add(match)
                if not self._add_match(out, match, relation):
                    bare.append(match)
        for match in sorted({t.value for t in self._objects(node, SKOS + "broadMatch")} - seen):
            seen.add(match)
            # Regression (session 29's audit): a broader SOC code BLS gives no figures for
            # (29-2011 for the specialty 29-2011.01) ended the search, so six specialties had
            # no wages while their sibling 29-2011.00 charts 29-2010's.
            if not self._add_match(out, match, "broader"):
                bare.append(match)
        for entity in bare:  # said as it is in the data: the group of the match, not a match
            via = "" if entity == iri else self._named(entity)
            # First the BLS aggregate that combines it (EP publishes 53-1042 to 53-1049 only as
            # 53-1047; the second audit of session 29: five O*NET pages had no outlook), as
            # the career transitions take it, then its SOC group.
            aggregates = {q.subject.value for q in self.store.quads_for_pattern(
                None, ox.NamedNode(SKOS + "narrowMatch"), ox.NamedNode(entity))
                if isinstance(q.subject, ox.NamedNode)}
            for match in sorted(aggregates - seen):
                seen.add(match)
                self._add_match(out, match, "aggregate", via)
            groups = {t.value for t in self._objects(ox.NamedNode(entity), SKOS + "broader")}
            for match in sorted(groups - seen):
                seen.add(match)
                self._add_match(out, match, "group", via)
        return out

    def _named(self, iri: str) -> str:
        """`Industrial Production Managers (11-3051)`: the label with the code, if any."""
        code = self._code_note(iri) or self._soc_code(iri)
        return f"{self.label(iri)} ({code})" if code else self.label(iri)

    def _add_match(self, out: list[Match], match: str, relation: str, via: str = "") -> bool:
        """Add `match` to `out` if it is published here and has figures about it as an
        occupation; say whether it was."""
        # Only figures about the match as an occupation: an industry's exact match (NAICS 325
        # for the curated "Chemical manufacturing") would otherwise lend the curated
        # occupation's figures in that industry as the industry's own.
        observations = self.observations(match, ("occupation",)) if self.is_local(match) else []
        if observations:
            code = self._code_note(match) or self._soc_code(match) or ""
            out.append(Match(match, self.label(match), observations, code, relation, via))
        return bool(observations)

    def observation_subjects(self, iri: str,
                             dimensions: tuple[str, ...] = ("occupation", "industry")) -> list[str]:
        """The observations whose occupation or industry (`dimensions`) is `iri`, by IRI."""
        node = ox.NamedNode(iri)
        found: set[str] = set()
        for dim in dimensions:
            for q in self.store.quads_for_pattern(None, ox.NamedNode(OKG + dim), node, None):
                found.add(q.subject.value)
        return sorted(found)

    def observations(self, iri: str, dimensions: tuple[str, ...] = ("occupation", "industry"),
                     subjects: list[str] | None = None) -> list[Observation]:
        """The observations of `iri` (the first PAGE_OBSERVATIONS by IRI), in reading order.
        The cap is for a dimension value that thousands share: the full graph's "all
        industries" has 35,758 observations, a 16 MB page that took 21 s."""
        if subjects is None:
            subjects = self.observation_subjects(iri, dimensions)
        found = (self.observation(s) for s in subjects[:PAGE_OBSERVATIONS])
        return sorted((o for o in found if o is not None), key=lambda o: (
            o.period_start, STATISTIC_ORDER.get(local_name(o.statistic), len(STATISTIC_ORDER)),
            o.statistic_label, o.industry_label,
        ))


def _key(term: object) -> object:
    """A hashable, engine-independent key for a term."""
    if isinstance(term, ox.NamedNode):
        return ("u", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.datatype.value, term.language or "")
    return term


def _prefixes(public_base: str) -> dict[str, str]:
    from kg.prefixes import prefix_map

    return prefix_map(public_base)
