"""ESCO v1.1.1 (official CSV, English): occupations, skills, skill groups (skillGroups_en.csv,
and the groups only skillsHierarchy_en.csv lists), concept schemes, broader relations (checked
against the skills hierarchy), essential/optional occupation-skill and skill-skill relations,
and the thematic collections (green, digital, DigComp, transversal, research, language) as
skos:Collection nodes with skos:member.
ESCO's own IRIs are kept; the terms are SKOS plus the esco: model where it has one."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pyoxigraph import NamedNode

from kg.prefixes import ESCO
from kg.sources.importers.base import (
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
from kg.sources.importers.isco import ESCO_CITATION, ISCO_CODE, esco_uri, isco_iri

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
        if not DATETIME.match(modified) or not _real_datetime(modified):
            # the shape alone let "2016-13-45T10:00:00" through as an xsd:dateTime (audit)
            raise ImportFailed(path, line, f"modifiedDate is not a date-time: {modified!r}")
        yield node, dcterms("modified"), typed(modified, "dateTime")


def _real_datetime(value: str) -> bool:
    """A calendar date and a time of day that exist (month 13, day 45, hour 25 do not)."""
    try:
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return False
    return True


def _in_pillar(node: NamedNode, pillar: str, path: Path, line: int, column: str) -> NamedNode:
    """An ESCO occupation's IRI is under /occupation/, a skill's under /skill/ (an occupation
    row with a /skill/ IRI was imported as an occupation; audit)."""
    if not node.value.startswith(f"http://data.europa.eu/esco/{pillar}/"):
        raise ImportFailed(path, line, f"{node.value} is not an ESCO {pillar} IRI "
                           f"(http://data.europa.eu/esco/{pillar}/...)", column=column)
    return node


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


@dataclass
class Pillars:
    """What the pillar files said, for checking the files that repeat it: each concept's
    columns as the collection files repeat them, with its file and line; the broader links."""

    concepts: dict[str, tuple[str, int, dict[str, str]]] = field(default_factory=dict)
    broader: dict[str, set[str]] = field(default_factory=dict)

    def remember(self, node: NamedNode, path: Path, line: int, row: dict[str, str]) -> None:
        # The raw cells (no copies); made comparable only for the few concepts collections name.
        self.concepts[node.value] = (path.name, line, {col: row.get(col, "") for col in REPEATED})


# Columns the collection files repeat from skills_en.csv / occupations_en.csv. Multi-valued
# cells are compared as sets (the collection files separate values with " | ").
REPEATED = ("preferredLabel", "skillType", "reuseLevel", "altLabels", "description")


def _comparable(col: str, cell: str) -> str:
    if col == "altLabels":
        return "\n".join(sorted(split_multi(cell.replace(" | ", "\n"))))
    return cell.strip()


def occupations(folder: Path, ctx: Context, pillars: Pillars) -> Iterator[Triple]:
    path = folder / "occupations_en.csv"
    cols = ("conceptType", "conceptUri", "iscoGroup", "preferredLabel", "altLabels",
            "hiddenLabels", "modifiedDate", "regulatedProfessionNote", "scopeNote", "definition",
            "inScheme", "description", "code")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        if row["conceptType"] != "Occupation":
            raise ImportFailed(path, line, f"conceptType {row['conceptType']!r} != Occupation")
        node = _in_pillar(uri(row["conceptUri"], path, line, "conceptUri"), "occupation", path,
                          line, "conceptUri")
        pillars.remember(node, path, line, row)
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


def skills(folder: Path, ctx: Context, pillars: Pillars) -> Iterator[Triple]:
    path = folder / "skills_en.csv"
    cols = ("conceptType", "conceptUri", "skillType", "reuseLevel", "preferredLabel",
            "altLabels", "hiddenLabels", "modifiedDate", "scopeNote", "definition", "inScheme",
            "description")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        node = _in_pillar(uri(row["conceptUri"], path, line, "conceptUri"), "skill", path, line,
                          "conceptUri")
        pillars.remember(node, path, line, row)
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


def skills_hierarchy(folder: Path, ctx: Context, described: dict[str, tuple[str, str]],
                     pillars: Pillars) -> Iterator[Triple]:
    """skillsHierarchy_en.csv: one row per skill group, at the deepest level the row fills, with
    the path of groups above it (levels 0-3), a chain of skos:broader links.

    Each row's group and its parent (the level above) are checked against the other files: a
    group in skillGroups_en.csv must have the same label and code, and where
    broaderRelationsSkillPillar.csv names broader concepts of the group, the parent must be one
    of them (in ESCO 1.1.1 it always is, so the chain adds no new link there). Seven groups
    (S6.8 "positioning materials, tools or equipment" and its children, ...) are only here, not
    in skillGroups_en.csv: this describes them as that file describes the others. The labels
    and codes the rows give for the levels above are checked too, once every group is known.
    """
    path = folder / HIERARCHY
    levels = [(f"Level {n} URI", f"Level {n} preferred term", f"Level {n} code")
              for n in range(4)]
    cols = tuple(c for level in levels for c in level) + ("Description", "Scope note")
    hierarchy = "http://data.europa.eu/esco/concept-scheme/skills-hierarchy"
    groups = dict(described)  # what skillGroups_en.csv says
    keys = (Key(tuple(uri_col for uri_col, _, _ in levels)),)
    above: list[tuple[int, str, str, str, str, str]] = []  # line, uri, label, code, columns
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
        for n in range(depth):
            above.append((line, row[levels[n][0]].strip(), row[levels[n][1]].strip(),
                          row[levels[n][2]].strip(), levels[n][1], levels[n][2]))
        known = groups.get(node.value)
        if known is not None:
            for (col, here), there in zip(((label_col, label), (code_col, code)), known,
                                          strict=True):
                if here != there:
                    raise ImportFailed(path, line, f"{node.value} is {there!r} in "
                                       f"skillGroups_en.csv, {here!r} here", column=col)
        parent = uri(row[levels[depth - 1][0]], path, line, levels[depth - 1][0]) if depth \
            else None
        listed = pillars.broader.get(node.value, set())
        if parent is not None and listed and parent.value not in listed:
            raise ImportFailed(path, line, f"{parent.value} is not a broader concept of "
                               f"{node.value} in broaderRelationsSkillPillar.csv (that file "
                               f"names {sorted(listed)})", column=levels[depth - 1][0])
        if parent is not None and parent.value not in listed:
            yield node, skos("broader"), parent
        if node.value in described:
            continue
        described[node.value] = (label, code)
        yield node, RDF_TYPE, skos("Concept")
        yield from labels(node, {"preferredLabel": label, "description": row["Description"],
                                 "scopeNote": row["Scope note"], "inScheme": hierarchy},
                          path, line)
        if code:
            yield node, skos("notation"), plain(code)
    for line, group, label, code, label_col, code_col in above:
        known = described.get(group)
        if known is None:
            continue  # a group above that this file does not describe (a slice of it)
        for col, here, there in ((label_col, label, known[0]), (code_col, code, known[1])):
            if here != there:
                raise ImportFailed(path, line, f"{group} is {there!r} where the file describes "
                                   f"it, {here!r} here", column=col)


def broader(folder: Path, ctx: Context, name: str, pillars: Pillars) -> Iterator[Triple]:
    path = folder / name
    cols = ("conceptUri", "broaderUri")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(cols),)):
        node = uri(row["conceptUri"], path, line, "conceptUri")
        parent = uri(row["broaderUri"], path, line, "broaderUri")
        if parent == node:  # a concept its own broader (none of ESCO's 24,273 links; audit)
            raise ImportFailed(path, line, f"{node.value} is its own broader concept",
                               column="broaderUri")
        pillars.broader.setdefault(node.value, set()).add(parent.value)
        yield node, skos("broader"), parent


def relations(folder: Path, ctx: Context, name: str, cols: tuple[str, str, str],
              pillars: Pillars, source_file: str) -> Iterator[Triple]:
    """Essential and optional skills of an occupation (or a skill). An end that is the other
    pillar's concept (an occupation where a skill belongs) is refused; an end no pillar file
    lists is kept as ESCO publishes it, with a warning naming it: ESCO 1.1.1's own
    occupationSkillRelations.csv gives 67 skills to occupation a9e54177-..., which
    occupations_en.csv lacks (a relation to an unlisted skill passed silently; audit)."""
    path = folder / name
    source_col, kind_col, target_col = cols
    unlisted: dict[tuple[str, str], list[int]] = {}
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key((source_col, target_col)),)):
        predicate = RELATION.get(row[kind_col].strip())
        if predicate is None:
            raise ImportFailed(path, line, f"relationType must be essential or optional, got "
                               f"{row[kind_col]!r}")
        ends = []
        for col, listed_in in ((source_col, source_file), (target_col, "skills_en.csv")):
            node = uri(row[col], path, line, col)
            known = pillars.concepts.get(node.value)
            if known is None:
                unlisted.setdefault((node.value, listed_in), []).append(line)
            elif known[0] != listed_in:
                raise ImportFailed(path, line, f"{node.value} is a concept of {known[0]}, not "
                                   f"of {listed_in}", column=col)
            ends.append(node)
        yield ends[0], predicate, ends[1]
    for (iri, listed_in), lines in sorted(unlisted.items()):
        ctx.warn(path, lines[0], f"{len(lines)} relation(s) name {iri}, which {listed_in} does "
                 "not list (kept as published: nothing in the graph describes it)")


@dataclass(frozen=True)
class Collection:
    """One of ESCO's thematic collections: its file, the kind of its members, and the ESCO
    concept scheme of the same theme (whose top concepts are not the same set)."""

    file: str
    slug: str
    label: str
    member_type: str  # the conceptType every row must have
    scheme: str


COLLECTIONS = (
    Collection("greenSkillsCollection_en.csv", "green-skills", "ESCO green skills collection",
               "KnowledgeSkillCompetence", "green"),
    Collection("digitalSkillsCollection_en.csv", "digital-skills",
               "ESCO digital skills collection", "KnowledgeSkillCompetence",
               "6c930acd-c104-4ece-acf7-f44fd7333036"),
    Collection("digCompSkillsCollection_en.csv", "digcomp-skills",
               "ESCO DigComp skills collection", "KnowledgeSkillCompetence", "digcomp"),
    Collection("transversalSkillsCollection_en.csv", "transversal-skills",
               "ESCO transversal skills collection", "KnowledgeSkillCompetence",
               "skill-transversal-groups"),
    Collection("researchSkillsCollection_en.csv", "research-skills",
               "ESCO research skills collection", "KnowledgeSkillCompetence", "research"),
    Collection("researchOccupationsCollection_en.csv", "research-occupations",
               "ESCO research occupations collection", "Occupation",
               "8ae4b9f3-507e-4057-a145-2f96f0132613"),
    Collection("languageSkillsCollection_en.csv", "language-skills",
               "ESCO language skills collection", "KnowledgeSkillCompetence",
               "skill-language-groups"),
)
COLLECTION_FILES = tuple(c.file for c in COLLECTIONS)


def collection(folder: Path, ctx: Context, spec: Collection, pillars: Pillars
               ) -> Iterator[Triple]:
    """A collection file as a skos:Collection with a skos:member per row.

    The other columns repeat the member's row of skills_en.csv or occupations_en.csv and the
    broader relations; they are checked to agree (a collection naming a concept the pillars
    lack, or saying something else of it, is refused) and not stored twice.
    broaderConceptPT (the labels of the broader concepts, " | "-joined although labels may hold
    " | ") and status ("released" throughout) are not read.
    """
    path = folder / spec.file
    node = ctx.id("collection", f"esco-{spec.slug}")
    yield node, RDF_TYPE, skos("Collection")
    yield node, skos("prefLabel"), en(spec.label)
    yield node, skos("definition"), en(
        f"The concepts ESCO v1.1.1 lists in {spec.file}. ESCO publishes the collection as a "
        "file, not as a concept: the concept scheme it relates to has other top concepts.")
    yield node, dcterms("relation"), NamedNode(
        f"http://data.europa.eu/esco/concept-scheme/{spec.scheme}")
    repeated = tuple(c for c in REPEATED if spec.member_type != "Occupation"
                     or c not in ("skillType", "reuseLevel"))
    cols = ("conceptType", "conceptUri", *repeated, "broaderConceptUri")
    for line, row in ctx.table(path, cols, tsv=False, keys=(Key(("conceptUri",)),)):
        if row["conceptType"] != spec.member_type:
            raise ImportFailed(path, line, f"conceptType {row['conceptType']!r} != "
                               f"{spec.member_type}", column="conceptType")
        member = uri(row["conceptUri"], path, line, "conceptUri")
        known = pillars.concepts.get(member.value)
        pillar = "occupations_en.csv" if spec.member_type == "Occupation" else "skills_en.csv"
        if known is None or known[0] != pillar:
            raise ImportFailed(path, line, f"{member.value} is not in {pillar}",
                               column="conceptUri")
        name, there_line, said = known
        for col in repeated:
            here, there = _comparable(col, row[col]), _comparable(col, said[col])
            if here != there:
                raise ImportFailed(path, line, f"{here!r} here, {there!r} in {name} line "
                                   f"{there_line}", column=col)
        listed = pillars.broader.get(member.value, set())
        for value in split_multi(row["broaderConceptUri"].replace(" | ", "\n")):
            parent = uri(value, path, line, "broaderConceptUri")
            if parent.value not in listed:
                raise ImportFailed(path, line, f"{parent.value} is not a broader concept of "
                                   f"{member.value} in the broader relations files",
                                   column="broaderConceptUri")
        yield node, skos("member"), member


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    pillars = Pillars()
    yield from concept_schemes(folder, ctx)
    yield from occupations(folder, ctx, pillars)
    yield from skills(folder, ctx, pillars)
    described: dict[str, tuple[str, str]] = {}
    yield from skill_groups(folder, ctx, described)
    yield from broader(folder, ctx, "broaderRelationsOccPillar.csv", pillars)
    yield from broader(folder, ctx, "broaderRelationsSkillPillar.csv", pillars)
    yield from skills_hierarchy(folder, ctx, described, pillars)
    yield from relations(folder, ctx, "occupationSkillRelations.csv",
                         ("occupationUri", "relationType", "skillUri"), pillars,
                         "occupations_en.csv")
    yield from relations(folder, ctx, "skillSkillRelations.csv",
                         ("originalSkillUri", "relationType", "relatedSkillUri"), pillars,
                         "skills_en.csv")
    for spec in COLLECTIONS:
        yield from collection(folder, ctx, spec, pillars)


IMPORTER = Importer("esco", INFO, produce, FILES + COLLECTION_FILES)
