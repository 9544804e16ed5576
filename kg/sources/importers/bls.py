"""BLS figures as okg:Observation rows, shaped like the seed figures (kg/sources/curated/builder.py
`_observations`): OEWS May 2024 national hourly and annual wages, employment and their
relative standard errors, and Employment Projections 2024-34 (tables 1.2 and 1.10: figures,
and the typical education, related work experience and on-the-job training as concepts). Every
figure must be plausible (kg.sources.plausibility).

Five codes of both programs are BLS aggregates of SOC 2018 detailed occupations, not SOC codes
(`AGGREGATES`): their observations point at `soc2018/<code>` like the others, and both imports
describe that node as a concept of the scheme `scheme/bls-soc2018-aggregates`."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path

from pyoxigraph import Literal, NamedNode

from kg.prefixes import SDMX_ATTRIBUTE, SDMX_DIMENSION, SDMX_MEASURE
from kg.sources.importers.base import (
    PUBLIC_DOMAIN,
    RDF_TYPE,
    Context,
    DatasetInfo,
    Importer,
    ImportFailed,
    Key,
    Triple,
    boolean,
    check,
    dcat,
    dcterms,
    en,
    figure,
    okg,
    prov,
    qb,
    skos,
    t,
    typed,
)
from kg.sources.importers.bls_checks import Complete, ProjectionsAgree
from kg.sources.importers.slugs import slugify

SOC_CODE = re.compile(r"^[0-9]{2}-[0-9]{4}$")
REF_PERIOD = t(SDMX_DIMENSION)("refPeriod")
OBS_VALUE = t(SDMX_MEASURE)("obsValue")
UNIT_MEASURE = t(SDMX_ATTRIBUTE)("unitMeasure")
# Employment Projections write "—" for "none" in two places only: the percent self-employed of
# an occupation without self-employment data (219 rows of table 1.2), and the education,
# experience and training categories of a summary row. Any other marker or blank in a figure
# column was skipped without a word (session 33's audit).
EP_NONE = "—"
EP_MAY_BE_NONE = ("Percent self employed, 2024",)

# BLS aggregate code -> the SOC 2018 detailed occupations it combines. OEWS calls these "an
# OEWS-specific combination of detailed occupations" (field_descriptions.txt, o_group) and EP
# uses the same codes. The members are what the data says: the SOC 2018 detailed codes of the
# aggregate's broad occupation that neither OEWS May 2024 nor EP 2024-34 publish (a test checks
# this on the full files when ../shared/data is there).
AGGREGATES: dict[str, tuple[str, ...]] = {
    "21-1018": ("21-1011", "21-1014"),
    "25-2052": ("25-2055", "25-2056"),
    "25-9045": ("25-9042", "25-9043", "25-9049"),
    "51-2028": ("51-2022", "51-2023"),
    "53-1047": ("53-1042", "53-1043", "53-1044", "53-1049"),
}
AGGREGATE_SCHEME = "bls-soc2018-aggregates"
# All occupations together: the national total row of both programs, in the aggregates' scheme
TOTAL_CODE = "00-0000"


@dataclass(frozen=True)
class Period:
    slug: str
    label: str
    start: str
    end: str


def period_triples(ctx: Context, period: Period) -> Iterator[Triple]:
    node = ctx.id("period", period.slug)
    yield node, RDF_TYPE, okg("ReferencePeriod")
    yield node, skos("prefLabel"), en(period.label)
    yield node, dcat("startDate"), typed(period.start, "date")
    yield node, dcat("endDate"), typed(period.end, "date")
    yield node, okg("startYear"), typed(period.start[:4], "integer")
    yield node, okg("endYear"), typed(period.end[:4], "integer")


def observation(
    ctx: Context,
    importer_dataset: NamedNode,
    obs_id: str,
    soc: str,
    statistic: str,
    period: str,
    value: Literal,
    unit: str,
    approximate: bool,
) -> Iterator[Triple]:
    node = ctx.id("observation", obs_id)
    yield node, RDF_TYPE, okg("Observation")
    yield node, qb("dataSet"), importer_dataset
    yield node, okg("occupation"), ctx.id("soc2018", soc)
    yield node, okg("industry"), ctx.id("industry", "all-industries")
    yield node, okg("statistic"), okg(statistic)
    yield node, REF_PERIOD, ctx.id("period", period)
    yield node, OBS_VALUE, value
    yield node, UNIT_MEASURE, okg(unit)
    yield node, okg("isApproximate"), boolean(approximate)
    yield node, prov("wasDerivedFrom"), importer_dataset


AGGREGATES_NOTE = (
    "Occupation codes that the BLS OEWS and Employment Projections programs publish for a "
    "combination of SOC 2018 detailed occupations; they are not SOC 2018 codes. Each "
    "concept is skos:narrowMatch the SOC 2018 detailed occupations it combines and "
    "skos:broadMatch the SOC 2018 broad occupation that holds them.")
TOTAL_SCHEME = "bls-all-occupations"
TOTAL_NOTE = ("00-0000, all occupations together: the national total both BLS programs "
              "publish, the benchmark an occupation's figures are compared with. It is no SOC "
              "2018 code.")


def aggregate_triples(ctx: Context, code: str, title: str, preferred: bool
                      ) -> Iterator[Triple]:
    """A BLS aggregate code as a concept: its notation, the title as skos:prefLabel (OEWS, in
    the SOC's title case) or skos:altLabel (EP, in sentence case, so the two imports together
    keep one prefLabel), skos:narrowMatch each SOC 2018 detailed occupation it combines and
    skos:broadMatch the SOC 2018 broad occupation that holds them."""
    total = code == TOTAL_CODE  # all occupations: a scheme of its own, no member is named
    top = ctx.id("scheme", TOTAL_SCHEME if total else AGGREGATE_SCHEME)
    yield top, RDF_TYPE, skos("ConceptScheme")
    yield top, skos("prefLabel"), en("BLS national total of all occupations" if total
                                     else "BLS aggregates of SOC 2018 detailed occupations")
    yield top, dcterms("description"), en(TOTAL_NOTE if total else AGGREGATES_NOTE)
    node = ctx.id("soc2018", code)
    yield node, RDF_TYPE, skos("Concept")
    yield node, skos("inScheme"), top
    yield node, skos("notation"), Literal(code)
    yield node, skos("prefLabel" if preferred else "altLabel"), en(title)
    if total:
        return
    for member in AGGREGATES[code]:
        yield node, skos("narrowMatch"), ctx.id("soc2018", member)
    yield node, skos("broadMatch"), ctx.id("soc2018", code[:-1] + "0")


# --- OEWS ----------------------------------------------------------------------------------

OEWS_INFO = DatasetInfo(
    dataset="bls-oews-national",
    version="2024-05",
    title="Occupational Employment and Wage Statistics (OEWS), May 2024, national, "
    "cross-industry",
    publisher="U.S. Bureau of Labor Statistics",
    publisher_slug="us-bureau-of-labor-statistics",
    license=PUBLIC_DOMAIN,
    citation="U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, May "
    "2024 national estimates (national_M2024_dl.xlsx). U.S. Government work, public domain.",
    folder="bls_oews_may2024_national",
    description="Employment (TOT_EMP) is okg:wageAndSalaryEmployment: OEWS counts no "
    "self-employed, unlike the Employment Projections' okg:employment; it is rounded to the "
    "nearest 10, so marked approximate. "
    "Footnote codes: '*' (wage not available) and '**' (employment not available) "
    "give no observation; '#' (a wage of $115.00 per hour or $239,200 per year or more) gives "
    "an observation of that top-code value with okg:isLowerBound true. Occupations with only "
    "annual (ANNUAL) or only hourly (HOURLY) wages have no observations of the other kind. "
    "The file's first row, 00-0000 All Occupations (the national totals: 154,187,380 jobs, a "
    "median of $49,500 a year), is no SOC 2018 code: it is the one concept of the scheme "
    "bls-all-occupations, the benchmark an occupation's figures are compared with.",
    mappings=AGGREGATES_NOTE,
)
OEWS_FILE = "national_M2024_dl.tsv"
OEWS_STATS = (  # column, okg statistic, unit, observation id suffix
    # without the self-employed: not the Employment Projections' (and the seeds') employment,
    # which counts them (5,910 against 836,100 for 11-9013; session 28's data audit)
    ("TOT_EMP", "wageAndSalaryEmployment", "Jobs", "employment"),
    ("EMP_PRSE", "employmentRelativeStandardError", "Percent", "employment-prse"),
    ("H_MEAN", "hourlyWageMean", "USDollarsPerHour", "hourly-wage-mean"),
    ("H_PCT10", "hourlyWagePercentile10", "USDollarsPerHour", "hourly-wage-p10"),
    ("H_PCT25", "hourlyWagePercentile25", "USDollarsPerHour", "hourly-wage-p25"),
    ("H_MEDIAN", "hourlyWageMedian", "USDollarsPerHour", "hourly-wage-median"),
    ("H_PCT75", "hourlyWagePercentile75", "USDollarsPerHour", "hourly-wage-p75"),
    ("H_PCT90", "hourlyWagePercentile90", "USDollarsPerHour", "hourly-wage-p90"),
    ("A_MEAN", "annualWageMean", "USDollarsPerYear", "annual-wage-mean"),
    ("MEAN_PRSE", "wageMeanRelativeStandardError", "Percent", "wage-mean-prse"),
    ("A_PCT10", "annualWagePercentile10", "USDollarsPerYear", "annual-wage-p10"),
    ("A_PCT25", "annualWagePercentile25", "USDollarsPerYear", "annual-wage-p25"),
    ("A_MEDIAN", "annualWageMedian", "USDollarsPerYear", "annual-wage-median"),
    ("A_PCT75", "annualWagePercentile75", "USDollarsPerYear", "annual-wage-p75"),
    ("A_PCT90", "annualWagePercentile90", "USDollarsPerYear", "annual-wage-p90"),
)
HOURLY_COLS = tuple(c for c, *_ in OEWS_STATS if c.startswith("H_"))
ROUNDED = ("TOT_EMP",)  # the columns field_descriptions.txt says are rounded: approximate
ANNUAL_COLS = tuple(c for c, *_ in OEWS_STATS if c.startswith("A_"))
# The footnote codes of field_descriptions.txt, each allowed only where it can occur:
# "*" a wage estimate is not available, "**" an employment estimate is not available (no
# observation for either), "#" a wage at or above the top code (an observation of the top-code
# value with okg:isLowerBound true). "~" concerns PCT_RPT, which the national file leaves blank.
NOT_AVAILABLE = {col: ("*" if col in HOURLY_COLS + ANNUAL_COLS else "**")
                 for col, *_ in OEWS_STATS}
TOP_CODE = {"USDollarsPerHour": "115.00", "USDollarsPerYear": "239200"}
# Constant in the national cross-industry file (checked, so another extract is refused) and the
# columns only state or industry extracts fill.
NATIONAL = {"AREA": "99", "AREA_TITLE": "U.S.", "AREA_TYPE": "1", "PRIM_STATE": "US",
            "NAICS": "000000", "NAICS_TITLE": "Cross-industry", "I_GROUP": "cross-industry",
            "OWN_CODE": "1235"}
BLANK = ("JOBS_1000", "LOC_QUOTIENT", "PCT_TOTAL", "PCT_RPT")
FLAGS = ("ANNUAL", "HOURLY")
MAY_2024 = Period("2024-05", "May 2024", "2024-05-01", "2024-05-31")


def _wage_flags(row: dict[str, str], path: Path, line: int) -> None:
    """ANNUAL (HOURLY) is TRUE exactly when OEWS releases only annual (hourly) wages: then every
    hourly (annual) wage cell must be "*". The flags are not stored; the missing observations
    say the same."""
    for flag, other in (("ANNUAL", HOURLY_COLS), ("HOURLY", ANNUAL_COLS)):
        value = row[flag].strip()
        if value not in ("", "TRUE"):
            raise ImportFailed(path, line, f"must be empty or TRUE, got {value!r}", column=flag)
        if value == "TRUE":
            for col in other:
                if row[col].strip() != "*":
                    raise ImportFailed(path, line, f"{flag} is TRUE (only "
                                       f"{flag.lower()} wages are released) but {col} is "
                                       f"{row[col]!r}, not '*'", column=col)


def _oews_value(row: dict[str, str], col: str, statistic: str, unit: str, path: Path,
                line: int) -> tuple[Literal, bool] | None:
    """(value, is a lower bound) of one OEWS cell, or None for a "not available" footnote."""
    cell = row[col].strip()
    if cell == NOT_AVAILABLE[col]:
        return None
    if cell == "#":
        if unit not in TOP_CODE:
            raise ImportFailed(path, line, "'#' (a top-coded wage) in a column that is not a "
                               "wage", column=col)
        return figure(TOP_CODE[unit], statistic, path, line, col), True
    if cell in ("*", "**", "#", "~"):
        raise ImportFailed(path, line, f"footnote code {cell!r} cannot stand in {col} "
                           f"(expected {NOT_AVAILABLE[col]!r} or a number)", column=col)
    value = figure(cell, statistic, path, line, col)
    number = Decimal(value.value)
    if unit == "Jobs" and number != number.to_integral_value():  # OEWS counts whole jobs
        raise ImportFailed(path, line, f"an employment count is a whole number, got {cell!r}",
                           column=col)
    return value, False


# OEWS's annual wage is its hourly wage x 2,080 hours, the full-time year field_descriptions.txt
# names (for the occupations paid by the year or the hour, it releases only one of the two).
# An annual wage is rounded to the dollar and an hourly one to the cent: they agree within a
# cent an hour over the year (the national file's widest gap is $15.20).
HOURS_A_YEAR = Decimal(2080)
ANNUAL_HOURLY_TOLERANCE = Decimal("0.01") * HOURS_A_YEAR


def _annual_agrees_with_hourly(row: dict[str, str], path: Path, line: int) -> None:
    """Each annual wage is its hourly wage x 2,080 (where both are numbers): H_MEAN 5.00 beside
    A_MEAN 129180 was published (session 33's audit)."""
    for annual in ANNUAL_COLS:
        hourly = "H_" + annual[2:]
        a, h = row[annual].strip(), row[hourly].strip()
        if a in ("*", "#") or h in ("*", "#"):
            continue  # not released, or top-coded (the hourly and annual top codes agree)
        try:
            apart = abs(Decimal(a) - Decimal(h) * HOURS_A_YEAR) > ANNUAL_HOURLY_TOLERANCE
        except InvalidOperation:
            continue  # not a number (NaN, "121,440"): `figure` names the cell
        if apart:
            raise ImportFailed(path, line, f"{annual} {a} is not {hourly} {h} x 2,080 hours "
                               f"({Decimal(h) * HOURS_A_YEAR}, give or take a cent an hour)",
                               column=annual)


# The levels field_descriptions.txt gives O_GROUP, all five used by the national file (1 total,
# 22 major, 94 minor, 455 broad, 831 detailed rows). Only 00-0000 is the total: O_GROUP "total"
# on 11-3051 made its row skipped as the national total and its wages vanished (audit).
O_GROUPS = ("total", "major", "minor", "broad", "detailed")


def _o_group(row: dict[str, str], code: str, path: Path, line: int) -> str:
    group = row["O_GROUP"].strip()
    if group not in O_GROUPS:
        raise ImportFailed(path, line, f"{group!r} is not an occupation level (expected one of "
                           f"{', '.join(O_GROUPS)})", column="O_GROUP")
    if (group == "total") != (code == TOTAL_CODE):
        raise ImportFailed(path, line, f"O_GROUP {group!r} on {code}: only {TOTAL_CODE} (All "
                           "Occupations) is the total", column="O_GROUP")
    return group


def produce_oews(folder: Path, ctx: Context) -> Iterator[Triple]:
    dataset = NamedNode(OEWS.dataset_iri(ctx.base))
    yield from period_triples(ctx, MAY_2024)
    path = folder / OEWS_FILE
    stats = tuple(c for c, *_ in OEWS_STATS)
    cols = ("AREA", "NAICS", "OCC_CODE", "OCC_TITLE", "O_GROUP", *NATIONAL, *BLANK, *FLAGS) + stats
    cols = tuple(dict.fromkeys(cols))
    # A code OEWS aggregates to the broad level comes twice, as broad and as detailed, with the
    # same figures; other figures for a code already read mean a spliced file.
    keys = (Key(("AREA", "NAICS", "OCC_CODE"), ("OCC_TITLE",) + stats + FLAGS),)
    read: set[str] = set()
    # TOT_EMP is rounded to the nearest 10: a sum of n figures is off by at most 5 each (May
    # 2024's 22 major groups sum to the 00-0000 total, 154,187,380, exactly).
    complete = Complete(path, "TOT_EMP", Decimal(5), "detailed occupation")
    for line, row in ctx.table(path, cols, tsv=True, keys=keys):
        if row["AREA"] != "99" or row["NAICS"] != "000000":
            raise ImportFailed(path, line, "not a national cross-industry row "
                               f"(AREA {row['AREA']!r}, NAICS {row['NAICS']!r})")
        for col, expected in NATIONAL.items():
            if row[col].strip() != expected:
                raise ImportFailed(path, line, f"expected {expected!r} in the national "
                                   f"cross-industry file, got {row[col]!r}", column=col)
        for col in BLANK:
            if row[col].strip():
                raise ImportFailed(path, line, "the national file leaves this column blank, "
                                   f"got {row[col]!r}", column=col)
        code = check(SOC_CODE, row["OCC_CODE"].strip(), path, line, "SOC code")
        group = _o_group(row, code, path, line)
        complete.see(line, code, group != "detailed", row["TOT_EMP"])
        if code in read:
            continue  # a repeat says nothing new
        read.add(code)
        _wage_flags(row, path, line)
        # 00-0000 All Occupations, the national figures an occupation's are compared with
        # (a median of $49,500): left out before session 36 as no SOC 2018 concept, which left
        # an analyst no benchmark (the client audit); a concept of a scheme of its own now
        if code in AGGREGATES or code == TOTAL_CODE:
            yield from aggregate_triples(ctx, code, row["OCC_TITLE"].strip(), preferred=True)
        for col, statistic, unit, suffix in OEWS_STATS:
            found = _oews_value(row, col, statistic, unit, path, line)
            if found is None:
                continue
            value, lower_bound = found
            obs_id = f"bls-oews-2024-05-{code}-{suffix}"
            # field_descriptions.txt: employment is "rounded to the nearest 10"
            yield from observation(ctx, dataset, obs_id, code, statistic, MAY_2024.slug, value,
                                   unit, col in ROUNDED)
            if lower_bound:
                yield ctx.id("observation", obs_id), okg("isLowerBound"), boolean(True)
        # after each figure is read, so a malformed or implausible cell is named as such first
        _annual_agrees_with_hourly(row, path, line)
    complete.check()


OEWS = Importer("bls-oews", OEWS_INFO, produce_oews, (OEWS_FILE,), statistical=True)

# --- Employment Projections ------------------------------------------------------------------

EP_INFO = DatasetInfo(
    dataset="bls-employment-projections",
    version="2024-34",
    title="Employment Projections 2024-34: occupational projections (tables 1.2 and 1.10)",
    publisher="U.S. Bureau of Labor Statistics",
    publisher_slug="us-bureau-of-labor-statistics",
    license=PUBLIC_DOMAIN,
    citation="Employment Projections program, U.S. Bureau of Labor Statistics, occupational "
    "projections 2024-34 (occupation.xlsx, tables 1.2 and 1.10). U.S. Government work, public "
    "domain.",
    folder="bls_employment_projections_2024_34",
    description="Employment figures in the tables are in thousands; they are stored here as "
    "jobs (multiplied by 1000). Every figure is marked approximate: the tables round thousands "
    "and percents to one decimal (a share of total employment of 0.0 is one under 0.05 %). "
    "Typical education, "
    "related work experience and on-the-job training are concepts of their own schemes. "
    "The row 00-0000 Total, all occupations (169,956.1 thousand jobs in 2024, 3.1 % projected "
    "growth) is no SOC 2018 code: it is the one concept of the scheme bls-all-occupations, "
    "the benchmark an occupation's figures are compared with.",
    mappings=AGGREGATES_NOTE,
)
EP_12 = "table_1.2_occupational_projections_2024-34.tsv"
EP_110 = "table_1.10_separations_and_openings_2024-34.tsv"
EP_CODE = "2024 National Employment Matrix code"
EP_TITLE = "2024 National Employment Matrix title"
THOUSAND, ONE = Decimal(1000), Decimal(1)
Y2024 = Period("2024", "2024", "2024-01-01", "2024-12-31")
Y2034 = Period("2034", "2034", "2034-01-01", "2034-12-31")
DECADE = Period("2024-2034", "2024-34 projection decade", "2024-01-01", "2034-12-31")
EP_12_STATS = (  # column, statistic, unit, period, in thousands, id suffix
    ("Employment, 2024", "employment", "Jobs", Y2024, True, "employment-2024"),
    ("Employment, 2034", "projectedEmployment", "Jobs", Y2034, True, "projected-employment-2034"),
    ("Employment distribution, percent, 2024", "shareOfTotalEmployment", "Percent", Y2024,
     False, "share-of-total-employment-2024"),
    ("Employment distribution, percent, 2034", "shareOfTotalEmployment", "Percent", Y2034,
     False, "share-of-total-employment-2034"),
    ("Employment change, numeric, 2024–34", "projectedEmploymentChangeNumeric", "Jobs", DECADE,
     True, "projected-change-numeric"),
    ("Employment change, percent, 2024–34", "projectedEmploymentChange", "Percent", DECADE,
     False, "projected-change-percent"),
    ("Percent self employed, 2024", "selfEmployedShare", "Percent", Y2024, False,
     "self-employed-share-2024"),
    ("Occupational openings, 2024–34 annual average", "annualAverageOpenings",
     "JobOpeningsPerYear", DECADE, True, "annual-openings"),
)
EP_110_STATS = (
    ("Labor force exit rate, 2024–34 annual average", "laborForceExitRate", "Percent", DECADE,
     False, "labor-force-exit-rate"),
    ("Occupational transfer rate, 2024–34 annual average", "occupationalTransferRate", "Percent",
     DECADE, False, "occupational-transfer-rate"),
    ("Total occupational separations rate, 2024–34 annual average",
     "occupationalSeparationsRate", "Percent", DECADE, False, "occupational-separations-rate"),
    ("Labor force exits, 2024–34 annual average", "laborForceExits", "WorkersPerYear", DECADE,
     True, "labor-force-exits"),
    ("Occupational transfers, 2024–34 annual average", "occupationalTransfers",
     "WorkersPerYear", DECADE, True, "occupational-transfers"),
    ("Total occupational separations, 2024–34 annual average", "occupationalSeparations",
     "WorkersPerYear", DECADE, True, "occupational-separations"),
)
# Columns table 1.10 repeats from table 1.2: checked to agree, not stored twice.
EP_REPEATED = ("Occupation type", "Employment, 2024", "Employment, 2034",
               "Employment change, numeric, 2024–34", "Employment change, percent, 2024–34",
               "Occupational openings, 2024–34 annual average")


@dataclass(frozen=True)
class Category:
    """A categorical column of table 1.2: its concept scheme and the okg property linking an
    occupation to its value."""

    column: str
    scheme: str  # slug of scheme/<slug>; the concepts are <scheme>/<slug of the text>
    label: str
    prop: str
    values: tuple[str, ...]  # BLS's categories (Employment Projections, education and training)


EP_CATEGORIES = (
    Category("Typical education needed for entry", "bls-ep-typical-education",
             "BLS Employment Projections: typical education needed for entry",
             "typicalEntryEducation",
             ("Doctoral or professional degree", "Master's degree", "Bachelor's degree",
              "Associate's degree", "Postsecondary nondegree award", "Some college, no degree",
              "High school diploma or equivalent", "No formal educational credential")),
    Category("Work experience in a related occupation", "bls-ep-work-experience",
             "BLS Employment Projections: work experience in a related occupation",
             "relatedWorkExperience", ("5 years or more", "Less than 5 years", "None")),
    Category("Typical on-the-job training needed to attain competency in the occupation",
             "bls-ep-on-the-job-training",
             "BLS Employment Projections: typical on-the-job training needed to attain "
             "competency in the occupation", "typicalOnTheJobTraining",
             ("Internship/residency", "Apprenticeship", "Long-term on-the-job training",
              "Moderate-term on-the-job training", "Short-term on-the-job training", "None")),
)


def _categories(ctx: Context, code: str, row: dict[str, str], seen: set[str], path: Path,
                line: int) -> Iterator[Triple]:
    """The education, experience and training categories of one table 1.2 row: a concept per
    category in the category's scheme, and the occupation's link to it. A summary row has
    "—" (none) and links nothing; a line item has one of BLS's categories ("Bachelors degree"
    made a new concept; session 33's audit)."""
    summary = row["Occupation type"].strip() == "Summary"
    for cat in EP_CATEGORIES:
        text = " ".join(row[cat.column].split())
        if summary and text == EP_NONE:
            continue
        if summary or text not in cat.values:
            wanted = repr(EP_NONE) if summary else ", ".join(repr(v) for v in cat.values)
            raise ImportFailed(path, line, f"{text!r} is not one of the categories "
                               f"({wanted})", column=cat.column)
        top = ctx.id("scheme", cat.scheme)
        node = ctx.id(cat.scheme, slugify(text))
        if cat.scheme not in seen:
            seen.add(cat.scheme)
            yield top, RDF_TYPE, skos("ConceptScheme")
            yield top, skos("prefLabel"), en(cat.label)
        if node.value not in seen:
            seen.add(node.value)
            yield node, RDF_TYPE, skos("Concept")
            yield node, skos("inScheme"), top
            yield node, skos("prefLabel"), en(text)
        yield ctx.id("soc2018", code), okg(cat.prop), node


def _ep_table(path: Path, ctx: Context, dataset: NamedNode, stats: tuple, described: set[str],
              first: dict[str, tuple[int, dict[str, str]]] | None = None) -> Iterator[Triple]:
    """One EP table. Table 1.2 fills `first` (code -> its line and the EP_REPEATED cells);
    table 1.10 is checked against it."""
    cols = (EP_TITLE, EP_CODE, "Occupation type") + tuple(s[0] for s in stats)
    if path.name == EP_12:
        cols += tuple(c.column for c in EP_CATEGORIES)
    else:
        cols += EP_REPEATED
    cols = tuple(dict.fromkeys(cols))
    categories: set[str] = set()
    agree = ProjectionsAgree(path)
    # Employment in thousands to one decimal: each figure is off by at most 0.05 (2024-34's 22
    # major groups sum to 169,956.3 against the total's 169,956.1, 175,168.0 against 175,167.9
    # in 2034).
    complete = Complete(path, "Employment, 2024", Decimal("0.05"), "line item")
    for line, row in ctx.table(path, cols, tsv=True, keys=(Key((EP_CODE,)),)):
        code = check(SOC_CODE, row[EP_CODE].strip(), path, line, "matrix code")
        kind = row["Occupation type"].strip()
        if kind not in ("Summary", "Line item"):
            raise ImportFailed(path, line, f"must be Summary or Line item, got {kind!r}",
                               column="Occupation type")
        if path.name == EP_12 and first is not None:
            first[code] = (line, {c: row[c].strip() for c in EP_REPEATED})
        elif first is not None:
            _same_as_table_12(path, line, code, row, first)
        complete.see(line, code, kind == "Summary", row["Employment, 2024"])
        if (code in AGGREGATES or code == TOTAL_CODE) and code not in described:
            described.add(code)
            yield from aggregate_triples(ctx, code, row[EP_TITLE].strip(), preferred=False)
        if path.name == EP_110:
            _separations_add_up(row, path, line)
        for col, statistic, unit, period, thousands, suffix in stats:
            cell = row[col].strip()
            if cell == EP_NONE and col in EP_MAY_BE_NONE:
                continue
            value = figure(cell, statistic, path, line, col, THOUSAND if thousands else ONE)
            # Every figure of the tables is rounded (thousands and percents to one decimal), so
            # every one is approximate: a share BLS rounds to 0.0 (562 rows of table 1.2) read
            # "0%", not approximate (session 27's audit).
            yield from observation(ctx, dataset, f"bls-ep-2024-34-{code}-{suffix}", code,
                                   statistic, period.slug, value, unit, True)
        # after each figure is read, so a malformed or implausible cell is named as such first;
        # table 1.10's repeats of these figures must equal them
        if path.name == EP_12:
            agree.see(code, row, line)
        if path.name == EP_12:
            yield from _categories(ctx, code, row, categories, path, line)
    complete.check()


SEPARATIONS = (  # (exits, transfers, separations) columns of table 1.10: counts, then rates
    ("Labor force exits, 2024–34 annual average",
     "Occupational transfers, 2024–34 annual average",
     "Total occupational separations, 2024–34 annual average"),
    ("Labor force exit rate, 2024–34 annual average",
     "Occupational transfer rate, 2024–34 annual average",
     "Total occupational separations rate, 2024–34 annual average"),
)
# Three figures rounded to one decimal: their exact sum is off by at most 0.15 (0.1 in the file).
ROUNDING_GAP = Decimal("0.15")


def _separations_add_up(row: dict[str, str], path: Path, line: int) -> None:
    """Separations are labor force exits plus occupational transfers (a separations figure of
    999 beside 16.7 of exits and transfers was published; session 33's audit)."""
    for exits, transfers, total in SEPARATIONS:
        try:
            parts = Decimal(row[exits].strip()) + Decimal(row[transfers].strip())
            whole = Decimal(row[total].strip())
            apart = abs(parts - whole) > ROUNDING_GAP
        except InvalidOperation:
            continue  # not numbers: `figure` names the cell
        if apart:
            raise ImportFailed(path, line, f"{whole} is not the labor force exits plus the "
                               f"occupational transfers ({row[exits].strip()} + "
                               f"{row[transfers].strip()} = {parts})", column=total)


def _same_as_table_12(path: Path, line: int, code: str, row: dict[str, str],
                      first: dict[str, tuple[int, dict[str, str]]]) -> None:
    if code not in first:
        # (a code of table 1.2 that this table lacks is caught once it is read.) The tables
        # list the same codes in the same order: name what table 1.2 has on this line, so a
        # code changed there is found there (the error named only this table; audit)
        instead = next((other for other, (there, _) in first.items() if there == line), None)
        hint = (f"; its line {line} has {instead}, which this table lacks" if instead else "")
        raise ImportFailed(path, line, f"{code} is not in {EP_12}{hint}", column=EP_CODE)
    there_line, there = first.pop(code)
    for col in EP_REPEATED:
        if row[col].strip() != there[col]:
            raise ImportFailed(path, line, f"{row[col].strip()!r} here, {there[col]!r} in "
                               f"{EP_12} line {there_line}", column=col)


def produce_projections(folder: Path, ctx: Context) -> Iterator[Triple]:
    dataset = NamedNode(PROJECTIONS.dataset_iri(ctx.base))
    for period in (Y2024, Y2034, DECADE):
        yield from period_triples(ctx, period)
    described: set[str] = set()
    first: dict[str, tuple[int, dict[str, str]]] = {}
    yield from _ep_table(folder / EP_12, ctx, dataset, EP_12_STATS, described, first)
    yield from _ep_table(folder / EP_110, ctx, dataset, EP_110_STATS, described, first)
    if first:
        code, (line, _) = min(first.items(), key=lambda item: item[1][0])
        raise ImportFailed(folder / EP_12, line, f"{code} is not in {EP_110}", column=EP_CODE)


PROJECTIONS = Importer("bls-projections", EP_INFO, produce_projections, (EP_12, EP_110),
                       statistical=True)
