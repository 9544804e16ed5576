"""`kg build` end to end on the five seed documents."""

from __future__ import annotations

import ast
import hashlib
import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from pyld import jsonld
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import graph_diff, isomorphic, to_isomorphic

from kg.cli import main
from tests.conftest import BASE


def _diff_text(a: Graph, b: Graph, limit: int = 10) -> str:
    _, only_a, only_b = graph_diff(to_isomorphic(a), to_isomorphic(b))
    rows = [f"- {t}" for t in list(only_a)[:limit]] + [f"+ {t}" for t in list(only_b)[:limit]]
    return "\n".join(rows)


def test_outputs_are_all_there(dist: Path) -> None:
    names = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    for expected in ("kg.ttl", "kg.nt", "kg.trig", "kg.jsonld", "context.jsonld", "void.ttl",
                     "ontology.ttl", "shapes.ttl", "ontology/index.html", "SHA256SUMS"):
        assert expected in names


def test_checksums_match_files(dist: Path) -> None:
    lines = (dist / "SHA256SUMS").read_text().splitlines()
    listed = {}
    for line in lines:
        digest, name = line.split("  ", 1)
        listed[name] = digest
    files = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    # The build store's RocksDB files are not byte-stable, so they are not listed.
    store = {name for name in files if name.startswith("store/")}
    assert store, "the build publishes its store in dist/store/"
    assert set(listed) == files - {"SHA256SUMS"} - store
    for name, digest in listed.items():
        assert hashlib.sha256((dist / name).read_bytes()).hexdigest() == digest, name


def test_every_format_holds_the_same_graph(dist: Path, kg_turtle: Graph) -> None:
    nt = Graph().parse(dist / "kg.nt", format="nt")
    assert isomorphic(kg_turtle, nt), _diff_text(kg_turtle, nt)
    rdflib_jsonld = Graph().parse(dist / "kg.jsonld", format="json-ld")
    assert isomorphic(kg_turtle, rdflib_jsonld), _diff_text(kg_turtle, rdflib_jsonld)


def test_jsonld_through_pyld_is_isomorphic_and_fetches_nothing(dist: Path,
                                                               kg_turtle: Graph) -> None:
    document = json.loads((dist / "kg.jsonld").read_text(encoding="utf-8"))
    assert isinstance(document["@context"], dict), "the context must be inline"

    def no_fetch(url: str, options: dict) -> dict:  # pragma: no cover - must not be called
        raise AssertionError(f"pyld tried to fetch {url}")

    nquads = jsonld.to_rdf(document, {"format": "application/n-quads",
                                      "documentLoader": no_fetch})
    via_pyld = Graph().parse(data=nquads, format="nquads")
    assert isomorphic(kg_turtle, via_pyld), _diff_text(kg_turtle, via_pyld)


def test_context_file_is_the_inline_context(dist: Path) -> None:
    shipped = json.loads((dist / "context.jsonld").read_text())["@context"]
    inline = json.loads((dist / "kg.jsonld").read_text())["@context"]
    assert shipped == inline
    assert shipped["schema"] == "https://schema.org/"
    assert shipped["ceterms"] == "https://purl.org/ctdl/terms/"


