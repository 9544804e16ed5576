"""What the server knows about one entity: its RDF description and its page model.

The description of an entity (what /id/... returns as Turtle, JSON-LD, N-Triples, RDF/XML) is,
over the union of the named graphs: every triple with the entity as subject, every triple with it
as object, and every triple of the okg:Evidence nodes whose rdf:subject is the entity (so each of
its facts arrives with its quote and source document). The graph has no blank nodes, so this is
its symmetric concise bounded description plus provenance.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import pyoxigraph as ox
from rdflib import Graph, Literal, URIRef

from kg.server.store import BaseMap

OKG = "https://w3id.org/occupation-kg/ontology#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
DCTERMS = "http://purl.org/dc/terms/"
PROV = "http://www.w3.org/ns/prov#"
SDMX_DIM = "http://purl.org/linked-data/sdmx/2009/dimension#"
SDMX_MEASURE = "http://purl.org/linked-data/sdmx/2009/measure#"
SDMX_ATTR = "http://purl.org/linked-data/sdmx/2009/attribute#"

XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
TYPE = ox.NamedNode(RDF + "type")
LABEL_PREDICATES = (SKOS + "prefLabel", RDFS + "label", DCTERMS + "title")
MATCH_PREDICATES = tuple(
    SKOS + m for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
)
CODE_PREDICATES = (OKG + "socCode", OKG + "naicsCode", SKOS + "notation")
SKIP_FACTS = {
    RDF + "type", SKOS + "prefLabel", SKOS + "altLabel", SKOS + "definition",
    PROV + "wasDerivedFrom", *MATCH_PREDICATES, *CODE_PREDICATES,
}
SKIP_INBOUND = {RDF + "subject", RDF + "object", OKG + "occupation", OKG + "industry"}
WAGE_STATS = (
    ("annualWagePercentile10", "p10"),
    ("annualWagePercentile25", "p25"),
    ("annualWageMedian", "median"),
    ("annualWagePercentile75", "p75"),
    ("annualWagePercentile90", "p90"),
)


def to_rdflib(term: ox.NamedNode | ox.Literal | ox.BlankNode) -> URIRef | Literal:
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        if term.datatype.value == XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(term.datatype.value))
    raise ValueError(f"unexpected blank node {term!r} (the graph has none)")


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


class EntityIndex:
    """Labels, kinds and evidence, computed once from the store (the graph is small)."""

    def __init__(self, store: ox.Store, mapping: BaseMap):
        self.store = store
        self.mapping = mapping
        self.inferred = {
            ox.NamedNode(mapping.to_public(mapping.data + g))
            for g in ("graph/inferred", "graph/derived")
        }
        self.labels: dict[str, str] = {}
        for pred in reversed(LABEL_PREDICATES):  # prefLabel wins
            for q in store.quads_for_pattern(None, ox.NamedNode(pred), None, None):
                if isinstance(q.object, ox.Literal) and q.object.language in (None, "", "en"):
                    self.labels[q.subject.value] = q.object.value
        self.superclasses: dict[str, set[str]] = defaultdict(set)
        for q in store.quads_for_pattern(None, ox.NamedNode(RDFS + "subClassOf"), None, None):
            if isinstance(q.object, ox.NamedNode):
                self.superclasses[q.subject.value].add(q.object.value)
        self.kinds: dict[str, list[str]] = defaultdict(list)  # entity -> asserted okg classes
        for q in store.quads_for_pattern(None, TYPE, None, None):
            if q.graph_name in self.inferred or not isinstance(q.object, ox.NamedNode):
                continue
            cls = q.object.value
            if cls.startswith(OKG) and isinstance(q.subject, ox.NamedNode):
                if cls not in self.kinds[q.subject.value]:
                    self.kinds[q.subject.value].append(cls)
        for entity, classes in self.kinds.items():
            specific = [c for c in classes if not any(c in self._ancestors(o) for o in classes)]
            self.kinds[entity] = sorted(specific or classes)
        self.evidence: dict[tuple[str, str, object], list[Source]] = defaultdict(list)
        for q in store.quads_for_pattern(None, TYPE, ox.NamedNode(OKG + "Evidence"), None):
            ev = q.subject
            parts = {}
            for p in ("subject", "predicate", "object"):
                parts[p] = next(iter(self._objects(ev, RDF + p)), None)
            quote = next(iter(self._objects(ev, OKG + "quote")), None)
            doc = next(iter(self._objects(ev, PROV + "wasDerivedFrom")), None)
            if None in parts.values() or quote is None or doc is None:
                continue
            key = (parts["subject"].value, parts["predicate"].value, _key(parts["object"]))
            src = Source(quote.value, doc.value, self.label(doc.value))
            if src not in self.evidence[key]:
                self.evidence[key].append(src)

    def _ancestors(self, cls: str) -> set[str]:
        seen: set[str] = set()
        todo = list(self.superclasses.get(cls, ()))
        while todo:
            c = todo.pop()
            if c not in seen:
                seen.add(c)
                todo.extend(self.superclasses.get(c, ()))
        return seen

    def _objects(self, s: ox.NamedNode, p: str) -> list[ox.NamedNode | ox.Literal]:
        seen = []
        for q in self.store.quads_for_pattern(s, ox.NamedNode(p), None, None):
            if q.object not in seen:
                seen.append(q.object)
        return seen

    def label(self, iri: str) -> str:
        return self.labels.get(iri) or local_name(iri)

    def is_local(self, iri: str) -> bool:
        return iri.startswith(self.mapping.public)

    def exists(self, iri: str) -> bool:
        if not self.is_local(iri):
            return False
        node = ox.NamedNode(iri)
        return next(iter(self.store.quads_for_pattern(node, None, None, None)), None) is not None

    def entities_by_kind(self) -> dict[str, list[tuple[str, str]]]:
        out: dict[str, list[tuple[str, str]]] = defaultdict(list)
        for entity, classes in self.kinds.items():
            if self.is_local(entity):
                for cls in classes:
                    out[cls].append((entity, self.label(entity)))
        return {c: sorted(v, key=lambda e: e[1].lower()) for c, v in sorted(out.items())}

    # --- the RDF description ------------------------------------------------------------------

    def describe(self, iri: str) -> Graph:
        node = ox.NamedNode(iri)
        triples: set[tuple[object, object, object]] = set()

        def add(quads: Iterable[ox.Quad]) -> None:
            for q in quads:
                triples.add((q.subject, q.predicate, q.object))

        add(self.store.quads_for_pattern(node, None, None, None))
        add(self.store.quads_for_pattern(None, None, node, None))
        for q in self.store.quads_for_pattern(None, ox.NamedNode(RDF + "subject"), node, None):
            add(self.store.quads_for_pattern(q.subject, None, None, None))
        graph = Graph()
        for prefix, ns in _prefixes(self.mapping.public).items():
            graph.bind(prefix, ns, override=True, replace=True)
        for s, p, o in triples:
            graph.add((to_rdflib(s), to_rdflib(p), to_rdflib(o)))  # type: ignore[arg-type]
        return graph

    # --- the page model -------------------------------------------------------------------------

    def _value(self, term: ox.NamedNode | ox.Literal, key: tuple[str, str, object]) -> Value:
        sources = list(self.evidence.get(key, []))
        if isinstance(term, ox.NamedNode):
            return Value(self.label(term.value), term.value, self.is_local(term.value), sources)
        return Value(term.value, sources=sources)

    def page(self, iri: str) -> EntityPage:
        node = ox.NamedNode(iri)
        out: dict[str, list[Value]] = defaultdict(list)
        seen: set[tuple[str, object]] = set()
        codes: list[tuple[str, str]] = []
        for q in self.store.quads_for_pattern(node, None, None, None):
            p = q.predicate.value
            if (p, _key(q.object)) in seen:
                continue
            seen.add((p, _key(q.object)))
            if p in CODE_PREDICATES:
                codes.append((self.label(p), q.object.value))
                continue
            asserted = q.graph_name not in self.inferred
            if p in MATCH_PREDICATES or (asserted and p not in SKIP_FACTS) or p in (
                SKOS + "altLabel", SKOS + "definition"
            ):
                if p in (SKOS + "altLabel", SKOS + "definition") and not asserted:
                    continue
                out[p].append(self._value(q.object, (iri, p, _key(q.object))))
        inbound: dict[str, list[Value]] = defaultdict(list)
        seen_in: set[tuple[str, str]] = set()
        for q in self.store.quads_for_pattern(None, None, node, None):
            p = q.predicate.value
            if q.graph_name in self.inferred or p in SKIP_INBOUND or p == RDF + "type":
                continue
            if not isinstance(q.subject, ox.NamedNode) or (p, q.subject.value) in seen_in:
                continue
            seen_in.add((p, q.subject.value))
            inbound[p].append(self._value(q.subject, (q.subject.value, p, _key(node))))
        named_in: list[Source] = []
        for cls in self.kinds.get(iri, []):
            for src in self.evidence.get((iri, RDF + "type", _key(ox.NamedNode(cls))), []):
                if src not in named_in:
                    named_in.append(src)

        def groups(values: dict[str, list[Value]], keys: Iterable[str]) -> list[FactGroup]:
            result = []
            for p in keys:
                vals = sorted(values[p], key=lambda v: v.text.lower())
                result.append(FactGroup(p, self.label(p), vals))
            return sorted(result, key=lambda g: g.label.lower())

        fact_keys = [
            p for p in out
            if p not in MATCH_PREDICATES and p not in (SKOS + "altLabel", SKOS + "definition")
        ]
        return EntityPage(
            iri=iri,
            label=self.label(iri),
            kinds=[(c, self.label(c)) for c in self.kinds.get(iri, [])],
            codes=sorted(codes),
            alt_labels=sorted(out.get(SKOS + "altLabel", []), key=lambda v: v.text.lower()),
            definitions=out.get(SKOS + "definition", []),
            named_in=named_in,
            facts=groups(out, fact_keys),
            inbound=groups(inbound, list(inbound)),
            mappings=groups(out, [p for p in out if p in MATCH_PREDICATES]),
            observations=self.observations(iri),
        )

    def observations(self, iri: str) -> list[Observation]:
        node = ox.NamedNode(iri)
        subjects: list[ox.NamedNode] = []
        for dim in ("occupation", "industry"):
            for q in self.store.quads_for_pattern(None, ox.NamedNode(OKG + dim), node, None):
                if q.subject not in subjects:
                    subjects.append(q.subject)
        result = []
        for obs in subjects:
            def one(p: str, obs: ox.NamedNode = obs) -> str:
                found = self._objects(obs, p)
                return found[0].value if found else ""

            try:
                value = Decimal(one(SDMX_MEASURE + "obsValue"))
            except InvalidOperation:
                continue
            period = one(SDMX_DIM + "refPeriod")
            start = self._objects(ox.NamedNode(period), "http://www.w3.org/ns/dcat#startDate")
            doc = one(PROV + "wasDerivedFrom")
            stat, industry = one(OKG + "statistic"), one(OKG + "industry")
            result.append(Observation(
                iri=obs.value, statistic=stat, statistic_label=self.label(stat),
                industry=industry, industry_label=self.label(industry),
                period=period, period_label=self.label(period),
                period_start=start[0].value if start else period,
                value=value, unit_label=self.label(one(SDMX_ATTR + "unitMeasure")),
                approximate=one(OKG + "isApproximate") == "true", quote=one(OKG + "quote"),
                document=doc, document_label=self.label(doc),
            ))
        return sorted(result, key=lambda o: (o.period_start, o.statistic_label, o.industry_label))


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
