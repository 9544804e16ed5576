"""The observations' code lists (RDF Data Cube qb:codeList): each a skos:Collection with every
value that an observation gives its coded dimension as a skos:member.

The W3C Data Cube's well-formedness checks ask a dimension whose range is skos:Concept for a code
list (IC-5) and every observation's value to be in it (IC-19); okg:occupation had none (session
35's check of the full graph: 1,398 occupation concepts over 35,758 observations). The ontology
names each list (CODE_LISTS, kept equal to it by tests/test_code_lists.py); this derived stage
of kg.build.derived states the members, into graph/derived.
"""

from __future__ import annotations

from pyoxigraph import NamedNode, Quad, Store

from kg.build.store import add_quads
from kg.prefixes import OKG, SKOS

RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"

# dimension -> its code list, as the ontology's qb:codeList states
CODE_LISTS: dict[str, str] = {OKG.occupation: OKG.ObservedOccupations}


def add_code_list_members(store: Store, base: str) -> int:
    """Add skos:member from each code list to every value its dimension takes; return the
    quads added."""
    graph = NamedNode(base + "graph/derived")
    quads = []
    for dimension, code_list in CODE_LISTS.items():
        values = sorted({row[0].value for row in store.query(
            f"SELECT DISTINCT ?v WHERE {{ ?observation <{dimension}> ?v FILTER(isIRI(?v)) }}",
            use_default_graph_as_union=True)})
        if not values:
            continue
        # Typed here, not in the ontology: the ontology is read beside every graph that is
        # validated, and a collection there without its members broke the shapes of each.
        quads.append(Quad(NamedNode(code_list), NamedNode(RDF_TYPE),
                          NamedNode(SKOS.Collection), graph))
        quads += [Quad(NamedNode(code_list), NamedNode(SKOS.member), NamedNode(v), graph)
                  for v in values]
    return add_quads(store, quads)
