"""O*NET 29.3 database: occupations, alternate and reported titles, tasks, the rating files
(qualified rating nodes), job zones, technology skills and related occupations; the other tables
come from the onet_* modules this one calls."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence
from decimal import Decimal
from itertools import chain
from pathlib import Path
from typing import Any

from pyoxigraph import Literal, NamedNode

from kg.sources.importers import onet_activities, onet_interests, onet_reference, onet_tools
from kg.sources.importers.base import (
    CC_BY_4,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    boolean,
    check,
    code_concept,
    dcterms,
    decimal,
    en,
    okg,
    plain,
    scheme,
    single_spaced,
    skos,
    typed,
    visible,
)
from kg.sources.importers.onet_soc import ONET_CODE, ONET_TRADEMARK
from kg.sources.importers.slugs import Slugger

INFO = DatasetInfo(
    dataset="onet",
    version="29.3",
    title="O*NET 29.3 Database (May 2025)",
    publisher="National Center for O*NET Development (USDOL/ETA)",
    publisher_slug="national-center-for-onet-development",
    license=CC_BY_4,
    citation="This product includes information from the O*NET 29.3 Database by the U.S. "
    "Department of Labor, Employment and Training Administration (USDOL/ETA). Used under the "
    "CC BY 4.0 license. " + ONET_TRADEMARK,
    folder="onet_db_29_3",
)
CODE_COL = "O*NET-SOC Code"
ELEMENT = re.compile(r"^[0-9]+(\.[A-Za-z0-9]+)*$")
SCALE = re.compile(r"^[A-Z]{2,3}$")
CATEGORY = re.compile(r"^[0-9]+$")
FILES = (
    "Occupation Data.tsv", "Content Model Reference.tsv", "Scales Reference.tsv",
    "Education, Training, and Experience Categories.tsv", "Job Zone Reference.tsv",
    "Alternate Titles.tsv", "Task Statements.tsv", "Skills.tsv", "Knowledge.tsv",
    "Education, Training, and Experience.tsv", "Job Zones.tsv", "Technology Skills.tsv",
    "Related Occupations.tsv", "Sample of Reported Titles.tsv",
    "Work Styles.tsv", "Work Values.tsv", "Interests.tsv",
) + onet_reference.FILES + onet_interests.FILES + onet_tools.FILES + onet_activities.FILES
RATING_FILES = ("Skills.tsv", "Knowledge.tsv", "Education, Training, and Experience.tsv",
                "Work Styles.tsv", "Work Values.tsv", "Interests.tsv")
RATING_COLS = (CODE_COL, "Element ID", "Scale ID", "Data Value", "Date", "Domain Source")
NO_STATISTICS = ("Work Values.tsv", "Interests.tsv")  # no N, standard error, CI, suppress
FLAG = {"Y": True, "N": False}
SVP = re.compile(r"^\((Below [0-9.]+|[0-9.]+ to < [0-9.]+|[0-9.]+ and above)\)$")
# High-point ratings name a RIASEC interest or work value by its number (1-6); 0 says there is
# none. Interests' IH scale runs 0-6, but Scales Reference gives the work values' VH scale 1-6
# while one VH rating (Work Values.tsv, 35-3023.00, third high-point) is 0: that row is read as
# "no high-point" and makes no rating, rather than a rating outside its scale.
NO_HIGH_POINT = {"VH"}
# Columns that repeat what a code is called: name column -> (kind of code, code column). "X
# Element Name" columns (Skills to Work Activities...) are "Element Name"s of "X Element ID".
NAMES = {
    "Title": ("occupation", CODE_COL),
    "Related Title": ("occupation", "Related O*NET-SOC Code"),
    "Element Name": ("element", "Element ID"),
    "Scale Name": ("scale", "Scale ID"),
    "IWA Title": ("iwa", "IWA ID"),
    "DWA Title": ("dwa", "DWA ID"),
    "Task": ("task", "Task ID"),
}


def _named(column: str) -> str:
    return "Element Name" if column.endswith(" Element Name") else column


# Task Type in Task Statements.tsv of 29.3: Core (13,417 rows), Supplemental (4,222) or empty
# (1,157); "Bogus" was published as a task category (audit). Task Categories.tsv lists task
# frequencies, not these.
TASK_TYPES = ("", "Core", "Supplemental")
RELATEDNESS_TIERS = ("Primary-Short", "Primary-Long", "Supplemental")


class Onet:
    """One import run: the reference tables read first, then the occupation tables."""

    def __init__(self, folder: Path, ctx: Context):
        self.folder, self.ctx = folder, ctx
        self.occupations: set[str] = set()
        self.elements: dict[str, NamedNode] = {}
        self.scales: dict[str, NamedNode] = {}
        self.bounds: dict[str, tuple[Decimal, Decimal]] = {}  # scale -> minimum, maximum
        self.in_scale: set[tuple[str, str]] = set()  # (scale, rating value) checked
        self.categories: set[tuple[str, str, str]] = set()
        self.technologies = Slugger()
        self.task_text: dict[str, str] = {}  # task ID -> statement, for Emerging Tasks
        self.unspsc: dict[str, str] = {}  # commodity code -> title, from UNSPSC Reference
        # what a code is called, by the kind of code (NAMES), for the columns that repeat it
        self.names: dict[str, dict[str, str]] = {kind: {} for kind, _ in NAMES.values()}

    def table(self, path: Path, required: Sequence[str], defines: str | None = None,
              **options: Any) -> Iterator[tuple[int, dict[str, str]]]:
        """ctx.table, and each row's titles and names checked against the code's, as the file
        that `defines` (a column of NAMES) states them (README: they are "checked through the
        code's concept", but "Astronauts" as 11-3051.00's Title or "Juggling" as an Element
        Name changed nothing; audit). Every row of O*NET 29.3 agrees exactly after white space
        is single-spaced; a code the defining file lacks is left to the importer's own error."""
        pairs: list[tuple[str, str, dict[str, str]]] | None = None
        for line, row in self.ctx.table(path, required, **options):
            if pairs is None:
                pairs = [(NAMES[_named(col)][1] if col in NAMES else col[:-4] + "ID", col,
                          self.names[NAMES[_named(col)][0]])
                         for col in row if _named(col) in NAMES and col != defines]
                pairs = [(code, col, names) for code, col, names in pairs if code in row]
            for code_col, name_col, names in pairs:
                code = row[code_col].strip()
                expected = names.get(code)
                if expected is not None and single_spaced(row[name_col]) != expected:
                    raise ImportFailed(path, line, f"{row[name_col].strip()!r} is not the name "
                                       f"of {code} ({expected!r})", column=name_col)
            yield line, row
            if defines is not None:
                kind, code_col = NAMES[defines]
                self.names[kind].setdefault(row[code_col].strip(), single_spaced(row[defines]))

    def occ(self, path: Path, line: int, row: dict[str, str], col: str = CODE_COL) -> NamedNode:
        code = check(ONET_CODE, row[col].strip(), path, line, "O*NET-SOC code")
        if code not in self.occupations:
            raise ImportFailed(path, line, f"O*NET-SOC code {code} is not in Occupation Data")
        return self.ctx.id("onet-soc2019", code)

    def element(self, path: Path, line: int, element_id: str) -> NamedNode:
        node = self.elements.get(element_id)
        if node is None:
            raise ImportFailed(path, line, f"element {element_id!r} is not in the content model")
        return node

    def run(self, ratings: tuple[str, ...] = RATING_FILES) -> Iterator[Triple]:
        """Every table, of the rating files only `ratings` (see rating_part)."""
        yield from self.occupation_data()
        yield from self.content_model()
        yield from self.scale_reference()
        yield from self.categories_reference()
        yield from self.job_zone_reference()
        yield from onet_reference.produce(self)
        yield from onet_tools.unspsc_reference(self)
        yield from self.alternate_titles()
        yield from self.reported_titles()
        yield from self.tasks()
        for name in RATING_FILES:
            if name in ratings:
                yield from self.ratings(name)
        yield from self.job_zones()
        yield from self.technology()
        yield from onet_tools.tools(self)
        yield from self.related()
        yield from onet_reference.after_tasks(self)
        yield from onet_interests.produce(self)
        yield from onet_activities.produce(self)

    def rating_part(self, ratings: tuple[str, ...]) -> Iterator[Triple]:
        """The rating files `ratings` alone, for a second worker: the reference tables they
        are checked against are read again, their triples dropped (the other part gives
        them), and their rows not counted twice."""
        for _ in chain(self.occupation_data(), self.content_model(), self.scale_reference(),
                       self.categories_reference(), onet_reference.work_context_categories(self)):
            pass
        self.ctx.rows = 0
        self.ctx.files.clear()
        for name in ratings:
            yield from self.ratings(name)

    def occupation_data(self) -> Iterator[Triple]:
        top = self.ctx.id("scheme", "onet-soc2019")
        yield from scheme(top, "O*NET-SOC 2019 taxonomy")
        path = self.folder / "Occupation Data.tsv"
        for line, row in self.table(path, (CODE_COL, "Title", "Description"), "Title", tsv=True,
                                        keys=(Key((CODE_COL,)),)):
            code = check(ONET_CODE, row[CODE_COL].strip(), path, line, "O*NET-SOC code")
            self.occupations.add(code)
            node = self.ctx.id("onet-soc2019", code)
            yield from code_concept(node, top, code, row["Title"].strip(),
                                    row["Description"].strip())

    def content_model(self) -> Iterator[Triple]:
        top = self.ctx.id("scheme", "onet-content-model")
        yield from scheme(top, "O*NET Content Model")
        path = self.folder / "Content Model Reference.tsv"
        lowered: set[str] = set()
        for line, row in self.table(path, ("Element ID", "Element Name", "Description"),
                                   "Element Name", tsv=True, keys=(Key(("Element ID",)),)):
            element_id = check(ELEMENT, row["Element ID"].strip(), path, line, "element ID")
            slug = element_id.lower()
            if slug in lowered:
                raise ImportFailed(path, line, f"element ID {element_id} collides when lowercased")
            lowered.add(slug)
            node = self.elements[element_id] = self.ctx.id("onet-element", slug)
            yield from code_concept(node, top, element_id, row["Element Name"].strip(),
                                    row["Description"].strip())
            parent = element_id.rpartition(".")[0]
            if not parent:
                yield node, skos("topConceptOf"), top
            elif parent not in self.elements:
                raise ImportFailed(path, line, f"element {element_id}: parent {parent} not above")
            else:
                yield node, skos("broader"), self.elements[parent]

    def scale_reference(self) -> Iterator[Triple]:
        top = self.ctx.id("scheme", "onet-scales")
        yield from scheme(top, "O*NET rating scales")
        path = self.folder / "Scales Reference.tsv"
        for line, row in self.table(path, ("Scale ID", "Scale Name", "Minimum", "Maximum"),
                                   "Scale Name", tsv=True, keys=(Key(("Scale ID",)),)):
            scale_id = check(SCALE, row["Scale ID"].strip(), path, line, "scale ID")
            node = self.scales[scale_id] = self.ctx.id("onet-scale", scale_id.lower())
            yield from code_concept(node, top, scale_id, row["Scale Name"].strip(),
                                    kind=okg("RatingScale"))
            low = decimal(row["Minimum"], path, line, "Minimum")
            high = decimal(row["Maximum"], path, line, "Maximum")
            if Decimal(low.value) > Decimal(high.value):
                raise ImportFailed(path, line, f"Minimum {low.value} exceeds Maximum "
                                   f"{high.value}", column="Minimum")
            self.bounds[scale_id] = Decimal(low.value), Decimal(high.value)
            yield node, okg("scaleMinimum"), low
            yield node, okg("scaleMaximum"), high

    def category_iri(self, element_id: str, scale_id: str, category: str) -> NamedNode:
        return self.ctx.id("onet-category", f"{element_id}-{scale_id}-{category}".lower())

    def categories_reference(self) -> Iterator[Triple]:
        yield from scheme(self.ctx.id("scheme", "onet-categories"), "O*NET rating categories")
        yield from self.category_table("Education, Training, and Experience Categories.tsv",
                                       ("Element ID", "Scale ID", "Category"))

    def category_table(self, name: str, keys: tuple[str, ...]) -> Iterator[Triple]:
        """One concept of scheme/onet-categories per row of a categories file keyed by `keys`
        (Element ID when the categories belong to an element, then Scale ID and Category),
        named by its key: skos:broader the element, okg:categoryScale the scale.
        The element's categories are kept for the ratings that name one."""
        top = self.ctx.id("scheme", "onet-categories")
        path = self.folder / name
        of_element = keys[0] == "Element ID"
        for line, row in self.table(path, (*keys, "Category Description"), tsv=True,
                                        keys=(Key(keys),)):
            key = tuple(row[col].strip() for col in keys)
            element = self.element(path, line, key[0]) if of_element else None
            scale_id = row["Scale ID"].strip()
            scale = self.scales.get(scale_id)
            if scale is None:
                raise ImportFailed(path, line, f"scale {scale_id!r} is not in Scales Reference",
                                   column="Scale ID")
            check(CATEGORY, key[-1], path, line, "category")
            if of_element:
                self.categories.add((key[0], key[1], key[2]))
            node = self.ctx.id("onet-category", "-".join(key).lower())
            yield from code_concept(node, top, key[-1], row["Category Description"].strip())
            if element is not None:
                yield node, skos("broader"), element
            yield node, okg("categoryScale"), scale

    def job_zone_reference(self) -> Iterator[Triple]:
        top = self.ctx.id("scheme", "onet-job-zones")
        yield from scheme(top, "O*NET job zones")
        path = self.folder / "Job Zone Reference.tsv"
        cols = ("Job Zone", "Name", "Experience", "Education", "Job Training", "Examples",
                "SVP Range")
        for line, row in self.table(path, cols, tsv=True, keys=(Key(cols[:1]),)):
            zone = check(re.compile(r"^[1-5]$"), row["Job Zone"].strip(), path, line, "job zone")
            node = self.ctx.id("onet-job-zone", zone)
            text = " ".join(row[c].strip() for c in cols[2:5] if row[c].strip())
            yield from code_concept(node, top, zone, row["Name"].strip(), text)
            if row["Examples"].strip():
                yield node, okg("jobZoneExamples"), en(row["Examples"].strip())
            if row["SVP Range"].strip():
                svp = check(SVP, row["SVP Range"].strip(), path, line, "SVP range")
                yield node, okg("svpRange"), plain(svp)

    def alternate_titles(self) -> Iterator[Triple]:
        path = self.folder / "Alternate Titles.tsv"
        seen: set[tuple[str, str]] = set()
        for line, row in self.table(path, (CODE_COL, "Alternate Title", "Short Title"),
                                        tsv=True):
            node = self.occ(path, line, row)
            for col in ("Alternate Title", "Short Title"):
                title = row[col].strip()
                if title and (row[CODE_COL], title) not in seen:
                    seen.add((row[CODE_COL], title))
                    yield node, skos("altLabel"), en(title)

    def reported_titles(self) -> Iterator[Triple]:
        """Job titles incumbents reported; those My Next Move shows also get the narrower
        okg:myNextMoveTitle (the flag as a property, so a title needs no node of its own)."""
        path = self.folder / "Sample of Reported Titles.tsv"
        cols = (CODE_COL, "Reported Job Title", "Shown in My Next Move")
        for line, row in self.table(path, cols, tsv=True, keys=(Key(cols[:2], cols[2:]),)):
            node = self.occ(path, line, row)
            title = row["Reported Job Title"].strip()
            if not title:
                raise ImportFailed(path, line, "empty reported job title",
                                   column="Reported Job Title")
            shown = row["Shown in My Next Move"].strip()
            if shown not in FLAG:
                raise ImportFailed(path, line, f"Shown in My Next Move must be Y or N, got "
                                   f"{shown!r}", column="Shown in My Next Move")
            yield node, okg("reportedTitle"), en(title)
            if FLAG[shown]:
                yield node, okg("myNextMoveTitle"), en(title)

    def tasks(self) -> Iterator[Triple]:
        top = self.ctx.id("scheme", "onet-tasks")
        yield from scheme(top, "O*NET task statements")
        path = self.folder / "Task Statements.tsv"
        for line, row in self.table(path, (CODE_COL, "Task ID", "Task", "Task Type"),
                                   "Task", tsv=True, keys=(Key(("Task ID",)),)):
            occ = self.occ(path, line, row)
            task_id = check(re.compile(r"^[0-9]+$"), row["Task ID"].strip(), path, line, "task ID")
            node = self.ctx.id("onet-task", task_id)
            if not visible(row["Task"]):  # " " was published as prefLabel "" (audit)
                raise ImportFailed(path, line, f"task {task_id} has no text", column="Task")
            kind = row["Task Type"].strip()
            if kind not in TASK_TYPES:
                raise ImportFailed(path, line, f"unknown task type {kind!r}; expected "
                                   f"{', '.join(TASK_TYPES[1:])} or empty", column="Task Type")
            self.task_text[task_id] = row["Task"].strip()
            yield from code_concept(node, top, task_id, row["Task"].strip(), kind=okg("Duty"))
            if kind:
                yield node, okg("taskCategory"), plain(kind)
            yield occ, okg("hasTask"), node

    def ratings(self, name: str) -> Iterator[Triple]:
        path = self.folder / name
        ete = name.startswith("Education")
        cols = RATING_COLS + (("Category",) if ete else ())
        if name not in NO_STATISTICS:  # the others must keep their sample statistics
            cols += ("N", "Standard Error", "Lower CI Bound", "Upper CI Bound",
                     "Recommend Suppress")
        keys = (Key((CODE_COL, "Element ID", "Scale ID") + (("Category",) if ete else ())),)
        for line, row in self.table(path, cols, tsv=True, keys=keys):
            occ = self.occ(path, line, row)
            element_id, scale_id = row["Element ID"].strip(), row["Scale ID"].strip()
            if scale_id in NO_HIGH_POINT and row["Data Value"].strip() == "0":
                continue  # "no third high-point" (see NO_HIGH_POINT), not a rating
            element = self.element(path, line, element_id)
            scale = self.scales.get(scale_id)
            if scale is None:
                raise ImportFailed(path, line, f"scale {scale_id!r} is not in Scales Reference")
            slug = f"{row[CODE_COL].strip()}-{element_id}-{scale_id}".lower()
            category = row.get("Category", "").strip()
            if category:
                if (element_id, scale_id, category) not in self.categories:
                    raise ImportFailed(path, line, f"category {category} of {element_id}/"
                                       f"{scale_id} is not in the categories table")
                slug += f"-{category}"
            node = self.ctx.id("onet-rating", slug)
            yield node, RDF_TYPE, okg("Rating")
            yield node, okg("ratedOccupation"), occ
            yield node, okg("ratedElement"), element
            yield node, okg("ratingScale"), scale
            if category:
                yield node, okg("ratingCategory"), self.category_iri(element_id, scale_id,
                                                                     category)
            value = decimal(row["Data Value"], path, line, "Data Value")
            if (scale_id, value.value) not in self.in_scale:  # a few thousand distinct values
                low, high = self.bounds[scale_id]
                if not low <= Decimal(value.value) <= high:
                    raise ImportFailed(path, line, f"{value.value} lies outside scale "
                                       f"{scale_id} ({low}-{high})", column="Data Value")
                self.in_scale.add((scale_id, value.value))
            yield node, okg("ratingValue"), value
            if row.get("N", "").strip():
                yield node, okg("sampleSize"), onet_reference.sample_size(row["N"], path, line)
            bounds: dict[str, Literal] = {}
            for col, prop in (("Standard Error", "standardError"),
                              ("Lower CI Bound", "lowerCIBound"),
                              ("Upper CI Bound", "upperCIBound")):
                if row.get(col, "").strip():
                    bounds[col] = decimal(row[col].strip(), path, line, col)
                    yield node, okg(prop), bounds[col]
            self.check_interval(bounds, value, self.bounds[scale_id], path, line)
            for col, prop in (("Recommend Suppress", "recommendSuppress"),
                              ("Not Relevant", "notRelevant")):
                flag = row.get(col, "").strip()
                if flag:
                    if flag not in FLAG:
                        raise ImportFailed(path, line, f"{col} must be Y or N, got {flag!r}")
                    yield node, okg(prop), boolean(FLAG[flag])
            yield node, dcterms("date"), onet_reference.month(row, path, line)
            if row["Domain Source"].strip():
                yield node, okg("domainSource"), plain(row["Domain Source"].strip())

    @staticmethod
    def check_interval(bounds: dict[str, Literal], value: Literal,
                       scale: tuple[Decimal, Decimal], path: Path, line: int) -> None:
        """The confidence interval holds the rating (as all 132,821 intervals of O*NET 29.3
        do): a reversed or missed interval is a corrupt row. A standard error is not negative
        (-0.125 was published; audit) nor wider than the scale (1e900 was): 29.3's largest is
        29.1105 on a 0-100 scale, 0.29 of its range. No CI bound of 29.3 lies outside its scale
        (-500 and 900 on a 0-7 scale were published): a bound more than half the scale's range
        beyond either end is refused."""
        floor, ceiling = scale
        span = ceiling - floor
        error = bounds.get("Standard Error")
        if error is not None and Decimal(error.value) < 0:
            raise ImportFailed(path, line, f"a standard error cannot be negative, got "
                               f"{error.value}", column="Standard Error")
        if error is not None and Decimal(error.value) > span:
            raise ImportFailed(path, line, f"a standard error of {error.value} is wider than "
                               f"the scale ({floor}-{ceiling})", column="Standard Error")
        margin = span / 2
        for col in ("Lower CI Bound", "Upper CI Bound"):
            if col in bounds and not (floor - margin <= Decimal(bounds[col].value)
                                      <= ceiling + margin):
                raise ImportFailed(path, line, f"{bounds[col].value} lies far outside the "
                                   f"scale ({floor}-{ceiling}, give or take {margin})",
                                   column=col)
        if "Lower CI Bound" not in bounds or "Upper CI Bound" not in bounds:
            return
        low = Decimal(bounds["Lower CI Bound"].value)
        high = Decimal(bounds["Upper CI Bound"].value)
        if low > high:
            raise ImportFailed(path, line, f"Lower CI Bound {low} is above Upper CI Bound "
                               f"{high}", column="Lower CI Bound")
        if not low <= Decimal(value.value) <= high:
            raise ImportFailed(path, line, f"Data Value {value.value} lies outside its "
                               f"confidence interval {low}-{high}", column="Data Value")

    def job_zones(self) -> Iterator[Triple]:
        path = self.folder / "Job Zones.tsv"
        for line, row in self.table(path, (CODE_COL, "Job Zone"), tsv=True,
                                        keys=(Key((CODE_COL,), ("Job Zone",)),)):
            zone = check(re.compile(r"^[1-5]$"), row["Job Zone"].strip(), path, line, "job zone")
            yield self.occ(path, line, row), okg("jobZone"), self.ctx.id("onet-job-zone", zone)

    def technology(self) -> Iterator[Triple]:
        """Each example is one okg:Technology, skos:broader every UNSPSC commodity O*NET files
        it under (Microsoft Dynamics: ERP for some occupations, CRM for others)."""
        path = self.folder / "Technology Skills.tsv"
        cols = (CODE_COL, "Example", "Commodity Code", "Commodity Title", "Hot Technology",
                "In Demand")
        keys = (Key(cols[:3]), Key(("Commodity Code",), ("Commodity Title",)),
                Key(("Example",), ("Hot Technology",)))
        filed: set[tuple[str, str]] = set()  # (example slug, commodity code) already linked
        for line, row in self.table(path, cols, tsv=True, keys=keys):
            occ = self.occ(path, line, row)
            commodity = onet_tools.commodity(self, path, line, row)
            code = row["Commodity Code"].strip()
            in_demand = row["In Demand"].strip()
            # both flags are Y or N ("Yes" in Hot Technology read as not hot; audit)
            for column, flag in (("In Demand", in_demand),
                                 ("Hot Technology", row["Hot Technology"].strip())):
                if flag not in FLAG:
                    raise ImportFailed(path, line, f"{column} must be Y or N, got {flag!r}",
                                       column=column)
            example = row["Example"].strip()
            slug, new = self.technologies.slug(example)
            node = self.ctx.id("onet-technology", slug)
            if new:
                yield node, RDF_TYPE, okg("Technology")
                yield node, skos("prefLabel"), en(example)
                if row["Hot Technology"].strip() == "Y":
                    yield node, okg("hotTechnology"), boolean(True)
            if (slug, code) not in filed:
                filed.add((slug, code))
                yield node, skos("broader"), commodity
            yield occ, okg("usesTechnology"), node
            if FLAG[in_demand]:  # the flag belongs to the occupation and technology pair
                yield occ, okg("inDemandTechnology"), node

    def related(self) -> Iterator[Triple]:
        """skos:related as before, plus a qualified okg:OccupationRelatedness node carrying
        O*NET's tier (a concept of scheme/onet-relatedness-tiers) and index."""
        path = self.folder / "Related Occupations.tsv"
        cols = (CODE_COL, "Related O*NET-SOC Code", "Relatedness Tier", "Index")
        tiers = self.ctx.id("scheme", "onet-relatedness-tiers")
        yield from scheme(tiers, "O*NET relatedness tiers")
        for tier in RELATEDNESS_TIERS:
            yield from code_concept(self.ctx.id("onet-relatedness-tier", tier.lower()), tiers,
                                    tier, tier)
        keys = (Key(cols[:2]), Key((CODE_COL, "Index")))
        # may be empty: the transitions benchmark holds the relatedness out by its header alone
        for line, row in self.table(path, cols, tsv=True, keys=keys, allow_empty=True):
            source = self.occ(path, line, row)
            target = self.occ(path, line, row, "Related O*NET-SOC Code")
            if target == source:  # none of the 18,460 rows of 29.3 relates a code to itself
                raise ImportFailed(path, line, f"{row[CODE_COL].strip()} is related to itself",
                                   column="Related O*NET-SOC Code")
            yield source, skos("related"), target
            tier = row["Relatedness Tier"].strip()
            if tier not in RELATEDNESS_TIERS:
                raise ImportFailed(path, line, f"unknown relatedness tier {tier!r}; expected one "
                                   f"of {', '.join(RELATEDNESS_TIERS)}", column="Relatedness Tier")
            index = check(re.compile(r"^[1-9][0-9]*$"), row["Index"].strip(), path, line,
                          "relatedness index")
            node = self.ctx.id("onet-relatedness", f"{row[CODE_COL].strip()}-"
                               f"{row['Related O*NET-SOC Code'].strip()}")
            yield node, RDF_TYPE, okg("OccupationRelatedness")
            yield node, okg("relatedFrom"), source
            yield node, okg("relatedTo"), target
            yield node, okg("relatednessTier"), self.ctx.id("onet-relatedness-tier", tier.lower())
            yield node, okg("relatednessIndex"), typed(index, "integer")


def produce(folder: Path, ctx: Context) -> Iterator[Triple]:
    yield from Onet(folder, ctx).run()


# The build runs the two parts in two workers (O*NET is most of the reference data): the rating
# files but one in the second, the rest in the first; measured 477 s and 295 s with all six
# rating files in the second (~2.6 ms a rating row), so the Education ratings (36,000 rows) go
# to the first.
SECOND_PART = tuple(name for name in RATING_FILES if not name.startswith("Education"))


def produce_tables(folder: Path, ctx: Context) -> Iterator[Triple]:
    yield from Onet(folder, ctx).run(
        ratings=tuple(name for name in RATING_FILES if name not in SECOND_PART))


def produce_ratings(folder: Path, ctx: Context) -> Iterator[Triple]:
    yield from Onet(folder, ctx).rating_part(SECOND_PART)



IMPORTER = Importer("onet", INFO, produce, FILES, parts=(produce_tables, produce_ratings))
