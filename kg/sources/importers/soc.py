"""SOC 2018 structure (SOC_Structure.tsv): a SKOS scheme, major > minor > broad > detailed."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode

from kg.sources.importers.base import (
    PUBLIC_DOMAIN,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    scheme,
    skos,
)

INFO = DatasetInfo(
    dataset="soc",
    version="2018",
    title="2018 Standard Occupational Classification (SOC) structure",
    publisher="U.S. Bureau of Labor Statistics",
    publisher_slug="us-bureau-of-labor-statistics",
    license=PUBLIC_DOMAIN,
    citation="2018 Standard Occupational Classification, U.S. Bureau of Labor Statistics / SOC "
    "Policy Committee (public domain); structure file SOC_Structure.xlsx compiled by the National "
    "Center for O*NET Development (O*NET OccupationalListings).",
    folder="soc_2018_structure",
)
FILE = "SOC_Structure.tsv"
LEVELS = ("Major Group", "Minor Group", "Broad Occupation", "Detailed Occupation")
ONET_LEVEL = "Detailed O*NET-SOC"
TITLE = "SOC or O*NET-SOC 2019 Title"
CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")
SHAPES = {
    "Major Group": re.compile(r"^[0-9]{2}-0000$"),
    "Minor Group": re.compile(r"^[0-9]{2}-[0-9]{2}00$"),
    "Broad Occupation": re.compile(r"^[0-9]{2}-[0-9]{3}0$"),
    "Detailed Occupation": CODE,
}


def soc_iri(ctx: Context, code: str) -> NamedNode:
    return ctx.id("soc2018", code)


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / FILE
    top = ctx.id("scheme", "soc2018")
    yield from scheme(top, "2018 Standard Occupational Classification")
    parents: dict[str, str] = {}  # level -> the latest code seen at that level
    # One code column is filled per row, so the five columns together are the code.
    keys = (Key((*LEVELS, ONET_LEVEL), (TITLE,)),)
    for line, row in ctx.table(path, (*LEVELS, ONET_LEVEL, TITLE), tsv=True, keys=keys):
        filled = [c for c in (*LEVELS, ONET_LEVEL) if row[c].strip()]
        if len(filled) != 1:
            raise ImportFailed(path, line, f"expected exactly one code column, got {filled}")
        level = filled[0]
        if level == ONET_LEVEL:
            continue  # O*NET-SOC detail belongs to the onet-soc-2019 import
        code = check(SHAPES[level], row[level].strip(), path, line, f"SOC {level} code")
        title = row[TITLE].strip()
        if not title:
            raise ImportFailed(path, line, f"SOC {code} has no title")
        node = soc_iri(ctx, code)
        yield from code_concept(node, top, code, title)
        depth = LEVELS.index(level)
        parents[level] = code
        for lower in LEVELS[depth + 1:]:
            parents.pop(lower, None)
        if depth == 0:
            yield node, skos("topConceptOf"), top
            yield top, skos("hasTopConcept"), node
            continue
        parent = parents.get(LEVELS[depth - 1])
        if parent is None or parent[:2] != code[:2]:
            raise ImportFailed(path, line, f"SOC {code} has no {LEVELS[depth - 1]} above it")
        yield node, skos("broader"), soc_iri(ctx, parent)
        yield soc_iri(ctx, parent), skos("narrower"), node


IMPORTER = Importer("soc2018", INFO, produce, (FILE,))
