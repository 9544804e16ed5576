"""The imported and derived crosswalks as SSSOM mapping sets (dist/mappings/<edition>.sssom.tsv).

A user joining ESCO, O*NET-SOC, SOC and ISCO codes wants a table that sssom-py, pandas or a
spreadsheet reads, not a SPARQL query over mapping nodes. One set per named graph that states
SKOS mapping triples: each imported edition (Nesta's ESCO-O*NET crosswalk, BLS's ISCO-08/SOC
2010 crosswalk, O*NET's SOC crosswalks, BLS's aggregate codes) and graph/derived (the ESCO
occupations that inherit their parent's match). The rows are the graph's own triples (the
closure's inverses are left out). Justification, confidence, similarity and comment come from
the graph's mapping node where it has one; otherwise the publisher's crosswalk is the row's
provider (its edition's IRI, described in the graph) and its justification is the publisher's
manual curation. Labels are the concepts' English prefLabels, else the mapping node's.

sssom-py (the reference implementation) writes each table (kg.build.sssom_tables); the tests
validate them with it.
Rows and YAML keys are sorted, so the same graph gives the same bytes. The curated sets
(kg/mappings/) are copied as they are by the pipeline.
"""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import Literal, NamedNode, Store

from kg.build.chained_matches import chained_sets
from kg.build.sssom_tables import (
    MANUAL,
    MATCHES,
    SIMILARITY_MEASURE,
    CrosswalkSet,
    WrittenSet,
    compress_iri,
    literal_text,
    prefixes_for,
    write_set,
)
from kg.prefixes import SKOS
from kg.publisher import LICENSE, PUBLISHER_NAME

__all__ = ["WrittenSet", "crosswalk_sets", "write_crosswalk_sets"]

def crosswalk_sets(base: str, imported: list[str]) -> list[CrosswalkSet]:
    """The candidate sets: every imported edition's graph, then graph/derived."""
    from kg.sources.importers import IMPORTERS

    by_graph = {importer.graph_iri(base): importer for importer in IMPORTERS.values()}
    sets = []
    for graph in imported:
        importer = by_graph.get(graph)
        if importer is None:
            continue
        info = importer.info
        sets.append(CrosswalkSet(
            graph=graph, file_name=f"{info.edition}.sssom.tsv",
            title=f"SKOS mappings from {info.title}",
            description=" ".join(part for part in (
                f"The SKOS mapping triples of the named graph {graph}, imported from "
                f"{info.title} ({info.publisher}).", info.mappings or info.description,
                f"Cite: {info.citation}") if part),
            license=info.license, creator_label=info.publisher, version=info.version,
            provider=importer.dataset_iri(base)))
    sets.append(CrosswalkSet(
        graph=base + "graph/derived", file_name="esco-onet-inherited.sssom.tsv",
        title="ESCO occupations matched through the nearest ancestor Nesta's crosswalk matches",
        description="Derived by occupation-kg from Nesta's ESCO-O*NET crosswalk (Kanders K., "
        "Djumalieva J., Sleeman C., Orlik J. (2020), Mapping Career Causeways, Nesta; MIT): "
        "an ESCO occupation below the level the crosswalk maps gets skos:broadMatch to the "
        "O*NET-SOC 2010 occupations its nearest matched ancestor is a close match of, at that "
        "match's confidence (only Nesta's confidence 1 and 2 are passed on).",
        license=LICENSE, creator_label=PUBLISHER_NAME, version=None, provider=None))
    return sets


