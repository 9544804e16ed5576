"""Regression (bug): an in-memory store queried with pyoxigraph 0.5's union option counted a
triple once per named graph stating it, so on the full graph `documents-overview` gave 9 rows
where the persistent store gave the 5 documents, and `transitions-chain` 3 rows (the LIMIT 5
filled with repeats) where it gave 10. The in-memory engine and the server's in-memory fallback
now hold the union as their default graph, each triple once, as the persistent store does."""

from __future__ import annotations

from pathlib import Path

import pyoxigraph as ox

from kg.query.engines import open_engine
from kg.query.union_graph import materialise_union
from kg.serve.store import load_store

TRIG = """
<urn:g1> { <urn:s> <urn:p> 10 . <urn:s> <urn:q> "only here" . }
<urn:g2> { <urn:s> <urn:p> 10 . }
"""
COUNT = "SELECT (COUNT(*) AS ?n) (SUM(?o) AS ?total) WHERE { <urn:s> <urn:p> ?o }"


def _count(store: ox.Store, **options: bool) -> tuple[int, int]:
    row = next(iter(store.query(COUNT, **options)))
    return int(row["n"].value), int(row["total"].value)


def test_pyoxigraph_union_option_still_double_counts() -> None:
    # Why the materialised union exists; when this fails, pyoxigraph has the fix (oxigraph
    # #1920) and materialise_union may go.
    store = ox.Store()
    store.load(TRIG.encode(), format=ox.RdfFormat.TRIG)
    assert _count(store, use_default_graph_as_union=True) == (2, 20)


def test_materialised_union_counts_each_triple_once() -> None:
    store = ox.Store()
    store.load(TRIG.encode(), format=ox.RdfFormat.TRIG)
    materialise_union(store)
    assert _count(store) == (1, 10)
    assert len(store) == 5  # 3 quads in the named graphs + 2 distinct triples in the default


def test_in_memory_engine_counts_each_triple_once(tmp_path: Path) -> None:
    path = tmp_path / "kg.trig"
    path.write_text(TRIG, encoding="utf-8")
    engine = open_engine("oxigraph", path, timeout=None)
    table = engine.select(COUNT)  # type: ignore[attr-defined]
    assert [int(str(c)) for c in table.rows[0]] == [1, 10]
    # GRAPH patterns still see the named graphs.
    graphs = engine.select("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")  # type: ignore
    assert sorted(str(r[0]) for r in graphs.rows) == ["urn:g1", "urn:g2"]


class _Identity:
    """A base mapping that keeps every IRI (the server's BaseMap when bases agree)."""

    def quads(self, quads):  # type: ignore[no-untyped-def]
        return quads


def test_server_in_memory_fallback_counts_each_triple_once(tmp_path: Path) -> None:
    (tmp_path / "kg.trig").write_text(TRIG, encoding="utf-8")
    store = load_store(tmp_path, _Identity())  # type: ignore[arg-type]
    assert _count(store) == (1, 10)
