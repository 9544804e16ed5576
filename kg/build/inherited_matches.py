"""ESCO occupations below the level Nesta's crosswalk maps, matched by the rule its README
states: "Lower ESCO levels inherit their parent's match". Nesta lists one O*NET-SOC 2010 match
for each of 1,680 ESCO occupations, those just below the ISCO-08 unit groups; the 1,300-odd
below them (blockchain developer under software developer, farrier under blacksmith) had no
O*NET, SOC or wage link at all (session 28's skills audit: 42% of the occupation-skill relations
of a skills-matching query were lost on the way to O*NET).

Each such occupation gets skos:broadMatch to the O*NET-SOC 2010 occupations its nearest
matched ESCO ancestor is a close match of (a narrower concept of a close match: the inherited
match is broader than the occupation), with an sssom:Mapping node saying how it was found
(semapv:MappingChaining, prov:wasDerivedFrom Nesta's mapping of the ancestor, whose
sssom:confidence it repeats). Only Nesta's medium and high confidence matches (1 and 2) are
passed on. Reconciliation and the O*NET pages leave these matches out (kg.reconcile.index,
kg.serve.equivalents_section): they are for queries over the graph. A derived stage of
kg.build.derived: it reads the union of the named graphs and writes into graph/derived.
"""

from __future__ import annotations

import hashlib

from pyoxigraph import Literal, NamedNode, Quad, Store

from kg.build.store import add_quads
from kg.prefixes import ESCO, OKG, PROV, SKOS

OWL = "http://www.w3.org/2002/07/owl#"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
RDFS = "http://www.w3.org/2000/01/rdf-schema#"
ESCO_OCCUPATION = ESCO + "Occupation"
SSSOM = "https://w3id.org/sssom/"
CHAINING = "https://w3id.org/semapv/vocab/MappingChaining"


def _query(base: str) -> str:
    onet2010 = base + "onet-soc2010/"
    return f"""
PREFIX skos: <{SKOS}>
PREFIX owl: <{OWL}>
SELECT DISTINCT ?child ?target ?ancestor ?mapping ?confidence ?childLabel ?ancestorLabel
       ?targetLabel
WHERE {{
  ?ancestor a <{ESCO_OCCUPATION}> ; skos:closeMatch ?target .
  FILTER(STRSTARTS(STR(?target), "{onet2010}"))
  ?child skos:broader+ ?ancestor ; a <{ESCO_OCCUPATION}> .
  # only an occupation Nesta does not match itself, from its nearest matched ancestor
  FILTER NOT EXISTS {{
    ?child skos:closeMatch ?own . FILTER(STRSTARTS(STR(?own), "{onet2010}"))
  }}
  FILTER NOT EXISTS {{
    ?child skos:broader+ ?nearer . ?nearer skos:broader+ ?ancestor ;
                                           skos:closeMatch ?between .
    FILTER(STRSTARTS(STR(?between), "{onet2010}"))
  }}
  # Nesta's mapping of the ancestor, at its medium or high confidence (1 or 2): a low one
  # (0.5) passed on to every occupation below multiplied a doubtful match (the 43 subject
  # lecturers under "higher education lecturer", 0.5 to History Teachers, Postsecondary;
  # session 28's second audit)
  ?mapping owl:annotatedSource ?ancestor ; owl:annotatedTarget ?target ;
           owl:annotatedProperty skos:closeMatch ;
           <{OKG}crosswalkConfidence> ?crosswalk ; <{SSSOM}confidence> ?confidence .
  FILTER(?crosswalk >= 1)
  OPTIONAL {{ ?child skos:prefLabel ?childLabel }}
  OPTIONAL {{ ?ancestor skos:prefLabel ?ancestorLabel }}
  OPTIONAL {{ ?target skos:prefLabel ?targetLabel }}
}}"""


def inherited_match_quads(store: Store, base: str) -> list[Quad]:
    """The inherited matches and their mapping nodes, in graph/derived, in a fixed order."""
    graph = NamedNode(base + "graph/derived")
    rows = sorted({(r["child"].value, r["target"].value, r["ancestor"].value,
                    r["mapping"].value, r["confidence"].value,
                    _text(r["childLabel"]), _text(r["ancestorLabel"]), _text(r["targetLabel"]))
                   for r in store.query(_query(base), use_default_graph_as_union=True)})
    quads: list[Quad] = []
    for (child, target, ancestor, mapping, confidence, child_label, ancestor_label,
         target_label) in rows:
        c, t = NamedNode(child), NamedNode(target)
        quads.append(Quad(c, NamedNode(SKOS + "broadMatch"), t, graph))
        digest = hashlib.sha1(f"{child} {target}".encode()).hexdigest()[:16]
        node = NamedNode(f"{base}mapping/inherited-{digest}")
        triples = [
            (NamedNode(RDF + "type"), NamedNode(SSSOM + "Mapping")),
            (NamedNode(OWL + "annotatedSource"), c),
            (NamedNode(OWL + "annotatedProperty"), NamedNode(SKOS + "broadMatch")),
            (NamedNode(OWL + "annotatedTarget"), t),
            (NamedNode(SSSOM + "mapping_justification"), NamedNode(CHAINING)),
            (NamedNode(RDFS + "comment"), Literal(
                f"Inherited: {child_label or child} is narrower in ESCO than "
                f"{ancestor_label or ancestor}, which Nesta's crosswalk matches to "
                f"{target_label or target} (its README: lower ESCO levels inherit their "
                "parent's match).", language="en")),
        ]
        if child_label:
            triples.append((NamedNode(SSSOM + "subject_label"), Literal(child_label,
                                                                        language="en")))
        if target_label:
            triples.append((NamedNode(SSSOM + "object_label"), Literal(target_label,
                                                                       language="en")))
        triples.append((NamedNode(PROV + "wasDerivedFrom"), NamedNode(mapping)))
        # the ancestor's, as Nesta gives it: inheriting adds no certainty
        triples.append((NamedNode(SSSOM + "confidence"), Literal(confidence, datatype=NamedNode(
            "http://www.w3.org/2001/XMLSchema#double"))))
        quads += [Quad(node, p, o, graph) for p, o in triples]
    return quads


def add_inherited_matches(store: Store, base: str) -> int:
    """Add the inherited ESCO-to-O*NET matches to graph/derived; return the quads added."""
    quads = inherited_match_quads(store, base)
    add_quads(store, quads)
    return len(quads)


def _text(term: object) -> str:
    return term.value if isinstance(term, Literal) else ""