def _query(graph: str) -> str:
    owl = "http://www.w3.org/2002/07/owl#"
    sssom = "https://w3id.org/sssom/"
    rdfs = "http://www.w3.org/2000/01/rdf-schema#"
    similarity = "https://w3id.org/occupation-kg/ontology#semanticSimilarity"
    # VALUES, not a FILTER over ?p: one index range per property, not a scan of the graph
    # (O*NET's 1.9 million triples: 1.3 s for no row)
    matches = " ".join(f"<{SKOS}{m}>" for m in MATCHES)
    return f"""
SELECT ?s ?p ?o (MIN(?prefS) AS ?sLabel) (MIN(?prefO) AS ?oLabel) (MIN(?nodeS) AS ?sNode)
       (MIN(?nodeO) AS ?oNode) (MIN(?j) AS ?justification) (MIN(?c) AS ?confidence)
       (MIN(?sim) AS ?similarity) (MIN(?note) AS ?comment)
WHERE {{
  VALUES ?p {{ {matches} }}
  GRAPH <{graph}> {{
    ?s ?p ?o .
    OPTIONAL {{
      ?m <{owl}annotatedSource> ?s ; <{owl}annotatedProperty> ?p ; <{owl}annotatedTarget> ?o .
      OPTIONAL {{ ?m <{sssom}mapping_justification> ?j }}
      OPTIONAL {{ ?m <{sssom}confidence> ?c }}
      OPTIONAL {{ ?m <{similarity}> ?sim }}
      OPTIONAL {{ ?m <{rdfs}comment> ?note }}
      OPTIONAL {{ ?m <{sssom}subject_label> ?nodeS }}
      OPTIONAL {{ ?m <{sssom}object_label> ?nodeO }}
    }}
  }}
  OPTIONAL {{ ?s <{SKOS}prefLabel> ?prefS FILTER(LANGMATCHES(LANG(?prefS), "en")) }}
  OPTIONAL {{ ?o <{SKOS}prefLabel> ?prefO FILTER(LANGMATCHES(LANG(?prefO), "en")) }}
}}
GROUP BY ?s ?p ?o"""


def _rows(store: Store, spec: CrosswalkSet, prefixes: dict[str, str],
          used: set[str]) -> list[dict[str, object]]:
    rows = []
    for r in store.query(_query(spec.graph)):
        s, p, o = (r[name].value for name in ("s", "p", "o"))
        justification = r["justification"]
        row: dict[str, object] = {
            "subject_id": compress_iri(s, prefixes, used, spec.file_name),
            "subject_label": literal_text(r["sLabel"]) or literal_text(r["sNode"]),
            "predicate_id": compress_iri(p, prefixes, used, spec.file_name),
            "object_id": compress_iri(o, prefixes, used, spec.file_name),
            "object_label": literal_text(r["oLabel"]) or literal_text(r["oNode"]),
            "mapping_justification": compress_iri(
                justification.value if isinstance(justification, NamedNode) else MANUAL,
                prefixes, used, spec.file_name),
        }
        if justification is None and spec.provider:
            row["mapping_provider"] = spec.provider
        for column, name in (("confidence", "confidence"), ("similarity_score", "similarity")):
            if isinstance(r[name], Literal):
                row[column] = float(r[name].value)
        if "similarity_score" in row:
            row["similarity_measure"] = SIMILARITY_MEASURE
        if literal_text(r["comment"]):
            row["comment"] = literal_text(r["comment"])
        elif not isinstance(r["sLabel"], Literal):
            # Nesta names one ESCO occupation of an earlier edition ("wind turbine
            # technician"): say so where the row is, not only in the build's log
            row["comment"] = ("The imported editions do not describe this subject (a concept "
                              "of another edition); the mapping is kept as published.")
        rows.append(row)
    rows.sort(key=lambda row: (row["subject_id"], row["predicate_id"], row["object_id"]))
    return rows


def write_crosswalk_sets(store: Store, base: str, imported: list[str], folder: Path,
                         site_root: str) -> list[WrittenSet]:
    """Write one SSSOM file per graph with mappings into `folder`, and the ESCO occupations'
    O*NET-SOC 2019 matches and the ISCO-08 groups' SOC 2018 matches through two crosswalks each
    (kg.build.chained_matches).

    Not validated here: sssom-py took 4.3 s over the full graph's six files (the curated sets,
    typed by hand, are validated in every build). tests/test_crosswalk_sets.py and
    tests/test_full_build.py validate what this writes."""
    prefixes = prefixes_for(base)
    written: list[WrittenSet] = []
    for spec in crosswalk_sets(base, imported):
        used: set[str] = set()
        rows = _rows(store, spec, prefixes, used)
        if rows:
            written.append(write_set(spec, rows, used, prefixes, folder, base, site_root))
    for spec, chained in chained_sets(base, imported):
        used = set()
        rows = chained.rows(store, base, prefixes, used, spec.file_name)
        if rows:
            written.append(write_set(spec, rows, used, prefixes, folder, base, site_root))
    return written