def test_trig_has_one_graph_per_source_document(dist: Path) -> None:
    dataset = Dataset()
    dataset.parse(dist / "kg.trig", format="trig")
    names = {str(g.identifier) for g in dataset.graphs() if len(g)}
    documents = [f"{BASE}graph/{d}" for d in ("ooh-summary", "ooh-2010-outlook",
                                                "california-directory", "ooh-2022-profile",
                                                "career-guide")]
    for name in documents:
        assert name in names
    assert names - set(documents) == {f"{BASE}graph/{g}" for g in
                                      ("curation", "derived", "inferred", "ontology")}
    # Each document graph describes its own document and nothing claims another's quotes.
    for name in documents:
        graph = dataset.graph(URIRef(name))
        doc = URIRef(name.replace("/graph/", "/document/"))
        sources = set(graph.objects(None, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")))
        assert sources == {doc}, f"{name} derives from {sources}"


def test_trig_union_equals_turtle_plus_ontology(dist: Path, kg_turtle: Graph) -> None:
    dataset = Dataset()
    dataset.parse(dist / "kg.trig", format="trig")
    union = Graph()
    for graph in dataset.graphs():
        if not str(graph.identifier).endswith("/graph/ontology"):
            union += graph
    assert isomorphic(union, kg_turtle), _diff_text(union, kg_turtle)


def test_void_describes_the_downloads(dist: Path, kg_turtle: Graph) -> None:
    void = Graph().parse(dist / "void.ttl")
    rows = list(void.query("""
        PREFIX void: <http://rdfs.org/ns/void#>
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?triples (COUNT(DISTINCT ?dump) AS ?dumps) (COUNT(DISTINCT ?src) AS ?sources)
        WHERE { ?d a void:Dataset ; void:triples ?triples ; void:dataDump ?dump ;
                   <http://purl.org/dc/terms/source> ?src ; <http://purl.org/dc/terms/license> ?l }
        GROUP BY ?triples"""))
    assert len(rows) == 1
    triples, dumps, sources = rows[0]
    assert int(triples) == len(kg_turtle)
    assert int(dumps) == 4 and int(sources) == 5
    sizes = {str(t): int(s) for t, s in void.query("""
        PREFIX dcat: <http://www.w3.org/ns/dcat#>
        SELECT ?t ?s WHERE { ?x dcat:byteSize ?s ; <http://purl.org/dc/terms/title> ?t }""")}
    for name in ("kg.ttl", "kg.nt", "kg.trig", "kg.jsonld"):
        assert sizes[name] == (dist / name).stat().st_size


def test_two_builds_are_byte_identical(tmp_path: Path, dist: Path, seeds_dir: Path) -> None:
    import os
    import subprocess
    import sys

    other = tmp_path / "again"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    subprocess.run([sys.executable, "-m", "kg.cli", "build", "--out", str(other),
                    "--documents", str(seeds_dir)], check=True, env=env,
                   capture_output=True)
    def files(root: Path) -> dict[str, bytes]:
        return {p.relative_to(root).as_posix(): p.read_bytes()
                for p in sorted(root.rglob("*"))
                if p.is_file() and p.relative_to(root).parts[0] != "store"}

    first, second = files(dist), files(other)
    assert sorted(first) == sorted(second)
    differing = [name for name in first if first[name] != second[name]]
    assert differing == [], f"these files differ between two builds: {differing}"


def test_validate_command_accepts_the_build(dist: Path, capsys) -> None:
    assert main(["validate", str(dist / "kg.ttl")]) == 0
    assert main(["validate", str(dist / "kg.jsonld")]) == 0
    assert "0 violation(s)" in capsys.readouterr().out


def test_validate_command_reports_violations(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "bad.ttl"
    bad.write_text("""
        @prefix okg: <https://w3id.org/occupation-kg/ontology#> .
        @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://example.org/occ> a okg:Occupation ; okg:socCode "11-30510" .
    """)
    assert main(["validate", str(bad)]) == 1
    out = capsys.readouterr().out
    assert "socCode" in out and "<https://example.org/occ>" in out


def test_validate_command_names_an_unparsable_file(tmp_path: Path, capsys) -> None:
    bad = tmp_path / "broken.ttl"
    bad.write_text("<a> <b> .")
    assert main(["validate", str(bad)]) == 1
    assert "broken.ttl: cannot parse" in capsys.readouterr().err


def test_validate_reads_past_a_byte_order_mark(tmp_path: Path, capsys) -> None:
    """Regression (session 36's attack): a Turtle file a Windows editor saved with a byte
    order mark was refused as "'\ufeff is not a valid subject'", the mark invisible."""
    marked = tmp_path / "marked.ttl"
    marked.write_bytes(b"\xef\xbb\xbf@prefix ex: <http://example.org/> .\nex:a ex:b ex:c .\n")
    assert main(["validate", str(marked)]) == 0
    assert "marked.ttl: 1 triples, 0 violation(s)" in capsys.readouterr().out


# The build store (dist/store) ---------------------------------------------------------------


def test_store_holds_every_named_graph_and_their_union(dist: Path) -> None:
    """The contract `kg serve` relies on: every named graph of kg.trig (the ontology graph
    included), and in the default graph their set union, each triple once."""
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    store = Store.read_only(str(dist / "store"))
    trig = Store()
    trig.load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)

    def graphs(s: Store) -> dict[str, int]:
        rows = s.query("SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g")
        return {row["g"].value: int(row["n"].value) for row in rows}

    assert graphs(store) == graphs(trig)
    assert f"{BASE}graph/ontology" in graphs(store)
    union = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None)
             if q.graph_name != DefaultGraph()}
    default = [(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, DefaultGraph())]
    assert len(default) == len(set(default)) == len(union)
    assert set(default) == union


