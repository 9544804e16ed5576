"""What the server answers for IRIs that name no entity of the store: the named graphs of
kg.trig (`/id/graph/...`), the nodes void.ttl describes (the catalogue, the dataset, its
distributions, the SPARQL service, agents, coverage) and the ontology in every RDF format.

A graph document holds the graph's triples plus the graph's description from void.ttl. It is
serialized once by pyoxigraph into a cache file and then sent from disk, so a graph of a
million triples is streamed, never held in memory as one string.
"""

from __future__ import annotations

import hashlib
import tempfile
import threading
import weakref
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import pyoxigraph as ox

from kg.serve.downloads import download_bytes
from kg.serve.negotiation import ENTITY_FORMATS

if TYPE_CHECKING:
    from rdflib import Graph

    from kg.serve.app import App

OKG = "https://w3id.org/occupation-kg/ontology#"
VOID_TRIPLES = "http://rdfs.org/ns/void#triples"
# Entity-document suffix -> pyoxigraph format (html is rendered, not serialized).
OX_FORMATS: dict[str, ox.RdfFormat] = {
    "ttl": ox.RdfFormat.TURTLE,
    "jsonld": ox.RdfFormat.JSON_LD,
    "nt": ox.RdfFormat.N_TRIPLES,
    "rdf": ox.RdfFormat.RDF_XML,
}


@dataclass
class Described:
    """Per-server state, built on first use from the store, void.ttl and ontology.ttl."""

    graphs: set[str]  # named graphs of the store (published IRIs)
    void: dict[str, list[ox.Triple]]  # subject (published IRI) -> its void.ttl triples
    cache: tempfile.TemporaryDirectory[str]
    lock: threading.Lock = field(default_factory=threading.Lock)
    # one lock per cache file: a 10 KB graph document waited 113 s behind O*NET's 353 MB one
    # while a single lock covered every file
    file_locks: dict[str, threading.Lock] = field(default_factory=dict)
    ontology: Graph | None = None
    terms: set[str] = field(default_factory=set)  # okg local names


_STATE: weakref.WeakKeyDictionary[App, Described] = weakref.WeakKeyDictionary()
_STATE_LOCK = threading.Lock()


def state(app: App) -> Described:
    with _STATE_LOCK:
        found = _STATE.get(app)
        if found is None:
            found = _STATE[app] = _load(app)
        return found


def _load(app: App) -> Described:
    graphs = {g.value for g in app.store.named_graphs() if isinstance(g, ox.NamedNode)}
    void: dict[str, list[ox.Triple]] = {}
    text = download_bytes(app.downloads, "void.ttl")
    if text is not None:
        for t in ox.parse(text, format=ox.RdfFormat.TURTLE):
            s, o = t.subject, t.object
            if isinstance(s, ox.NamedNode):
                s = app.mapping.node(s)
            if isinstance(o, ox.NamedNode):
                o = app.mapping.node(o)
            void.setdefault(s.value, []).append(ox.Triple(s, t.predicate, o))
    for triples in void.values():
        triples.sort(key=str)
    return Described(graphs, void, tempfile.TemporaryDirectory(prefix="kg-serve-"))


def kind_of(app: App, iri: str) -> str | None:
    """"graph" for a named graph, "void" for a node void.ttl describes, else None."""
    found = state(app)
    if iri in found.graphs:
        return "graph"
    if iri in found.void and iri.startswith(app.mapping.public):
        return "void"
    return None


def void_triples(app: App, iri: str) -> list[ox.Triple]:
    return state(app).void.get(iri, [])


# What void.ttl names its nodes by (a theme's skos:prefLabel, a dataset's dcterms:title).
_TITLE_PREDICATES = (
    "http://purl.org/dc/terms/title",
    "http://www.w3.org/2004/02/skos/core#prefLabel",
    "http://www.w3.org/2000/01/rdf-schema#label",
    "http://xmlns.com/foaf/0.1/name",
    "http://www.w3.org/2006/vcard/ns#fn",
)
_START = "http://www.w3.org/ns/dcat#startDate"
_END = "http://www.w3.org/ns/dcat#endDate"
_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
# Objects shown as their IRI: a vocabulary's namespace or an endpoint's address has no
# readable last segment ("22-rdf-syntax-ns#", "sparql").
_IRI_VALUED = {
    "http://rdfs.org/ns/void#vocabulary",
    "http://rdfs.org/ns/void#sparqlEndpoint",
    "http://rdfs.org/ns/void#uriSpace",
    "http://www.w3.org/ns/dcat#endpointURL",
    "http://www.w3.org/ns/dcat#accessURL",
    "http://www.w3.org/ns/dcat#downloadURL",
}
_MEDIA_TYPE = "http://www.w3.org/ns/dcat#mediaType"
_IANA = "https://www.iana.org/assignments/media-types/"


