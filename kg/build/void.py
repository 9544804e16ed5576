"""The dataset description (VoID + DCAT-AP 3.0.0) written as dist/void.ttl.

A DCAT-AP catalogue record: the catalogue, the dataset with its mandatory and recommended
properties (publisher, contact point, keywords, EU data themes, spatial and temporal coverage,
distributions), each download as a distribution (access and download URL, media type, format,
size, licence), the SPARQL endpoint as a data service, and the source documents and reference
editions as the datasets dcterms:source points at. Nothing comes from the clock: the same build
gives the same file. Validated against the published DCAT-AP shapes by tests/test_void.py.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, XSD, Graph, Literal, Namespace, URIRef
from rdflib.namespace import FOAF

from kg import __version__
from kg.build.formats import FORMATS
from kg.prefixes import DCAT, DCTERMS, SKOS, VOID, bind_prefixes
from kg.publisher import LICENSE as PROJECT_LICENSE
from kg.publisher import PUBLISHER_NAME, PUBLISHER_PATH

VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
LICENSE = URIRef(PROJECT_LICENSE)
IANA = "https://www.iana.org/assignments/media-types/"
# EU Publications Office authority tables, the controlled vocabularies DCAT-AP names.
EU_AUTHORITY = "http://publications.europa.eu/resource/authority/"
FILE_TYPE = EU_AUTHORITY + "file-type/"
THEME_SCHEME = URIRef(EU_AUTHORITY + "data-theme")
THEMES = {  # the EU data themes of an occupation graph, with their published labels
    URIRef(EU_AUTHORITY + "data-theme/ECON"): "Economy and finance",
    URIRef(EU_AUTHORITY + "data-theme/EDUC"): "Education, culture and sport",
    URIRef(EU_AUTHORITY + "data-theme/SOCI"): "Population and society",
}
LANGUAGE = URIRef(EU_AUTHORITY + "language/ENG")
SPATIAL = URIRef(EU_AUTHORITY + "country/USA")  # the seed occupation and its figures are US
AVAILABILITY = URIRef(EU_AUTHORITY + "planned-availability/STABLE")
R5R_AVAILABILITY = URIRef("http://data.europa.eu/r5r/availability")
SPARQL_PROTOCOL = URIRef("https://www.w3.org/TR/sparql11-protocol/")
KEYWORDS = ("occupations", "labour market", "skills", "credentials", "wages",
            "employment projections", "SOC 2018", "O*NET", "ESCO", "knowledge graph")
_FILE_TYPES = {  # media type -> EU file-type code
    "text/turtle": "RDF_TURTLE",
    "application/n-triples": "RDF_N_TRIPLES",
    "application/ld+json": "JSON_LD",
    "application/trig": "RDF_TRIG",
    "text/html": "HTML",
    "text/tab-separated-values": "TSV",
}
_DESCRIPTIONS = {
    "kg.ttl": "Every triple of the graph, with the entailed alignment triples, in Turtle "
              "(the ontology is in ontology.ttl).",
    "kg.nt": "Every triple of the graph, with the entailed alignment triples, in sorted "
             "N-Triples (the ontology is in ontology.ttl).",
    "kg.jsonld": "Every triple of the graph, with the entailed alignment triples, in JSON-LD "
                 "(the ontology is in ontology.ttl).",
    "kg.trig": "The graph in TriG, one named graph per source document or dataset edition, "
               "and the ontology in a named graph of its own.",
    "context.jsonld": "The JSON-LD context of the JSON-LD download.",
    "ontology.ttl": "The okg ontology in Turtle.",
    "ontology/index.html": "The documentation of the okg ontology (pyLODE).",
    "shapes.ttl": "The SHACL shapes every build is validated against.",
}


def site_root(base: str) -> str:
    """`https://w3id.org/occupation-kg/id/` -> `https://w3id.org/occupation-kg/`."""
    trimmed = base.rstrip("/")
    return (trimmed.rsplit("/", 1)[0] if trimmed.endswith("/id") else trimmed) + "/"


@dataclass(frozen=True)
class GraphStats:
    """What VoID says of the merged downloads and of each named graph."""

    triples: int
    entities: int
    classes: int
    properties: int
    vocabularies: list[str]
    graphs: dict[str, int]
    sources: tuple[SourceInfo, ...] = ()  # source documents and reference editions
    period: tuple[str, str] | None = None  # earliest start, latest end of the figures (ISO)


@dataclass(frozen=True)
class SourceInfo:
    """A source document or dataset edition, as the graph describes it."""

    iri: str
    title: str
    description: str = ""
    publisher: str = ""
    publisher_name: str = ""
    license: str = ""


# Sources and the period the figures cover; the same queries on rdflib and on pyoxigraph. The
# rows are reduced in Python: rdflib 7.6 gives MIN(STR(?unbound)) as the string "None".
SOURCES_QUERY = """
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
PREFIX dcat: <http://www.w3.org/ns/dcat#>
PREFIX dcterms: <http://purl.org/dc/terms/>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?s ?title ?description ?kind ?publisher ?publisherName ?license
WHERE {
  { ?s a okg:SourceDocument } UNION { ?s a dcat:Dataset }
  OPTIONAL { ?s dcterms:title ?title }
  OPTIONAL { ?s dcterms:description ?description }
  OPTIONAL { ?s okg:documentKind ?kind }
  OPTIONAL { ?s dcterms:publisher ?publisher OPTIONAL { ?publisher skos:prefLabel ?publisherName } }
  OPTIONAL { ?s dcterms:license ?license }
}
"""
PERIOD_QUERY = """
PREFIX dcat: <http://www.w3.org/ns/dcat#>
SELECT DISTINCT ?start ?end WHERE { ?p dcat:startDate ?start ; dcat:endDate ?end }
"""


def _source_infos(rows: list[dict[str, str]]) -> tuple[SourceInfo, ...]:
    """One SourceInfo per source, each field the least of its values (deterministic)."""
    merged: dict[str, dict[str, str]] = {}
    for row in rows:
        fields = merged.setdefault(row["s"], {})
        for key, value in row.items():
            if key not in fields or value < fields[key]:
                fields[key] = value
    out = []
    for iri, row in sorted(merged.items()):
        out.append(SourceInfo(
            iri=iri, title=row.get("title") or iri.rstrip("/").rsplit("/", 1)[-1],
            description=row.get("description") or row.get("kind") or "",
            publisher=row.get("publisher", ""), publisher_name=row.get("publisherName", ""),
            license=row.get("license", ""),
        ))
    return tuple(out)


def _period(rows: list[dict[str, str]]) -> tuple[str, str] | None:
    starts = sorted(r["start"] for r in rows if "start" in r)
    ends = sorted(r["end"] for r in rows if "end" in r)
    return (starts[0], ends[-1]) if starts and ends else None


def stats_from_store(store: object, ntriples: Path, base: str) -> GraphStats:
    """What VoID says: the downloads' figures from kg.nt (the store's default graph, the union
    of the data graphs, just written), the named graphs' sizes, sources and period from the
    store. On the full graph the distinct-subject, class and predicate queries over the store
    took 60-100 s; one pass over the file takes 5 s."""
    graphs: dict[str, int] = {}
    for graph in store.named_graphs():  # type: ignore[attr-defined]
        # One COUNT per graph: 2.4x faster than a GROUP BY over every quad on the full graph.
        size = int(next(iter(store.query(  # type: ignore[attr-defined]
            f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}"
        )))["n"].value)
        if size:  # an empty graph is no subset
            graphs[graph.value] = size
    counts = ntriples_counts(ntriples, base)
    return GraphStats(
        triples=counts.triples,
        entities=counts.entities,
        classes=len(counts.classes),
        properties=len(counts.predicates),
        vocabularies=sorted(_namespaces(counts.predicates | counts.classes, base)),
        graphs=dict(sorted(graphs.items())),
        sources=_source_infos(_oxigraph_rows(store, SOURCES_QUERY)),
        period=_period(_oxigraph_rows(store, PERIOD_QUERY)),
    )


@dataclass
class NTriplesCounts:
    triples: int
    entities: int  # distinct subjects that are IRIs under the base
    classes: set[str]  # objects of rdf:type (IRIs without <>, blank nodes as their label)
    predicates: set[str]


def ntriples_counts(path: Path, base: str) -> NTriplesCounts:
    """Counts from a canonical N-Triples file as pyoxigraph writes it: one `s p o .` per line,
    a term never holding a space outside a literal (only the object can be a literal)."""
    counts = NTriplesCounts(0, 0, set(), set())
    under_base = "<" + base
    subjects: set[str] = set()
    last = ""
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            subject, predicate, rest = line.split(" ", 2)
            counts.triples += 1
            if subject != last:  # the file comes subject by subject: one set lookup each
                last = subject
                if subject.startswith(under_base):
                    subjects.add(subject)
            counts.predicates.add(predicate)
            if predicate == _RDF_TYPE:
                counts.classes.add(rest[: -len(" .\n")])
    counts.entities = len(subjects)
    counts.predicates = {_term_value(p) for p in counts.predicates}
    counts.classes = {_term_value(c) for c in counts.classes}
    return counts


_RDF_TYPE = f"<{RDF.type}>"


def _term_value(token: str) -> str:
    """`<iri>` -> iri, `_:label` -> label (what a SPARQL result's .value gives)."""
    return token[1:-1] if token.startswith("<") else token.removeprefix("_:")


def _oxigraph_rows(store: object, query: str) -> list[dict[str, str]]:
    result = store.query(query)  # type: ignore[attr-defined]
    names = [v.value for v in result.variables]
    return [{name: row[name].value for name in names if row[name] is not None}
            for row in result]


def _add_all(g: Graph, subject: URIRef, pairs: list[tuple[URIRef, Any]]) -> None:
    for predicate, obj in pairs:
        g.add((subject, predicate, obj))


def describe(stats: GraphStats, dist: Path, base: str, documents: list[URIRef],
             extra_files: dict[str, str],
             file_notes: dict[str, tuple[str, str]] | None = None) -> Graph:
    """Describe the build as a DCAT-AP 3.0.0 catalogue: the catalogue, the dataset (counts,
    subsets per named graph, coverage, themes), every download as a distribution with its
    size, the SPARQL endpoint as a data service, and the sources as datasets. `file_notes`:
    a file's description and licence where they are not the graph's (the crosswalks' SSSOM
    sets keep their publisher's licence)."""
    notes = file_notes or {}
    root = site_root(base)
    g = bind_prefixes(Graph(), base)
    g.bind("foaf", FOAF, override=True, replace=True)
    g.bind("vcard", VCARD, override=True, replace=True)
    g.bind("r5r", "http://data.europa.eu/r5r/", override=True, replace=True)
    node = URIRef(base + "dataset/occupation-kg")
    catalog = URIRef(base + "catalog/occupation-kg")
    publisher = URIRef(base + PUBLISHER_PATH)
    contact = URIRef(base + "contact/occupation-kg")
    service = URIRef(base + "service/sparql")
    endpoint = URIRef(root + "sparql")
    homepage = URIRef(root)

    # What the catalogue and the dataset both state, said once.
    shared = [(DCTERMS.publisher, publisher), (DCTERMS.license, LICENSE),
              (DCTERMS.language, LANGUAGE), (DCTERMS.spatial, SPATIAL)]
    _add_all(g, catalog, [
        (RDF.type, DCAT.Catalog),
        (DCTERMS.title, Literal("occupation-kg catalogue", lang="en")),
        (DCTERMS.description, Literal(
            "The occupation-kg knowledge graph: its downloads and its SPARQL endpoint.",
            lang="en")),
        *shared,
        (FOAF.homepage, homepage),
        (DCAT.themeTaxonomy, THEME_SCHEME),
        (DCAT.dataset, node),
        (DCAT.service, service),
    ])
    _add_all(g, node, [
        (RDF.type, VOID.Dataset),
        (RDF.type, DCAT.Dataset),
        (DCTERMS.title, Literal("occupation-kg: a knowledge graph of occupations", lang="en")),
        (DCTERMS.description, Literal(
            "Occupations with their duties, skills, credentials, issuing bodies, industries, "
            "education, advancement and time-qualified statistics, each fact linked to the "
            "source document and verbatim quote it came from.", lang="en")),
        *shared,
        (DCAT.contactPoint, contact),
        (DCAT.landingPage, homepage),
        (FOAF.page, URIRef(root + "ontology/")),
        (DCAT.version, Literal(__version__)),
    ])
    for keyword in KEYWORDS:
        g.add((node, DCAT.keyword, Literal(keyword, lang="en")))
    for theme in THEMES:
        g.add((node, DCAT.theme, theme))
    if stats.period is not None:
        coverage = URIRef(base + "coverage/temporal")
        g.add((node, DCTERMS.temporal, coverage))
        g.add((coverage, RDF.type, DCTERMS.PeriodOfTime))
        g.add((coverage, DCAT.startDate, Literal(stats.period[0], datatype=XSD.date)))
        g.add((coverage, DCAT.endDate, Literal(stats.period[1], datatype=XSD.date)))
    g.add((node, VOID.uriSpace, Literal(base)))
    g.add((node, VOID.sparqlEndpoint, endpoint))
    g.add((node, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    g.add((node, VOID.entities, Literal(stats.entities, datatype=XSD.integer)))
    g.add((node, VOID.classes, Literal(stats.classes, datatype=XSD.integer)))
    g.add((node, VOID.properties, Literal(stats.properties, datatype=XSD.integer)))
    for vocabulary in stats.vocabularies:
        g.add((node, VOID.vocabulary, URIRef(vocabulary)))
    _sources(g, node, stats, documents, str(publisher))
    for name, size in sorted(stats.graphs.items()):
        graph = URIRef(name)
        # The ontology's graph is in kg.trig and the endpoint but not in kg.nt, kg.ttl or
        # kg.jsonld, whose triples void:triples counts: it is a dataset related to this one
        # (ontology.ttl), not a subset of it, or the subsets' triples would exceed the whole.
        related = name == base + "graph/ontology"
        g.add((node, DCTERMS.relation if related else VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))
        if related:  # DCAT-AP's dcterms:relation asks for an rdfs:Resource, typed
            g.add((graph, RDF.type, RDFS.Resource))
            g.add((graph, DCTERMS.title, Literal("The okg ontology", lang="en")))

    files = {f.file_name: f.media_type for f in FORMATS.values()} | extra_files
    dumps = {f.file_name for f in FORMATS.values()}
    for name, media_type in sorted(files.items()):
        path = dist / name
        if not path.exists():
            continue
        url = URIRef(root + "download/" + name)
        distribution = URIRef(base + "distribution/" + name.replace("/", "-"))
        g.add((node, DCAT.distribution, distribution))
        if name in dumps:
            g.add((node, VOID.dataDump, url))
        description, licence = notes.get(name, (_DESCRIPTIONS.get(name, name), LICENSE))
        _distribution(g, distribution, name, description, licence)
        g.add((distribution, DCAT.accessURL, url))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((url, RDF.type, RDFS.Resource))
        media = URIRef(IANA + media_type)
        g.add((distribution, DCAT.mediaType, media))
        g.add((media, RDF.type, DCTERMS.MediaType))
        file_type = _FILE_TYPES.get(media_type)
        if file_type is not None:
            g.add((distribution, DCTERMS["format"], URIRef(FILE_TYPE + file_type)))
            g.add((URIRef(FILE_TYPE + file_type), RDF.type, DCTERMS.MediaTypeOrExtent))
        g.add((distribution, DCAT.byteSize,
               Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))

    # The SPARQL endpoint: a data service, and a distribution accessed through it.
    g.add((service, RDF.type, DCAT.DataService))
    g.add((service, DCTERMS.title, Literal("occupation-kg SPARQL endpoint", lang="en")))
    g.add((service, DCTERMS.description, Literal(
        "A read-only SPARQL 1.1 Protocol endpoint over the graph, with a time limit and a "
        "result limit per query.", lang="en")))
    g.add((service, DCAT.endpointURL, endpoint))
    g.add((service, DCAT.servesDataset, node))
    g.add((service, DCTERMS.conformsTo, SPARQL_PROTOCOL))
    g.add((service, DCTERMS.publisher, publisher))
    g.add((service, DCAT.contactPoint, contact))
    g.add((service, DCTERMS.license, LICENSE))
    g.add((SPARQL_PROTOCOL, RDF.type, DCTERMS.Standard))
    g.add((endpoint, RDF.type, RDFS.Resource))
    sparql = URIRef(base + "distribution/sparql")
    g.add((node, DCAT.distribution, sparql))
    _distribution(g, sparql, "SPARQL endpoint", "The graph through its SPARQL endpoint.")
    g.add((sparql, DCAT.accessURL, endpoint))
    g.add((sparql, DCAT.accessService, service))

    # The agents, places, themes and licence the descriptions point at, typed as DCAT-AP
    # expects them (its shapes check the class of each).
    g.add((publisher, RDF.type, FOAF.Agent))
    g.add((publisher, FOAF.name, Literal(PUBLISHER_NAME, lang="en")))
    g.add((contact, RDF.type, VCARD.Kind))
    g.add((contact, RDF.type, VCARD.Organization))
    g.add((contact, VCARD.fn, Literal(PUBLISHER_NAME, lang="en")))
    g.add((contact, VCARD.hasURL, homepage))
    g.add((homepage, RDF.type, FOAF.Document))
    g.add((URIRef(root + "ontology/"), RDF.type, FOAF.Document))
    g.add((LICENSE, RDF.type, DCTERMS.LicenseDocument))
    g.add((LANGUAGE, RDF.type, DCTERMS.LinguisticSystem))
    g.add((SPATIAL, RDF.type, DCTERMS.Location))
    g.add((SPATIAL, SKOS.prefLabel, Literal("United States", lang="en")))
    g.add((THEME_SCHEME, RDF.type, SKOS.ConceptScheme))
    g.add((THEME_SCHEME, DCTERMS.title, Literal("Data theme", lang="en")))
    for theme, label in THEMES.items():
        g.add((theme, RDF.type, SKOS.Concept))
        g.add((theme, SKOS.prefLabel, Literal(label, lang="en")))
        g.add((theme, SKOS.inScheme, THEME_SCHEME))
    g.add((AVAILABILITY, RDF.type, SKOS.Concept))
    g.add((AVAILABILITY, SKOS.prefLabel, Literal("stable", lang="en")))
    return g


def _distribution(g: Graph, distribution: URIRef, title: str, description: str,
                  licence: URIRef | str = LICENSE) -> None:
    g.add((distribution, RDF.type, DCAT.Distribution))
    g.add((distribution, DCTERMS.title, Literal(title)))
    g.add((distribution, DCTERMS.description, Literal(description, lang="en")))
    g.add((distribution, DCTERMS.license, URIRef(licence)))
    g.add((URIRef(licence), RDF.type, DCTERMS.LicenseDocument))
    g.add((distribution, R5R_AVAILABILITY, AVAILABILITY))


def _sources(g: Graph, node: URIRef, stats: GraphStats, documents: list[URIRef],
             own_publisher: str) -> None:
    """dcterms:source of a DCAT-AP dataset is a dataset: each source document and reference
    edition is described as one (title, description, publisher, licence)."""
    known = {s.iri: s for s in stats.sources}
    for document in documents:
        known.setdefault(str(document), SourceInfo(str(document), str(document)))
    for source in sorted(known.values(), key=lambda s: s.iri):
        iri = URIRef(source.iri)
        g.add((node, DCTERMS.source, iri))
        g.add((iri, RDF.type, DCAT.Dataset))
        g.add((iri, DCTERMS.title, Literal(source.title, lang="en")))
        g.add((iri, DCTERMS.description, Literal(source.description or (
            "A source the occupation-kg graph was built from: " + source.title), lang="en")))
        if source.license:
            g.add((iri, DCTERMS.license, URIRef(source.license)))
            g.add((URIRef(source.license), RDF.type, DCTERMS.LicenseDocument))
        if source.publisher == own_publisher:  # a dataset the build derives: described above
            g.add((iri, DCTERMS.publisher, URIRef(source.publisher)))
        elif source.publisher and source.publisher_name:
            agent = URIRef(source.publisher)
            g.add((iri, DCTERMS.publisher, agent))
            g.add((agent, RDF.type, FOAF.Agent))
            g.add((agent, FOAF.name, Literal(source.publisher_name, lang="en")))


def _namespaces(terms: set[str], base: str) -> set[str]:
    spaces = set()
    for term in terms:
        text = str(term)
        if text.startswith(base):
            continue
        cut = max(text.rfind("#"), text.rfind("/"))
        spaces.add(text[: cut + 1])
    return spaces