def test_store_dumps_do_not_depend_on_insertion_order(dist: Path, tmp_path: Path) -> None:
    """On-disk pyoxigraph keeps its indexes sorted by term encoding, not insertion order: the
    same quads loaded in opposite orders (the bulk loader, then quad by quad) dump the same
    bytes. This is what lets the build load the imports in parallel and still publish
    byte-identical downloads."""
    from pyoxigraph import DefaultGraph, NamedNode, Quad, RdfFormat, Store

    source = Store()
    source.load(path=str(dist / "kg.nt"), format=RdfFormat.N_TRIPLES)
    quads = sorted(source.quads_for_pattern(None, None, None), key=str)
    assert len(quads) > 5000
    graph = NamedNode(BASE + "graph/test")
    first, second = Store(str(tmp_path / "a")), Store(str(tmp_path / "b"))
    first.bulk_load(path=str(dist / "kg.nt"), format=RdfFormat.N_TRIPLES, to_graph=graph)
    for quad in reversed(quads):
        second.add(Quad(quad.subject, quad.predicate, quad.object, graph))
    for store in (first, second):
        store.update(f"INSERT {{ ?s ?p ?o }} WHERE {{ GRAPH <{graph.value}> {{ ?s ?p ?o }} }}")
    dumps = [(s.dump(format=RdfFormat.N_QUADS),
              s.dump(format=RdfFormat.TURTLE, from_graph=DefaultGraph()))
             for s in (first, second)]
    assert dumps[0] == dumps[1]


# Cycles that existed before this test, through an import inside a function; each is to be
# removed by the module's owner (and then from this list, which the test also checks).
KNOWN_IMPORT_CYCLES = {frozenset({"kg.serve.entities", "kg.serve.schema_org"})}


def _runtime_nodes(tree: ast.AST) -> Iterator[ast.AST]:
    """Every node but those under `if TYPE_CHECKING:` (imports for type hints only)."""
    for child in ast.iter_child_nodes(tree):
        if isinstance(child, ast.If) and isinstance(child.test, ast.Name) \
                and child.test.id == "TYPE_CHECKING":
            yield from (n for orelse in child.orelse for n in _runtime_nodes(orelse))
            continue
        yield child
        yield from _runtime_nodes(child)


def test_no_import_cycles_in_kg() -> None:
    """kg/ imports no module that (directly or not) imports it back; imports inside functions
    count too (they only move a cycle to run time), type-checking-only imports do not."""

    root = Path(__file__).resolve().parents[1] / "kg"
    modules = {}
    for path in root.rglob("*.py"):
        parts = path.relative_to(root.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        modules[name] = path
    edges: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        package = name if path.name == "__init__.py" else name.rpartition(".")[0]
        for node in _runtime_nodes(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1]
                                    + ([base] if base else []))
                targets = [base] + [f"{base}.{alias.name}" for alias in node.names]
            else:
                continue
            # A module's own packages are already being imported when it runs: not an edge.
            ancestors = {name.rsplit(".", i)[0] for i in range(name.count(".") + 1)}
            for target in targets:
                # importing kg.a.b runs kg/a/__init__.py first
                parts = target.split(".")
                for end in range(1, len(parts) + 1):
                    step = ".".join(parts[:end])
                    if step in modules and step not in ancestors:
                        edges[name].add(step)
    cycles = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        state[node] = 1
        for nxt in sorted(edges[node]):
            if state.get(nxt) == 1:
                cycles.append(path[path.index(nxt):] + [nxt] if nxt in path else [node, nxt])
            elif nxt not in state:
                visit(nxt, [*path, nxt])
        state[node] = 2

    for name in sorted(modules):
        if name not in state:
            visit(name, [name])
    found = {frozenset(c) for c in cycles}
    new = [c for c in cycles if frozenset(c) not in KNOWN_IMPORT_CYCLES]
    assert not new, "import cycles: " + "; ".join(" -> ".join(c) for c in new[:5])
    assert KNOWN_IMPORT_CYCLES <= found, "a known cycle is gone: remove it from the list"


def test_seed_build_runs_the_full_builds_stages(built) -> None:
    """One road: the seed build goes through every stage but the imports."""
    _, report = built
    assert list(report.stages) == ["load", "sources", "derived", "closure", "validation",
                                   "union", "kg.nt (waiting)", "export", "quality checks",
                                   "crosswalk sets", "optimize", "writers (rest)", "publish"]
    assert report.triples["downloads"] == sum(
        1 for _ in (built[0] / "kg.nt").open(encoding="utf-8"))


def test_published_store_carries_no_obsolete_write_ahead_logs(built) -> None:
    """Regression: RocksDB deletes the write-ahead logs a flush made obsolete only when it
    opens the database, so the published store carried them (9 MB of the seed store's 14 MB,
    1 GB of the full graph's 3.1 GB)."""
    logs = list((built[0] / "store").glob("*.log"))
    assert logs, "RocksDB keeps a current write-ahead log"
    assert sum(log.stat().st_size for log in logs) < 64 * 1024


