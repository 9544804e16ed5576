"""Every reference from one imported edition to a concept of another must resolve.

Each importer checks its own files; what none of them sees is another edition. An OEWS row for
SOC 11-3059 (no such code) gave 18 observations of an undefined concept, ESCO's iscoGroup 9999
a memberOfISCOGroup to no ISCO-08 group, Nesta's 99-9999.00 a closeMatch to no O*NET-SOC 2010
occupation (session 33's audit). `REFERENCES` names each such reference: the edition that
states it, its properties, and the editions whose typed concepts it may name. A build with
reference data fails listing every reference that names none, with the edition's files.
(Nesta's crosswalk also names ESCO occupations of an earlier edition: those are the publisher's,
kept with a warning by kg.build.imports.check_crosswalk_ends.)
"""

from __future__ import annotations

from dataclasses import dataclass

from pyoxigraph import Store

from kg.errors import ValidationFailed
from kg.prefixes import ESCO, OKG, SKOS

MATCHES = tuple(f"{SKOS}{m}" for m in ("exactMatch", "closeMatch", "broadMatch", "narrowMatch",
                                       "relatedMatch"))


@dataclass(frozen=True)
class Reference:
    importer: str  # the edition (importer name) whose graph states it
    predicates: tuple[str, ...]
    defined_by: tuple[str, ...]  # importers whose graphs may type the object
    means: str  # what the object must be, for the message
    files: tuple[str, ...] = ()  # the files stating it, for the message (else all the edition's)


REFERENCES = (
    Reference("bls-oews", (f"{OKG}occupation",), ("soc2018", "bls-oews"),
              "a SOC 2018 occupation or a BLS aggregate of them"),
    Reference("bls-projections", (f"{OKG}occupation",), ("soc2018", "bls-projections"),
              "a SOC 2018 occupation or a BLS aggregate of them"),
    Reference("esco", (f"{ESCO}memberOfISCOGroup",), ("isco08",), "an ISCO-08 group",
              ("occupations_en.csv",)),
    Reference("esco-onet-crosswalk", MATCHES, ("onet-soc-2019",),
              "an O*NET-SOC 2010 occupation (O*NET's 2010 to 2019 crosswalk)"),
    Reference("isco08-soc2010-bls", MATCHES, ("isco08", "isco08-soc2010-bls"),
              "an ISCO-08 group"),
    Reference("onet-soc-2019", MATCHES, ("soc2018", "onet-soc-2019"),
              "a SOC 2018 or O*NET-SOC occupation",
              ("2019_to_SOC_Crosswalk.tsv", "2010_to_2019_Crosswalk.tsv",
               "2010_to_2018_SOC_Crosswalk.tsv")),
)
SHOWN = 10  # dangling objects listed per reference


def _query(graph: str, predicates: tuple[str, ...], definers: list[str]) -> str:
    values = " ".join(f"<{p}>" for p in predicates)
    # Distinct objects first: one lookup per object, not per statement (OEWS: 1,400 codes,
    # 25,000 observations).
    absent = " ".join(f"FILTER NOT EXISTS {{ GRAPH <{d}> {{ ?o a ?type }} }}" for d in definers)
    return f"""
SELECT ?o (COUNT(*) AS ?statements) (MIN(STR(?s)) AS ?example) WHERE {{
  {{ SELECT DISTINCT ?o WHERE {{ VALUES ?p {{ {values} }} GRAPH <{graph}> {{ ?s ?p ?o }} }} }}
  {absent}
  VALUES ?q {{ {values} }} GRAPH <{graph}> {{ ?s ?q ?o }}
}} GROUP BY ?o ORDER BY STR(?o)"""


def check_references(store: Store, base: str, imported: list[str]) -> int:
    """Raise ValidationFailed listing every dangling reference; return the references checked.
    A reference whose stating or defining editions were not imported is not checked."""
    from kg.sources.importers import IMPORTERS

    present = set(imported)
    problems: list[str] = []
    checked = 0
    for ref in REFERENCES:
        importer = IMPORTERS[ref.importer]
        graph = importer.graph_iri(base)
        definers = [IMPORTERS[name].graph_iri(base) for name in ref.defined_by]
        if graph not in present or not present.issuperset(definers):
            continue
        checked += 1
        rows = list(store.query(_query(graph, ref.predicates, definers)))
        files = ", ".join(ref.files or importer.files)
        for row in rows[:SHOWN]:
            problems.append(
                f"{importer.info.edition} ({files}): {row['o'].value} is not {ref.means} "
                f"({row['statements'].value} statement(s), e.g. about {row['example'].value})")
        if len(rows) > SHOWN:
            problems.append(f"{importer.info.edition}: and {len(rows) - SHOWN} more")
    if problems:
        raise ValidationFailed("references between the reference datasets that name no "
                               "concept:\n" + "\n".join(problems))
    return checked
