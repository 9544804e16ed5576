"""The alignment entailments for large imported graphs, without owlrl.

owlrl needs about 0.55 ms per input triple (50 s per 100k), far too slow for millions of
imported triples. The ontology only uses a small part of OWL RL for its alignments, so we
compile those axioms into lookup tables and apply them triple by triple:

- rdfs:subClassOf / owl:equivalentClass (cax-sco, cax-eqc), transitively;
- rdfs:subPropertyOf / owl:equivalentProperty (prp-spo1, prp-eqp), transitively;
- owl:inverseOf (prp-inv);
- rdfs:domain / rdfs:range with a named class (prp-dom, prp-rng);
- two-step owl:propertyChainAxiom (prp-spo2).

The rules run as SPARQL updates inside a pyoxigraph store (one update per rule kind, with the
rule table as a VALUES block), repeated until nothing new appears. `tests/test_fast_closure.py`
checks that on the seed graph this gives exactly the triples owlrl gives (after the same
filtering as kg.build.owlrl_reference.keep_useful).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from rdflib import OWL, RDFS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.prefixes import OKG

Triple = tuple[Node, Node, Node]


def _transitive(edges: dict[Node, set[Node]]) -> dict[Node, set[Node]]:
    closed: dict[Node, set[Node]] = {}
    for start in edges:
        seen: set[Node] = set()
        frontier = list(edges[start])
        while frontier:
            node = frontier.pop()
            if node in seen or node == start:
                continue
            seen.add(node)
            frontier.extend(edges.get(node, ()))
        closed[start] = seen
    return closed


def _edges(ontology: Graph, sub: URIRef, equivalent: URIRef) -> dict[Node, set[Node]]:
    """Named-term edges of `sub`, with `equivalent` read as `sub` both ways."""
    edges: dict[Node, set[Node]] = defaultdict(set)
    for predicate, both_ways in ((sub, False), (equivalent, True)):
        for s, o in ontology.subject_objects(predicate):
            if isinstance(s, URIRef) and isinstance(o, URIRef):
                edges[s].add(o)
                if both_ways:
                    edges[o].add(s)
    return edges


@dataclass
class AlignmentRules:
    super_classes: dict[Node, set[Node]] = field(default_factory=dict)
    super_properties: dict[Node, set[Node]] = field(default_factory=dict)
    inverses: dict[Node, set[Node]] = field(default_factory=dict)
    domains: dict[Node, set[Node]] = field(default_factory=dict)
    ranges: dict[Node, set[Node]] = field(default_factory=dict)
    chains: list[tuple[Node, Node, Node]] = field(default_factory=list)  # (p1, p2, implied)

    @classmethod
    def from_ontology(cls, ontology: Graph) -> AlignmentRules:
        sub_class = _edges(ontology, RDFS.subClassOf, OWL.equivalentClass)
        sub_prop = _edges(ontology, RDFS.subPropertyOf, OWL.equivalentProperty)
        rules = cls(_transitive(sub_class), _transitive(sub_prop))
        inverses: dict[Node, set[Node]] = defaultdict(set)
        for s, o in ontology.subject_objects(OWL.inverseOf):
            inverses[s].add(o)
            inverses[o].add(s)
        rules.inverses = dict(inverses)
        for prop, table in ((RDFS.domain, rules.domains), (RDFS.range, rules.ranges)):
            for s, o in ontology.subject_objects(prop):
                if isinstance(o, URIRef):  # a union (blank node) entails nothing named
                    table.setdefault(s, set()).add(o)
        for implied, chain in ontology.subject_objects(OWL.propertyChainAxiom):
            steps = list(Collection(ontology, chain)) if isinstance(chain, BNode) else []
            if len(steps) == 2:
                rules.chains.append((steps[0], steps[1], implied))
        return rules


def _values(pairs: Iterable[tuple[Node, Node]]) -> str:
    return " ".join(f"({a.n3()} {b.n3()})" for a, b in sorted(pairs, key=str))


def _pairs(table: dict[Node, set[Node]]) -> list[tuple[Node, Node]]:
    return [(key, value) for key, values in table.items() for value in values]


def _data_iri(variable: str) -> str:
    return f'FILTER(isIRI({variable}) && !STRSTARTS(STR({variable}), "{OKG}"))'


def rule_updates(rules: AlignmentRules, target: str, only_inferred: bool = False) -> list[str]:
    """SPARQL updates that add each rule's new conclusions to the graph `target`.

    Premises are matched in every named graph, or with `only_inferred` (the rounds after the
    first) only those that may be new: one premise in `target` (semi-naive evaluation: a
    conclusion of asserted premises alone was drawn in the first round). A conclusion already
    stated anywhere is not repeated. Only data IRIs get conclusions, as
    kg.build.owlrl_reference.keep_useful does: never a literal or blank node, never a term of the
    ontology
    itself (okg:Required a skos:Concept is the ontology's business, not the data's).
    """
    new = "FILTER NOT EXISTS {{ GRAPH ?any {{ {t} }} }}"
    out = f"<{target}>"
    premises = out if only_inferred else "?g"
    updates = []
    for table, pattern, head in (
        (_pairs(rules.super_properties), "?s ?a ?o", "?s ?b ?o"),
        (_pairs(rules.inverses), "?s ?a ?o FILTER(isIRI(?o))", "?o ?b ?s"),
        (_pairs(rules.domains), "?s ?a ?o", "?s a ?b"),
        (_pairs(rules.ranges), "?s ?a ?o FILTER(isIRI(?o))", "?o a ?b"),
        (_pairs(rules.super_classes), "?s a ?a", "?s a ?b"),
    ):
        if not table:
            continue
        subject = head.split()[0]
        updates.append(
            f"INSERT {{ GRAPH {out} {{ {head} }} }} WHERE {{ VALUES (?a ?b) {{ {_values(table)} }}"
            f" GRAPH {premises} {{ {pattern} }} {_data_iri(subject)} {new.format(t=head)} }}"
        )
    steps = [(out, "?g2"), ("?g1", out)] if only_inferred else [("?g1", "?g2")]
    for p1, p2, implied in rules.chains:
        head = f"?x {implied.n3()} ?z"
        for first, second in steps:
            updates.append(
                f"INSERT {{ GRAPH {out} {{ {head} }} }} WHERE {{ GRAPH {first} "
                f"{{ ?x {p1.n3()} ?y }} GRAPH {second} {{ ?y {p2.n3()} ?z }} "
                f"{_data_iri('?x')} {new.format(t=head)} }}"
            )
    return updates


def apply_rules(store: object, rules: AlignmentRules, target: str, max_rounds: int = 10) -> int:
    """Run the rule updates on a pyoxigraph Store until nothing new is derived.

    Returns the number of triples in `target`. The rule tables are transitively closed, so two
    or three rounds reach the fixpoint; `max_rounds` only guards against a bug.
    """
    from pyoxigraph import NamedNode

    graph = NamedNode(target)
    size = -1
    for round_ in range(max_rounds):
        for update in rule_updates(rules, target, only_inferred=round_ > 0):
            store.update(update)  # type: ignore[attr-defined]
        now = sum(1 for _ in store.quads_for_pattern(None, None, None, graph))  # type: ignore[attr-defined]
        if now == size:
            return now
        size = now
    raise RuntimeError(f"the alignment rules did not reach a fixpoint in {max_rounds} rounds")
