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

from collections.abc import Callable
from dataclasses import dataclass

from pyoxigraph import Literal, Store

from kg.build.sssom_tables import CrosswalkSet, compress_iri, literal_text
from kg.prefixes import SKOS
from kg.publisher import LICENSE, PUBLISHER_NAME

CHAINING = "https://w3id.org/semapv/vocab/MappingChaining"
FILE_NAME = "esco-onet-soc2019-chained.sssom.tsv"
STRENGTH = ("exactMatch", "closeMatch", "broadMatch", "narrowMatch", "relatedMatch")
# From the other end, A broadMatch B reads B narrowMatch A.
INVERSE = {"exactMatch": "exactMatch", "closeMatch": "closeMatch", "broadMatch": "narrowMatch",
           "narrowMatch": "broadMatch", "relatedMatch": "relatedMatch"}


def compose(first: str, second: str) -> str:
    """The SKOS match of A to C from A's match to B and B's to C: an exact hop takes the other
    one; close with close stays close; a broad (narrow) hop with a close or equally directed
    one stays broad (narrow); opposite directions, or a related hop, leave only relatedMatch."""
    if first == "exactMatch" or second == "exactMatch":
        return second if first == "exactMatch" else first
    if first == second or second == "closeMatch":
        return first
    if first == "closeMatch":
        return second
    return "relatedMatch"


COMPOSE = {(a, b): compose(a, b) for a in STRENGTH for b in STRENGTH}


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


ISCO_SOC_FILE = "isco08-soc2018-chained.sssom.tsv"
ISCO_GROUP = "http://data.europa.eu/esco/isco/C"


@dataclass(frozen=True)
class ChainedSet:
    """A set this project derives from the crosswalks of two imports (their IMPORTERS names),
    under its own licence, and the function that reads its rows from the build store."""

    importers: tuple[str, str]
    file_name: str
    title: str
    description: str
    rows: Callable[[Store, str, dict[str, str], set[str], str], list[dict[str, object]]]


def chained_sets(base: str, imported: list[str]) -> list[tuple[CrosswalkSet, ChainedSet]]:
    """The registered chained sets whose two imports were both imported."""
    from kg.sources.importers import IMPORTERS

    out = []
    for chained in CHAINED_SETS:
        if {IMPORTERS[name].graph_iri(base) for name in chained.importers} <= set(imported):
            out.append((CrosswalkSet(
                graph="", file_name=chained.file_name, title=chained.title,
                description=chained.description, license=LICENSE,
                creator_label=PUBLISHER_NAME, version=None, provider=None), chained))
    return out


def _isco_soc_queries(base: str) -> tuple[str, str]:
    """BLS's SOC 2010 -> ISCO-08 statements, and O*NET's O*NET-SOC 2010 -> SOC 2018 ones."""
    from kg.sources.importers import IMPORTERS

    bls = IMPORTERS["isco08-soc2010-bls"].graph_iri(base)
    onet_soc = IMPORTERS["onet-soc-2019"].graph_iri(base)
    matches = " ".join(f"<{SKOS}{m}>" for m in STRENGTH)
    first = f"""
SELECT ?isco ?first ?old (MIN(?iscoName) AS ?iscoLabel) (MIN(?oldName) AS ?oldLabel)
WHERE {{
  VALUES ?first {{ {matches} }}
  GRAPH <{bls}> {{ ?old ?first ?isco }}
  FILTER(STRSTARTS(STR(?isco), "{ISCO_GROUP}") && STRSTARTS(STR(?old), "{base}soc2010/"))
  OPTIONAL {{ ?isco <{SKOS}prefLabel> ?iscoName }}
  OPTIONAL {{ ?old <{SKOS}prefLabel> ?oldName }}
}}
GROUP BY ?isco ?first ?old"""
    second = f"""
SELECT ?mid ?second ?target (MIN(?targetName) AS ?targetLabel)
WHERE {{
  VALUES ?second {{ {matches} }}
  GRAPH <{onet_soc}> {{ ?mid ?second ?target }}
  FILTER(STRSTARTS(STR(?mid), "{base}onet-soc2010/") && STRSTARTS(STR(?target), "{base}soc2018/"))
  OPTIONAL {{ ?target <{SKOS}prefLabel> ?targetName }}
}}
GROUP BY ?mid ?second ?target"""
    return first, second


