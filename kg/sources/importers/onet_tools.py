"""O*NET's UNSPSC Reference (segment > family > class > commodity as skos:broader) and Tools Used
(okg:Tool examples filed under the commodities, linked to occupations by okg:usesTool)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from kg.sources.importers.base import (
    RDF_TYPE,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    en,
    okg,
    scheme,
    skos,
)
from kg.sources.importers.slugs import Slugger

if TYPE_CHECKING:
    from kg.sources.importers.onet import Onet

FILES = ("UNSPSC Reference.tsv", "Tools Used.tsv")
CODE = re.compile(r"^[0-9]{8}$")
# Broadest first; each level's code is the commodity code with trailing digits zeroed.
LEVELS = ("Segment", "Family", "Class", "Commodity")


def unspsc_reference(onet: Onet) -> Iterator[Triple]:
    """Every UNSPSC code O*NET's reference lists, each level skos:broader the one above it."""
    top = onet.ctx.id("scheme", "unspsc")
    yield from scheme(top, "UNSPSC (segments, families, classes and commodities O*NET uses)")
    path = onet.folder / FILES[0]
    cols = tuple(f"{level} {what}" for level in LEVELS for what in ("Code", "Title"))
    keys = (Key(("Commodity Code",)),) + tuple(
        Key((f"{level} Code",), (f"{level} Title",)) for level in LEVELS[:-1])
    seen: set[str] = set()
    for line, row in onet.table(path, cols, tsv=True, keys=keys):
        above: NamedNode | None = None
        above_code = ""
        for depth, level in enumerate(LEVELS):
            code = check(CODE, row[f"{level} Code"].strip(), path, line, f"UNSPSC {level} code")
            # A segment keeps 2 digits, a family 4, a class 6: the rest must be zeros.
            if depth < 3 and code[2 + 2 * depth:] != "0" * (6 - 2 * depth):
                raise ImportFailed(path, line, f"{level} code {code} does not end in "
                                   f"{6 - 2 * depth} zeros", column=f"{level} Code")
            if depth and code[:2 * depth] != above_code[:2 * depth]:
                raise ImportFailed(path, line, f"{level} code {code} is not under the "
                                   f"{LEVELS[depth - 1].lower()} of its row",
                                   column=f"{level} Code")
            node = onet.ctx.id("unspsc", code)
            title = row[f"{level} Title"].strip()
            if level == "Commodity":
                onet.unspsc[code] = title
            if code not in seen:
                seen.add(code)
                yield from code_concept(node, top, code, title)
                if above is None:
                    yield node, skos("topConceptOf"), top
                else:
                    yield node, skos("broader"), above
            above, above_code = node, code


def commodity(onet: Onet, path: Path, line: int, row: dict[str, str]) -> NamedNode:
    """The UNSPSC Reference commodity a Technology Skills or Tools Used row files its example
    under; its title must be the reference's."""
    code = check(CODE, row["Commodity Code"].strip(), path, line, "UNSPSC commodity code")
    title = onet.unspsc.get(code)
    if title is None:
        raise ImportFailed(path, line, f"commodity {code} is not in UNSPSC Reference",
                           column="Commodity Code")
    if row["Commodity Title"].strip() != title:
        raise ImportFailed(path, line, f"commodity {code} is {title!r} in UNSPSC Reference, "
                           f"not {row['Commodity Title'].strip()!r}", column="Commodity Title")
    return onet.ctx.id("unspsc", code)


def tools(onet: Onet) -> Iterator[Triple]:
    """Each example is one okg:Tool, skos:broader every commodity O*NET files it under."""
    path = onet.folder / FILES[1]
    cols = ("O*NET-SOC Code", "Example", "Commodity Code", "Commodity Title")
    slugger = Slugger()
    filed: set[tuple[str, str]] = set()  # (example slug, commodity code) already linked
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols[:3]),)):
        occ = onet.occ(path, line, row)
        unspsc = commodity(onet, path, line, row)
        example = row["Example"].strip()
        if not example:
            raise ImportFailed(path, line, "empty tool example", column="Example")
        slug, new = slugger.slug(example)
        node = onet.ctx.id("onet-tool", slug)
        if new:
            yield node, RDF_TYPE, okg("Tool")
            yield node, skos("prefLabel"), en(example)
        if (slug, row["Commodity Code"].strip()) not in filed:
            filed.add((slug, row["Commodity Code"].strip()))
            yield node, skos("broader"), unspsc
        yield occ, okg("usesTool"), node
