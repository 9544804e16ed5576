"""One regression test per bug fixed in the build."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import pytest
from rdflib import OWL, RDF, XSD, BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from kg.build.owlrl_reference import keep_useful
from kg.build.writers import write_jsonld, write_turtle
from kg.errors import SourceError
from kg.sources.curated.builder import build_dataset
from kg.sources.curated.literals import decimal_literal, typed_literal
from kg.sources.curated.loader import load_sources
from kg.sources.curated.vocabulary import OntologyIndex, load_ontology

BASE = "https://w3id.org/occupation-kg/id/"
DOCS = """documents:
  - {id: doc-a, file: a.txt, sha256: "%s", title: A, kind: test page}
""" % ("0" * 64)


@pytest.fixture(scope="module")
def ontology() -> OntologyIndex:
    return OntologyIndex(load_ontology())


def _sources(tmp_path: Path, records: str) -> Path:
    (tmp_path / "documents.yaml").write_text(DOCS)
    (tmp_path / "records.yaml").write_text(records)
    return tmp_path


def test_inverse_fact_checks_the_record_against_the_range(tmp_path, ontology):
    """Bug: for `^hasDuty` the builder checked the *ref* (an Occupation) against the range (Duty)
    and rejected every inverse fact."""
    sources = load_sources(_sources(tmp_path, """records:
  - id: occupation/o
    type: Occupation
    label: O
    facts: [{p: socCode, value: "11-3051", curated: test}]
  - id: duty/d
    type: Duty
    label: D
    facts: [{p: ^hasDuty, ref: occupation/o, curated: test}]
"""), ontology)
    dataset = build_dataset(sources, ontology, BASE).dataset
    triple = (URIRef(BASE + "occupation/o"), URIRef(
        "https://w3id.org/occupation-kg/ontology#hasDuty"), URIRef(BASE + "duty/d"))
    assert any(triple in graph for graph in dataset.graphs())


def test_inverse_fact_with_wrong_kinds_is_still_rejected(tmp_path, ontology):
    sources = load_sources(_sources(tmp_path, """records:
  - id: occupation/o
    type: Occupation
    label: O
    facts: [{p: socCode, value: "11-3051", curated: test}]
  - id: topic/t
    type: Topic
    label: T
    facts: [{p: ^hasDuty, ref: occupation/o, curated: test}]