def void_title(app: App, iri: str) -> str | None:
    """The title void.ttl gives the node, if any (lowest first, so it does not vary)."""
    by_predicate = {
        t.predicate.value: t.object.value
        for t in sorted(void_triples(app, iri), key=str, reverse=True)
        if isinstance(t.object, ox.Literal)
    }
    found = next((by_predicate[p] for p in _TITLE_PREDICATES if p in by_predicate), None)
    if found is None and _START in by_predicate and _END in by_predicate:  # a period of time
        found = f"{by_predicate[_START]} to {by_predicate[_END]}"
    return found


def node_text(app: App, iri: str, predicate: str) -> str:
    """How the description page names a node: the IRI itself where its last segment says
    nothing, else void.ttl's title, the graph's or entity's title, else its last segment."""
    from kg.serve.downloads import graph_title

    if predicate in _IRI_VALUED:
        return iri
    if predicate == _MEDIA_TYPE and iri.startswith(_IANA):  # "text/turtle", not "turtle"
        return iri[len(_IANA):]
    if predicate == _TYPE:
        return app.index.class_label(iri)
    if iri in app.index.labels:
        return app.index.labels[iri]
    found = void_title(app, iri)
    if found is None and iri in state(app).graphs:
        found = graph_title(app, app.mapping.to_data(iri))
    return found if found is not None and found != iri else app.index.label(iri)


def graph_size(app: App, iri: str) -> int:
    """void:triples of the graph, else counted (void.ttl lists every non-empty graph)."""
    for t in void_triples(app, iri):
        if t.predicate.value == VOID_TRIPLES and isinstance(t.object, ox.Literal):
            return int(t.object.value)
    # Counted by the engine, which needs no term decoded (a loop over quads_for_pattern
    # decodes each: 20 times slower).
    graph = ox.NamedNode(iri)
    rows = app.store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {graph} {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)


def _prefixes(app: App) -> dict[str, str]:
    from kg.prefixes import prefix_map

    return prefix_map(app.mapping.public)


def graph_file(app: App, iri: str, ext: str) -> Path:
    """The graph's triples and its void.ttl description, serialized once into the cache."""
    found = state(app)
    name = hashlib.sha256(iri.encode("utf-8")).hexdigest()[:32] + "." + ext
    target = Path(found.cache.name) / name
    with found.lock:
        file_lock = found.file_locks.setdefault(name, threading.Lock())
    with file_lock:  # one writer per file; later requests read the finished file
        if not target.is_file():
            partial = target.with_suffix(".part")
            graph = ox.NamedNode(iri)
            triples = (
                ox.Triple(q.subject, q.predicate, q.object)
                for q in app.store.quads_for_pattern(None, None, None, graph)
            )

            def chained() -> Iterator[ox.Triple]:
                yield from void_triples(app, iri)
                yield from triples

            ox.serialize(chained(), str(partial), OX_FORMATS[ext],
                         prefixes=_prefixes(app) | _kind_prefixes(app))
            partial.replace(target)
    return target


def _kind_prefixes(app: App) -> dict[str, str]:
    """A prefix per kind of the graph's local entities (`evidence:` for .../id/evidence/...),
    as the Turtle of a query answer has them (kg.query.results.kind_prefixes): a graph is
    written as it streams, so the kinds are the entity index's, found once."""
    from kg.query.results import kind_prefixes

    found = _KINDS.get(app)
    if found is None:
        taken = _prefixes(app)
        # and the graphs' own IRIs (.../id/graph/...), which the index does not type
        graphs = {g for g in state(app).graphs if g.startswith(taken["id"] + "graph/")}
        found = _KINDS[app] = kind_prefixes(taken["id"], set(app.index.kinds) | graphs, taken)
    return found


_KINDS: weakref.WeakKeyDictionary[App, dict[str, str]] = weakref.WeakKeyDictionary()


VOID_DATA_DUMP = "http://rdfs.org/ns/void#dataDump"
VOID_URI_SPACE = "http://rdfs.org/ns/void#uriSpace"


def site_node(app: App, term: ox.NamedNode) -> ox.NamedNode:
    """`term` under the served site when it is under the build's (the data base less its last
    segment: downloads, /sparql, the IRIs), the ontology's IRI and terms excepted: the served
    data keeps them."""
    data, public = app.mapping.data, app.mapping.public
    site = (data.removesuffix("id/"), public.removesuffix("id/")) \
        if data.endswith("/id/") and public.endswith("/id/") else (data, public)
    if term.value.startswith(site[0]) and not term.value[len(site[0]):].startswith("ontology"):
        return ox.NamedNode(site[1] + term.value[len(site[0]):])
    return term


def served_void(app: App) -> bytes:
    """void.ttl as this server publishes the data: its IRIs, the downloads' and the endpoint's
    under the server's base, void:uriSpace the served one. /.well-known/void (VoID 7.2: the
    host's own datasets) gave the build's file as it is, w3id.org IRIs and all (session 28's
    linked-data audit); /void.ttl stays that file, byte for byte (SHA256SUMS)."""
    data, public = app.mapping.data, app.mapping.public

    def node(term: ox.NamedNode | ox.BlankNode | ox.Literal) -> object:
        return site_node(app, term) if isinstance(term, ox.NamedNode) else term

    triples = []
    for t in ox.parse(download_bytes(app.downloads, "void.ttl") or b"",
                      format=ox.RdfFormat.TURTLE):
        o = t.object
        if t.predicate.value == VOID_URI_SPACE and isinstance(o, ox.Literal) and o.value == data:
            o = ox.Literal(public)
        triples.append(ox.Triple(node(t.subject), t.predicate, node(o)))
    return ox.serialize(triples, None, ox.RdfFormat.TURTLE, prefixes=_prefixes(app))


