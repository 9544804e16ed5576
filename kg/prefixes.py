"""The one prefix map behind every serialization (Turtle, JSON-LD context, SHACL, SSSOM)."""

from __future__ import annotations

from rdflib import Graph, Namespace

DEFAULT_BASE = "https://w3id.org/occupation-kg/id/"
ONTOLOGY_IRI = "https://w3id.org/occupation-kg/ontology"

OKG = Namespace(ONTOLOGY_IRI + "#")
SCHEMA = Namespace("https://schema.org/")
CETERMS = Namespace("https://purl.org/ctdl/terms/")
ESCO = Namespace("http://data.europa.eu/esco/model#")
QB = Namespace("http://purl.org/linked-data/cube#")
SDMX_DIMENSION = Namespace("http://purl.org/linked-data/sdmx/2009/dimension#")
SDMX_MEASURE = Namespace("http://purl.org/linked-data/sdmx/2009/measure#")
SDMX_ATTRIBUTE = Namespace("http://purl.org/linked-data/sdmx/2009/attribute#")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
PROV = Namespace("http://www.w3.org/ns/prov#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
VOID = Namespace("http://rdfs.org/ns/void#")

# Order matters only for readability of the outputs; it is fixed so outputs are byte-stable.
VOCAB_PREFIXES: dict[str, str] = {
    "okg": str(OKG),
    "schema": str(SCHEMA),
    "ceterms": str(CETERMS),
    "esco": str(ESCO),
    "skos": str(SKOS),
    "prov": str(PROV),
    "qb": str(QB),
    "sdmx-dimension": str(SDMX_DIMENSION),
    "sdmx-measure": str(SDMX_MEASURE),
    "sdmx-attribute": str(SDMX_ATTRIBUTE),
    "dcat": str(DCAT),
    "dcterms": str(DCTERMS),
    "void": str(VOID),
    "sssom": "https://w3id.org/sssom/",
    "pav": "http://purl.org/pav/",  # SSSOM's mapping_date (pav:authoredOn)
    "owl": "http://www.w3.org/2002/07/owl#",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
    "sh": "http://www.w3.org/ns/shacl#",
}


def prefix_map(base: str = DEFAULT_BASE) -> dict[str, str]:
    """All prefixes, with `id:` bound to the (configurable) data base IRI."""
    return {"id": base, **VOCAB_PREFIXES}


def bind_prefixes(graph: Graph, base: str = DEFAULT_BASE) -> Graph:
    for prefix, iri in prefix_map(base).items():
        graph.bind(prefix, iri, override=True, replace=True)
    return graph


def jsonld_context(base: str = DEFAULT_BASE) -> dict[str, object]:
    """The JSON-LD context shipped as dist/context.jsonld (never fetched)."""
    context: dict[str, object] = dict(prefix_map(base))
    return {"@context": context}