"""), ontology)
    with pytest.raises(SourceError, match="topic/t is a Topic, but the property expects a Duty"):
        build_dataset(sources, ontology, BASE)


@pytest.mark.parametrize("value, lexical", [("40", "40.0"), ("-8", "-8.0"), ("12.50", "12.5"),
                                            ("83290", "83290.0")])
def test_decimals_have_one_canonical_lexical_form(value: str, lexical: str):
    """Bug: rdflib wrote Decimal('40') as `40.0` in Turtle but "40" in JSON-LD, so the two
    downloads were not isomorphic."""
    literal = decimal_literal(Decimal(value))
    assert str(literal) == lexical and literal.datatype == XSD.decimal


def test_turtle_and_jsonld_agree_on_decimals_and_strings(tmp_path: Path):
    """Bugs: explicit ^^xsd:string literals and non-canonical decimals broke isomorphism, and a
    one-node graph came out of the JSON-LD writer empty (rdflib writes it without @graph)."""
    graph = Graph()
    s = URIRef(BASE + "x/y")
    graph.add((s, URIRef("https://example.org/code"), typed_literal("code", "31-33", XSD.string)))
    graph.add((s, URIRef("https://example.org/value"), decimal_literal(Decimal("7"))))
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    store = Store(str(tmp_path / "store"))  # the writers read an on-disk build store
    store.load(graph.serialize(format="nt", encoding="utf-8"), format=RdfFormat.N_TRIPLES,
               to_graph=DefaultGraph())
    write_turtle(store, tmp_path / "g.ttl", BASE)
    write_jsonld(store, tmp_path / "g.jsonld", BASE)
    ttl = Graph().parse(tmp_path / "g.ttl")
    jsonld = Graph().parse(tmp_path / "g.jsonld", format="json-ld")
    assert isomorphic(ttl, jsonld)


def test_closure_drops_blank_node_class_expressions():
    """Bug: a union-class domain made owlrl type data nodes with a blank node, which leaked a
    blank node into the downloads (and broke pyld: "@type" must be a string)."""
    s = URIRef(BASE + "education-requirement/x")
    expanded = Graph()
    expanded.add((s, RDF.type, BNode()))
    expanded.add((s, RDF.type, URIRef("https://schema.org/Thing")))
    expanded.add((s, OWL.sameAs, s))
    kept = keep_useful(expanded, Graph(), BASE)
    assert list(kept) == [(s, RDF.type, URIRef("https://schema.org/Thing"))]


def test_plain_and_typed_strings_are_one_literal():
    assert typed_literal("naicsCode", "336", XSD.string) == Literal("336")


def test_ontology_documentation_is_byte_stable(tmp_path: Path):
    """Bug: pyLODE listed the members of owl:unionOf class expressions in a set ordered by object
    identity, so "EducationRequirement or ExperienceRequirement" flipped between builds."""
    from kg.build.ontology_docs import write_ontology_html
    from kg.resources import ontology_files

    pages = []
    for run in range(3):
        target = tmp_path / f"run{run}" / "index.html"
        write_ontology_html(ontology_files()[0], target)
        pages.append(target.read_bytes())
    assert pages[0] == pages[1] == pages[2]


def test_trig_keeps_multi_line_literals_intact():
    """Regression: TriG blocks were indented line by line, which put spaces inside literals that
    span lines (okg:searchText joins labels with line breaks)."""
    from rdflib import Dataset

    from kg.build.writers import trig_block
    from kg.prefixes import OKG

    graph = Graph()
    text = Literal("just-in-time\njust-in-time production")
    graph.add((URIRef("https://w3id.org/occupation-kg/id/methodology/jit"), OKG.searchText, text))
    name = "https://w3id.org/occupation-kg/id/graph/derived"
    block = f"@prefix okg: <{OKG}> .\n" + trig_block(graph, name, BASE)
    parsed = Dataset()
    parsed.parse(data=block, format="trig")
    assert text in set(parsed.graph(URIRef(name)).objects())


def test_full_build_jsonld_is_compact_one_node_per_subject(dist: Path, tmp_path: Path) -> None:
    """Regression: the full build wrote expanded JSON-LD inside the context (648,131 node objects
    for 230,185 subjects, no key using the context). Both roads now share one compacting writer;
    here the full build's road (a pyoxigraph store's default graph) writes the seed graph."""
    import json

    from pyld import jsonld
    from pyoxigraph import DefaultGraph, RdfFormat, Store

    from kg.build.store import add_union
    from kg.build.writers import UNION_WRITERS, turtle_from_ntriples

    store = Store(str(tmp_path / "store"))
    store.load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)
    store.update(f"DELETE WHERE {{ GRAPH <{BASE}graph/ontology> {{ ?s ?p ?o }} }}")
    add_union(store, [row["g"].value for row in store.query(
        "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")])
    out = tmp_path / "full"
    out.mkdir()
    for name, write in UNION_WRITERS.items():
        write(store, out / {"ntriples": "kg.nt", "turtle": "kg.ttl", "jsonld": "kg.jsonld"}[name],
              BASE)
    # The build's road to kg.ttl (from kg.nt, not the store) gives the same bytes.
    turtle_from_ntriples(out / "kg.nt", out / "from-nt.ttl", BASE)
    assert (out / "from-nt.ttl").read_bytes() == (out / "kg.ttl").read_bytes()
    document = json.loads((out / "kg.jsonld").read_text(encoding="utf-8"))
    nodes = document["@graph"]
    subjects = {q.subject for q in store.quads_for_pattern(None, None, None, DefaultGraph())}
    assert len(nodes) == len(subjects)
    assert not [key for node in nodes for key in node if key.startswith("http")]
    expanded = jsonld.to_rdf(document, {"format": "application/n-quads"})
    expected = Graph().parse(out / "kg.nt", format="nt")
    assert isomorphic(Graph().parse(data=expanded, format="nt"), expected)


def test_a_decimal_with_an_exponent_or_ten_thousand_digits_is_read_at_once() -> None:
    """Session 29's attack: `SELECT ("1e9999999"^^xsd:decimal AS ?x) {}` made `kg query`
    compute a ten-million-digit integer to canonicalise it, past --timeout and Ctrl-C. An
    exponent is no xsd:decimal (the literal stays as written); long digits are canonicalised
    as digits."""
    import time
    from decimal import InvalidOperation

    from kg.query.results import canonical_decimal, make_literal

    started = time.monotonic()
    with pytest.raises(InvalidOperation):
        canonical_decimal("1e9999999")
    xsd = "http://www.w3.org/2001/XMLSchema#decimal"
    assert str(make_literal("1e9999999", xsd)) == "1e9999999"
    assert canonical_decimal("00" + "1" * 10_000 + ".500") == "1" * 10_000 + ".5"
    assert [canonical_decimal(x) for x in ("5.0", "-0.0", "+1.50", ".5", "-12")] == [
        "5", "0", "1.5", "0.5", "-12"]
    assert time.monotonic() - started < 5


def test_a_yaml_integer_too_long_to_read_is_a_located_problem(tmp_path: Path) -> None:
    """Session 29's attack: an integer of more than 4,300 digits in a curated record raised
    Python's ValueError from inside PyYAML, a traceback naming no file or line."""
    from kg.errors import KgError
    from kg.sources.curated.yaml_lines import load_yaml

    record = tmp_path / "record.yaml"
    record.write_text("id: x\nreference_years: [2021, " + "9" * 5000 + "]\n", encoding="utf-8")
    with pytest.raises(KgError, match=r"record\.yaml:2:\d+: a number of 5,000 characters"):
        load_yaml(record)
    assert load_yaml_ok(tmp_path)


