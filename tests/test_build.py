"""`kg build` end to end on the five seed documents."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

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
    assert set(listed) == files - {"SHA256SUMS"}
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
                for p in sorted(root.rglob("*")) if p.is_file()}

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
