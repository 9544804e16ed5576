"""The alignment entailments for large imported graphs, without owlrl.

owlrl needs about 0.55 ms per input triple (50 s per 100k), far too slow for millions of
imported triples. The ontology only uses a small part of OWL RL for its alignments, so we
compile those axioms into lookup tables and apply them triple by triple:

- rdfs:subClassOf / owl:equivalentClass (cax-sco, cax-eqc), transitively;
- rdfs:subPropertyOf / owl:equivalentProperty (prp-spo1, prp-eqp), transitively;
- owl:inverseOf (prp-inv);
- rdfs:domain / rdfs:range with a named class (prp-dom, prp-rng);
- two-step owl:propertyChainAxiom (prp-spo2).

Every rule but the chain has one premise, so what a triple entails depends only on its
predicate (its class, for rdf:type) and on whether its subject and object are data IRIs:
`apply_rules` compiles that into one template per kind of triple and streams the store once,
a subject at a time, and leaves out the conclusions that any graph it read states. (The
same rules as SPARQL updates, `rule_updates`, evaluate a FILTER NOT EXISTS for each of tens of
millions of candidate premises: several times slower on the full graph.) The chains, over
curated properties, are joined afterwards. tests/test_fast_closure.py checks that on the seed
graph this gives exactly the triples owlrl gives (after the same filtering as
kg.build.owlrl_reference.keep_useful) and the triples `rule_updates` gives.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, parse
from rdflib import OWL, RDFS, BNode, Graph, URIRef
from rdflib.collection import Collection
from rdflib.term import Node

from kg.build.store import add_quads, graph_size, has_blank_node, may_have_blank_node
from kg.prefixes import OKG

Triple = tuple[Node, Node, Node]
OxTriple = tuple[Any, NamedNode, Any]  # pyoxigraph terms


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


# A term of a template: the premise's subject or object, or a class/property of the ontology.
_S, _O = "s", "o"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"


class _Templates:
    """What one triple entails by the one-premise rules, by kind of triple, memoised.

    A template is a list of (subject, predicate, object) where subject and object are _S, _O
    or an IRI string, and the predicate an IRI string. The kind of a triple is its predicate
    (and class, for rdf:type) and whether its subject and object are data IRIs or other IRIs.
    """

    def __init__(self, rules: AlignmentRules):
        def table(t: dict[Node, set[Node]]) -> dict[str, list[str]]:
            return {str(k): sorted(str(v) for v in vs) for k, vs in t.items()}

        self.supers, self.inverses = table(rules.super_properties), table(rules.inverses)
        self.domains, self.ranges = table(rules.domains), table(rules.ranges)
        self.classes = table(rules.super_classes)
        self.cache: dict[tuple[str, str | None, int, int], list[tuple[str, str, str]]] = {}

    def of(self, predicate: str, klass: str | None, s_kind: int,
           o_kind: int) -> list[tuple[str, str, str]]:
        """Kinds: 2 a data IRI, 1 another IRI, 0 a literal or blank node."""
        key = (predicate, klass, s_kind, o_kind)
        found = self.cache.get(key)
        if found is None:
            found = self.cache[key] = self._derive(predicate, klass, s_kind, o_kind)
        return found

    def _derive(self, predicate: str, klass: str | None, s_kind: int,
                o_kind: int) -> list[tuple[str, str, str]]:
        okg = str(OKG)

        def kind(term: str) -> int:
            if term == _S:
                return s_kind
            if term == _O:
                return o_kind
            return 1 if term.startswith(okg) else 2

        start = (_S, predicate, klass if klass is not None else _O)
        seen, todo, out = {start}, [start], []
        while todo:
            s, p, o = todo.pop()
            heads = [(s, q, o) for q in self.supers.get(p, ())]
            heads += [(s, RDF_TYPE, c) for c in self.domains.get(p, ())]
            if kind(o) > 0:  # an IRI object
                heads += [(o, q, s) for q in self.inverses.get(p, ())]
                heads += [(o, RDF_TYPE, c) for c in self.ranges.get(p, ())]
            if p == RDF_TYPE:
                heads += [(s, RDF_TYPE, c) for c in self.classes.get(o, ())]
            for head in heads:
                if kind(head[0]) == 2 and head not in seen:  # conclusions about data IRIs only
                    seen.add(head)
                    todo.append(head)
                    out.append(head)
        return sorted(out)


def _kind(term: object, okg: str) -> int:
    if not isinstance(term, NamedNode):
        return 0
    return 1 if term.value.startswith(okg) else 2


# A compiled template: (subject, predicate, object) with the premise's subject and object as
# these markers and every other term a NamedNode.
_SUBJECT, _OBJECT = 0, 1
Compiled = tuple[tuple[Any, NamedNode, Any], ...]


class _Conclusions:
    """Applies the templates to quads, sharing one NamedNode per IRI of the ontology."""

    def __init__(self, templates: _Templates):
        self.templates = templates
        self.okg = str(OKG)
        self.nodes: dict[str, NamedNode] = {}
        self.rdf_type = self.node(RDF_TYPE)
        # The templates by (predicate, class, subject kind, object kind) in pyoxigraph terms:
        # the pass reads millions of quads, and a term's .value is a new string on each call.
        self.compiled: dict[tuple[NamedNode, NamedNode | None, int, int], Compiled] = {}
        self.interned: dict[Compiled, Compiled] = {}
        self.subject_only: set[int] = set()  # ids of templates that do not use the object
        # Only a triple with one of these predicates can be a conclusion; the others need not
        # be remembered as stated (most of the pass: O*NET ratings, dates, literals).
        heads = {q for table in (templates.supers, templates.inverses)
                 for values in table.values() for q in values}
        self.head_predicates = {self.node(q) for q in heads | {RDF_TYPE}}
        self.stated: set[OxTriple] = set()  # every triple of of_graphs' graphs with one of them

    def node(self, iri: str) -> NamedNode:
        found = self.nodes.get(iri)
        if found is None:
            found = self.nodes[iri] = NamedNode(iri)
        return found

    def compile(self, p: NamedNode, klass: NamedNode | None, s_kind: int,
                o_kind: int) -> Compiled:
        key = (p, klass, s_kind, o_kind)
        found = self.compiled.get(key)
        if found is None:
            marker = {_S: _SUBJECT, _O: _OBJECT}
            made = tuple(
                (marker[hs] if hs in marker else self.node(hs), self.node(hp),
                 marker[ho] if ho in marker else self.node(ho))
                for hs, hp, ho in self.templates.of(
                    p.value, klass.value if klass is not None else None, s_kind, o_kind))
            # One object for equal templates, so that of_graphs can tell by id() that a
            # subject already got them.
            found = self.compiled[key] = self.interned.setdefault(made, made)
            if all(_OBJECT not in (hs, ho) for hs, _, ho in made):
                self.subject_only.add(id(found))
        return found

    def of(self, s: Any, p: NamedNode, o: Any, s_kind: int) -> Iterator[OxTriple]:
        klass = o if p == self.rdf_type and type(o) is NamedNode else None
        for hs, hp, ho in self.compile(p, klass, s_kind, _kind(o, self.okg)):
            yield (s if hs is _SUBJECT else o if hs is _OBJECT else hs, hp,
                   s if ho is _SUBJECT else o if ho is _OBJECT else ho)

    def of_graphs(self, store: Store, graphs: list[NamedNode],
                  files: Mapping[str, Path] | None = None) -> Iterator[OxTriple]:
        """Every one-premise conclusion of the quads of `graphs`, each given once or a few
        times, without what the premise's graph states about the premise's subject.

        Conclusions about the subject are de-duplicated per subject (the on-disk store lists a
        graph subject by subject; elsewhere this only de-duplicates less), conclusions about
        the object (range, inverse) over the whole run: millions of ratings name a few thousand
        elements. What the premise's graph states about the subject is taken out here, to hold
        fewer candidates; every triple read whose predicate a conclusion can have is kept in
        `self.stated`, which apply_rules takes out of all the candidates at the end.

        `files`: graph IRI -> an N-Triples file that holds exactly that graph's triples (the
        imports' files): parsed instead of read from the on-disk store, about four times faster
        (12 against 49 s for the full graph's 5.1 million triples), unless it has a blank node,
        which a parse would name afresh (a conclusion would point at a node the store lacks)."""
        okg, rdf_type, heads = self.okg, self.rdf_type, self.head_predicates
        compiled, compile, subject_only = self.compiled, self.compile, self.subject_only
        everywhere = self.stated
        about_objects: set[OxTriple] = set()
        for graph in graphs:
            subject: Any = None
            s_kind = 0
            stated: set[OxTriple] = set()
            pending: set[OxTriple] = set()
            # The object-free templates already applied to this subject: ten properties of a
            # rating all conclude that it is a okg:Rating.
            applied: set[int] = set()
            for quad in _quads(store, graph, (files or {}).get(graph.value)):
                s, p, o = quad.subject, quad.predicate, quad.object
                if s != subject:
                    yield from pending - stated
                    everywhere.update(stated)
                    subject, s_kind = s, _kind(s, okg)
                    stated, pending, applied = set(), set(), set()
                if p in heads:
                    stated.add((s, p, o))
                if type(o) is NamedNode:
                    o_kind = 1 if o.value.startswith(okg) else 2
                    klass = o if p == rdf_type else None
                else:
                    o_kind, klass = 0, None
                templates = compiled.get((p, klass, s_kind, o_kind))
                if templates is None:
                    templates = compile(p, klass, s_kind, o_kind)
                if not templates:
                    continue
                if id(templates) in subject_only:  # the same conclusions for every object
                    if id(templates) in applied:
                        continue
                    applied.add(id(templates))
                for hs, hp, ho in templates:
                    head = (s if hs is _SUBJECT else o if hs is _OBJECT else hs, hp,
                            s if ho is _SUBJECT else o if ho is _OBJECT else ho)
                    if hs is _SUBJECT:
                        pending.add(head)
                    elif head not in about_objects:
                        about_objects.add(head)
                        yield head
            yield from pending - stated
            everywhere.update(stated)


def _quads(store: Store, graph: NamedNode, file: Path | None) -> Iterator[Any]:
    """The triples of `graph`, from its file (N-Triples, or N-Quads if named .nq, holding
    that graph only) when it has one without blank nodes."""
    if file is not None:
        nquads = file.suffix == ".nq"
        if not (may_have_blank_node(file) if nquads else has_blank_node(file)):
            with file.open("rb") as lines:
                yield from parse(lines, format=RdfFormat.N_QUADS if nquads
                                 else RdfFormat.N_TRIPLES)
            return
    yield from store.quads_for_pattern(None, None, None, graph)


def _chain_conclusions(store: Store, rules: AlignmentRules) -> Iterator[OxTriple]:
    """prp-spo2 over every named graph (the conclusions of the other rules included)."""
    for p1, p2, implied in rules.chains:
        rows = store.query(
            f"SELECT DISTINCT ?x ?z WHERE {{ GRAPH ?g1 {{ ?x {p1.n3()} ?y }} "
            f"GRAPH ?g2 {{ ?y {p2.n3()} ?z }} {_data_iri('?x')} }}")
        for row in rows:
            yield row["x"], NamedNode(str(implied)), row["z"]


def apply_rules(store: Store, rules: AlignmentRules, target: str, max_rounds: int = 10,
                files: Mapping[str, Path] | None = None,
                late: Callable[[], Mapping[str, Path | None]] | None = None) -> int:
    """Add to the graph `target` every conclusion of the rules that no graph states yet;
    return the number of triples in `target`. `files`: graph IRI -> N-Triples file with exactly
    its triples, read instead of the store (of_graphs). `late`: called after the pass over the
    graphs in the store; it adds more graphs (the source stages' worker, kg.build.stage_worker)
    and returns their IRIs, each with the file that holds exactly its quads or None; they get
    the same pass before the chains are joined.

    One pass over the premises gives every one-premise conclusion (the templates follow the
    rules to their end); then the chains are joined, and their new conclusions passed through
    the templates, until a join finds nothing new (`max_rounds` only guards against a bug).
    """
    graph = NamedNode(target)
    conclusions = _Conclusions(_Templates(rules))
    graphs = sorted((g for g in store.named_graphs() if g != graph), key=str)

    def stated(triple: OxTriple) -> bool:
        return next(store.quads_for_pattern(*triple, None), None) is not None

    def add(triples: Iterable[OxTriple]) -> None:
        add_quads(store, (Quad(*triple, graph) for triple in triples))

    # The pass sees every triple of every graph, so it also keeps those that could be a
    # conclusion (`stated`) and what another graph states is taken out in Python at the end:
    # one lookup per candidate in the store costs more than the whole pass, and a DELETE join
    # of the added candidates with every graph took 15 s on the full graph.
    # A dict, not a set: the quads go to the bulk loader in the order the pass found them,
    # a graph and a subject at a time, not in hash order (every batch would span all keys).
    candidates = dict.fromkeys(conclusions.of_graphs(
        store, [g for g in graphs if isinstance(g, NamedNode)], files))
    if late is not None:
        more = late()
        candidates.update(dict.fromkeys(conclusions.of_graphs(
            store, [NamedNode(g) for g in sorted(more)],
            {g: file for g, file in more.items() if file is not None})))
    add(t for t in candidates if t not in conclusions.stated)
    del candidates
    for _ in range(max_rounds):
        new = [t for t in _chain_conclusions(store, rules) if not stated(t)]
        if not new:
            return graph_size(store, target)
        add(new)
        add(t for s, p, o in new for t in conclusions.of(s, p, o, _kind(s, conclusions.okg))
            if not stated(t))
    raise RuntimeError(f"the alignment rules did not reach a fixpoint in {max_rounds} rounds")