def test_a_derived_stage_is_one_registry_line(tmp_path: Path) -> None:
    """A stage named by its dotted path runs on the store and reports the quads it added."""
    from pyoxigraph import Literal, NamedNode, Quad, Store

    from kg.build.derived import DERIVED_STAGES, run_derived_stages

    store = Store(str(tmp_path / "store"))
    occupation = NamedNode(BASE + "occupation/x")
    graph = NamedNode(BASE + "graph/curation")
    store.add(Quad(occupation, NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                   NamedNode("https://w3id.org/occupation-kg/ontology#Occupation"), graph))
    store.add(Quad(occupation, NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"),
                   Literal("Welders", language="en"), graph))
    added = run_derived_stages(store, BASE)
    assert list(added) == DERIVED_STAGES  # every registered stage ran, in order
    assert added["kg.build.derived_views.add_salary_distributions"] == 0  # no observations here
    # One entity with an okg class: its search text, and one search block (text and member).
    assert added["kg.build.search_text.add_search_texts"] == 3


def test_writer_worker_writes_the_same_bytes(dist: Path, tmp_path: Path, monkeypatch) -> None:
    """#12: the full build writes kg.trig's named graphs, kg.nt and kg.jsonld in a worker
    process on a checkpoint taken after the closure, while validation and the union go on in
    the build store: the seed graph's named graphs through that road (the ontology block
    appended to kg.trig) give the seed build's bytes; kg.nt is announced before the rest is
    written, and the union loaded meanwhile is not in kg.trig."""
    from pyoxigraph import DefaultGraph, NamedNode, RdfFormat, Store

    from kg.build.writers import UNION_REST, WriterJob, append_ontology
    from kg.sources.curated.vocabulary import load_ontology

    store = Store(str(tmp_path / "store"))
    store.load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)
    store.remove_graph(NamedNode(BASE + "graph/ontology"))
    monkeypatch.setattr(WriterJob, "PARALLEL_FROM", 0)
    out = tmp_path / "out"
    out.mkdir()
    with WriterJob("named-graphs", store, 1, tmp_path / "snapshot", out / "kg.trig",
                   BASE, {BASE + "graph/ontology"}) as job:
        assert job.process is not None  # it did run in a worker
        # What the union stage does meanwhile: no graph came from a file of its own, so the
        # worker's lines for the union are every named graph's.
        assert job.wait_for(UNION_REST)
        store.bulk_load(path=str(out / UNION_REST), format=RdfFormat.N_TRIPLES,
                        to_graph=DefaultGraph())
        (out / UNION_REST).unlink()
        assert job.wait_for("kg.nt")
        assert (out / "kg.nt").read_bytes() == (dist / "kg.nt").read_bytes()
        union = store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
        assert sorted(union.splitlines(True)) == (dist / "kg.nt").read_bytes().splitlines(True)
        job.wait()
    append_ontology(load_ontology(), out / "kg.trig", BASE)
    assert not (tmp_path / "snapshot").exists()
    assert sorted(p.name for p in out.iterdir()) == ["kg.jsonld", "kg.nt", "kg.trig"]
    for name in ("kg.trig", "kg.jsonld"):
        assert (out / name).read_bytes() == (dist / name).read_bytes(), name


def test_jsonld_from_sorted_lines_is_the_store_default_graph(dist: Path, tmp_path: Path) -> None:
    """#12: kg.jsonld is streamed from kg.nt's sorted lines instead of the store's default
    graph (the build no longer waits for a second worker after the union): the same node
    objects, only in kg.nt's order; lines whose subject comes back are refused."""
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    from kg.build.writers import write_jsonld, write_jsonld_from_ntriples

    store = Store(str(tmp_path / "store"))
    store.bulk_load(path=str(dist / "kg.nt"), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
    write_jsonld(store, tmp_path / "store.jsonld", BASE)
    write_jsonld_from_ntriples(dist / "kg.nt", tmp_path / "lines.jsonld", BASE)

    def nodes(path: Path) -> list[dict]:
        return sorted((json.loads(line.rstrip(",\n")) for line in
                       path.read_text(encoding="utf-8").splitlines(True)[2:-2]),
                      key=lambda node: node["@id"])

    from_lines = nodes(tmp_path / "lines.jsonld")
    assert from_lines == nodes(tmp_path / "store.jsonld")
    assert len(from_lines) == len({line.split(" ", 1)[0] for line in
                                   (dist / "kg.nt").read_text(encoding="utf-8").splitlines()})
    ungrouped = tmp_path / "ungrouped.nt"
    ungrouped.write_text('<http://e/a> <http://e/p> "1" .\n<http://e/b> <http://e/p> "2" .\n'
                         '<http://e/a> <http://e/p> "3" .\n', encoding="utf-8")
    with pytest.raises(RuntimeError, match="http://e/a came twice"):
        write_jsonld_from_ntriples(ungrouped, tmp_path / "bad.jsonld", BASE)


def test_writer_worker_leaves_kg_nt_to_the_build_on_blank_nodes(tmp_path: Path,
                                                                 monkeypatch) -> None:
    """A blank node leaves no lines to sort (a parse would rename it): the worker writes
    kg.trig only, `wait_for("kg.nt")` says so, and the build dumps its union instead."""
    from pyoxigraph import BlankNode, NamedNode, Quad, Store

    from kg.build.writers import WriterJob

    store = Store(str(tmp_path / "store"))
    store.add(Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                   BlankNode("b1"), NamedNode("http://example.org/g")))
    monkeypatch.setattr(WriterJob, "PARALLEL_FROM", 0)
    out = tmp_path / "out"
    out.mkdir()
    with WriterJob("named-graphs", store, 1, tmp_path / "snapshot", out / "kg.trig",
                   BASE) as job:
        assert not job.wait_for("kg.nt")
        assert job.written == {"kg.trig"}
    assert [p.name for p in out.iterdir()] == ["kg.trig"]


