"""O*NET-SOC 2019 taxonomy and its crosswalks to SOC 2018 and from O*NET-SOC 2010."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from kg.prefixes import SCHEMA
from kg.sources.importers.base import (
    CC_BY_4,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    iri,
    scheme,
    skos,
)
from kg.sources.importers.crosswalks import match_kinds

SCHEMA_OCCUPATION = iri(SCHEMA, "Occupation")
ONET_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}\.[0-9]{2}$")
SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")
ONET_TRADEMARK = "O*NET® is a trademark of USDOL/ETA."
ONET_CITATION = (
    "This product includes information from O*NET OnLine / the O*NET Database by the U.S. "
    "Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the "
    "CC BY 4.0 license. " + ONET_TRADEMARK
)

INFO = DatasetInfo(
    dataset="onet-soc",
    version="2019",
    title="O*NET-SOC 2019 taxonomy and crosswalks (O*NET Occupational Listings)",
    publisher="National Center for O*NET Development (USDOL/ETA)",
    publisher_slug="national-center-for-onet-development",
    license=CC_BY_4,
    citation=ONET_CITATION,
    folder="onet_soc_2019_taxonomy",
    description="Crosswalk match types by cardinality: 1:1 skos:exactMatch; of several O*NET-SOC "
    "codes sharing one target, the one with the target's title is skos:closeMatch and the others "
    "skos:broadMatch; a code split over several targets skos:narrowMatch; many-to-many "
    "skos:relatedMatch.",
)
OCCUPATIONS = "2019_Occupations.tsv"
TO_SOC = "2019_to_SOC_Crosswalk.tsv"
FROM_2010 = "2010_to_2019_Crosswalk.tsv"
FROM_2010_TO_SOC = "2010_to_2018_SOC_Crosswalk.tsv"


def _crosswalk(
    path: Path, ctx: Context, cols: tuple[str, str, str, str], patterns: tuple[re.Pattern[str], ...]
) -> list[tuple[str, str, str, str]]:
    rows = []
    # A pair comes once; a code keeps its title wherever it comes again.
    keys = (Key((cols[0], cols[2])), Key((cols[0],), (cols[1],)), Key((cols[2],), (cols[3],)))
    for line, row in ctx.table(path, cols, tsv=True, keys=keys):
        source = check(patterns[0], row[cols[0]].strip(), path, line, cols[0])
        target = check(patterns[1], row[cols[2]].strip(), path, line, cols[2])
        rows.append((source, row[cols[1]].strip(), target, row[cols[3]].strip()))
    return rows


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    onet_scheme, old_scheme = ctx.id("scheme", "onet-soc2019"), ctx.id("scheme", "onet-soc2010")
    yield from scheme(onet_scheme, "O*NET-SOC 2019 taxonomy")
    yield from scheme(old_scheme, "O*NET-SOC 2010 taxonomy")
    path = folder / OCCUPATIONS
    cols = ("O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title", "O*NET-SOC 2019 Description")
    known: set[str] = set()
    for line, row in ctx.table(path, cols, tsv=True, keys=(Key((cols[0],)),)):
        code = check(ONET_CODE, row[cols[0]].strip(), path, line, "O*NET-SOC 2019 code")
        known.add(code)
        node = ctx.id("onet-soc2019", code)
        yield from code_concept(node, onet_scheme, code, row[cols[1]].strip(),
                                row[cols[2]].strip())
        # An occupation to schema.org consumers, as the pages' JSON-LD says. Regression
        # (session 29's audit): `?x a schema:Occupation` found SOC codes with BLS wages (major
        # groups among them) but none of the 1,016 O*NET-SOC occupations.
        yield node, RDF_TYPE, SCHEMA_OCCUPATION
    path = folder / TO_SOC
    rows = _crosswalk(path, ctx, ("O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title", "2018 SOC Code",
                                  "2018 SOC Title"), (ONET_CODE, SOC_CODE))
    for (source, target), kind in match_kinds(rows).items():
        if source not in known:
            raise ImportFailed(path, None, f"{source} is not in {OCCUPATIONS}")
        yield ctx.id("onet-soc2019", source), skos(kind), ctx.id("soc2018", target)
    old: dict[str, str] = {}
    path = folder / FROM_2010
    rows = _crosswalk(path, ctx, ("O*NET-SOC 2010 Code", "O*NET-SOC 2010 Title",
                                  "O*NET-SOC 2019 Code", "O*NET-SOC 2019 Title"),
                      (ONET_CODE, ONET_CODE))
    for source, title, _, _ in rows:
        old.setdefault(source, title)
    for (source, target), kind in match_kinds(rows).items():
        yield ctx.id("onet-soc2010", source), skos(kind), ctx.id("onet-soc2019", target)
    rows = _crosswalk(folder / FROM_2010_TO_SOC, ctx, (
        "O*NET-SOC 2010 Code", "O*NET-SOC 2010 Title", "2018 SOC Code", "2018 SOC Title"),
        (ONET_CODE, SOC_CODE))
    for source, title, _, _ in rows:
        old.setdefault(source, title)
    for (source, target), kind in match_kinds(rows).items():
        yield ctx.id("onet-soc2010", source), skos(kind), ctx.id("soc2018", target)
    for code, title in old.items():
        node = ctx.id("onet-soc2010", code)
        yield from code_concept(node, old_scheme, code, title)


IMPORTER = Importer("onet-soc-2019", INFO, produce, (OCCUPATIONS, TO_SOC, FROM_2010,
                                                     FROM_2010_TO_SOC))
