"""Turn curated records into triples: one named graph per source document."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef

from kg.errors import Location, SourceError
from kg.prefixes import (
    DCAT,
    DCTERMS,
    OKG,
    PROV,
    QB,
    SCHEMA,
    SDMX_ATTRIBUTE,
    SDMX_DIMENSION,
    SDMX_MEASURE,
    SKOS,
    bind_prefixes,
)
from kg.sources.curated.literals import decimal_literal, typed_literal
from kg.sources.curated.loader import ONTOLOGY_REF, Quote, Record, SourceSet
from kg.sources.curated.vocabulary import OntologyIndex

# Classification schemes a curated code points into: property -> (IRI segment, scheme label).
# The labels are the ones kg.sources.importers.soc / naics give the same schemes, so a full build
# has
# one label per scheme.
CODE_SCHEMES: dict[str, tuple[str, str]] = {
    "socCode": ("soc2018", "2018 Standard Occupational Classification"),
    "naicsCode": ("naics2022", "North American Industry Classification System 2022"),
}
WAGE_PERCENTILES = {
    "annualWagePercentile10": SCHEMA.percentile10,
    "annualWagePercentile25": SCHEMA.percentile25,
    "annualWageMedian": SCHEMA.median,
    "annualWagePercentile75": SCHEMA.percentile75,
    "annualWagePercentile90": SCHEMA.percentile90,
}


@dataclass
class BuildResult:
    dataset: Dataset
    # Which curated record or row each node came from, for readable validation reports.
    origins: dict[URIRef, Location] = field(default_factory=dict)
    document_graphs: dict[str, URIRef] = field(default_factory=dict)


class Builder:
    def __init__(self, sources: SourceSet, ontology: OntologyIndex, base: str):
        self.sources = sources
        self.ontology = ontology
        self.base = base
        self.dataset = bind_prefixes(Dataset(), base)
        self.result = BuildResult(self.dataset)
        self.problems: list[tuple[Location, str]] = []

    # IRIs -----------------------------------------------------------------
    def iri(self, path: str) -> URIRef:
        return URIRef(self.base + path)

    def graph(self, name: str) -> Graph:
        return self.dataset.graph(self.iri(f"graph/{name}"))

    def doc_iri(self, doc_id: str) -> URIRef:
        return self.iri(f"document/{doc_id}")

    # Facts with evidence ----------------------------------------------------
    def add_fact(self, s: URIRef, p: URIRef, o: URIRef | Literal, quote: Quote | None,
                 origin: Location) -> None:
        """Put the triple in its document's graph with a reified, quoted Evidence node."""
        if quote is None:
            self.graph("curation").add((s, p, o))
            return
        graph = self.graph(quote.doc)
        doc = self.doc_iri(quote.doc)
        graph.add((s, p, o))
        graph.add((s, PROV.wasDerivedFrom, doc))
        key = "\x1f".join((s.n3(), p.n3(), o.n3(), quote.doc, quote.text))
        evidence = self.iri("evidence/" + hashlib.sha1(key.encode()).hexdigest()[:16])
        graph.add((evidence, RDF.type, OKG.Evidence))
        graph.add((evidence, RDF.subject, s))
        graph.add((evidence, RDF.predicate, p))
        graph.add((evidence, RDF.object, o))
        graph.add((evidence, OKG.quote, Literal(self.verbatim(quote))))
        graph.add((evidence, PROV.wasDerivedFrom, doc))
        self.result.origins[evidence] = origin

    def verbatim(self, quote: Quote) -> str:
        """The quote as its document writes it, once checked against it (else as typed)."""
        return self.sources.verbatim.get((quote.doc, quote.text), quote.text)

    # Build steps ----------------------------------------------------------------
    def build(self) -> BuildResult:
        self._documents()
        self._periods()
        for record_id in sorted(self.sources.records):
            self._record(self.sources.records[record_id])
        self._observations()
        if self.problems:
            raise SourceError(self.problems)
        return self.result

    def _documents(self) -> None:
        for doc in self.sources.documents.values():
            graph = self.graph(doc.id)
            self.result.document_graphs[doc.id] = graph.identifier
            node = self.doc_iri(doc.id)
            self.result.origins[node] = doc.location
            graph.add((node, RDF.type, OKG.SourceDocument))
            graph.add((node, DCTERMS.title, Literal(doc.title, lang="en")))
            graph.add((node, SKOS.prefLabel, Literal(doc.title, lang="en")))
            graph.add((node, OKG.documentKind, Literal(doc.kind, lang="en")))
            graph.add((node, OKG.fileName, Literal(doc.file)))
            graph.add((node, OKG.sha256, Literal(doc.sha256)))
            for year in doc.reference_years:
                graph.add((node, OKG.referenceYear, Literal(year, datatype=XSD.integer)))
            if doc.publisher:
                publisher = self.sources.records.get(doc.publisher)
                if publisher is None:
                    self.problems.append((doc.location, f"publisher {doc.publisher!r} is not a "
                                                        "record id"))
                else:
                    graph.add((node, DCTERMS.publisher, self.iri(publisher.id)))

    def _periods(self) -> None:
        graph = self.graph("curation")
        for period in self.sources.periods.values():
            node = self.iri(period.id)
            self.result.origins[node] = period.location
            graph.add((node, RDF.type, OKG.ReferencePeriod))
            graph.add((node, SKOS.prefLabel, Literal(period.label, lang="en")))
            graph.add((node, DCAT.startDate, Literal(period.start, datatype=XSD.date)))
            graph.add((node, DCAT.endDate, Literal(period.end, datatype=XSD.date)))
            graph.add((node, OKG.startYear, Literal(int(period.start[:4]), datatype=XSD.integer)))
            graph.add((node, OKG.endYear, Literal(int(period.end[:4]), datatype=XSD.integer)))

    def _record(self, record: Record) -> None:
        node = self.iri(record.id)
        self.result.origins[node] = record.location
        label = Literal(record.label, lang="en")
        types = [OKG[name] for name in (record.type, *record.also_types)]
        places = record.evidence or [None]
        for quote in places:
            for cls in types:
                self.add_fact(node, RDF.type, cls, quote, record.location)
            target = self.graph(quote.doc) if quote else self.graph("curation")
            target.add((node, SKOS.prefLabel, label))
        for value, quote in record.alt_labels:
            self.add_fact(node, SKOS.altLabel, Literal(value, lang="en"), quote, record.location)
        if record.definition:
            value, quote = record.definition
            self.add_fact(node, SKOS.definition, Literal(value, lang="en"), quote,
                          record.location)
        for fact in record.facts:
            info = self.ontology.properties[fact.prop]
            if info.is_object:
                ref = str(fact.ref)
                other = self.ref_iri(ref)
                subject_id, object_id = (ref, record.id) if fact.inverse else (record.id, ref)
                self._check_ref_type(subject_id, info.domain, fact.location)
                self._check_ref_type(object_id, info.range, fact.location)
                s, o = (other, node) if fact.inverse else (node, other)
                self.add_fact(s, info.iri, o, fact.quote, fact.location)
                continue
            self._check_ref_type(record.id, info.domain, fact.location)
            try:
                literal = typed_literal(fact.prop, fact.value, info.range)
            except ValueError as exc:
                self.problems.append((fact.location, str(exc)))
                continue
            self.add_fact(node, info.iri, literal, fact.quote, fact.location)
            if fact.prop in CODE_SCHEMES:
                self._code_concept(node, fact.prop, str(fact.value))

    def ref_iri(self, ref: str) -> URIRef:
        if ref.startswith(ONTOLOGY_REF):
            return OKG[ref[len(ONTOLOGY_REF):]]
        return self.iri(ref)

    def _types_of(self, ref: str) -> list[str]:
        if ref.startswith(ONTOLOGY_REF):
            return self.ontology.types_of_individual(ref[len(ONTOLOGY_REF):])
        record = self.sources.records.get(ref)
        return [record.type, *record.also_types] if record else []

    def _check_ref_type(self, ref: str | None, wanted: URIRef | None, where: Location) -> None:
        """An entity used as subject or object must be of the property's domain or range."""
        if ref is None or wanted is None or not wanted.startswith(OKG):
            return
        types = self._types_of(ref)
        name = wanted[len(OKG):]
        if types and not any(self.ontology.is_subclass(t, name) for t in types):
            self.problems.append((where, f"{ref} is a {'/'.join(types)}, but the property "
                                         f"expects a {name}"))

    def _code_concept(self, entity: URIRef, prop: str, code: str) -> None:
        segment, scheme_label = CODE_SCHEMES[prop]
        graph = self.graph("curation")
        scheme = self.iri(f"scheme/{segment}")
        concept = self.iri(f"{segment}/{code}")
        graph.add((scheme, RDF.type, SKOS.ConceptScheme))
        graph.add((scheme, SKOS.prefLabel, Literal(scheme_label, lang="en")))
        graph.add((concept, RDF.type, SKOS.Concept))
        graph.add((concept, SKOS.notation, Literal(code)))
        graph.add((concept, SKOS.inScheme, scheme))
        graph.add((entity, SKOS.exactMatch, concept))

    def _observations(self) -> None:
        for row in self.sources.observations:
            graph = self.graph(row.doc)
            node = self.iri(f"observation/{row.id}")
            dataset = self.iri(f"dataset/{row.doc}")
            doc = self.sources.documents[row.doc]
            self.result.origins[node] = row.location
            graph.add((dataset, RDF.type, OKG.StatisticalDataset))
            graph.add((dataset, SKOS.prefLabel, Literal(f"Figures reported in: {doc.title}",
                                                        lang="en")))
            graph.add((dataset, QB.structure, OKG.occupationStatisticsStructure))
            graph.add((dataset, PROV.wasDerivedFrom, self.doc_iri(row.doc)))
            for s, p, o in (
                (node, RDF.type, OKG.Observation),
                (node, QB.dataSet, dataset),
                (node, OKG.occupation, self.iri(row.occupation)),
                (node, OKG.industry, self.iri(row.industry)),
                (node, OKG.statistic, OKG[row.statistic]),
                (node, SDMX_DIMENSION.refPeriod, self.iri(row.period)),
                (node, SDMX_MEASURE.obsValue, decimal_literal(row.value)),
                (node, SDMX_ATTRIBUTE.unitMeasure, OKG[row.unit]),
                (node, OKG.isApproximate, Literal(row.approximate)),
                (node, OKG.quote, Literal(self.verbatim(row.quote))),
                (node, PROV.wasDerivedFrom, self.doc_iri(row.doc)),
            ):
                graph.add((s, p, o))
            self._check_ref_type(row.occupation, OKG.Occupation, row.location)
            self._check_ref_type(row.industry, OKG.Industry, row.location)


def build_dataset(sources: SourceSet, ontology: OntologyIndex, base: str) -> BuildResult:
    return Builder(sources, ontology, base).build()