def load_yaml_ok(folder: Path) -> bool:
    from kg.sources.curated.yaml_lines import load_yaml

    fine = folder / "fine.yaml"
    fine.write_text("id: y\nreference_years: [2021, 2024]\n", encoding="utf-8")
    return list(load_yaml(fine)["reference_years"]) == [2021, 2024]


def test_a_soc_page_lists_no_transitions_whose_figures_it_gives() -> None:
    """Session 29's audit: SOC 29-1141's page listed 462 lines of "Paramedics → Critical Care
    Nurses, career transition no. 3" under Related: the transitions whose wage or outlook
    figures the code gives. The O*NET pages list the moves; the SOC page leaves them out."""
    from kg.query.union_graph import materialise_union
    from kg.serve.entities import EntityIndex
    from kg.serve.store import BaseMap, MappedStore
    from tests.triples import store_of

    base = "https://w3id.org/occupation-kg/id/"
    okg = "https://w3id.org/occupation-kg/ontology#"
    soc, move = base + "soc2018/29-1141", base + "transition/29-2043.00-29-1141.03"
    lines = [f'<{soc}> <http://www.w3.org/2004/02/skos/core#prefLabel> "Registered Nurses"@en .']
    lines += [f"<{move}> <{okg}{p}> <{soc}> ." for p in (
        "targetWageOccupation", "targetOutlookOccupation", "sourceWageOccupation")]
    lines.append(f"<{move}> <{okg}sharedSkill> <{soc}> .")  # any other link still shows
    store = store_of(lines, graph=base + "graph/test")
    materialise_union(store)
    mapping = BaseMap(base, base)
    page = EntityIndex(MappedStore(store, mapping), mapping).page(soc)
    assert [g.predicate for g in page.inbound] == [okg + "sharedSkill"]
