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

import re
import tempfile
from collections.abc import Iterable
from itertools import islice
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib import Graph

STORE_DIR = "store"


def open_store(dist: Path) -> Store:
    return Store(str(dist / STORE_DIR))


def drop_obsolete_logs(dist: Path) -> None:
    """Open the closed store once more and close it: RocksDB deletes the write-ahead logs that
    a flush made obsolete only when it opens the database, and the published store would
    carry them (1 GB of the full graph's 3.1 GB; 0.2 s)."""
    Store(str(dist / STORE_DIR))  # dropped at once, which closes it


def ontology_graph(base: str) -> str:
    return base + "graph/ontology"


def graph_sizes(store: Store) -> dict[str, int]:
    rows = store.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
    return {row["g"].value: int(row["n"].value) for row in rows}


def graph_size(store: Store, graph: str) -> int:
    """The triples of one named graph, counted by the query engine: it counts encoded quads,
    where a Python loop over quads_for_pattern decodes every term (0.5 against 9.7 s for the
    full graph's 716,000 inferred triples)."""
    node = NamedNode(graph)
    rows = store.query(f"SELECT (COUNT(*) AS ?n) WHERE {{ GRAPH {node} {{ ?s ?p ?o }} }}")
    return int(next(iter(rows))["n"].value)


def add_union(store: Store, graphs: Iterable[str], files: Iterable[Path] = (),
              scratch: Path | None = None) -> None:
    """Copy the named graphs `graphs` into the default graph, and bulk-load the N-Triples
    `files` (the imports, already in their named graphs) into it too.

    A graph goes through the bulk loader, which writes in bounded batches, by way of an
    N-Triples dump in a temporary folder inside `scratch` (the system's temporary folder by
    default): a SPARQL INSERT of the 1.3 million derived and inferred quads held them all in
    one transaction, 40 s and 1 GB more at the build's peak, against 7 s and 50 MB this way.
    A graph with blank nodes is copied by INSERT instead, because a parser gives every blank
    node it reads a new name: the default graph would not be the union any more."""
    for path in files:
        bulk_load_in_chunks(store, path)
    with tempfile.TemporaryDirectory(prefix="union-", dir=scratch) as folder:
        for number, name in enumerate(graphs):
            dump = Path(folder) / f"{number}.nt"
            store.dump(str(dump), format=RdfFormat.N_TRIPLES, from_graph=NamedNode(name))
            if has_blank_node(dump):
                store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{name}> {{ ?s ?p ?o }} }}")
            else:
                store.bulk_load(path=str(dump), format=RdfFormat.N_TRIPLES,
                                to_graph=DefaultGraph())
            dump.unlink()


# Quads per bulk_load call of add_quads: bounded memory (the batch is held as terms and as text).
QUAD_BATCH = 200_000


def add_quads(store: Store, quads: Iterable[Quad], batch: int = QUAD_BATCH) -> int:
    """Add `quads` (into their own graphs) through the bulk loader, `batch` at a time; return
    how many were given. `Store.extend` writes one transaction that looks up every term of
    every quad in the on-disk store first: 39 s for a million quads beside 1.5 million stored,
    against 13 s serialized as N-Quads and bulk-loaded (the build store needs no transaction:
    a failed build throws it away). A quad with a blank node goes through `extend`, because a
    parse names blank nodes afresh."""
    pending: list[Quad] = []
    blank: list[Quad] = []
    count = 0

    def load() -> None:
        if pending:
            store.bulk_load(serialize(pending, format=RdfFormat.N_QUADS),
                            format=RdfFormat.N_QUADS)
            pending.clear()

    for quad in quads:
        count += 1
        if type(quad.subject) is BlankNode or type(quad.object) is BlankNode:
            blank.append(quad)
        else:
            pending.append(quad)
            if len(pending) >= batch:
                load()
    load()
    store.extend(blank)
    return count


# Lines per bulk_load call. The bulk loader's memory grows with what one call is given
# (oxigraph's BulkLoader docs; pyoxigraph cannot set it). Loading the full graph's kg.nt (5.1
# million lines) into an empty on-disk store: one call 34 s and 1.66 GB peak RSS, chunks of
# 1,000,000 lines 42 s and 1.35 GB, 800,000 40 s and 1.02 GB, 400,000 53 s and 0.64 GB.
CHUNK_LINES = 800_000


def bulk_load_in_chunks(store: Store, path: Path, chunk_lines: int = CHUNK_LINES, *,
                        blank_nodes: bool | None = None) -> None:
    """Bulk-load an N-Triples file into the default graph a few hundred thousand lines at a
    time. A file with blank nodes is loaded in one call: each call names blank nodes afresh,
    so a node whose lines fell into two chunks would become two. `blank_nodes=False` skips
    the scan for them when the caller knows (3 s over the full graph's kg.nt)."""
    if blank_nodes is None:
        blank_nodes = has_blank_node(path)
    if blank_nodes:
        store.bulk_load(path=str(path), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
        return
    with path.open("rb") as lines:
        while chunk := list(islice(lines, chunk_lines)):
            store.bulk_load(b"".join(chunk), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())


# A blank node in an N-Triples line: the subject, or the object (the line's last term; a literal
# that contains "_:" ends with a quote, a language tag or a datatype IRI instead).
_BLANK_OBJECT = re.compile(rb" _:\S+ \.\s*$")


def line_has_blank_node(line: bytes) -> bool:
    return b"_:" in line and (line.startswith(b"_:") or _BLANK_OBJECT.search(line) is not None)


def has_blank_node(ntriples: Path) -> bool:
    # Most files have no "_:" at all, which a search of large blocks tells at C speed (0.3
    # against 4 s over the full graph's imports); only a file that has one is read line by
    # line, since a literal may contain "_:".
    if not may_have_blank_node(ntriples):
        return False
    with ntriples.open("rb") as lines:
        return any(line_has_blank_node(line) for line in lines)


def may_have_blank_node(path: Path) -> bool:
    """False when the N-Triples or N-Quads file has no "_:" at all, so no blank node."""
    return _contains(path, b"_:")


def _contains(path: Path, needle: bytes, block: int = 1 << 23) -> bool:
    keep = len(needle) - 1  # a needle cut by a block boundary is found in the next block
    with path.open("rb") as data:
        tail = b""
        while chunk := data.read(block):
            if needle in tail + chunk:
                return True
            tail = chunk[-keep:] if keep else b""
    return False


def add_ontology(store: Store, ontology: Graph, base: str) -> None:
    """The ontology into its named graph (add_union copies it to the default graph later)."""
    data = ontology.serialize(format="nt", encoding="utf-8")
    store.load(data, format=RdfFormat.N_TRIPLES, to_graph=NamedNode(ontology_graph(base)))
