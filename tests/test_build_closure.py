"""The closure stage's compiled templates give the same triples as the rules run as SPARQL
updates (kg.build.fast_closure.rule_updates), on the seed graph and on cases the seed graph
lacks: a conclusion another graph states, conclusions about objects, rules after rules."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store
from rdflib import Dataset

from kg.build.fast_closure import AlignmentRules, apply_rules, rule_updates
from kg.sources.curated.vocabulary import load_ontology
from tests.conftest import BASE
from tests.test_fast_closure import _asserted

INFERRED = BASE + "graph/inferred-test"
OKG = "https://w3id.org/occupation-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")


def _by_updates(store: Store, rules: AlignmentRules) -> None:
    """The reference: the rule updates repeated until nothing new appears."""
    size = -1
    for round_ in range(10):
        for update in rule_updates(rules, INFERRED, only_inferred=round_ > 0):
            store.update(update)
        now = sum(1 for _ in store.quads_for_pattern(None, None, None, NamedNode(INFERRED)))
        if now == size:
            return
        size = now


def _both(quads: list[Quad]) -> tuple[set[str], set[str]]:
    rules = AlignmentRules.from_ontology(load_ontology())
    results = []
    for run in (lambda s: apply_rules(s, rules, INFERRED), lambda s: _by_updates(s, rules)):
        store = Store()
        store.extend(quads)
        run(store)
        results.append({str(q) for q in store.quads_for_pattern(None, None, None,
                                                                 NamedNode(INFERRED))})
    return results[0], results[1]


def test_same_triples_as_the_rule_updates_on_the_seed_graph(dist: Path) -> None:
    dataset: Dataset = _asserted(dist)
    store = Store()
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=RdfFormat.N_QUADS)
    templates, updates = _both(list(store))
    assert len(updates) > 1000
    assert templates == updates, (sorted(templates - updates)[:5], sorted(updates - templates)[:5])


def test_cross_graph_statements_objects_and_chained_rules() -> None:
    a, b = NamedNode(BASE + "graph/a"), NamedNode(BASE + "graph/b")
    concept = NamedNode(BASE + "concept/c")
    broader = NamedNode(BASE + "concept/d")
    quads = [
        Quad(concept, NamedNode(SKOS + "broader"), broader, a),  # range: d a skos:Concept
        Quad(concept, NamedNode(SKOS + "prefLabel"), _label("c"), a),
        Quad(broader, RDF_TYPE, NamedNode(SKOS + "Concept"), b),  # ... but b says it already
        Quad(NamedNode(BASE + "occupation/o"), NamedNode(OKG + "hasEducationRequirement"),
             NamedNode(BASE + "education-requirement/r"), a),
        Quad(NamedNode(BASE + "education-requirement/r"), NamedNode(OKG + "degree"),
             NamedNode(BASE + "bachelor-degree/b"), b),
    ]
    templates, updates = _both(quads)
    assert templates == updates
    assert not any(q.startswith(f"<{broader.value}> <{RDF_TYPE.value}> <{SKOS}Concept>")
                   for q in templates)  # stated in graph b: not repeated
    assert any("schema.org/educationRequirements" in q for q in templates)  # the chain


def _label(text: str) -> object:
    from pyoxigraph import Literal

    return Literal(text, language="en")


def _inferred(quads: list[Quad], files: dict[str, Path] | None = None) -> set[str]:
    store = Store()
    store.extend(quads)
    apply_rules(store, AlignmentRules.from_ontology(load_ontology()), INFERRED, files=files)
    return {str(q) for q in store.quads_for_pattern(None, None, None, NamedNode(INFERRED))}


def test_graphs_read_from_their_files_give_the_same_triples(dist: Path, tmp_path: Path) -> None:
    """The full build hands the closure the imports' N-Triples files, parsed instead of read
    from the on-disk store (faster): the same conclusions as reading the store."""
    store = Store()
    store.load(_asserted(dist).serialize(format="nquads", encoding="utf-8"),
               format=RdfFormat.N_QUADS)
    quads = list(store)
    files = {}
    for number, graph in enumerate(sorted(store.named_graphs(), key=str)):
        files[graph.value] = tmp_path / f"{number}.nt"
        store.dump(str(files[graph.value]), format=RdfFormat.N_TRIPLES, from_graph=graph)
    from_store = _inferred(quads)
    assert len(from_store) > 1000
    assert _inferred(quads, files) == from_store


def test_a_graph_file_is_read_unless_it_has_a_blank_node(tmp_path: Path) -> None:
    """What the file says is what the closure reads; a file with a blank node is not read (a
    parse names blank nodes afresh), the store is."""
    a = NamedNode(BASE + "graph/a")
    concept = NamedNode(BASE + "concept/c")
    quads = [Quad(concept, NamedNode(SKOS + "prefLabel"), _label("c"), a)]
    extra = f'<{BASE}concept/e> <{SKOS}prefLabel> "e"@en .\n'
    concept_e = f'<{BASE}concept/e> <https://schema.org/name> "e"@en'  # skos:prefLabel's super
    plain = tmp_path / "a.nt"
    plain.write_text(extra, encoding="utf-8")
    assert any(q.startswith(concept_e) for q in _inferred(quads, {a.value: plain}))
    blank = tmp_path / "blank.nt"
    blank.write_text(extra + f"<{BASE}concept/c> <{SKOS}related> _:x .\n", encoding="utf-8")
    assert not any(q.startswith(concept_e) for q in _inferred(quads, {a.value: blank}))
