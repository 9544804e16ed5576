"""The dataset description (VoID + DCAT) written as dist/void.ttl."""

from __future__ import annotations

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


def describe(dataset: Dataset, merged: Graph, dist: Path, base: str,
             documents: list[URIRef], extra_files: dict[str, str]) -> Graph:
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
    g.add((node, VOID.triples, Literal(len(merged), datatype=XSD.integer)))
    subjects = {s for s in merged.subjects() if isinstance(s, URIRef) and s.startswith(base)}
    g.add((node, VOID.entities, Literal(len(subjects), datatype=XSD.integer)))
    g.add((node, VOID.classes, Literal(len(set(merged.objects(None, RDF.type))),
                                       datatype=XSD.integer)))
    g.add((node, VOID.properties, Literal(len(set(merged.predicates())), datatype=XSD.integer)))
    for vocabulary in sorted(_vocabularies(merged, base)):
        g.add((node, VOID.vocabulary, URIRef(vocabulary)))
    for document in documents:
        g.add((node, DCTERMS.source, document))
    for graph in sorted(dataset.graphs(), key=lambda x: str(x.identifier)):
        if len(graph) and isinstance(graph.identifier, URIRef):
            g.add((node, VOID.subset, graph.identifier))
            g.add((graph.identifier, RDF.type, VOID.Dataset))
            g.add((graph.identifier, VOID.triples, Literal(len(graph), datatype=XSD.integer)))
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
    terms = set(graph.predicates()) | set(graph.objects(None, RDF.type))
    spaces = set()
    for term in terms:
        text = str(term)
        if text.startswith(base):
            continue
        cut = max(text.rfind("#"), text.rfind("/"))
        spaces.add(text[: cut + 1])
    return spaces
