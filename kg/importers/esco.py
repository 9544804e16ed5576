"""ESCO v1.1.1 (official CSV, English): occupations, skills, skill groups (skillGroups_en.csv,
and the groups only skillsHierarchy_en.csv lists), concept schemes, broader relations and
essential/optional occupation-skill and skill-skill relations.
ESCO's own IRIs are kept; the terms are SKOS plus the esco: model where it has one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pyoxigraph import NamedNode

from kg.importers.base import (
    CC_BY_4,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    dcterms,
    en,
    plain,
    skos,
    split_multi,
    t,
    typed,
)
from kg.importers.isco import ESCO_CITATION, ISCO_CODE, esco_uri, isco_iri
from kg.prefixes import ESCO

esco = t(ESCO)
DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$",
                      re.ASCII)
SKILL_TYPES = {
    "skill/competence": NamedNode("http://data.europa.eu/esco/skill-type/skill"),
    "knowledge": NamedNode("http://data.europa.eu/esco/skill-type/knowledge"),
}
REUSE_LEVELS = {
    level: NamedNode(f"http://data.europa.eu/esco/skill-reuse-level/{level}")
    for level in ("transversal", "cross-sector", "sector-specific", "occupation-specific")
}
RELATION = {"essential": esco("relatedEssentialSkill"), "optional": esco("relatedOptionalSkill")}

INFO = DatasetInfo(
    dataset="esco",
    version="1.1.1",
    title="ESCO v1.1.1 classification (European Skills, Competences, Qualifications and "
    "Occupations), English",
    publisher="European Commission",
    publisher_slug="european-commission",
    license=CC_BY_4,
    citation=ESCO_CITATION,
    folder="esco_v1_1_1_en",
)
FILES = (
    "conceptSchemes_en.csv", "occupations_en.csv", "skills_en.csv", "skillGroups_en.csv",
    "broaderRelationsOccPillar.csv", "broaderRelationsSkillPillar.csv",
    "occupationSkillRelations.csv", "skillSkillRelations.csv", "skillsHierarchy_en.csv",
)
HIERARCHY = "skillsHierarchy_en.csv"


uri = esco_uri  # the ESCO IRI in a cell, checked (esco_onet uses it too)


def labels(node: NamedNode, row: dict[str, str], path: Path, line: int) -> Iterator[Triple]:
    """The label and note columns shared by ESCO's concept files."""
    pref = row["preferredLabel"].strip()
    if not pref:
        raise ImportFailed(path, line, "preferredLabel is empty")
    yield node, skos("prefLabel"), en(pref)
    for col, prop in (("altLabels", "altLabel"), ("hiddenLabels", "hiddenLabel")):
        for value in split_multi(row.get(col, "")):
            yield node, skos(prop), en(value)
    for col, term in (("definition", skos("definition")), ("scopeNote", skos("scopeNote")),
                      ("description", dcterms("description"))):
        text = row.get(col, "").strip()
        if text:
            yield node, term, en(text)
    for value in split_multi(row.get("inScheme", "")):
        yield node, skos("inScheme"), uri(value, path, line, "inScheme")
    modified = row.get("modifiedDate", "").strip()
    if modified:
        if not DATETIME.match(modified):
            raise ImportFailed(path, line, f"modifiedDate is not a date-time: {modified!r}")
        yield node, dcterms("modified"), typed(modified, "dateTime")