def isco_soc_rows(store: Store, base: str, prefixes: dict[str, str], used: set[str],
                  where: str) -> list[dict[str, object]]:
    """One row per (ISCO-08 group, SOC 2018 code): the strongest composition, read from the
    ISCO group's side (BLS states SOC 2010 -> ISCO-08). A SOC 2010 code reaches SOC 2018
    through every O*NET-SOC 2010 code under it: its ".00" code is itself (exactMatch), the
    others are narrower specialties, some of which O*NET files under another SOC 2018 code
    (15-1199.02 under 15-1252 Software Developers; session 34's review: the ".00" code alone
    lost 36 pairs)."""
    bls_query, onet_query = _isco_soc_queries(base)
    under: dict[str, list[tuple[str, str, str, Literal | None]]] = {}
    for r in store.query(onet_query):
        mid = r["mid"].value.rsplit("/", 1)[1]
        under.setdefault(mid[:7], []).append((
            mid, r["second"].value.rsplit("#", 1)[1], r["target"].value, r["targetLabel"]))
    best: dict[tuple[str, str], tuple[tuple[int, str, str], dict[str, object]]] = {}
    for r in store.query(bls_query):
        stated = r["first"].value.rsplit("#", 1)[1]
        first = INVERSE[stated]
        old = compress_iri(r["old"].value, prefixes, used, where)
        code = r["old"].value.rsplit("/", 1)[1]
        for mid, second, target, target_label in sorted(under.get(code, []),
                                                        key=lambda m: m[:3]):
            bridge = "exactMatch" if mid.endswith(".00") else "narrowMatch"
            predicate = compose(compose(first, bridge), second)
            how = "the SOC 2010 code itself" if bridge == "exactMatch" else \
                "a narrower O*NET specialty under it"
            row: dict[str, object] = {
                "subject_id": compress_iri(r["isco"].value, prefixes, used, where),
                "subject_label": literal_text(r["iscoLabel"]),
                "predicate_id": compress_iri(SKOS + predicate, prefixes, used, where),
                "object_id": compress_iri(target, prefixes, used, where),
                "object_label": literal_text(target_label),
                "mapping_justification": compress_iri(CHAINING, prefixes, used, where),
                "comment": f"Through SOC 2010 {old} {literal_text(r['oldLabel'])}: "
                           f"skos:{first} (BLS states {old} skos:{stated} the group), then "
                           f"O*NET-SOC 2010 {mid} ({how}) skos:{second} (O*NET's 2010 to 2018 "
                           "SOC crosswalk).",
            }
            key = (str(row["subject_id"]), str(row["object_id"]))
            rank = (STRENGTH.index(predicate), old, mid)
            if key not in best or rank < best[key][0]:
                best[key] = (rank, row)
    return [row for _, (_, row) in sorted(best.items())]


# ESCO occupations to O*NET-SOC 2019 (the module's opening comment), and ISCO-08 groups to SOC
# 2018: BLS maps ISCO-08 to SOC 2010 only, and US wages and projections are published under SOC
# 2018, so an analyst joining European data with them had to compose the two crosswalks by hand
# (the review of session 33).
CHAINED_SETS: list[ChainedSet] = [
    ChainedSet(
        ("esco-onet-crosswalk", "onet-soc-2019"), FILE_NAME,
        "ESCO occupations to O*NET-SOC 2019 occupations, through Nesta's crosswalk and "
        "O*NET's 2010 to 2019 crosswalk",
        "Derived by occupation-kg: each ESCO occupation's O*NET-SOC 2010 match "
        "(Nesta's crosswalk, Kanders K., Djumalieva J., Sleeman C., Orlik J. (2020), Mapping "
        "Career Causeways, Nesta, MIT; or inherited from its nearest matched ESCO ancestor) "
        "composed with O*NET's 2010 to 2019 crosswalk (O*NET-SOC 2019 taxonomy, USDOL/ETA, CC "
        "BY 4.0). A close first hop takes the second hop's predicate; a broad one stays broad, "
        "or becomes relatedMatch where O*NET splits the code. The confidence is the first "
        "hop's. The comment names the 2010 code each row goes through.",
        chained_rows),
    ChainedSet(
        ("isco08-soc2010-bls", "onet-soc-2019"), ISCO_SOC_FILE,
        "ISCO-08 unit groups to SOC 2018 occupations, through BLS's ISCO-08/SOC 2010 "
        "crosswalk and O*NET's 2010 to 2018 SOC crosswalk",
        "Derived by occupation-kg: each ISCO-08 group's SOC 2010 codes (the U.S. "
        "Bureau of Labor Statistics' ISCO-08/SOC 2010 crosswalk, public domain) composed with "
        "O*NET's crosswalk from O*NET-SOC 2010 to the 2018 SOC (USDOL/ETA, CC BY 4.0), through "
        "every O*NET-SOC 2010 code under the SOC 2010 code: its '.00' code is the SOC 2010 "
        "code itself, the others narrower O*NET specialties. An exact "
        "hop takes the other's predicate; a broad or narrow one stays so with a close or "
        "equally directed one, else relatedMatch. The comment names the codes each row goes "
        "through.",
        isco_soc_rows),
]
