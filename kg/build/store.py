"""The build store: an on-disk pyoxigraph store in `<dist>/store/`, published with the build.

Contract (for `kg serve` and anyone opening it read-only): it holds every named graph of
kg.trig, the ontology graph included, and its DEFAULT graph holds the set union of all of them,
so a query on the default graph sees each triple once. Its files are RocksDB's and are not
byte-stable, so they are left out of SHA256SUMS and of the byte-identity checks; what is
written from it is stable, because RocksDB keeps each index sorted by the terms' encodings
(hashes of IRIs and strings, not insertion ids): a dump does not depend on the order in which
the quads were inserted, and the bulk loader may be used (tests/test_build.py checks this).
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store
from rdflib import Graph

STORE_DIR = "store"


def open_store(dist: Path) -> Store:
    return Store(str(dist / STORE_DIR))


def ontology_graph(base: str) -> str:
    return base + "graph/ontology"


def graph_sizes(store: Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def default_graph_size(store: Store) -> int:
    return int(next(iter(store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")))["n"].value)


def add_union(store: Store, graphs: Iterable[str], files: Iterable[Path] = ()) -> None:
    """Copy the named graphs `graphs` into the default graph, and bulk-load the N-Triples
    `files` (the imports, already in their named graphs) into it too: reading a file again is
    faster than copying millions of quads through a SPARQL update."""
    for path in files:
        store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
    names = " ".join(f"<{g}>" for g in graphs)
    if names:
        store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ VALUES ?g {{ {names} }} "
                     "GRAPH ?g { ?s ?p ?o } }")


def add_ontology(store: Store, ontology: Graph, base: str) -> None:
    """The ontology into its named graph (add_union copies it to the default graph later)."""
    data = ontology.serialize(format="nt", encoding="utf-8")
    store.load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(ontology_graph(base)))