def concept_schemes(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / "conceptSchemes_en.csv"
    cols = ("conceptSchemeUri", "preferredLabel", "title", "description", "hasTopConcept")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptSchemeUri",)),)):
        node = uri(row["conceptSchemeUri"], path, line, "conceptSchemeUri")
        yield node, RDF_TYPE, skos("ConceptScheme")
        yield from labels(node, {"preferredLabel": row["preferredLabel"],
                                 "description": row["description"]}, path, line)
        if row["title"].strip():
            yield node, dcterms("title"), en(row["title"].strip())
        for value in split_multi(row["hasTopConcept"].replace(" | ", "\n")):
            yield node, skos("hasTopConcept"), uri(value, path, line, "hasTopConcept")


def occupations(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / "occupations_en.csv"
    cols = ("conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels",
            "hiddenLabels", "modifiedDate", "regulatedProfessionNote", "scopeNote", "definition",
            "inScheme", "description", "code")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        if row["conceptType"] != "Occupation":
            raise ImportFailed(path, line, f"conceptType {row['conceptType']!r} != Occupation")
        node = uri(row["conceptUri"], path, line, "conceptUri")
        yield node, RDF_TYPE, esco("Occupation")
        yield node, RDF_TYPE, skos("Concept")
        yield from labels(node, row, path, line)
        if row["code"].strip():
            yield node, skos("notation"), plain(row["code"].strip())
        isco = row["iscoGroup"].strip()
        if not ISCO_CODE.match(isco):
            raise ImportFailed(path, line, f"iscoGroup is not an ISCO-08 code: {isco!r}")
        yield node, esco("memberOfISCOGroup"), isco_iri(isco)
        note = row["regulatedProfessionNote"].strip()
        if note:
            yield node, esco("regulatedProfessionNote"), uri(note, path, line,
                                                             "regulatedProfessionNote")


def skills(folder: Path, ctx: Context) -> Iterator[Triple]:
    path = folder / "skills_en.csv"
    cols = ("conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel",
            "altLabels", "hiddenLabels", "modifiedDate", "scopeNote", "definition", "inScheme",
            "description")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        node = uri(row["conceptUri"], path, line, "conceptUri")
        yield node, RDF_TYPE, esco("Skill")
        yield node, RDF_TYPE, skos("Concept")
        yield from labels(node, row, path, line)
        for col, table, prop in (("skillType", SKILL_TYPES, "skillType"),
                                 ("reuseLevel", REUSE_LEVELS, "skillReuseLevel")):
            value = row[col].strip()
            if value:
                if value not in table:
                    raise ImportFailed(path, line, f"unknown {col} {value!r}")
                yield node, esco(prop), table[value]


def skill_groups(folder: Path, ctx: Context, described: dict[str, tuple[str, str]]
                 ) -> Iterator[Triple]:
    """skillGroups_en.csv; `described` gets each group's IRI -> (label, code)."""
    path = folder / "skillGroups_en.csv"
    cols = ("conceptUri", "preferredLabel", "altLabels", "hiddenLabels", "modifiedDate",
            "scopeNote", "inScheme", "description", "code")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        node = uri(row["conceptUri"], path, line, "conceptUri")
        described[node.value] = (row["preferredLabel"].strip(), row["code"].strip())
        yield node, RDF_TYPE, skos("Concept")
        yield from labels(node, row, path, line)
        if row["code"].strip():
            yield node, skos("notation"), plain(row["code"].strip())


def skills_hierarchy(folder: Path, ctx: Context, described: dict[str, tuple[str, str]]
                     ) -> Iterator[Triple]:
    """skillsHierarchy_en.csv: one row per skill group, at the deepest level the row fills.

    Seven groups of ESCO 1.1.1 (S6.8 "positioning materials, tools or equipment" and its
    children, ...) are only here, not in skillGroups_en.csv: this describes them as that file
    describes the others. A group in both files must have the same label and code.
    """
    path = folder / HIERARCHY
    levels = [(f"Level {n} URI", f"Level {n} preferred term", f"Level {n} code")
              for n in range(4)]
    cols = tuple(c for level in levels for c in level) + ("Description", "Scope note")
    hierarchy = "http://data.europa.eu/esco/concept-scheme/skills-hierarchy"
    groups = dict(described)  # what skillGroups_en.csv says
    keys = (Key(tuple(uri_col for uri_col, _, _ in levels)),)
    # Rows leave out empty trailing cells (the README says so), hence pad.
    for line, row in ctx.table(path, cols, tsv=False, keys=keys, pad=True):
        filled = [n for n, (uri_col, _, _) in enumerate(levels) if row[uri_col].strip()]
        if not filled or filled != list(range(len(filled))):
            raise ImportFailed(path, line, f"levels must be filled from 0 down, got {filled}")
        depth = filled[-1]
        uri_col, label_col, code_col = levels[depth]
        node = uri(row[uri_col], path, line, uri_col)
        label, code = row[label_col].strip(), row[code_col].strip()
        if not label:
            raise ImportFailed(path, line, "the group has no preferred term", column=label_col)
        known = groups.get(node.value)
        if known is not None:
            for (col, here), there in zip(((label_col, label), (code_col, code)), known,
                                          strict=True):
                if here != there:
                    raise ImportFailed(path, line, f"{node.value} is {there!r} in "
                                       f"skillGroups_en.csv, {here!r} here", column=col)
        if node.value in described:
            continue
        described[node.value] = (label, code)
        yield node, RDF_TYPE, skos("Concept")
        yield from labels(node, {"preferredLabel": label, "description": row["Description"],
                                 "scopeNote": row["Scope note"], "inScheme": hierarchy},
                          path, line)
        if code:
            yield node, skos("notation"), plain(code)
        if depth:
            yield node, skos("broader"), uri(row[levels[depth - 1][0]], path, line,
                                             levels[depth - 1][0])


def broader(folder: Path, ctx: Context, name: str) -> Iterator[Triple]:
    path = folder / name
    cols = ("conceptUri", "broaderUri")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(cols),)):
        yield (uri(row["conceptUri"], path, line, "conceptUri"), skos("broader"),
               uri(row["broaderUri"], path, line, "broaderUri"))


def relations(folder: Path, ctx: Context, name: str, cols: tuple[str, str, str]
              ) -> Iterator[Triple]:
    path = folder / name
    source_col, kind_col, target_col = cols
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key((source_col, target_col)),)):
        predicate = RELATION.get(row[kind_col].strip())
        if predicate is None:
            raise ImportFailed(path, line, f"relationType must be essential or optional, got "
                               f"{row[kind_col]!r}")
        yield (uri(row[source_col], path, line, source_col), predicate,
               uri(row[target_col], path, line, target_col))


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    yield from concept_schemes(folder, ctx)
    yield from occupations(folder, ctx)
    yield from skills(folder, ctx)
    described: dict[str, tuple[str, str]] = {}
    yield from skill_groups(folder, ctx, described)
    yield from skills_hierarchy(folder, ctx, described)
    yield from broader(folder, ctx, "broaderRelationsOccPillar.csv")
    yield from broader(folder, ctx, "broaderRelationsSkillPillar.csv")
    yield from relations(folder, ctx, "occupationSkillRelations.csv",
                         ("occupationUri", "relationType", "skillUri"))
    yield from relations(folder, ctx, "skillSkillRelations.csv",
                         ("originalSkillUri", "relationType", "relatedSkillUri"))


IMPORTER = Importer("esco", INFO, produce, FILES)
