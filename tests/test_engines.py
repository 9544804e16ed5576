"""The same query gives the same rdflib terms on Oxigraph, rdflib and Virtuoso."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest
from rdflib import Literal, URIRef
from rdflib.compare import isomorphic

from kg.cli.query import register
from kg.query.engines import ENGINES, QueryTimeout, open_engine, run
from kg.query.remote_load import load
from kg.query.results import SELECT_FORMATS, Table, canonical_term, write_json
from tests.conftest_virtuoso import virtuoso  # noqa: F401 - the fixture

ID = "https://w3id.org/occupation-kg/id/"
OKG = "https://w3id.org/occupation-kg/ontology#"
XSD = "http://www.w3.org/2001/XMLSchema#"
IPM = ID + "occupation/industrial-production-managers"

TRIG = r"""
@prefix okg: <https://w3id.org/occupation-kg/ontology#> .
@prefix id: <https://w3id.org/occupation-kg/id/> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .

<https://w3id.org/occupation-kg/graph/onet-29.3> {
  id:occupation\/industrial-production-managers a okg:Occupation ;
      skos:prefLabel "Industrial Production Managers"@en ,
                     "Directeurs de la production industrielle"@fr-CA ;
      skos:notation "11-3051" .
  id:occupation\/construction-managers a okg:Occupation ;
      skos:prefLabel "Construction Managers"@en ;
      skos:notation "11-9021"^^xsd:string .
}

<https://w3id.org/occupation-kg/graph/bls-oews> {
  id:obs\/ipm-2021-median a okg:WageObservation ;
      okg:occupation id:occupation\/industrial-production-managers ;
      okg:statistic okg:median ; okg:year 2021 ; okg:value "108790.00"^^xsd:decimal ;
      okg:employment 179000 ; okg:preliminary false .
  id:obs\/ipm-2008-median a okg:WageObservation ;
      okg:occupation id:occupation\/industrial-production-managers ;
      okg:statistic okg:median ; okg:year 2008 ; okg:value 85000.5 ; okg:ratio 1.5e0 .
  id:obs\/cm-2021-median a okg:WageObservation ;
      okg:occupation id:occupation\/construction-managers ;
      okg:statistic okg:median ; okg:year 2021 ; okg:value "98890"^^xsd:decimal .
}

<https://w3id.org/occupation-kg/graph/credentials> {
  id:credential\/cpim a okg:Credential ;
      rdfs:label "Certified in Production and Inventory Management"@en ;
      okg:relevantTo id:occupation\/industrial-production-managers ;
      okg:renewalYears 5 ;
      okg:quote "They must \"renew\" it\tevery 5 years;\nsee the handbook \\ p. 3" .
}
"""

QUERIES = {
    "wages": """\
# title: Wages of an occupation
# question: What median wages were observed for an occupation, in which year, from which source?
# param: occupation (iri) = https://w3id.org/occupation-kg/id/occupation/industrial-production-managers
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
SELECT ?year ?value ?g WHERE {
  GRAPH ?g { ?obs okg:occupation ?occupation ; okg:year ?year ; okg:value ?value . }
} ORDER BY ?year
""",
    "labels": """\
# title: Labels
# question: What is each occupation called, in which language, and which code does it have?
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?occ ?label ?code ?missing WHERE {
  ?occ skos:prefLabel ?label .
  OPTIONAL { ?occ skos:notation ?code }
  OPTIONAL { ?occ skos:broader ?missing }
} ORDER BY ?occ ?label
""",
    "totals": """\
# title: Totals
# question: How many wage observations and what summed value per year?
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
SELECT ?year (COUNT(?obs) AS ?n) (SUM(?value) AS ?total) WHERE {
  ?obs okg:year ?year ; okg:value ?value .
} GROUP BY ?year ORDER BY ?year
""",
    "has-credential": """\
# title: Has a credential
# question: Is any credential relevant to this occupation?
# param: occupation (iri) -- the occupation
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
ASK { ?c okg:relevantTo ?occupation }
""",
    "card": """\
# title: Occupation card
# question: What do we know about an occupation and its credentials?
# param: occupation (iri) = https://w3id.org/occupation-kg/id/occupation/construction-managers
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
CONSTRUCT { ?occupation ?p ?o . ?c ?cp ?co . } WHERE {
  { ?occupation ?p ?o } UNION { ?c okg:relevantTo ?occupation ; ?cp ?co }
}
""",
    "echo": """\
# title: Echo
# question: What string did I pass?
# param: text (string) -- any text
SELECT ?text WHERE { }
""",
    "unlabelled-violation": """\
