"""ESCO occupations to O*NET-SOC 2019 occupations, through Nesta's crosswalk and O*NET's own.

Nesta matches ESCO occupations to O*NET-SOC 2010 codes (and kg.build.inherited_matches passes
the matches down the ESCO hierarchy); O*NET's 2010-to-2019 crosswalk takes each 2010 code to
the 2019 taxonomy that O*NET 29.3's ratings, tasks and wages (through SOC 2018) use. A user who
starts from ESCO had to compose the two in SPARQL, or by appending ".00" to codes; this writes
the composition as an SSSOM set (semapv:MappingChaining), one row per ESCO occupation and 2019
occupation, with the 2010 code it went through in the comment. Written from the graph as a file
only (the graph keeps both hops, each with its provenance).

How two SKOS matches compose (`COMPOSE`): the first hop is Nesta's closeMatch or an inherited
broadMatch (the ESCO occupation is narrower than the 2010 one); the second is O*NET's, chosen by
cardinality (kg.sources.importers.crosswalks): exactMatch 1:1, closeMatch the same-titled code of
a merge, broadMatch a code merged into a broader one, narrowMatch a code split into narrower
ones, relatedMatch many-to-many. A close first hop takes the second's predicate (close for
exact); a broad first hop stays broad unless the second narrows or only relates, which leaves
nothing surer than relatedMatch. Where one pair is reached through several 2010 codes the
strongest predicate (then the highest confidence) is kept. The confidence is the first hop's:
O*NET's crosswalk is the publisher's own.
"""

from __future__ import annotations

from pyoxigraph import Literal, Store

from kg.build.sssom_tables import CrosswalkSet, compress_iri, literal_text
from kg.prefixes import SKOS
from kg.publisher import LICENSE, PUBLISHER_NAME

CHAINING = "https://w3id.org/semapv/vocab/MappingChaining"
FILE_NAME = "esco-onet-soc2019-chained.sssom.tsv"
COMPOSE = {
    ("closeMatch", "exactMatch"): "closeMatch",
    ("closeMatch", "closeMatch"): "closeMatch",
    ("closeMatch", "broadMatch"): "broadMatch",
    ("closeMatch", "narrowMatch"): "narrowMatch",
    ("closeMatch", "relatedMatch"): "relatedMatch",
    ("broadMatch", "exactMatch"): "broadMatch",
    ("broadMatch", "closeMatch"): "broadMatch",
    ("broadMatch", "broadMatch"): "broadMatch",
    ("broadMatch", "narrowMatch"): "relatedMatch",
    ("broadMatch", "relatedMatch"): "relatedMatch",
}
STRENGTH = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")


def chained_set(base: str, imported: list[str]) -> CrosswalkSet | None:
    """The set's description, when both crosswalks were imported."""
    from kg.sources.importers import IMPORTERS

    nesta, onet_soc = IMPORTERS["esco-onet-crosswalk"], IMPORTERS["onet-soc-2019"]
    if not {nesta.graph_iri(base), onet_soc.graph_iri(base)} <= set(imported):
        return None
    return CrosswalkSet(
        graph="", file_name=FILE_NAME,
        title="ESCO occupations to O*NET-SOC 2019 occupations, through Nesta's crosswalk and "
        "O*NET's 2010 to 2019 crosswalk",
        description="Derived by occupation-kg: each ESCO occupation's O*NET-SOC 2010 match "
        "(Nesta's crosswalk, Kanders K., Djumalieva J., Sleeman C., Orlik J. (2020), Mapping "
        "Career Causeways, Nesta, MIT; or inherited from its nearest matched ESCO ancestor) "
        "composed with O*NET's 2010 to 2019 crosswalk (O*NET-SOC 2019 taxonomy, USDOL/ETA, CC "
        "BY 4.0). A close first hop takes the second hop's predicate; a broad one stays broad, "
        "or becomes relatedMatch where O*NET splits the code. The confidence is the first "
        "hop's. The comment names the 2010 code each row goes through.",
        license=LICENSE, creator_label=PUBLISHER_NAME, version=None, provider=None)


