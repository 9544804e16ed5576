"""O*NET interest reference tables: illustrative activities and occupations of the RIASEC and
basic interests, basic interests to RIASEC, RIASEC keywords. (The interest ratings themselves,
Interests.tsv, are okg:Rating nodes made by Onet.ratings.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import NamedNode

from kg.sources.importers.base import ImportFailed, Key, Triple, en, okg

if TYPE_CHECKING:
    from kg.sources.importers.onet import Onet

FILES = ("Interests Illustrative Activities.tsv", "Interests Illustrative Occupations.tsv",
         "Basic Interests to RIASEC.tsv", "RIASEC Keywords.tsv")
RIASEC, BASIC = "1.B.1.", "1.B.3."
# The Interest Type column says which kind of interest the element is; checked, not stored.
INTEREST_TYPE = {"General": RIASEC, "Basic": BASIC}
KEYWORD = {"Action": "actionKeyword", "Object": "objectKeyword"}


def produce(onet: Onet) -> Iterator[Triple]:
    yield from illustrative(onet, FILES[0], "Activity")
    yield from illustrative(onet, FILES[1], "O*NET-SOC Code")
    yield from basic_to_riasec(onet)
    yield from keywords(onet)


def interest(onet: Onet, path: Path, line: int, element_id: str, prefix: str,
             column: str = "Element ID") -> NamedNode:
    if not element_id.startswith(prefix):
        kind = "RIASEC" if prefix == RIASEC else "basic"
        raise ImportFailed(path, line, f"{element_id!r} is not a {kind} interest ({prefix}*)",
                           column=column)
    return onet.element(path, line, element_id)


def illustrative(onet: Onet, name: str, what: str) -> Iterator[Triple]:
    path = onet.folder / name
    cols = ("Element ID", "Interest Type", what)
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(("Element ID", what)),)):
        kind = row["Interest Type"].strip()
        prefix = INTEREST_TYPE.get(kind)
        if prefix is None:
            raise ImportFailed(path, line, f"Interest Type must be General or Basic, got "
                               f"{kind!r}", column="Interest Type")
        element = interest(onet, path, line, row["Element ID"].strip(), prefix)
        if what == "Activity":
            text = row[what].strip()
            if not text:
                raise ImportFailed(path, line, "empty activity", column=what)
            yield element, okg("illustrativeActivity"), en(text)
        else:
            yield element, okg("illustrativeOccupation"), onet.occ(path, line, row)


def basic_to_riasec(onet: Onet) -> Iterator[Triple]:
    path = onet.folder / FILES[2]
    cols = ("Basic Interests Element ID", "RIASEC Element ID")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols),)):
        basic = interest(onet, path, line, row[cols[0]].strip(), BASIC, cols[0])
        riasec = interest(onet, path, line, row[cols[1]].strip(), RIASEC, cols[1])
        yield basic, okg("linkedElement"), riasec


def keywords(onet: Onet) -> Iterator[Triple]:
    path = onet.folder / FILES[3]
    cols = ("Element ID", "Keyword", "Keyword Type")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols[:2]),)):
        element = interest(onet, path, line, row["Element ID"].strip(), RIASEC)
        kind, word = row["Keyword Type"].strip(), row["Keyword"].strip()
        if kind not in KEYWORD:
            raise ImportFailed(path, line, f"Keyword Type must be Action or Object, got "
                               f"{kind!r}", column="Keyword Type")
        if not word:
            raise ImportFailed(path, line, "empty keyword", column="Keyword")
        yield element, okg(KEYWORD[kind]), en(word)