# title: Occupations without a label
# question: Which occupations have no skos:prefLabel?
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT ?occ WHERE { ?occ a okg:Occupation FILTER NOT EXISTS { ?occ skos:prefLabel ?l } }
""",
    "credential-without-issuer-violation": """\
# title: Credentials without an issuer
# question: Which credentials do not say who issues them?
PREFIX okg: <https://w3id.org/occupation-kg/ontology#>
SELECT ?credential WHERE {
  ?credential a okg:Credential FILTER NOT EXISTS { ?credential okg:issuer ?i }
}
""",
}

AGREEMENT = [
    "SELECT ?s ?p ?o WHERE { ?s ?p ?o } ORDER BY ?s ?p ?o",
    "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g ORDER BY ?g",
    "SELECT ?l WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?l "
    'FILTER(langMatches(lang(?l), "fr")) }',
    "SELECT ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#notation> ?o } ORDER BY ?o",
]


def same(a: Table, b: Table) -> bool:
    """Same variables and the same rows as rdflib terms (order aside: ORDER BY between literals of
    different languages or types is engine-defined)."""
    return a.variables == b.variables and sorted(a.rows, key=repr) == sorted(b.rows, key=repr)


def write_fixture(root: Path) -> tuple[Path, Path]:
    """dist/kg.trig and queries/*.rq under `root`; return (dist, queries)."""
    dist, queries = root / "dist", root / "queries"
    dist.mkdir(parents=True, exist_ok=True)
    queries.mkdir(exist_ok=True)
    (dist / "kg.trig").write_text(TRIG, encoding="utf-8")
    for name, text in QUERIES.items():
        (queries / f"{name}.rq").write_text(text, encoding="utf-8")
    return dist, queries


def run_cli(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="kg")
    register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.handler(args)


@pytest.fixture(scope="module")
def fixture_dirs(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return write_fixture(tmp_path_factory.mktemp("engines"))


@pytest.fixture(scope="module")
def local_engines(fixture_dirs: tuple[Path, Path]) -> dict[str, object]:
    trig = fixture_dirs[0] / "kg.trig"
    return {name: open_engine(name, trig) for name in ("oxigraph", "rdflib")}


@pytest.fixture(scope="module")
def all_engines(local_engines, fixture_dirs, virtuoso):  # noqa: F811 - pytest fixture
    load(
        fixture_dirs[0] / "kg.trig",
        virtuoso.sparql_url,
        virtuoso.user,
        virtuoso.password,
        progress=False,
    )
    return {**local_engines, "remote": open_engine("remote", virtuoso.sparql_url)}


def test_registry_names() -> None:
    assert list(ENGINES) == ["oxigraph", "rdflib", "remote"]


def test_oxigraph_and_rdflib_agree_on_terms(local_engines) -> None:
    ox, rd = local_engines["oxigraph"], local_engines["rdflib"]
    for query in AGREEMENT:
        assert same(ox.select(query), rd.select(query)), query
    table = ox.select(AGREEMENT[0])
    assert len(table) == 30
    objects = {row[2] for row in table.rows}
    # Typed literals keep their datatype, canonical lexical form; lang and xsd:string normalised.
    assert Literal("108790", datatype=URIRef(XSD + "decimal")) in objects
    assert Literal("85000.5", datatype=URIRef(XSD + "decimal")) in objects
    assert Literal("179000", datatype=URIRef(XSD + "integer")) in objects
    assert Literal("false", datatype=URIRef(XSD + "boolean")) in objects
    assert Literal("1.5", datatype=URIRef(XSD + "double")) in objects
    assert Literal("Directeurs de la production industrielle", lang="fr-ca") in objects
    assert Literal("11-9021") in objects  # "..."^^xsd:string is the simple literal


def test_three_engines_agree(all_engines) -> None:
    for query in AGREEMENT + [QUERIES["labels"]]:
        tables = {name: e.select(query) for name, e in all_engines.items()}
        assert tables["oxigraph"].rows, query
        assert same(tables["rdflib"], tables["oxigraph"]), query
        assert same(tables["remote"], tables["oxigraph"]), query
    # A fully ordered result is identical row by row, order included.
    totals = {name: e.select(QUERIES["totals"]) for name, e in all_engines.items()}
    assert totals["oxigraph"] == totals["rdflib"] == totals["remote"]
    assert totals["oxigraph"].rows[1] == (
        Literal(2021),
        Literal(2),
        Literal("207680", datatype=URIRef(XSD + "decimal")),
    )
    # Virtuoso's system graphs stay out of the dataset: the manifest lists only ours.
    assert len(all_engines["remote"].select(AGREEMENT[0])) == 30
    for ask, expected in [
        (f"ASK {{ ?c <{OKG}relevantTo> <{IPM}> }}", True),
        (f"ASK {{ ?c <{OKG}relevantTo> <{ID}nothing> }}", False),
    ]:
        assert {name: e.ask(ask) for name, e in all_engines.items()} == {
            "oxigraph": expected,
            "rdflib": expected,
            "remote": expected,
        }
    construct = QUERIES["card"].replace("?occupation", f"<{IPM}>")
    graphs = {name: e.construct(construct) for name, e in all_engines.items()}
    assert len(graphs["oxigraph"]) == 9
    for name in ("rdflib", "remote"):
        assert set(graphs[name]) == set(graphs["oxigraph"]), name
        assert isomorphic(graphs[name], graphs["oxigraph"])


def test_three_engines_through_the_cli(all_engines, fixture_dirs, virtuoso, capsys):  # noqa: F811
    dist, queries = fixture_dirs
    outputs = {}
    for engine in ("oxigraph", "rdflib", "remote"):
        where = ["--endpoint", virtuoso.sparql_url] if engine == "remote" else ["--engine", engine]
        assert (
            run_cli(
                "query",
                "wages",
                "--queries",
                str(queries),
                "--dist",
                str(dist),
                "--format",
                "json",
                *where,
            )
            == 0
        )
        outputs[engine] = capsys.readouterr().out
    assert outputs["oxigraph"] == outputs["rdflib"] == outputs["remote"]
    doc = json.loads(outputs["oxigraph"])
    assert doc["head"]["vars"] == ["year", "value", "g"]
    assert doc["results"]["bindings"][0]["value"] == {
        "type": "literal",
        "datatype": XSD + "decimal",
        "value": "85000.5",
    }


def test_run_dispatches_on_form(local_engines) -> None:
    ox = local_engines["oxigraph"]
    assert isinstance(run(ox, "SELECT * WHERE { ?s ?p ?o } LIMIT 1"), Table)
    assert run(ox, "ASK { ?s ?p ?o }") is True
    assert len(run(ox, f"DESCRIBE <{IPM}>")) > 0


def test_embedded_timeout(fixture_dirs) -> None:
    engine = open_engine("rdflib", fixture_dirs[0] / "kg.trig", timeout=0.001)
    with pytest.raises(QueryTimeout, match="did not finish"):
        engine.select("SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }")


def test_unknown_engine_and_missing_source(tmp_path) -> None:
    from kg.query.engines import EngineError

    with pytest.raises(EngineError, match="unknown engine"):
        open_engine("jena", tmp_path / "kg.trig")
    with pytest.raises(EngineError, match="no such file"):
        open_engine("oxigraph", tmp_path / "kg.trig")
    bad = tmp_path / "bad.trig"
    bad.write_text("<a> <b> .", encoding="utf-8")
    with pytest.raises(EngineError, match="bad.trig"):
        open_engine("oxigraph", bad)


def test_result_formats(local_engines) -> None:
    table = local_engines["oxigraph"].select(QUERIES["labels"])
    assert set(SELECT_FORMATS) == {"table", "csv", "tsv", "json"}
    csv_text = SELECT_FORMATS["csv"](table)
    assert csv_text.startswith("occ,label,code,missing\r\n")
    assert f"{IPM},Directeurs de la production industrielle,11-3051,\r\n" in csv_text
    tsv_text = SELECT_FORMATS["tsv"](table)
    assert tsv_text.startswith("?occ\t?label\t?code\t?missing\n")
    assert f'<{IPM}>\t"Directeurs de la production industrielle"@fr-ca\t"11-3051"\t\n' in tsv_text
    text = SELECT_FORMATS["table"](table)
    assert "id:occupation/industrial-production-managers" in text and "(3 rows)" in text
    # JSON round-trips to the same terms.
    doc = json.loads(write_json(table))
    from kg.query.engines import _from_json

    rows = [
        tuple(_from_json(b.get(v)) for v in doc["head"]["vars"]) for b in doc["results"]["bindings"]
    ]
    assert rows == table.rows


def test_escapes_in_tsv_and_json(local_engines) -> None:
    q = f"SELECT ?q WHERE {{ ?c <{OKG}quote> ?q }}"
    table = local_engines["oxigraph"].select(q)
    value = 'They must "renew" it\tevery 5 years;\nsee the handbook \\ p. 3'
    assert table.rows == [(Literal(value),)]
    assert SELECT_FORMATS["tsv"](table).splitlines()[1] == (
        '"They must \\"renew\\" it\\tevery 5 years;\\nsee the handbook \\\\ p. 3"'
    )
    assert json.loads(write_json(table))["results"]["bindings"][0]["q"]["value"] == value
    assert canonical_term(Literal("x", datatype=URIRef(XSD + "string"))) == Literal("x")
