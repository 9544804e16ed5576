"""Stage `closure`: the OWL RL alignment entailments of everything in the store.

kg.build.fast_closure compiles the ontology's alignment axioms into SPARQL updates and runs them in
the build store until nothing new appears; the conclusions go to graph/inferred. One road for
every size: owlrl (kg.build.owlrl_reference) is kept only as the reference that
tests/test_fast_closure.py compares this with (the same entailments on the seed graph).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

from pyoxigraph import Store
from rdflib import Graph

from kg.build.fast_closure import AlignmentRules, apply_rules


def inferred_graph(base: str) -> str:
    return base + "graph/inferred"


def add_closure(store: Store, ontology: Graph, base: str,
                files: Mapping[str, Path] | None = None,
                late: Callable[[], Mapping[str, Path | None]] | None = None) -> int:
    """Add the entailed triples to graph/inferred; return how many it holds. `files`: the
    imported graphs' N-Triples files by graph IRI, read instead of the store; `late`: adds the
    graphs of the source stages once the other graphs' pass is done (apply_rules)."""
    return apply_rules(store, AlignmentRules.from_ontology(ontology), inferred_graph(base),
                       files=files, late=late)