def _query(base: str) -> str:
    from kg.sources.importers import IMPORTERS

    owl, sssom = "http://www.w3.org/2002/07/owl#", "https://w3id.org/sssom/"
    nesta = IMPORTERS["esco-onet-crosswalk"].graph_iri(base)
    onet_soc = IMPORTERS["onet-soc-2019"].graph_iri(base)
    matches = " ".join(f"<{SKOS}{m}>" for m in STRENGTH)
    return f"""
SELECT ?esco ?first ?mid ?second ?target (MAX(?c) AS ?confidence) (MIN(?escoName) AS ?escoLabel)
       (MIN(?midName) AS ?midLabel) (MIN(?targetName) AS ?targetLabel)
WHERE {{
  {{ GRAPH <{nesta}> {{ ?esco <{SKOS}closeMatch> ?mid }} BIND(<{SKOS}closeMatch> AS ?first)
     BIND(<{nesta}> AS ?hop) }}
  UNION
  {{ GRAPH <{base}graph/derived> {{ ?esco <{SKOS}broadMatch> ?mid }}
     FILTER(STRSTARTS(STR(?mid), "{base}onet-soc2010/"))
     BIND(<{SKOS}broadMatch> AS ?first) BIND(<{base}graph/derived> AS ?hop) }}
  VALUES ?second {{ {matches} }}
  GRAPH <{onet_soc}> {{ ?mid ?second ?target }}
  FILTER(STRSTARTS(STR(?target), "{base}onet-soc2019/"))
  OPTIONAL {{ GRAPH ?hop {{ ?m <{owl}annotatedSource> ?esco ; <{owl}annotatedTarget> ?mid ;
                           <{owl}annotatedProperty> ?first ; <{sssom}confidence> ?c }} }}
  OPTIONAL {{ ?esco <{SKOS}prefLabel> ?escoName }}
  OPTIONAL {{ ?mid <{SKOS}prefLabel> ?midName }}
  OPTIONAL {{ ?target <{SKOS}prefLabel> ?targetName }}
}}
GROUP BY ?esco ?first ?mid ?second ?target"""


def chained_rows(store: Store, base: str, prefixes: dict[str, str], used: set[str],
                 where: str) -> list[dict[str, object]]:
    """One row per (ESCO occupation, O*NET-SOC 2019 occupation): the strongest composition."""
    best: dict[tuple[str, str], tuple[tuple[int, float, str], dict[str, object]]] = {}
    for r in store.query(_query(base)):
        first = r["first"].value.rsplit("#", 1)[1]
        second = r["second"].value.rsplit("#", 1)[1]
        predicate = COMPOSE[(first, second)]
        confidence = float(r["confidence"].value) if isinstance(r["confidence"], Literal) else None
        mid = compress_iri(r["mid"].value, prefixes, used, where)
        row: dict[str, object] = {
            "subject_id": compress_iri(r["esco"].value, prefixes, used, where),
            "subject_label": literal_text(r["escoLabel"]),
            "predicate_id": compress_iri(SKOS + predicate, prefixes, used, where),
            "object_id": compress_iri(r["target"].value, prefixes, used, where),
            "object_label": literal_text(r["targetLabel"]),
            "mapping_justification": compress_iri(CHAINING, prefixes, used, where),
            "comment": f"Through {mid} {literal_text(r['midLabel'])}: skos:{first} "
                       f"({'Nesta' if first == 'closeMatch' else 'inherited from Nesta'}), "
                       f"then skos:{second} (O*NET's 2010 to 2019 crosswalk).",
        }
        if confidence is not None:
            row["confidence"] = confidence
        key = (str(row["subject_id"]), str(row["object_id"]))
        # strongest predicate, then highest confidence, then the first 2010 code by name
        rank = (STRENGTH.index(predicate), -(confidence or 0.0), mid)
        if key not in best or rank < best[key][0]:
            best[key] = (rank, row)
    return [row for _, (_, row) in sorted(best.items())]
