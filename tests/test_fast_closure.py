"""The fast alignment closure gives the same entailments as owlrl on the seed graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from pyoxigraph import Literal, NamedNode, Quad, RdfFormat, Store, serialize
from rdflib import Dataset, Graph, URIRef

from kg.build.fast_closure import AlignmentRules, apply_rules
from kg.build.owlrl_reference import closure
from kg.sources.curated.vocabulary import load_ontology
from tests.conftest import BASE

INFERRED = BASE + "graph/fast-inferred"
SKOS_ALT = "http://www.w3.org/2004/02/skos/core#altLabel"


def _asserted(dist: Path) -> Dataset:
    """The build's named graphs without its own inferred and ontology graphs."""
    source = Dataset()
    source.parse(dist / "kg.trig", format="trig")
    kept = Dataset()
    for graph in source.graphs():
        name = str(graph.identifier)
        if isinstance(graph.identifier, URIRef) and not name.endswith(
                ("/graph/inferred", "/graph/ontology")):
            target = kept.graph(graph.identifier)
            for triple in graph:
                target.add(triple)
    return kept


def _fast(dataset: Dataset, ontology: Graph) -> Graph:
    store = Store()
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=RdfFormat.N_QUADS)
    apply_rules(store, AlignmentRules.from_ontology(ontology), INFERRED)
    out = Graph()
    nquads = store.dump(format=RdfFormat.N_QUADS, from_graph=NamedNode(INFERRED))
    out.parse(data=nquads.decode().replace(f" <{INFERRED}> .", " ."), format="nt")
    return out


def test_same_entailments_as_owlrl_on_the_seed_graph(dist: Path,
                                                      progress: Callable[[str], None]) -> None:
    ontology = load_ontology()
    dataset = _asserted(dist)
    data = Graph()
    for graph in dataset.graphs():
        data += graph
    progress(f"owlrl closure of {len(data)} seed triples (the reference; about 15 s)")
    by_owlrl = set(closure(ontology, data, BASE))
    fast = set(_fast(dataset, ontology))
    assert len(by_owlrl) > 1000
    missing, extra = by_owlrl - fast, fast - by_owlrl
    assert not missing and not extra, (sorted(missing)[:5], sorted(extra)[:5])


def test_chain_rule() -> None:
    okg = "https://w3id.org/occupation-kg/ontology#"
    occ, req, deg = (URIRef(BASE + x) for x in ("occupation/o", "education-requirement/r",
                                               "bachelor-degree/b"))
    dataset = Dataset()
    graph = dataset.graph(URIRef(BASE + "graph/test"))
    graph.add((occ, URIRef(okg + "hasEducationRequirement"), req))
    graph.add((req, URIRef(okg + "degree"), deg))
    found = _fast(dataset, load_ontology())
    assert (occ, URIRef("https://schema.org/educationRequirements"), deg) in found


@pytest.mark.parametrize("later_from_file", [False, True])
def test_a_conclusion_stated_in_a_later_graph_is_left_out(tmp_path: Path,
                                                          later_from_file: bool) -> None:
    """The pass takes out, at the end, every candidate that any graph states (it replaced a
    DELETE join over the store): also when the graph stating it is read after the premise's,
    or from its import file. A subject's conclusions that depend on the object (one
    schema:alternateName per skos:altLabel) are all kept, though the pass applies a subject's
    object-free conclusions (okg:Rating, the domain of its ten properties) once."""
    okg, schema = "https://w3id.org/occupation-kg/ontology#", "https://schema.org/"
    rating, element = NamedNode(BASE + "onet-rating/r"), NamedNode(BASE + "onet-element/e")
    first, later = NamedNode(BASE + "graph/a-first"), NamedNode(BASE + "graph/b-later")
    rdf_type = NamedNode("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    store = Store()
    for p, o in ((okg + "ratedElement", element), (okg + "ratingValue", Literal("3.5")),
                 (SKOS_ALT, Literal("x", language="en")), (SKOS_ALT, Literal("y", language="en"))):
        store.add(Quad(rating, NamedNode(p), o, first))
    stated = Quad(rating, rdf_type, NamedNode(okg + "Rating"), later)
    files = {}
    if later_from_file:
        path = tmp_path / "later.nt"
        path.write_bytes(serialize([stated.triple], format=RdfFormat.N_TRIPLES))
        files[later.value] = path
    store.add(stated)  # in the store either way, as an import's graph is
    apply_rules(store, AlignmentRules.from_ontology(load_ontology()), INFERRED, files=files)
    found = {(q.subject, q.predicate, q.object)
             for q in store.quads_for_pattern(None, None, None, NamedNode(INFERRED))}
    assert (rating, rdf_type, NamedNode(okg + "Rating")) not in found
    names = {o.value for s, p, o in found if s == rating and p.value == schema + "alternateName"}
    assert names == {"x", "y"}
