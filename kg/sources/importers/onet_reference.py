"""O*NET reference tables around the ratings (work context and task categories, level scale
anchors, survey booklet locations, skill/ability links to work activities and work context) and
the occupation tables that need the tasks first (Emerging Tasks, Occupation Level Metadata)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from pyoxigraph import Literal, NamedNode

from kg.sources.importers.base import (
    RDF_TYPE,
    ImportFailed,
    Key,
    Triple,
    check,
    code_concept,
    dcterms,
    decimal,
    en,
    okg,
    plain,
    scheme,
    skos,
    typed,
)
from kg.sources.plausibility import EARLIEST_YEAR, LATEST_YEAR

if TYPE_CHECKING:
    from kg.sources.importers.onet import Onet

FILES = (
    "Work Context Categories.tsv", "Task Categories.tsv", "Level Scale Anchors.tsv",
    "Survey Booklet Locations.tsv", "Skills to Work Activities.tsv",
    "Skills to Work Context.tsv", "Abilities to Work Activities.tsv",
    "Abilities to Work Context.tsv", "Emerging Tasks.tsv", "Occupation Level Metadata.tsv",
)
CODE_COL = "O*NET-SOC Code"
DATE = re.compile(r"^(0[1-9]|1[0-2])/([0-9]{4})$")  # MM/YYYY, a month of the calendar
NUMBER = re.compile(r"^[0-9]+(\.[0-9]+)?$")
INTEGER = re.compile(r"^[0-9]+$")
# (file, from-column prefix, from-element prefix, to-column prefix, to-element prefix)
LINKS = (
    ("Skills to Work Activities.tsv", "Skills", "2.", "Work Activities", "4.A."),
    ("Skills to Work Context.tsv", "Skills", "2.", "Work Context", "4.C."),
    ("Abilities to Work Activities.tsv", "Abilities", "1.A.", "Work Activities", "4.A."),
    ("Abilities to Work Context.tsv", "Abilities", "1.A.", "Work Context", "4.C."),
)
EMERGING_KINDS = ("New", "Revision")


def month(row: dict[str, str], path: Path, line: int) -> Literal:
    """The row's Date (MM/YYYY) as an xsd:gYearMonth; every O*NET file dates its rows so."""
    date = DATE.match(row["Date"].strip())
    if date is None:
        raise ImportFailed(path, line, f"Date must be MM/YYYY, got {row['Date']!r}", column="Date")
    # the project's year bounds (kg.sources.plausibility); O*NET 29.3 dates its rows 2004-2025,
    # and 08/0000 and 08/1850 were published (audit)
    if not EARLIEST_YEAR <= int(date[2]) <= LATEST_YEAR:
        raise ImportFailed(path, line, f"Date {date[0]} is not a year from {EARLIEST_YEAR} to "
                           f"{LATEST_YEAR}", column="Date")
    return typed(f"{date[2]}-{date[1]}", "gYearMonth")


# A sample size (N) is a count of respondents: 8 to 297 in O*NET 29.3's rating and metadata
# files. 99999999999999999999999999 was published (audit); 10,000 leaves room for a larger
# survey, not for a slipped digit run.
MAX_SAMPLE = 10_000


def sample_size(text: str, path: Path, line: int) -> Literal:
    n = check(INTEGER, text.strip(), path, line, "N")
    if not 1 <= int(n) <= MAX_SAMPLE:
        raise ImportFailed(path, line, f"N {n} is not a number of respondents from 1 to "
                           f"{MAX_SAMPLE:,}", column="N")
    return typed(n, "integer")


def scale_of(onet: Onet, path: Path, line: int, scale_id: str) -> NamedNode:
    node = onet.scales.get(scale_id)
    if node is None:
        raise ImportFailed(path, line, f"scale {scale_id!r} is not in Scales Reference",
                           column="Scale ID")
    return node


def short_hash(*parts: str) -> str:
    """A stable slug part for rows without an identifier of their own."""
    return hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:12]


def produce(onet: Onet) -> Iterator[Triple]:
    """The reference tables, read after the content model and the scales."""
    yield from work_context_categories(onet)
    yield from task_categories(onet)
    yield from scale_anchors(onet)
    yield from survey_items(onet)
    for spec in LINKS:
        yield from element_links(onet, *spec)


def after_tasks(onet: Onet) -> Iterator[Triple]:
    yield from emerging_tasks(onet)
    yield from occupation_metadata(onet)


def work_context_categories(onet: Onet) -> Iterator[Triple]:
    """Like the education categories: one concept per element, scale and category."""
    yield from onet.category_table("Work Context Categories.tsv",
                                   ("Element ID", "Scale ID", "Category"))


def task_categories(onet: Onet) -> Iterator[Triple]:
    """Categories of task scales (frequency of task): about no element, so named by scale."""
    yield from onet.category_table("Task Categories.tsv", ("Scale ID", "Category"))


def scale_anchors(onet: Onet) -> Iterator[Triple]:
    top = onet.ctx.id("scheme", "onet-scale-anchors")
    yield from scheme(top, "O*NET level scale anchors")
    path = onet.folder / "Level Scale Anchors.tsv"
    cols = ("Element ID", "Scale ID", "Anchor Value", "Anchor Description")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols[:3]),)):
        element_id, scale_id = row["Element ID"].strip(), row["Scale ID"].strip()
        element = onet.element(path, line, element_id)
        scale = scale_of(onet, path, line, scale_id)
        raw = check(NUMBER, row["Anchor Value"].strip(), path, line, "anchor value")
        value = decimal(raw, path, line, "Anchor Value")
        low, high = onet.bounds[scale_id]
        if not low <= Decimal(value.value) <= high:
            raise ImportFailed(path, line, f"anchor {raw} lies outside scale {scale_id} "
                               f"({low}-{high})", column="Anchor Value")
        node = onet.ctx.id("onet-scale-anchor", f"{element_id}-{scale_id}-{raw}".lower())
        yield from code_concept(node, top, raw, row["Anchor Description"].strip(),
                                kind=okg("ScaleAnchor"))
        yield node, okg("anchorElement"), element
        yield node, okg("anchorScale"), scale
        yield node, okg("anchorValue"), value


