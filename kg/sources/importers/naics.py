"""NAICS 2022 (2-6 digit codes): a SKOS scheme; sectors may be ranges such as 31-33."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

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
    dataset="naics",
    version="2022",
    title="North American Industry Classification System (NAICS) 2022, 2-6 digit codes",
    publisher="U.S. Census Bureau",
    publisher_slug="us-census-bureau",
    license=PUBLIC_DOMAIN,
    citation="2022 NAICS, U.S. Census Bureau (Office of Management and Budget standard); "
    "2-6 digit 2022 Codes. U.S. Government work, public domain.",
    folder="naics_2022",
)
FILE = "2-6_digit_2022_Codes.tsv"
CODE_COL = "2022 NAICS US   Code"
TITLE_COL = "2022 NAICS US Title"
CODE = re.compile(r"^([0-9]{2}(-[0-9]{2})?|[0-9]{3,6})$")


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / FILE
    top = ctx.id("scheme", "naics2022")
    yield from scheme(top, "North American Industry Classification System 2022")
    sector_of: dict[str, str] = {}  # two-digit prefix -> sector code ("31" -> "31-33")
    seen: set[str] = set()
    lines: dict[str, int] = {}  # industry group or industry -> its line
    parents: set[str] = set()
    keys = (Key((CODE_COL,), (TITLE_COL,)),)
    for line, row in ctx.table(path, ("Seq. No.", CODE_COL, TITLE_COL), tsv=True, keys=keys):
        code = check(CODE, row[CODE_COL].strip(), path, line, "NAICS code")
        title = row[TITLE_COL].strip()
        if not title:
            raise ImportFailed(path, line, f"NAICS {code} has no title")
        node = ctx.id("naics2022", code)
        yield from code_concept(node, top, code, title)
        seen.add(code)
        if len(code) in (4, 5):
            lines[code] = line
        if len(code) == 2 or "-" in code:
            first, _, last = code.partition("-")
            for prefix in range(int(first), int(last or first) + 1):
                sector_of[f"{prefix:02d}"] = code
            yield node, skos("topConceptOf"), top
            yield top, skos("hasTopConcept"), node
            continue
        parent = sector_of.get(code[:2]) if len(code) == 3 else code[:-1]
        if parent is None or parent not in seen:
            raise ImportFailed(path, line, f"NAICS {code} comes before its parent (or has none)")
        parents.add(parent)
        yield node, skos("broader"), ctx.id("naics2022", parent)
        yield ctx.id("naics2022", parent), skos("narrower"), node
    # Every industry group (4 digits) and industry (5 digits) of NAICS 2022 has a code under it
    # (each of its 1,012 6-digit national industries is one): a file cut after such a row lost
    # them (`head -n 500` ended on 32532 and was published). Sectors and subsectors are not
    # checked: the test slice (tests/data/naics_2022) lists five subsectors alone. A cut right
    # after a 6-digit code, a sector or a subsector is not found.
    for code, line in lines.items():
        if code not in parents:
            raise ImportFailed(path, line, f"NAICS {code} has no code under it: the file is "
                               "cut short after it or rows are missing")


IMPORTER = Importer("naics2022", INFO, produce, (FILE,))
