"""Stage `validation`: pySHACL on the curated graphs, and (optionally) on every imported graph.

The curated part - the records' graphs, the mappings, and the derived and inferred triples
about curated nodes - is small and is validated in full with the shapes and the ontology, with
a report naming the record each node came from. The imported editions (2.8 million triples) are
checked by the SPARQL quality checks on every build (kg.build.checks) and by pySHACL per
dataset only with --validate-imports (kg.build.import_validation: each graph in its own worker
process, two at a time, several minutes), because pySHACL on all of them takes minutes more
than the whole build; the tests run pySHACL on every importer's output on the data slices.
"""

from __future__ import annotations

from collections.abc import Iterator

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, Triple, serialize
from rdflib import Graph, URIRef

from kg.build.options import log
from kg.build.shacl_report import format_report, load_shapes, shacl_findings
from kg.errors import Location, ValidationFailed
from kg.prefixes import bind_prefixes


def _triples_of(store: Store, graph: str) -> Iterator[Quad]:
    return store.quads_for_pattern(None, None, None, NamedNode(graph))


def curated_graph(store: Store, curated: list[str], imported: list[str], base: str) -> Graph:
    """The curated graphs plus the derived and inferred triples about nodes that are not
    imported ones (no graph of `imported` has them as a subject), as an rdflib graph.

    Read quad by quad, with one check per subject that stops at the first imported graph
    that has it (give `imported` largest first): a SPARQL CONSTRUCT with FILTER NOT EXISTS
    over the imported graphs took 36 s on the full graph, looking up every graph for each of
    the 830,000 derived and inferred triples."""
    triples = [Triple(q.subject, q.predicate, q.object)
               for graph in curated for q in _triples_of(store, graph)]
    imported_graphs = [NamedNode(g) for g in imported]

    def imported_node(node: object) -> bool:
        return any(next(store.quads_for_pattern(node, None, None, g), None) is not None
                   for g in imported_graphs)

    for graph in (f"{base}graph/derived", f"{base}graph/inferred"):
        subject, keep = None, False
        for quad in _triples_of(store, graph):  # an on-disk store lists them subject by subject
            if quad.subject != subject:
                subject, keep = quad.subject, not imported_node(quad.subject)
            if keep:
                triples.append(Triple(quad.subject, quad.predicate, quad.object))
    text = serialize(triples, format=RdfFormat.N_TRIPLES)
    rdf = bind_prefixes(Graph(), base)
    rdf.parse(data=text.decode("utf-8"), format="nt")
    return rdf


def validate_curated(store: Store, curated: list[str], imported: list[str], ontology: Graph,
                     origins: dict[URIRef, Location], base: str) -> int:
    """pySHACL on the curated part; raise ValidationFailed on any violation. Returns the
    number of triples validated."""
    data = curated_graph(store, curated, imported, base)
    findings = shacl_findings(data, load_shapes(), ontology, origins)
    violations = [f for f in findings if f.severity == "Violation"]
    if violations:
        raise ValidationFailed(
            f"the graph does not conform: {len(violations)} violation(s)\n"
            + format_report(violations, data)
        )
    for finding in findings:
        log(finding.render(data))
    return len(data)
