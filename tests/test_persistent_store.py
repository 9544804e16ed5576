"""`kg serve` and `kg query` on the build's persistent store (dist/store/), opened read-only.

The same dist is served twice under one published base: with its store/ (read-only, no kg.trig
parsing) and without (kg.trig loaded into memory, the fallback for older builds). Pages and
SPARQL answers must be the same, except COUNT over the union, where the store counts a triple
asserted in several graphs once.
"""

from __future__ import annotations

import fcntl
import json
import os
import shutil
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Graph
from rdflib.compare import isomorphic

from kg.query.catalog import list_queries
from kg.query.engines import open_engine
from kg.serve.store import STORE_DIR, BaseMap, MappedStore, open_read_only
from tests.server_support import CANONICAL, Running, http, running_server

PUBLIC = "http://kg.example/id/"  # the same published base for both servers
OCC = "occupation/industrial-production-managers"
JSON_RESULTS = "application/sparql-results+json"


def write_store(dist: Path) -> None:
    """The store `kg build` writes (its contract): every named graph of kg.trig, and their set
    union in the default graph. Made here when the build under test did not write one."""
    store = ox.Store(str(dist / STORE_DIR))
    store.bulk_load(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    store.flush()
    del store  # closes the database (releases its lock)


@pytest.fixture(scope="module")
def disk_dist(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed build with store/ and WITHOUT kg.trig: nothing can parse it."""
    target = tmp_path_factory.mktemp("disk") / "dist"
    shutil.copytree(dist, target)
    if not (target / STORE_DIR / "CURRENT").is_file():
        write_store(target)
    (target / "kg.trig").unlink()
    return target


@pytest.fixture(scope="module")
def memory_dist(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of the seed build without store/ (a build from before persistent stores)."""
    target = tmp_path_factory.mktemp("memory") / "dist"
    shutil.copytree(dist, target, ignore=shutil.ignore_patterns(STORE_DIR))
    return target


@pytest.fixture(scope="module")
def on_disk(disk_dist: Path) -> Iterator[Running]:
    with running_server(disk_dist, base=PUBLIC, workers=2, queries_dir=None) as srv:
        yield srv


@pytest.fixture(scope="module")
def in_memory(memory_dist: Path) -> Iterator[Running]:
    with running_server(memory_dist, base=PUBLIC, workers=2, queries_dir=None) as srv:
        yield srv


def sparql(server: Running, query: str, **extra: str) -> dict:
    url = f"{server.url}/sparql?" + urllib.parse.urlencode({"query": query, **extra})
    reply = http(url, accept=JSON_RESULTS)
    assert reply.status == 200, reply.text
    return json.loads(reply.body)


def test_serves_without_parsing_kg_trig_and_workers_open_read_only(
    on_disk: Running, disk_dist: Path
) -> None:
    assert not (disk_dist / "kg.trig").exists()
    workers = on_disk.app.pool.workers()
    assert [mode for _, mode in workers] == ["read-only", "read-only"]
    assert http(f"{on_disk.url}/id/{OCC}.html").status == 200
    store = (disk_dist / STORE_DIR).resolve()
    for pid, _ in workers:  # each worker has the store's files open...
        fds = Path(f"/proc/{pid}/fd")
        opened = {os.path.realpath(fds / fd) for fd in os.listdir(fds)}
        assert any(path.startswith(str(store) + "/") for path in opened), pid
    # ... and no process holds RocksDB's write lock (a read-write open would: fcntl lock).
    with open(store / "LOCK", "r+b") as lock:
        fcntl.lockf(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        fcntl.lockf(lock, fcntl.LOCK_UN)


def test_store_files_are_not_downloads(on_disk: Running) -> None:
    reply = http(f"{on_disk.url}/download/{STORE_DIR}/CURRENT")
    assert reply.status == 404
    assert f"{STORE_DIR}/" not in http(f"{on_disk.url}/downloads").text


@pytest.mark.parametrize("path", [
    "/", f"/id/{OCC}.html", f"/id/{OCC}.ttl", f"/id/{OCC}.jsonld", f"/id/{OCC}.nt",
    "/id/graph/curation.html", "/queries", "/queries/documents-overview",
    "/sparql",  # the service description counts triples per graph
])
def test_pages_are_the_same_as_from_memory(on_disk: Running, in_memory: Running,
                                           path: str) -> None:
    disk, memory = http(on_disk.url + path), http(in_memory.url + path)
    assert (disk.status, disk.headers["Content-Type"]) == \
        (memory.status, memory.headers["Content-Type"])
    if path.endswith(".nt"):  # N-Triples lines come in rdflib's set order (not stable anyway)
        assert sorted(disk.text.splitlines()) == sorted(memory.text.splitlines())
    else:
        assert disk.body == memory.body


@pytest.mark.parametrize("graph", ["ontology", "curation", "inferred"])
def test_graph_documents_hold_the_same_triples(on_disk: Running, in_memory: Running,
                                               graph: str) -> None:
    """A graph's dump lists its triples in store order, which differs (and blank node labels
    differ from load to load): compared as graphs."""
    disk = Graph().parse(data=http(f"{on_disk.url}/id/graph/{graph}.nt").body, format="nt")
    memory = Graph().parse(data=http(f"{in_memory.url}/id/graph/{graph}.nt").body, format="nt")
    assert len(disk) > 50 and isomorphic(disk, memory)


def test_every_entity_page_is_the_same(on_disk: Running, in_memory: Running) -> None:
    kinds = in_memory.app.index.entities_by_kind()
    assert kinds == on_disk.app.index.entities_by_kind()
    for entities in kinds.values():
        for iri, _ in entities[:3]:
            path = "/id/" + iri[len(PUBLIC):] + ".ttl"
            assert http(on_disk.url + path).body == http(in_memory.url + path).body, path


def test_stored_queries_answer_the_same(on_disk: Running, in_memory: Running) -> None:
    ran = 0
    for q in list_queries():
        if q.name.endswith("-violation") or any(p.default is None for p in q.params):
            continue
        disk = http(f"{on_disk.url}/queries/{q.name}", accept=JSON_RESULTS)
        memory = http(f"{in_memory.url}/queries/{q.name}", accept=JSON_RESULTS)
        assert disk.status == memory.status == 200, q.name
        assert json.loads(disk.body) == json.loads(memory.body), q.name
        ran += 1
    assert ran >= 10


@pytest.mark.parametrize("graph_iri", [PUBLIC + "graph/curation", CANONICAL + "graph/curation"])
def test_datasets_and_iris_of_either_base(on_disk: Running, in_memory: Running,
                                          graph_iri: str) -> None:
    queries = [
        (f"SELECT ?p (COUNT(*) AS ?n) FROM <{graph_iri}> WHERE {{ ?s ?p ?o }} GROUP BY ?p "
         "ORDER BY ?p", {}),
        (f"SELECT ?g (COUNT(*) AS ?n) FROM NAMED <{graph_iri}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"
         " GROUP BY ?g", {}),
        ("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }", {"default-graph-uri": graph_iri}),
        (f"SELECT ?o WHERE {{ <{graph_iri.rsplit('graph/', 1)[0]}{OCC}> a ?o }} ORDER BY ?o", {}),
        (f"CONSTRUCT {{ <{graph_iri.rsplit('graph/', 1)[0]}{OCC}> ?p ?o }} WHERE "
         f"{{ <{graph_iri.rsplit('graph/', 1)[0]}{OCC}> ?p ?o }}", {}),
        (f"ASK {{ GRAPH <{graph_iri}> {{ ?s ?p ?o }} }}", {}),
    ]
    for query, extra in queries:
        if query.startswith("CONSTRUCT"):
            url = "/sparql?" + urllib.parse.urlencode({"query": query, **extra})
            disk = http(on_disk.url + url, accept="application/n-triples")
            memory = http(in_memory.url + url, accept="application/n-triples")
            assert disk.status == 200 and len(disk.body) > 1000
            assert sorted(disk.text.splitlines()) == sorted(memory.text.splitlines())
            assert PUBLIC in disk.text and CANONICAL not in disk.text
            continue
        disk_doc, memory_doc = sparql(on_disk, query, **extra), sparql(in_memory, query, **extra)
        if "bindings" in memory_doc.get("results", {}):
            # The in-memory union repeats a triple once per graph asserting it; the store's
            # default graph is the set union (the same answer with each repeat once).
            rows = memory_doc["results"]["bindings"]
            memory_doc["results"]["bindings"] = [r for i, r in enumerate(rows)
                                                 if r not in rows[:i]]
        assert disk_doc == memory_doc, query
        assert CANONICAL not in json.dumps(disk_doc)


def test_union_counts_each_triple_once(on_disk: Running, dist: Path) -> None:
    """Regression: COUNT(*) on the union counted a triple once per graph asserting it."""
    distinct = {(q.subject, q.predicate, q.object)
                for q in ox.parse(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG)}
    per_graph = sum(1 for _ in ox.parse(path=str(dist / "kg.trig"), format=ox.RdfFormat.TRIG))
    assert per_graph > len(distinct)  # the seed graph repeats triples across graphs
    doc = sparql(on_disk, "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    assert int(doc["results"]["bindings"][0]["n"]["value"]) == len(distinct)


def test_mapped_store_hides_the_default_graph(disk_dist: Path) -> None:
    store = MappedStore(open_read_only(disk_dist / STORE_DIR), BaseMap(CANONICAL, PUBLIC))
    quads = list(store.quads_for_pattern(ox.NamedNode(PUBLIC + OCC), None, None, None))
    assert quads and all(isinstance(q.graph_name, ox.NamedNode) for q in quads)
    assert all(q.graph_name.value.startswith(PUBLIC + "graph/") for q in quads)
    rows = list(store.query(f'SELECT ?s WHERE {{ ?s a ?t FILTER(STRSTARTS(STR(?s), "{PUBLIC}"))'
                            f' FILTER(?s = <{PUBLIC}{OCC}>) }}'))
    assert [r["s"] for r in rows] == [ox.NamedNode(PUBLIC + OCC)] * len(rows) and rows


def test_kg_query_opens_the_store(disk_dist: Path, memory_dist: Path) -> None:
    disk = open_engine("oxigraph", disk_dist / "kg.trig")  # absent: the store answers
    memory = open_engine("oxigraph", memory_dist / "kg.trig")
    assert (disk.mode, memory.mode) == ("read-only", "in-memory")
    query = ("SELECT ?p (COUNT(DISTINCT ?o) AS ?n) WHERE { ?s ?p ?o } GROUP BY ?p ORDER BY ?p")
    assert disk.select(query) == memory.select(query)


def test_a_broken_store_is_one_clear_error(tmp_path: Path, dist: Path) -> None:
    target = tmp_path / "dist"
    shutil.copytree(dist, target, ignore=shutil.ignore_patterns(STORE_DIR))
    (target / STORE_DIR).mkdir()
    (target / STORE_DIR / "CURRENT").write_text("MANIFEST-999999\n")
    with pytest.raises(OSError, match="cannot open the persistent store read-only"):
        with running_server(target, workers=1):
            pass
