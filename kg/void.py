"""The dataset description (VoID + DCAT) written as dist/void.ttl."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, XSD, Dataset, Graph, Literal, URIRef

from kg.formats import FORMATS
from kg.prefixes import DCAT, DCTERMS, VOID, bind_prefixes

LICENSE = URIRef("https://creativecommons.org/licenses/by/4.0/")
IANA = "https://www.iana.org/assignments/media-types/"


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


def stats_from_graphs(dataset: Dataset, merged: Graph, base: str) -> GraphStats:
    subjects = {s for s in merged.subjects() if isinstance(s, URIRef) and s.startswith(base)}
    return GraphStats(
        triples=len(merged),
        entities=len(subjects),
        classes=len(set(merged.objects(None, RDF.type))),
        properties=len(set(merged.predicates())),
        vocabularies=sorted(_vocabularies(merged, base)),
        graphs={str(g.identifier): len(g) for g in dataset.graphs()
                if len(g) and isinstance(g.identifier, URIRef)},
    )


def stats_from_store(store: object, base: str) -> GraphStats:
    """The same figures from a pyoxigraph store whose default graph holds the downloads."""

    def one(query: str) -> int:
        return int(next(iter(store.query(query)))["n"].value)  # type: ignore[attr-defined]

    terms = {row["t"].value for row in store.query(  # type: ignore[attr-defined]
        "SELECT DISTINCT ?t WHERE { { ?s ?t ?o } UNION { ?s a ?t } }")}
    graphs = {row["g"].value: int(row["n"].value) for row in store.query(  # type: ignore[attr-defined]
        "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")}
    return GraphStats(
        triples=one("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"),
        entities=one(f'SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE {{ ?s ?p ?o '
                     f'FILTER(STRSTARTS(STR(?s), "{base}")) }}'),
        classes=one("SELECT (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a ?c }"),
        properties=one("SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { ?s ?p ?o }"),
        vocabularies=sorted(_namespaces(terms, base)),
        graphs=graphs,
    )


def describe(stats: GraphStats, dist: Path, base: str, documents: list[URIRef],
             extra_files: dict[str, str]) -> Graph:
    """Describe the build: counts, subsets per named graph, every download with its size."""
    root = site_root(base)
    g = bind_prefixes(Graph(), base)
    node = URIRef(base + "dataset/occupation-kg")
    g.add((node, RDF.type, VOID.Dataset))
    g.add((node, RDF.type, DCAT.Dataset))
    g.add((node, DCTERMS.title, Literal("occupation-kg: a knowledge graph of occupations",
                                        lang="en")))
    g.add((node, DCTERMS.description, Literal(
        "Occupations with their duties, skills, credentials, issuing bodies, industries, "
        "education, advancement and time-qualified statistics, each fact linked to the source "
        "document and verbatim quote it came from.", lang="en")))
    g.add((node, DCTERMS.license, LICENSE))
    g.add((node, VOID.uriSpace, Literal(base)))
    g.add((node, VOID.triples, Literal(stats.triples, datatype=XSD.integer)))
    g.add((node, VOID.entities, Literal(stats.entities, datatype=XSD.integer)))
    g.add((node, VOID.classes, Literal(stats.classes, datatype=XSD.integer)))
    g.add((node, VOID.properties, Literal(stats.properties, datatype=XSD.integer)))
    for vocabulary in stats.vocabularies:
        g.add((node, VOID.vocabulary, URIRef(vocabulary)))
    for document in documents:
        g.add((node, DCTERMS.source, document))
    for name, size in sorted(stats.graphs.items()):
        graph = URIRef(name)
        g.add((node, VOID.subset, graph))
        g.add((graph, RDF.type, VOID.Dataset))
        g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))
    files = {f.file_name: f.media_type for f in FORMATS.values()} | extra_files
    for name, media_type in sorted(files.items()):
        path = dist / name
        if not path.exists():
            continue
        url = URIRef(root + "download/" + name)
        distribution = URIRef(base + "distribution/" + name.replace("/", "-"))
        g.add((node, DCAT.distribution, distribution))
        if name in {f.file_name for f in FORMATS.values()}:
            g.add((node, VOID.dataDump, url))
        g.add((distribution, RDF.type, DCAT.Distribution))
        g.add((distribution, DCTERMS.title, Literal(name)))
        g.add((distribution, DCAT.downloadURL, url))
        g.add((distribution, DCAT.mediaType, URIRef(IANA + media_type)))
        g.add((distribution, DCAT.byteSize,
               Literal(path.stat().st_size, datatype=XSD.nonNegativeInteger)))
        g.add((distribution, DCTERMS.license, LICENSE))
    return g


def _vocabularies(graph: Graph, base: str) -> set[str]:
    """Namespaces of the predicates and classes used, outside the data's own IRIs."""
    terms = {str(t) for t in set(graph.predicates()) | set(graph.objects(None, RDF.type))}
    return _namespaces(terms, base)


def _namespaces(terms: set[str], base: str) -> set[str]:
    spaces = set()
    for term in terms:
        text = str(term)
        if text.startswith(base):
            continue
        cut = max(text.rfind("#"), text.rfind("/"))
        spaces.add(text[: cut + 1])
    return spaces
