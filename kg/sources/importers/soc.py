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
ONET_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$")
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
    rows = list(_rows(path, ctx))
    by_level: dict[str, list[str]] = {level: [] for level in LEVELS}
    for _, level, code, _, _ in rows:
        by_level[level].append(code)
    holders: set[str] = set()  # the codes something is filed under
    for line, level, code, title, listed_under in rows:
        node = soc_iri(ctx, code)
        yield from code_concept(node, top, code, title)
        depth = LEVELS.index(level)
        if depth == 0:
            yield node, skos("topConceptOf"), top
            yield top, skos("hasTopConcept"), node
            continue
        above = LEVELS[depth - 1]
        if listed_under is None:
            raise ImportFailed(path, line, f"SOC {code} has no {above} above it")
        # The hierarchy is the codes', not the row order's (11-3051 moved under 11-3010 was
        # published as its narrower concept; session 33's audit): a code belongs to the
        # greatest code of the level above, in its major group, that does not exceed it. Not
        # a prefix rule: broad occupation 29-1210 Physicians holds 29-1211 to 29-1229.
        owner = max((c for c in by_level[above] if c[:2] == code[:2] and c <= code), default=None)
        if owner != listed_under:
            raise ImportFailed(path, line, f"SOC {code} is listed under the {above} "
                               f"{listed_under}, but by its code it belongs to {owner or 'none'}")
        holders.add(owner)
        yield node, skos("broader"), soc_iri(ctx, owner)
        yield soc_iri(ctx, owner), skos("narrower"), node
    _groups_hold_codes(path, rows, holders)


def _groups_hold_codes(path: Path, rows: list[tuple[int, str, str, str, str | None]],
                       holders: set[str]) -> None:
    """Every major group, minor group and broad occupation holds a code of the level below, so
    each holds a detailed occupation, as in SOC 2018 (all 867 detailed, 459 broad, 98 minor, 23
    major). A file cut after a group's row lost the codes under it (`head -n 40` ended on
    broad occupation 11-3070 and was published); a cut right after a detailed occupation keeps
    every group it lists whole and is not found here."""
    for line, level, code, _, _ in rows:
        if level != LEVELS[-1] and code not in holders:
            raise ImportFailed(path, line, f"SOC {level.lower()} {code} has no "
                               f"{LEVELS[LEVELS.index(level) + 1].lower()} under it: the file "
                               "is cut short after it or rows are missing")


def _rows(path: Path, ctx: Context) -> Iterator[tuple[int, str, str, str, str | None]]:
    """(line, level, code, title, the code listed above it at the level above) per SOC code."""
    parents: dict[str, str] = {}  # level -> the latest code seen at that level
    # One code column is filled per row, so the five columns together are the code.
    keys = (Key((*LEVELS, ONET_LEVEL), (TITLE,)),)
    for line, row in ctx.table(path, (*LEVELS, ONET_LEVEL, TITLE), tsv=True, keys=keys):
        filled = [c for c in (*LEVELS, ONET_LEVEL) if row[c].strip()]
        if len(filled) != 1:
            raise ImportFailed(path, line, f"expected exactly one code column, got {filled}")
        level = filled[0]
        if level == ONET_LEVEL:
            # O*NET-SOC detail belongs to the onet-soc-2019 import; here it must only be an
            # O*NET-SOC code inside the detailed occupation above it
            onet = check(ONET_CODE, row[level].strip(), path, line, "O*NET-SOC 2019 code")
            detailed = parents.get(LEVELS[-1])
            if detailed is None or onet[:7] != detailed:
                raise ImportFailed(path, line, f"O*NET-SOC {onet} is not inside the detailed "
                                   f"occupation above it ({detailed or 'none'})")
            continue
        code = check(SHAPES[level], row[level].strip(), path, line, f"SOC {level} code")
        title = row[TITLE].strip()
        if not title:
            raise ImportFailed(path, line, f"SOC {code} has no title")
        depth = LEVELS.index(level)
        above = parents.get(LEVELS[depth - 1]) if depth else None
        parents[level] = code
        for lower in LEVELS[depth + 1:]:
            parents.pop(lower, None)
        yield line, level, code, title, above


IMPORTER = Importer("soc2018", INFO, produce, (FILE,))
