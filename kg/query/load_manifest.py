"""The load-manifest graph `kg load` keeps in a store: which graphs it loaded, in which state.

Format (N-Triples, SPARQL Service Description terms, so engines.RemoteEngine can read the list):

    <M> a sd:Dataset .
    <M> sd:namedGraph _:gN .   _:gN sd:name <G> .   _:gN <M#state> "new" | "old" | "missing" .
    <M> <M#staging> <S> .      # a staging graph a load created and has not removed yet
    <M> <M#union> <U> .        # the graph holding the set union of every "new" graph

The union graph is what engines.RemoteEngine sends as its one default-graph-uri. It is recorded
only when it matches the graphs listed, all "new": after a half-finished load there is none, and
the engine falls back to listing the graphs.

State of a graph: "new" holds this load's content, "old" still holds the previous load's,
"missing" is not in the store. A manifest without states (earlier releases) is read as all
"new". A manifest that is not RDF, or lists a graph without exactly one IRI name, is an error:
reading it as empty would leave the graphs it lists in the store for ever.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pyoxigraph as ox

from kg.errors import KgError
from kg.query.engines import LOAD_MANIFEST_GRAPH, SD

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
STATE = LOAD_MANIFEST_GRAPH + "#state"
STAGING = LOAD_MANIFEST_GRAPH + "#staging"
UNION = LOAD_MANIFEST_GRAPH + "#union"
STATES = ("new", "old", "missing")


class ManifestError(KgError):
    """The load manifest in the store is not what `kg load` writes."""


@dataclass
class Manifest:
    graphs: dict[str, str] = field(default_factory=dict)  # graph IRI -> state
    staging: set[str] = field(default_factory=set)
    union: str | None = None  # the union graph's IRI, when it holds this load's union

    def to_ntriples(self) -> bytes:
        m = f"<{LOAD_MANIFEST_GRAPH}>"
        lines = [f"{m} <{RDF_TYPE}> <{SD}Dataset> ."]
        for i, (graph, state) in enumerate(sorted(self.graphs.items())):
            node = f"_:g{i}"
            lines += [f"{m} <{SD}namedGraph> {node} .", f"{node} <{SD}name> <{graph}> .",
                      f'{node} <{STATE}> "{state}" .']
        lines += [f"{m} <{STAGING}> <{s}> ." for s in sorted(self.staging)]
        if self.union is not None:
            lines.append(f"{m} <{UNION}> <{self.union}> .")
        return ("\n".join(lines) + "\n").encode("utf-8")


def parse_manifest(body: bytes, where: str) -> Manifest:
    """Read a manifest as a store returned it; `where` names the store in errors."""
    what = f"the load manifest <{LOAD_MANIFEST_GRAPH}> at {where}"
    graph = ox.Store()
    try:
        graph.load(body, format=ox.RdfFormat.N_TRIPLES)
    except (SyntaxError, ValueError):
        try:
            graph.load(body, format=ox.RdfFormat.TURTLE)  # some stores ignore Accept
        except (SyntaxError, ValueError) as exc:
            raise ManifestError(
                f"{what} is not RDF ({exc}); repair or delete that graph, then load again"
            ) from exc
    quads = list(graph.quads_for_pattern(None, None, None))
    if not quads:
        return Manifest()  # an empty graph: many stores do not tell it from no graph
    m = ox.NamedNode(LOAD_MANIFEST_GRAPH)

    def objects(subject: ox.NamedNode | ox.BlankNode, predicate: str) -> list[Any]:
        return [q.object for q in graph.quads_for_pattern(subject, ox.NamedNode(predicate), None)]

    def bad(problem: str) -> ManifestError:
        return ManifestError(f"{what} is malformed: {problem}; repair or delete that graph")

    if ox.NamedNode(SD + "Dataset") not in objects(m, RDF_TYPE):
        raise bad(f"it does not say <{LOAD_MANIFEST_GRAPH}> a sd:Dataset")
    manifest = Manifest()
    for node in objects(m, SD + "namedGraph"):
        if not isinstance(node, (ox.NamedNode, ox.BlankNode)):
            raise bad(f"sd:namedGraph {node} is a literal")
        names = objects(node, SD + "name")
        if len(names) != 1 or not isinstance(names[0], ox.NamedNode):
            entry = f"<{node.value}>" if isinstance(node, ox.NamedNode) else "(a blank node)"
            raise bad(f"sd:namedGraph {entry} has {len(names)} sd:name value(s), not one IRI")
        states = objects(node, STATE)
        if len(states) > 1 or any(
            not isinstance(s, ox.Literal) or s.value not in STATES for s in states
        ):
            raise bad(f"graph <{names[0].value}> has state {states}, not one of {STATES}")
        manifest.graphs[names[0].value] = states[0].value if states else "new"
    for staged in objects(m, STAGING):
        if not isinstance(staged, ox.NamedNode):
            raise bad(f"staging graph {staged} is not an IRI")
        manifest.staging.add(staged.value)
    unions = objects(m, UNION)
    if len(unions) > 1 or any(not isinstance(u, ox.NamedNode) for u in unions):
        raise bad(f"it names {len(unions)} union graph(s) {unions}, not at most one IRI")
    manifest.union = unions[0].value if unions else None
    return manifest