def test_writer_job_error_reaches_the_build(dist: Path, tmp_path: Path, monkeypatch) -> None:
    """A worker's failure is raised in the build process, which then fails (and publishes
    nothing): here kg.trig's writer finds the default graph already filled; and a worker
    killed without a word (the kernel's out-of-memory killer) is an error too, not a hang."""
    import os
    import signal

    from pyoxigraph import DefaultGraph, RdfFormat, Store

    from kg.build.writers import WriterJob

    store = Store(str(tmp_path / "store"))
    store.bulk_load(path=str(dist / "kg.nt"), format=RdfFormat.N_TRIPLES, to_graph=DefaultGraph())
    monkeypatch.setattr(WriterJob, "PARALLEL_FROM", 0)
    with WriterJob("named-graphs", store, 1, tmp_path / "snapshot", tmp_path / "kg.trig",
                   BASE) as job:
        with pytest.raises(RuntimeError, match="before the union"):
            job.wait_for("kg.nt")
    store.clear()
    with WriterJob("named-graphs", store, 1, tmp_path / "snapshot", tmp_path / "kg.trig",
                   BASE) as job:
        assert job.process is not None and job.process.pid is not None
        os.kill(job.process.pid, signal.SIGKILL)
        with pytest.raises(RuntimeError, match="exited with code -9"):
            job.wait()


def _seed_build_with_only(stage: object, tmp_path: Path, monkeypatch) -> Path:
    """A seed build whose only derived stage is `stage` (no source stage); its dist folder."""
    from kg.build import derived
    from kg.build.options import BuildOptions
    from kg.build.pipeline import build

    monkeypatch.setattr(derived, "resolve", lambda path: stage)
    monkeypatch.setattr(derived, "DERIVED_STAGES", ["tests.test_stage"])
    monkeypatch.setattr(derived, "SOURCE_STAGES", [])
    out = tmp_path / "dist"
    build(BuildOptions(out=out, ontology_docs=False))
    return out


def test_union_holds_the_graphs_of_every_derived_stage(tmp_path: Path, monkeypatch) -> None:
    """Regression: the default graph (kg.nt, and what `kg serve` queries) was the union of a
    fixed list of graphs, so the career transitions' own graph reached kg.trig but not the
    union, and the stored transition queries found nothing on the full build."""
    from pyoxigraph import DefaultGraph, Literal, NamedNode, Quad, Store

    stage_graph = NamedNode(BASE + "graph/test-stage")
    fact = (NamedNode(BASE + "test/subject"), NamedNode(BASE + "test/says"), Literal("hello"))

    def test_stage(store: Store, base: str) -> int:
        store.add(Quad(*fact, stage_graph))
        return 1

    out = _seed_build_with_only(test_stage, tmp_path, monkeypatch)
    store = Store.read_only(str(out / "store"))
    assert list(store.quads_for_pattern(*fact, stage_graph))
    assert list(store.quads_for_pattern(*fact, DefaultGraph()))
    assert "hello" in (out / "kg.nt").read_text(encoding="utf-8")


