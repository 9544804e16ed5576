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

from collections.abc import Iterable

from pyoxigraph import RdfFormat, Store, serialize
from rdflib import Graph, URIRef

from kg.build.options import log
from kg.build.shacl_report import format_report, load_shapes, shacl_findings
from kg.errors import Location, ValidationFailed
from kg.prefixes import SKOS, bind_prefixes


def _values(graphs: Iterable[str]) -> str:
    return " ".join(f"<{g}>" for g in graphs)


def curated_graph(store: Store, curated: list[str], imported: list[str], base: str) -> Graph:
    """The curated graphs plus the derived and inferred triples about nodes that are not
    imported ones, as an rdflib graph."""
    # One anti-join with the imported graphs' distinct subjects: a FILTER NOT EXISTS looked
    # each of the 835,000 derived and inferred triples up in every imported graph (on the full
    # graph 21-31 s of this stage's 28, against 5-7 s).
    not_imported = (f"MINUS {{ SELECT DISTINCT ?s WHERE {{ VALUES ?i {{ {_values(imported)} }} "
                    "GRAPH ?i { ?s ?x ?y } } }") if imported else ""
    query = f"""CONSTRUCT {{ ?s ?p ?o }} WHERE {{
      {{ VALUES ?g {{ {_values(curated)} }} GRAPH ?g {{ ?s ?p ?o }} }}
      UNION
      {{ VALUES ?g {{ <{base}graph/derived> <{base}graph/inferred> }} GRAPH ?g {{ ?s ?p ?o }}
         {not_imported} }}
    }}"""
    text = serialize(store.query(query), format=RdfFormat.N_TRIPLES)
    graph = bind_prefixes(Graph(), base)
    graph.parse(data=text.decode("utf-8"), format="nt")
    # The classes of the code lists' members (kg.build.code_lists: classification concepts of
    # the imported graphs), which the collection shape asks to be skos:Concept.
    members = f"""CONSTRUCT {{ ?member a ?class }} WHERE {{
      {{ SELECT DISTINCT ?member WHERE {{ GRAPH <{base}graph/derived> {{
         ?list <{SKOS}member> ?member }} }} }}
      GRAPH ?g {{ ?member a ?class }}
    }}"""
    text = serialize(store.query(members), format=RdfFormat.N_TRIPLES)
    graph.parse(data=text.decode("utf-8"), format="nt")
    return graph


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