def survey_items(onet: Onet) -> Iterator[Triple]:
    top = onet.ctx.id("scheme", "onet-survey-items")
    yield from scheme(top, "O*NET survey booklet items")
    path = onet.folder / "Survey Booklet Locations.tsv"
    cols = ("Element ID", "Survey Item Number", "Scale ID")
    keys = (Key(("Survey Item Number",)), Key(("Element ID", "Scale ID")))
    for line, row in onet.table(path, cols, tsv=True, keys=keys):
        element = onet.element(path, line, row["Element ID"].strip())
        scale = scale_of(onet, path, line, row["Scale ID"].strip())
        item = check(re.compile(r"^[A-Za-z0-9]+$"), row["Survey Item Number"].strip(), path,
                     line, "survey item number")
        node = onet.ctx.id("onet-survey-item", item.lower())
        yield from code_concept(node, top, item, f"Survey item {item}", kind=okg("SurveyItem"))
        yield node, okg("surveyElement"), element
        yield node, okg("surveyScale"), scale


def element_links(onet: Onet, name: str, source: str, source_prefix: str, target: str,
                  target_prefix: str) -> Iterator[Triple]:
    path = onet.folder / name
    cols = (f"{source} Element ID", f"{target} Element ID")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols),)):
        ends = []
        for col, prefix in zip(cols, (source_prefix, target_prefix), strict=True):
            element_id = row[col].strip()
            if not element_id.startswith(prefix):
                raise ImportFailed(path, line, f"{element_id!r} is not a {col.rsplit(' ', 2)[0]} "
                                   f"element ({prefix}*)", column=col)
            ends.append(onet.element(path, line, element_id))
        yield ends[0], okg("linkedElement"), ends[1]


def emerging_tasks(onet: Onet) -> Iterator[Triple]:
    top = onet.ctx.id("scheme", "onet-emerging-tasks")
    yield from scheme(top, "O*NET emerging tasks")
    path = onet.folder / "Emerging Tasks.tsv"
    cols = (CODE_COL, "Task", "Category", "Original Task ID", "Original Task", "Date",
            "Domain Source")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols[:2]),)):
        occ = onet.occ(path, line, row)
        task, kind = row["Task"].strip(), row["Category"].strip()
        if not task:
            raise ImportFailed(path, line, "empty task", column="Task")
        if kind not in EMERGING_KINDS:
            raise ImportFailed(path, line, f"Category must be New or Revision, got {kind!r}",
                               column="Category")
        node = onet.ctx.id("onet-emerging-task",
                           f"{row[CODE_COL].strip()}-{short_hash(task)}")
        yield node, RDF_TYPE, okg("EmergingTask")
        yield node, skos("inScheme"), top
        yield node, skos("prefLabel"), en(task)
        yield node, okg("emergingTaskKind"), plain(kind)
        original = row["Original Task ID"].strip()
        if (kind == "Revision") != bool(original):
            raise ImportFailed(path, line, f"a {kind} task must "
                               f"{'not ' if original else ''}name an original task",
                               column="Original Task ID")
        if original:
            said = onet.task_text.get(original)
            if said is None:
                raise ImportFailed(path, line, f"original task {original} is not in Task "
                                   "Statements", column="Original Task ID")
            if said != row["Original Task"].strip():
                raise ImportFailed(path, line, f"Original Task differs from task {original} of "
                                   "Task Statements", column="Original Task")
            yield node, okg("revisesTask"), onet.ctx.id("onet-task", original)
        yield node, dcterms("date"), month(row, path, line)
        if row["Domain Source"].strip():
            yield node, okg("emergingTaskSource"), plain(row["Domain Source"].strip())
        yield occ, okg("hasEmergingTask"), node


def occupation_metadata(onet: Onet) -> Iterator[Triple]:
    path = onet.folder / "Occupation Level Metadata.tsv"
    cols = (CODE_COL, "Item", "Response", "N", "Percent", "Date")
    for line, row in onet.table(path, cols, tsv=True, keys=(Key(cols[:3]),)):
        occ = onet.occ(path, line, row)
        item, response = row["Item"].strip(), row["Response"].strip()
        if not item:
            raise ImportFailed(path, line, "empty item", column="Item")
        node = onet.ctx.id("onet-occupation-metadata",
                           f"{row[CODE_COL].strip()}-{short_hash(item, response)}")
        yield node, RDF_TYPE, okg("OccupationMetadatum")
        yield node, okg("describedOccupation"), occ
        yield node, okg("metadataItem"), plain(item)
        if response:
            yield node, okg("metadataResponse"), plain(response)
        if row["N"].strip():
            yield node, okg("respondentCount"), sample_size(row["N"], path, line)
        if row["Percent"].strip():
            percent = decimal(row["Percent"].strip(), path, line, "Percent")
            if not 0 <= Decimal(percent.value) <= 100:
                raise ImportFailed(path, line, f"Percent {percent.value} lies outside 0-100",
                                   column="Percent")
            yield node, okg("responsePercent"), percent
        yield node, dcterms("date"), month(row, path, line)