def test_a_blank_node_takes_the_store_dump_road(tmp_path: Path, monkeypatch) -> None:
    """A graph with a blank node has no lines to sort (a parse names blank nodes afresh): the
    build writes kg.nt and kg.jsonld from the store's default graph instead, and every download
    still holds the node's triples, linked to each other."""
    import pyld
    from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, parse

    graph = NamedNode(BASE + "graph/test-stage")
    subject, says = NamedNode(BASE + "test/subject"), NamedNode(BASE + "test/says")

    def test_stage(store: Store, base: str) -> int:
        store.extend([Quad(subject, says, BlankNode("note"), graph),
                      Quad(BlankNode("note"), says, Literal("hello"), graph)])
        return 2

    out = _seed_build_with_only(test_stage, tmp_path, monkeypatch)
    for name, kind in (("kg.nt", RdfFormat.N_TRIPLES), ("kg.trig", RdfFormat.TRIG)):
        triples = [q for q in parse(path=str(out / name), format=kind)]
        (link,) = [q for q in triples if q.subject == subject]
        assert isinstance(link.object, BlankNode), name
        assert [q.object for q in triples if q.subject == link.object] == [Literal("hello")]
    document = json.loads((out / "kg.jsonld").read_text(encoding="utf-8"))
    nodes = pyld.jsonld.expand(document)
    (node,) = [n for n in nodes if n["@id"] == subject.value]
    note = node[says.value][0]["@id"]
    assert [n[says.value] for n in nodes if n["@id"] == note] == [[{"@value": "hello"}]]


def test_union_keeps_blank_nodes_and_streams_the_rest(tmp_path: Path) -> None:
    """Regression: the union went through one SPARQL INSERT (1 GB at the full build's peak);
    the bulk loader that replaced it renames blank nodes, so a graph holding one must be
    copied as it is, and a literal that merely contains "_:" must not count as one."""
    from pyoxigraph import BlankNode, DefaultGraph, Literal, NamedNode, Quad, Store

    from kg.build.store import add_union, has_blank_node

    p = NamedNode("http://example.org/p")
    plain, blank = NamedNode("http://example.org/plain"), NamedNode("http://example.org/blank")
    store = Store(str(tmp_path / "store"))
    store.add(Quad(NamedNode("http://example.org/s"), p, Literal("see _:b1 ."), plain))
    store.add(Quad(NamedNode("http://example.org/s"), p, BlankNode("b1"), blank))
    store.add(Quad(BlankNode("b1"), p, Literal("x"), blank))
    add_union(store, [plain.value, blank.value], scratch=tmp_path)
    named = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None)
             if q.graph_name != DefaultGraph()}
    default = {(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, DefaultGraph())}
    assert default == named and len(default) == 3
    assert [p.name for p in tmp_path.iterdir()] == ["store"]  # the dumps are gone
    lines = tmp_path / "lines.nt"
    lines.write_text('<http://e/s> <http://e/p> "a _:b ." .\n', encoding="utf-8")
    assert not has_blank_node(lines)
    lines.write_text('<http://e/s> <http://e/p> _:b .\n', encoding="utf-8")
    assert has_blank_node(lines)


def test_blank_node_search_finds_a_marker_cut_by_a_block_boundary(tmp_path: Path) -> None:
    """has_blank_node first searches whole blocks for "_:" (only a file with one is read line
    by line): a "_:" split between two blocks must still be found."""
    from kg.build.store import _contains, has_blank_node

    lines = tmp_path / "lines.nt"
    lines.write_bytes(b'<http://e/s> <http://e/p> _:b .\n')
    cut = lines.read_bytes().index(b"_:") + 1  # the block ends between "_" and ":"
    assert _contains(lines, b"_:", block=cut)
    assert not _contains(lines, b"_;", block=cut)
    assert has_blank_node(lines)
    lines.write_bytes(b'<http://e/s> <http://e/p> "_" .\n<http://e/s> <http://e/q> ":" .\n')
    assert not has_blank_node(lines)


