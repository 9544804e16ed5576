"""The SPARQL 1.1 Service Description of /sparql (https://www.w3.org/TR/sparql11-service-description/).

GET /sparql without a query answers with it for RDF Accept types (Turtle, JSON-LD, N-Triples,
RDF/XML); browsers get the query form. It states the endpoint, the language (SPARQL 1.1 Query,
read-only), the result formats, the feature sd:UnionDefaultGraph (with no FROM and no
default-graph-uri the default graph is the union of all graphs), the default dataset with each
named graph and its triple count, the limits, and a link to the VoID description.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCTERMS, RDF, RDFS, VOID, XSD

from kg.serve.responses import Response

if TYPE_CHECKING:
    from kg.serve.app import App

SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
FORMATS = Namespace("http://www.w3.org/ns/formats/")
RESULT_FORMATS = (
    "SPARQL_Results_JSON", "SPARQL_Results_XML", "SPARQL_Results_CSV", "SPARQL_Results_TSV",
    "Turtle", "JSON-LD", "N-Triples", "RDF_XML",
)
SIMPLE_ENTAILMENT = URIRef("http://www.w3.org/ns/entailment/Simple")


def service_description(
    endpoint: str, graph_sizes: dict[str, int], void_url: str, dataset_iri: str | None,
    timeout: float, max_results: int,
) -> Graph:
    g = Graph()
    g.bind("sd", SD)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    g.bind("formats", FORMATS)
    service = URIRef(endpoint)
    g.add((service, RDF.type, SD.Service))
    g.add((service, SD.endpoint, service))
    g.add((service, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((service, SD.feature, SD.UnionDefaultGraph))
    for name in RESULT_FORMATS:
        g.add((service, SD.resultFormat, FORMATS[name]))
    g.add((service, SD.defaultEntailmentRegime, SIMPLE_ENTAILMENT))
    g.add((service, DCTERMS.description, Literal(
        "Read-only SPARQL 1.1 Query endpoint (no Update, no SERVICE). The dataset of a query is "
        "given by default-graph-uri / named-graph-uri when either is sent, else by the query's "
        "FROM / FROM NAMED; with neither, the default graph is the union of all named graphs "
        "below and every named graph is available to GRAPH. Relative IRIs resolve against "
        f"the data base. Each query may run {timeout:g} s; an answer with more than "
        f"{max_results} rows or triples is refused with 422 (page with LIMIT and OFFSET; the "
        "whole graph is a download), never cut.", lang="en",
    )))
    dataset = BNode("defaultDataset")
    g.add((service, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    g.add((dataset, RDFS.seeAlso, URIRef(void_url)))
    if dataset_iri:
        g.add((dataset, RDFS.seeAlso, URIRef(dataset_iri)))
    default = BNode("defaultGraph")
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, RDFS.comment, Literal("the union of all named graphs", lang="en")))
    for i, (name, size) in enumerate(sorted(graph_sizes.items())):
        named, graph = BNode(f"namedGraph{i}"), BNode(f"graph{i}")
        g.add((dataset, SD.namedGraph, named))
        g.add((named, RDF.type, SD.NamedGraph))
        g.add((named, SD.name, URIRef(name)))
        g.add((named, SD.graph, graph))
        g.add((graph, RDF.type, SD.Graph))
        g.add((graph, VOID.triples, Literal(size, datatype=XSD.integer)))
    return g


SD_MEDIA = ("text/html", "text/turtle", "application/ld+json", "application/n-triples",
            "application/rdf+xml")
_SERIALIZERS = {"text/turtle": "turtle", "application/ld+json": "json-ld",
                "application/n-triples": "nt", "application/rdf+xml": "xml"}


def service_document(app: App, accept: str | None) -> Response | None:
    """The service description in the RDF format `accept` prefers; None when the client prefers
    HTML (the query form is its answer); a 406 when it accepts none of these (an image/png
    client got the HTML form)."""
    from kg.serve import negotiation as neg

    media = neg.negotiate(accept, SD_MEDIA, neg.MEDIA_ALIASES)
    if media is None:
        return Response.text(406, "without a query, /sparql answers with its service description "
                             f"({', '.join(SD_MEDIA[1:])}) or the query form (text/html)",
                             Vary="Accept")
    if media == "text/html":
        return None
    site = app.endpoint.rsplit("/sparql", 1)[0]
    dataset = _void_dataset(app)
    graph = service_description(
        app.endpoint, app.graph_sizes(), site + "/.well-known/void", dataset,
        app.config.query_timeout, app.config.max_results,
    )
    text = graph.serialize(format=_SERIALIZERS[media])
    return Response(200, text.encode("utf-8"), neg.content_type(media), {"Vary": "Accept"})


def _void_dataset(app: App) -> str | None:
    """The void:Dataset IRI of the build (the one with a void:uriSpace), published."""
    if app.void is None:
        return None
    found = next(iter(app.void.subjects(VOID.uriSpace, None)), None)
    return app.mapping.to_public(str(found)) if isinstance(found, URIRef) else None
