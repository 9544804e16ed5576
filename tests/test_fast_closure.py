"""The fast alignment closure gives the same entailments as owlrl on the seed graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store
from rdflib import Dataset, Graph, URIRef

from kg.build.fast_closure import AlignmentRules, apply_rules
from kg.build.owlrl_reference import closure
from kg.sources.curated.vocabulary import load_ontology
from tests.conftest import BASE

INFERRED = BASE + "graph/fast-inferred"


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