def test_sorted_union_is_the_default_graph(dist: Path, tmp_path: Path) -> None:
    """#12: kg.nt is the sorted lines of the named graphs' N-Quads dump that kg.trig's writer
    makes anyway, not a second dump of the store's default graph (33-60 s on the full graph),
    while the build fills the default graph from the import files and dumps of the other
    graphs. On the seed graph's named graphs plus an imported graph (from its file) that
    repeats one of their triples and holds a numeric literal the store normalises ("1.50" is
    stored as 1.5): kg.nt is the store's own dump of its default graph after the union,
    sorted, and kg.trig from the dump is the store's TriG dump; with a blank node there are no
    lines (the build dumps the default graph instead)."""
    from pyoxigraph import BlankNode, DefaultGraph, NamedNode, Quad, RdfFormat, Store

    from kg.build.store import add_union
    from kg.build.writers import (
        NAMED_QUADS,
        NAMED_TRIPLES,
        UNION_REST,
        sorted_union,
        split_named_graphs,
        trig_from_nquads,
    )
    from kg.prefixes import prefix_map

    store = Store(str(tmp_path / "store"))
    store.load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)
    store.remove_graph(NamedNode(BASE + "graph/ontology"))
    graphs = sorted(g.value for g in store.named_graphs())
    repeated = store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(graphs[0]))
    imported = tmp_path / "imported.nt"
    imported.write_bytes(repeated.splitlines(keepends=True)[0] + (
        b'<http://example.org/s> <http://example.org/p> "1.50"^^'
        b"<http://www.w3.org/2001/XMLSchema#decimal> .\n"))
    store.load(path=str(imported), format=RdfFormat.N_TRIPLES,
               to_graph=NamedNode(BASE + "graph/i"))
    out = tmp_path / "out"
    out.mkdir()
    assert split_named_graphs(store, out, [BASE + "graph/i"])
    trig_from_nquads(out / NAMED_QUADS, out / "kg.trig", BASE)
    assert (out / "kg.trig").read_bytes() == store.dump(format=RdfFormat.TRIG,
                                                       prefixes=prefix_map(BASE))
    # The lines for the union leave out the graph loaded from its own file, and only it.
    rest = (out / UNION_REST).read_bytes()
    assert b"<http://example.org/s>" not in rest
    assert set(rest.splitlines(True)) == set(b"".join(
        store.dump(format=RdfFormat.N_TRIPLES, from_graph=NamedNode(g)) for g in graphs
    ).splitlines(True))
    add_union(store, [], [imported, out / UNION_REST], scratch=tmp_path)
    named = {(q.subject, q.predicate, q.object) for q in store.quads_for_pattern(None, None, None)
             if q.graph_name != DefaultGraph()}
    default = {(q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, DefaultGraph())}
    assert default == named
    sorted_union(out / NAMED_TRIPLES, out / "kg.nt", tmp_path)
    dumped = store.dump(format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    assert (out / "kg.nt").read_bytes() == b"".join(sorted(set(dumped.splitlines(True))))
    assert b'"1.5"^^' in (out / "kg.nt").read_bytes()
    # A blank node (here in the last line of the dump): no files left behind.
    blank = Store()
    blank.add(Quad(NamedNode("http://example.org/s"), NamedNode("http://example.org/p"),
                   BlankNode("b1"), NamedNode("http://example.org/g")))
    blank.add(Quad(NamedNode("http://example.org/a"), NamedNode("http://example.org/p"),
                   NamedNode("http://example.org/b"), NamedNode("http://example.org/g")))
    other = tmp_path / "blank"
    other.mkdir()
    assert not split_named_graphs(blank, other)
    assert list(other.iterdir()) == []


def test_union_loads_big_files_in_chunks(tmp_path: Path) -> None:
    """Regression: the union bulk-loaded each import file in one call (1.2 GB at the full
    build's peak); in chunks it must give the same default graph."""
    from pyoxigraph import DefaultGraph, Store

    from kg.build.store import bulk_load_in_chunks

    lines = tmp_path / "import.nt"
    lines.write_text("".join(f'<http://e/s{i}> <http://e/p> "{i}" .\n' for i in range(25)),
                     encoding="utf-8")
    store = Store(str(tmp_path / "store"))
    bulk_load_in_chunks(store, lines, chunk_lines=7)
    objects = {q.object.value for q in store.quads_for_pattern(None, None, None, DefaultGraph())}
    assert objects == {str(i) for i in range(25)}


def test_add_quads_bulk_loads_and_keeps_blank_nodes(tmp_path: Path) -> None:
    """#12: the derived stages and the closure add their quads through the bulk loader
    (`Store.extend` looked up every term first: 48 of the closure's 118 s on the full graph);
    in batches it gives the store `extend` gives, and a blank node keeps its identity."""
    from pyoxigraph import BlankNode, Literal, NamedNode, Quad, Store

    from kg.build.store import add_quads

    graph = NamedNode("http://example.org/g")
    p = NamedNode("http://example.org/p")
    node = BlankNode("b1")
    quads = [Quad(NamedNode(f"http://example.org/s{i}"), p, Literal(f"v{i}", language="en"),
                  graph) for i in range(25)]
    quads += [Quad(NamedNode("http://example.org/s0"), p, node, graph),
              Quad(node, p, Literal("x"), graph), quads[3]]
    bulk, plain = Store(str(tmp_path / "bulk")), Store(str(tmp_path / "plain"))
    assert add_quads(bulk, quads, batch=7) == len(quads)
    plain.extend(quads)
    # The same quads, the blank node under its own name in both (not renamed by a parse).
    assert set(bulk) == set(plain) and len(set(bulk)) == 27
    assert len(list(bulk.quads_for_pattern(node, p, None))) == 1


def test_validated_part_leaves_out_derived_triples_about_imported_nodes() -> None:
    """validation.curated_graph: the curated graphs, and the derived and inferred triples whose
    subject no imported graph describes (an anti-join since session 17, a per-triple FILTER NOT
    EXISTS before); a node an imported graph describes stays out, whatever graph it is in."""
    from pyoxigraph import NamedNode, Quad, Store

    from kg.build.validation import curated_graph

    e, graph = "http://e/", BASE + "graph/"
    store = Store()

    def add(s: str, o: str, g: str) -> None:
        store.add(Quad(NamedNode(e + s), NamedNode(e + "p"), NamedNode(e + o), NamedNode(g)))

    add("curated", "x", graph + "career-guide")
    add("imported", "x", graph + "onet")
    add("imported2", "x", graph + "esco")
    add("curated", "y", graph + "derived")
    add("imported", "y", graph + "derived")
    add("imported2", "z", graph + "inferred")
    add("minted", "z", graph + "inferred")
    data = curated_graph(store, [graph + "career-guide"], [graph + "onet", graph + "esco"], BASE)
    assert sorted((str(s)[len(e):], str(o)[len(e):]) for s, _, o in data) == [
        ("curated", "x"), ("curated", "y"), ("minted", "z")]
    everything = curated_graph(store, [graph + "career-guide"], [], BASE)
    assert len(everything) == 5  # no imports: all of derived and inferred


def test_validate_fetches_no_remote_json_ld_context(tmp_path: Path, capsys) -> None:
    """Regression (session 29's attack): rdflib fetched a JSON-LD file's remote @context, with
    no time limit: a server that never answered hung `kg validate`. It is refused, unfetched: a
    listener here sees no connection."""
    import socket

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(0.5)
    port = listener.getsockname()[1]
    for context in (f'"http://127.0.0.1:{port}/ctx.jsonld"',
                    f'[{{"@vocab": "http://x/"}}, {{"@import": "http://127.0.0.1:{port}/c"}}]'):
        remote = tmp_path / "remote.jsonld"
        remote.write_text(f'{{"@context": {context}, "@id": "http://x/a", "http://x/b": "c"}}')
        assert main(["validate", str(remote)]) == 1
        assert f"http://127.0.0.1:{port}/" in capsys.readouterr().err
    with pytest.raises(TimeoutError):
        listener.accept()
    listener.close()


def test_validate_reads_a_long_n_triples_line_at_once(tmp_path: Path, capsys) -> None:
    """Regression (session 29's attack): rdflib's N-Triples parser took time quadratic in a
    line's length (a 3-million-character literal 30 s); pyoxigraph reads the file now."""
    import time

    long = tmp_path / "long.nt"
    long.write_text('<http://x/a> <http://x/b> "' + "y" * 3_000_000 + '" .\n'
                    '_:b <http://x/c> "x"@en .\n', encoding="utf-8")
    started = time.monotonic()
    assert main(["validate", str(long)]) == 0
    assert time.monotonic() - started < 15
    assert "2 triples, 0 violation(s)" in capsys.readouterr().out


@pytest.mark.parametrize("suffix", [".ttl", ".trig"])
def test_validate_reads_a_long_triple_quoted_string_at_once(tmp_path: Path, suffix: str,
                                                           capsys) -> None:
    """Regression (session 30's attack): rdflib's Turtle parser took 200 s for a 2 MB
    triple-quoted literal of a million lines (6.3 s for 500 KB: more than linear); Turtle and
    TriG are read by pyoxigraph now, as N-Triples was."""
    import time

    body = '<http://x/a> <http://x/b> """' + "y\n" * 500_000 + '""" .\n<s> <http://x/c> "x"@en .'
    long = tmp_path / f"long{suffix}"
    long.write_text(body if suffix == ".ttl" else f"<http://x/g> {{ {body} }}\n",
                    encoding="utf-8")
    started = time.monotonic()
    assert main(["validate", str(long)]) == 0
    assert time.monotonic() - started < 15  # rdflib: about 50 s
    assert "2 triples, 0 violation(s)" in capsys.readouterr().out


def test_validate_names_an_rdf_star_triple(tmp_path: Path, capsys) -> None:
    """Regression (session 30's second audit): a quoted triple ended in "'pyoxigraph.Triple'
    object has no attribute 'language'"."""
    star = tmp_path / "star.ttl"
    star.write_text("<http://x/s> <http://x/p> << <http://x/a> <http://x/b> <http://x/c> >> .\n",
                    encoding="utf-8")
    assert main(["validate", str(star)]) == 1
    assert "holds an RDF-star quoted triple" in capsys.readouterr().err