def all_graphs_dump(app: App) -> ox.NamedNode | None:
    """The download that holds every named graph (void.ttl's kg.trig data dump)."""
    for triples in state(app).void.values():
        for t in triples:
            if t.predicate.value == VOID_DATA_DUMP and t.object.value.endswith("/kg.trig"):
                return t.object  # type: ignore[return-value]
    return None


def large_graph_description(app: App, iri: str, ext: str) -> bytes:
    """A graph over the result limit: its void.ttl description and, as its void:dataDump, the
    download that holds it (session 28's audit: /id/graph/onet-29.3.nt was 483 MB, built for
    47 s or more on any anonymous request, past every limit the endpoint sets)."""
    triples = list(void_triples(app, iri))
    dump = all_graphs_dump(app)
    if dump is not None:  # served here, as the graph's IRI is (the second audit)
        triples.append(ox.Triple(ox.NamedNode(iri), ox.NamedNode(VOID_DATA_DUMP),
                                 site_node(app, dump)))
    return ox.serialize(triples, None, OX_FORMATS[ext],
                        prefixes=_prefixes(app) | _kind_prefixes(app))


def description(app: App, iri: str, ext: str) -> bytes:
    """The void.ttl description of one node (a catalogue record)."""
    return ox.serialize(void_triples(app, iri), None, OX_FORMATS[ext],
                        prefixes=_prefixes(app) | _kind_prefixes(app))


def media_of(ext: str) -> str:
    return ENTITY_FORMATS[ext][0]


# --- the ontology --------------------------------------------------------------------------


def ontology(app: App) -> Graph:
    found = state(app)
    with found.lock:
        if found.ontology is None:
            from rdflib import Graph, URIRef

            graph = Graph().parse(app.config.dist / "ontology.ttl", format="turtle")
            found.ontology = graph
            found.terms = {
                str(s)[len(OKG):] for s in graph.subjects()
                if isinstance(s, URIRef) and str(s).startswith(OKG) and len(s) > len(OKG)
            }
        return found.ontology


def ontology_terms(app: App) -> set[str]:
    ontology(app)
    return state(app).terms


def ontology_sections(app: App) -> tuple[str, str, list[tuple[str, list[dict[str, str]]]]]:
    """The ontology's title, description and terms by kind (classes, object properties, data
    properties, other), each with its label and comment: the page of a build without pyLODE
    documentation."""
    from rdflib import OWL, RDF, RDFS, URIRef
    from rdflib.namespace import DCTERMS

    graph = ontology(app)
    kinds = (("Classes", OWL.Class), ("Object properties", OWL.ObjectProperty),
             ("Datatype properties", OWL.DatatypeProperty))
    sections: list[tuple[str, list[dict[str, str]]]] = []
    seen: set[str] = set()
    for title, kind in kinds:
        names = sorted(str(s)[len(OKG):] for s in graph.subjects(RDF.type, kind)
                       if isinstance(s, URIRef) and str(s).startswith(OKG))
        seen.update(names)
        sections.append((title, [_term(graph, name) for name in names]))
    rest = sorted(state(app).terms - seen)
    if rest:
        sections.append(("Other terms", [_term(graph, name) for name in rest]))
    root = URIRef(OKG.rstrip("#"))
    title = str(graph.value(root, DCTERMS.title) or graph.value(root, RDFS.label)
                or "The occupation-kg ontology")
    description = str(graph.value(root, DCTERMS.description) or graph.value(root, RDFS.comment)
                      or "")
    return title, description, sections


def _term(graph: Graph, name: str) -> dict[str, str]:
    from rdflib import RDFS, URIRef

    node = URIRef(OKG + name)
    labels = sorted(graph.objects(node, RDFS.label), key=lambda v: (getattr(v, "language", "")
                                                                     != "en", str(v)))
    comments = sorted(graph.objects(node, RDFS.comment), key=lambda v: (
        getattr(v, "language", "") != "en", str(v)))
    return {"name": name, "label": str(labels[0]) if labels else "",
            "comment": str(comments[0]) if comments else ""}


def ontology_document(app: App, ext: str) -> bytes:
    """The ontology as JSON-LD, N-Triples or RDF/XML (Turtle is the published file)."""
    from kg.prefixes import prefix_map

    graph = ontology(app)
    if ext == "jsonld":
        text = graph.serialize(format="json-ld", context=prefix_map(app.mapping.public),
                               indent=2)
    elif ext == "nt":
        text = "".join(sorted(graph.serialize(format="nt").splitlines(keepends=True)))
    else:
        text = graph.serialize(format="xml")
    return text.encode("utf-8")
