"""OWL RL closure with owlrl, kept to the entailments a data consumer can use.

owlrl materialises everything OWL RL entails, including much that helps nobody: reflexive
owl:sameAs, `rdf:type owl:Thing`, facts about the ontology's own terms, typing of literals.
We keep only new triples about data nodes (IRIs under the data base) whose predicate is not
an OWL bookkeeping term, so the downloads carry the alignment (schema.org, SKOS, CTDL, PROV,
Data Cube) and nothing else.
"""

from __future__ import annotations

import owlrl
from rdflib import OWL, RDF, RDFS, BNode, Graph, URIRef

_TRIVIAL_TYPES = {OWL.Thing, RDFS.Resource, OWL.NamedIndividual, RDFS.Class, OWL.Class}


def closure(ontology: Graph, data: Graph, base: str) -> Graph:
    """Return the useful triples that OWL RL entails from ontology + data but data lacks."""
    work = Graph()
    for triple in ontology:
        work.add(triple)
    for triple in data:
        work.add(triple)
    owlrl.DeductiveClosure(
        owlrl.OWLRL_Semantics, axiomatic_triples=False, datatype_axioms=False
    ).expand(work)
    return keep_useful(work, data, base)


def keep_useful(expanded: Graph, asserted: Graph, base: str) -> Graph:
    inferred = Graph()
    for s, p, o in expanded:
        # Class expressions (owl:unionOf domains) are blank nodes: no use to a data consumer.
        if (s, p, o) in asserted or not isinstance(s, URIRef) or isinstance(o, BNode):
            continue
        if not s.startswith(base):
            continue
        if p == OWL.sameAs or (p.startswith(str(OWL)) and p != OWL.inverseOf):
            continue
        if p == RDF.type and o in _TRIVIAL_TYPES:
            continue
        inferred.add((s, p, o))
    return inferred
