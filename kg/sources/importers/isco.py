"""ISCO-08 groups as published by ESCO (ISCOGroups_en.csv, ESCO's own IRIs), and the BLS
ISCO-08 <-> SOC 2010 crosswalk."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.sources.importers.base import (
    CC_BY_4,
    PUBLIC_DOMAIN,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    dcterms,
    en,
    scheme,
    skos,
    split_multi,
)

ESCO_ISCO = "http://data.europa.eu/esco/isco/C"
ISCO_SCHEME = NamedNode("http://data.europa.eu/esco/concept-scheme/isco")
ISCO_NOTATION = NamedNode("http://data.europa.eu/esco/Notation/ISCO08")
ESCO_IRI = re.compile(r"http://data\.europa\.eu/esco/[A-Za-z0-9._/-]+")
ISCO_CODE = re.compile(r"^[0-9]{1,4}$")
SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")

ESCO_CITATION = (
    "© European Union, ESCO v1.1.1 (European Skills, Competences, Qualifications and "
    "Occupations), https://esco.ec.europa.eu. Reused under the Commission's reuse policy "
    "(Decision 2011/833/EU)."
)

INFO = DatasetInfo(
    dataset="isco08",
    version="esco-1.1.1",
    title="ISCO-08 groups (International Standard Classification of Occupations), as published "
    "in ESCO v1.1.1",
    publisher="European Commission",
    publisher_slug="european-commission",
    license=CC_BY_4,
    citation=ESCO_CITATION + " ISCO-08 is a classification of the International Labour "
    "Organization.",
    folder="esco_v1_1_1_en",
)
FILE = "ISCOGroups_en.csv"
COLUMNS = ("conceptType", "conceptUri", "code", "preferredLabel", "altLabels", "inScheme",
           "description")


def esco_uri(value: str, path: Path, line: int, col: str) -> NamedNode:
    """An ESCO IRI from a cell, refused unless it looks like one."""
    value = value.strip()
    if not ESCO_IRI.fullmatch(value):
        raise ImportFailed(path, line, f"not an ESCO IRI: {value!r}", column=col)
    return NamedNode(value)


def isco_iri(code: str) -> NamedNode:
    return NamedNode(ESCO_ISCO + code)


def isco_notation(code: str) -> Literal:
    return Literal(code, datatype=ISCO_NOTATION)


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / FILE
    # The label ESCO gives this scheme (conceptSchemes_en.csv), so the two importers agree.
    yield from scheme(ISCO_SCHEME, "ISCO 2008")
    lines: dict[str, int] = {}
    for line, row in ctx.table(path, COLUMNS, tsv=False, keys=(Key(("code",)),)):
        code = check(ISCO_CODE, row["code"].strip(), path, line, "ISCO-08 code")
        if row["conceptUri"] != ESCO_ISCO + code:
            raise ImportFailed(path, line, f"conceptUri {row['conceptUri']!r} does not match "
                               f"code {code!r}")
        lines[code] = line
        node = isco_iri(code)
        yield node, RDF_TYPE, skos("Concept")
        yield node, skos("notation"), isco_notation(code)
        yield node, skos("prefLabel"), en(row["preferredLabel"].strip())
        for alt in split_multi(row["altLabels"]):
            yield node, skos("altLabel"), en(alt)
        for value in split_multi(row["inScheme"]):
            yield node, skos("inScheme"), esco_uri(value, path, line, "inScheme")
        if row["description"].strip():
            yield node, dcterms("description"), en(row["description"].strip())
        if len(code) == 1:
            yield node, skos("topConceptOf"), ISCO_SCHEME
            yield ISCO_SCHEME, skos("hasTopConcept"), node
    for code, line in lines.items():
        if len(code) > 1:
            if code[:-1] not in lines:
                raise ImportFailed(path, line, f"ISCO-08 {code}: parent {code[:-1]} is missing")
            yield isco_iri(code), skos("broader"), isco_iri(code[:-1])
            yield isco_iri(code[:-1]), skos("narrower"), isco_iri(code)


IMPORTER = Importer("isco08", INFO, produce, (FILE,))

# --- the BLS crosswalk -------------------------------------------------------------------

XW_INFO = DatasetInfo(
    dataset="isco08-soc2010-crosswalk-bls",
    version="2015-06",
    title="Crosswalk between ISCO-08 and the 2010 SOC (BLS, August 2012, updated June 2015)",
    publisher="U.S. Bureau of Labor Statistics",
    publisher_slug="us-bureau-of-labor-statistics",
    license=PUBLIC_DOMAIN,
    citation="ISCO-08 / 2010 SOC crosswalk, U.S. Bureau of Labor Statistics for the Standard "
    "Occupational Classification Policy Committee, August 2012 (updated June 2015). Public domain.",
    folder="crosswalk_isco08_soc2010_bls",
    description="Match types: a pair marked partial ('*') in neither direction is "
    "skos:exactMatch; SOC wholly inside an ISCO group that is split is skos:broadMatch (SOC to "
    "ISCO); the reverse is skos:narrowMatch; partial both ways is skos:relatedMatch. A code "
    "with several matches in a sheet is partial there even where the sheet leaves out its "
    "'*' (SOC 37-1011, matched to ISCO 5151 and 5152).",
)
SOC_TO_ISCO = "soc2010_to_isco08.tsv"
ISCO_TO_SOC = "isco08_to_soc2010.tsv"
SOC_COL, SOC_TITLE, PART = "2010 SOC Code", "2010 SOC Title", "part"
ISCO_COL, ISCO_TITLE = "ISCO-08 Code", "ISCO-08 Title EN"


def _pairs(path: Path, ctx: Context) -> Iterator[tuple[int, str, str, str, bool]]:
    keys = (Key((SOC_COL, ISCO_COL)), Key((SOC_COL,), (SOC_TITLE,)),
            Key((ISCO_COL,), (ISCO_TITLE,)))
    cols = (SOC_COL, SOC_TITLE, PART, ISCO_COL, ISCO_TITLE)
    for line, row in ctx.table(path, cols, tsv=True, keys=keys):
        soc = check(SOC_CODE, row[SOC_COL].strip(), path, line, "SOC 2010 code")
        isco = check(ISCO_CODE, row[ISCO_COL].strip(), path, line, "ISCO-08 code")
        part = row[PART].strip()
        if part not in ("", "*"):
            raise ImportFailed(path, line, f"part must be empty or '*', got {part!r}")
        yield line, soc, isco, row[SOC_TITLE].strip(), part == "*"


def produce_crosswalk(folder: Path, ctx: Context) -> Iterator[Triple]:
    soc_scheme = ctx.id("scheme", "soc2010")
    yield from scheme(soc_scheme, "2010 Standard Occupational Classification")
    soc_partial: dict[tuple[str, str], bool] = {}
    titles: dict[str, str] = {}
    soc_rows = list(_pairs(folder / SOC_TO_ISCO, ctx))
    for _, soc, isco, title, part in soc_rows:
        soc_partial[(soc, isco)] = part
        titles.setdefault(soc, title)
    isco_partial: dict[tuple[str, str], bool] = {}
    path = folder / ISCO_TO_SOC
    isco_rows = list(_pairs(path, ctx))
    for line, soc, isco, _, part in isco_rows:
        if (soc, isco) not in soc_partial:
            raise ImportFailed(path, line, f"pair {soc} / {isco} is not in {SOC_TO_ISCO}")
        isco_partial[(soc, isco)] = part
    # '*' marks a code with several matches in its sheet; where BLS left it out (37-1011 has
    # two ISCO groups, neither starred), an exactMatch beside a broadMatch would contradict
    # itself, so the count decides
    _star_split_codes(folder / SOC_TO_ISCO, soc_rows, soc_partial, 1, ctx)
    _star_split_codes(path, isco_rows, isco_partial, 2, ctx)
    for soc, title in titles.items():
        node = ctx.id("soc2010", soc)
        yield from code_concept(node, soc_scheme, soc, title)
    for (soc, isco), soc_part in soc_partial.items():
        isco_part = isco_partial.get((soc, isco))
        if isco_part is None:
            raise ImportFailed(folder / SOC_TO_ISCO, None,
                               f"pair {soc} / {isco} is missing from {ISCO_TO_SOC}")
        if not soc_part and not isco_part:
            predicate = "exactMatch"
        elif not soc_part:
            predicate = "broadMatch"  # the SOC occupation lies wholly inside the ISCO group
        elif not isco_part:
            predicate = "narrowMatch"
        else:
            predicate = "relatedMatch"
        yield ctx.id("soc2010", soc), skos(predicate), isco_iri(isco)


def _star_split_codes(path: Path, rows: list[tuple[int, str, str, str, bool]],
                      partial: dict[tuple[str, str], bool], side: int, ctx: Context) -> None:
    """Mark partial every pair whose code (`side` 1: SOC, 2: ISCO) has several matches."""
    matches: dict[str, int] = defaultdict(int)
    for row in rows:
        matches[row[side]] += 1
    for line, soc, isco, _, part in rows:
        code = (soc, isco)[side - 1]
        if matches[code] > 1 and not part:
            partial[(soc, isco)] = True
            ctx.warn(path, line, f"{code} has {matches[code]} matches but no '*' (partial); "
                     "read as partial")


XW_IMPORTER = Importer("isco08-soc2010-bls", XW_INFO, produce_crosswalk,
                       (SOC_TO_ISCO, ISCO_TO_SOC))
