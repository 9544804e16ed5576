"""What the build's pySHACL validation reads (kg.build.validation.curated_graph): the curated
graphs, and the derived and inferred triples about nodes no imported graph describes; read
from the store quad by quad, it must give what the SPARQL CONSTRUCT it replaced gave."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib import Graph
from rdflib.compare import to_isomorphic

from kg.build.validation import curated_graph
from tests.conftest import BASE

CURATED = [BASE + f"graph/{name}" for name in ("california-directory", "career-guide",
                                               "curation", "ooh-2010-outlook",
                                               "ooh-2022-profile", "ooh-summary", "mappings")]


def _by_construct(store: Store, curated: list[str], imported: list[str]) -> Graph:
    """The CONSTRUCT the build used until 2026-12-03 (36 s on the full graph)."""
    values = " ".join(f"<{g}>" for g in imported)
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ VALUES ?g {{ {" ".join(f"<{g}>" for g in curated)} }} GRAPH ?g {{ ?s ?p ?o }} }}
      UNION
      {{ VALUES ?g {{ <{BASE}graph/derived> <{BASE}graph/inferred> }} GRAPH ?g {{ ?s ?p ?o }}
         FILTER NOT EXISTS {{ VALUES ?i {{ {values} }} GRAPH ?i {{ ?s ?x ?y }} }} }}
    }}"""
    graph = Graph()
    graph.parse(data=serialize(store.query(query), format=RdfFormat.N_TRIPLES).decode(),
                format="nt")
    return graph


def test_curated_graph_is_what_the_construct_gave(dist: Path, tmp_path: Path) -> None:
    store = Store(str(tmp_path / "store"))
    store.bulk_load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)
    # Two "imported" graphs: one describes a node that the inferred graph has triples about
    # (which must leave the validated graph), the other an unrelated node.
    inferred = next(iter(store.quads_for_pattern(None, None, None,
                                                 NamedNode(BASE + "graph/inferred"))))
    small, large = BASE + "graph/test-import-a", BASE + "graph/test-import-b"
    store.add(Quad(NamedNode(BASE + "elsewhere"), NamedNode(BASE + "says"), Literal("x"),
                   NamedNode(large)))
    store.add(Quad(inferred.subject, NamedNode(BASE + "says"), Literal("imported"),
                   NamedNode(small)))
    for imported in ([large, small], [small, large], []):
        found = curated_graph(store, CURATED, imported, BASE)
        assert to_isomorphic(found) == to_isomorphic(_by_construct(store, CURATED, imported))
    # The node the small graph describes lost its inferred triples from the validated graph.
    everything = curated_graph(store, CURATED, [], BASE)
    scoped = curated_graph(store, CURATED, [large, small], BASE)
    lost = {(str(s), str(p), str(o)) for s, p, o in everything - scoped}
    assert lost and {s for s, _, _ in lost} == {inferred.subject.value}
