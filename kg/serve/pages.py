"""Server-rendered HTML pages (Jinja2 templates in kg/serve/templates)."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from rdflib import Literal

from kg.prefixes import prefix_map
from kg.query.param_binding import TYPE_LABELS
from kg.serve.all_occupations_section import AllOccupations
from kg.serve.charts import (
    PERCENTILE_NAMES,
    PERCENTILES,
    IndustryRow,
    WageRow,
    industry_chart,
    riasec_chart,
    wage_chart,
)
from kg.serve.education_section import Education
from kg.serve.element_occupations_section import TopOccupations
from kg.serve.entities import HOURLY_WAGE_STATS, OKG, WAGE_STATS, EntityPage, Observation
from kg.serve.humanize import cents, money, number
from kg.serve.onet_profile import OnetProfile
from kg.serve.title_only_section import TitleOnly

TEMPLATES = Path(__file__).parent / "templates"
ALL_INDUSTRIES = "industry/all-industries"


def make_env() -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["filesize"] = _filesize
    env.filters["number"] = number
    env.filters["param_type"] = lambda t: TYPE_LABELS.get(t, t)
    env.filters["tojson_attr"] = lambda v: json.dumps(v)
    return env


def _filesize(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def local_href(iri: str, public_base: str,
               described: Callable[[str], bool] = lambda iri: False) -> str | None:
    """The path on this server for a published IRI, or for another IRI the graph describes
    (`described`: an ESCO occupation as imported); None for IRIs served only elsewhere."""
    if iri.startswith(public_base):
        return "/id/" + iri[len(public_base) :]
    if described(iri):
        return resource_href(iri)
    return None


def resource_href(iri: str, ext: str | None = None) -> str:
    """/resource(.EXT)?iri=IRI: the graph's description of an IRI it does not mint."""
    return f"/resource{'.' + ext if ext else ''}?iri={quote(iri, safe='')}"


def wage_rows(observations: list[Observation], public_base: str,
              source: str = "", source_code: str = "", hourly: bool = False) -> list[WageRow]:
    stats = {OKG + name: key for name, key in (HOURLY_WAGE_STATS if hourly else WAGE_STATS)}
    by_period: dict[str, tuple[str, dict[str, Any], dict[str, Any]]] = {}
    for o in observations:
        if o.statistic in stats and o.industry == public_base + ALL_INDUSTRIES:
            start, values, bounds = by_period.setdefault(o.period_label,
                                                         (o.period_start, {}, {}))
            # an OEWS top code ("$239,200 or more") is not the percentile's value: not drawn
            (bounds if o.lower_bound else values)[stats[o.statistic]] = o.value
    ordered = sorted(by_period.items(), key=lambda kv: kv[1][0])
    return [WageRow(label, values, start, source, source_code, bounds)
            for label, (start, values, bounds) in ordered]


def all_wage_rows(page: EntityPage, public_base: str, hourly: bool = False) -> list[WageRow]:
    """The entity's own wage rows and its matches', by period (own first in a tie)."""
    # Only the figures about this entity as an occupation: the observations of an industry
    # ("all industries") are of many occupations, which one row per period would mix.
    rows = wage_rows([o for o in page.observations if o.occupation == page.iri], public_base,
                     hourly=hourly)
    for match in page.matched:
        rows += wage_rows(match.observations, public_base,
                          f"{match.name}, {match.phrase}",
                          f"{match.relation} {match.code or match.label}", hourly)
    return sorted(rows, key=lambda r: (r.start, r.source != "", r.source))


def wage_notes(rows: list[WageRow], hourly: bool = False) -> list[str]:
    """One sentence per reference period: which percentiles its source gives."""
    notes = []
    for row in rows:
        given = [PERCENTILE_NAMES[k] for k in PERCENTILES if k in row.values]
        of = f" ({row.source})" if row.source else ""
        note = f"{row.period}{of}: {_join(given)}"
        by_bound: dict[Any, list[str]] = {}
        for k in PERCENTILES:
            if k in row.lower_bounds:
                by_bound.setdefault(row.lower_bounds[k], []).append(PERCENTILE_NAMES[k])
        bounded = [f"the {_join(names)} only as {(cents if hourly else money)(bound)} or more"
                   for bound, names in by_bound.items()]
        if bounded:
            note += f"; {_join(bounded)} (BLS's top code: the dashed whisker)"
        missing = [PERCENTILE_NAMES[k] for k in row.missing if k not in row.lower_bounds]
        if missing:
            note += f"; the sources do not give the {_join(missing)}"
        if {"p25", "p75"} & set(row.missing):
            note += " (so no box is drawn)"
        notes.append(note + ".")
    return notes


# The Employment Projections figures a reader looks for first, in this order.
OUTLOOK = ("employment", "projectedEmploymentChange", "projectedEmploymentChangeNumeric",
           "annualAverageOpenings")


@dataclass
class Outlook:
    """The latest employment and projection figures of the entity or, failing those, of the
    first match that has them (said whose)."""

    figures: list[tuple[str, str]]  # (statistic name with its period, figure)
    source: str = ""  # "Registered Nurses (29-1141), a close match"; "" for its own


def outlook(page: EntityPage) -> Outlook | None:
    """Session 29's audit: employment, growth and openings were only rows of the Statistics
    table at the foot of a 30,000 px page."""
    candidates = [("", [o for o in page.observations if o.occupation == page.iri])]
    candidates += [(f"{m.name}, {m.phrase}", m.observations) for m in page.matched]
    found: list[tuple[str, int, Outlook]] = []
    for n, (source, observations) in enumerate(candidates):
        latest: dict[str, Observation] = {}
        for o in observations:
            name = o.statistic.rsplit("#", 1)[-1]
            if name in OUTLOOK and o.all_industries and (
                    name not in latest or o.period_start > latest[name].period_start):
                latest[name] = o
        if latest:
            found.append((max(o.period_start for o in latest.values()), -n, Outlook(
                [(f"{latest[k].statistic_name}, {latest[k].period_label}", latest[k].figure)
                 for k in OUTLOOK if k in latest], source)))
    # The latest figures, the nearest candidate's where two are as recent. Regression (the
    # second audit): the first with any took the curated occupation's 2021-31 figures for
    # O*NET-SOC 11-3051.00, whose SOC code has the 2024-34 projections.
    return max(found, key=lambda f: f[:2])[2] if found else None


def _join(words: list[str]) -> str:
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def industry_rows(observations: list[Observation], public_base: str) -> dict[str, list[
        IndustryRow]]:
    """Industry rows per reference year (newest first): a 2008 share and a 2021 share are two
    charts, never one."""
    rows: dict[tuple[str, str], dict[str, Any]] = {}
    for o in observations:
        if o.industry == public_base + ALL_INDUSTRIES or not o.industry:
            continue
        if o.statistic not in (OKG + "employmentShare", OKG + "annualWageMedian"):
            continue
        # "2021" and "May 2021" are one year: a share and a May wage go on one row.
        year = (re.findall(r"\b(?:19|20)\d{2}\b", o.period_label) or [o.period_label])[0]
        row = rows.setdefault((year, o.industry), {"label": o.industry_label})
        row["share" if o.statistic.endswith("employmentShare") else "median"] = o.value
    out: dict[str, list[IndustryRow]] = {}
    for (year, _), r in sorted(rows.items(), key=lambda kv: kv[0][0], reverse=True):
        out.setdefault(year, []).append(IndustryRow(r["label"], r.get("share"), r.get("median"),
                                                    year))
    return {y: sorted(v, key=lambda r: (-(r.share or 0), r.industry)) for y, v in out.items()}


class Pages:
    def __init__(self, public_base: str, site: dict[str, Any]):
        self.env = make_env()
        self.public_base = public_base
        self.site = site
        prefixes = sorted(prefix_map(public_base).items(), key=lambda kv: -len(kv[1]))
        self.prefixes = prefixes
        # set by the app once its entity index knows which other IRIs the graph describes
        self.described_elsewhere: Callable[[str], bool] = lambda iri: False

    def render(self, template: str, **context: Any) -> bytes:
        context.setdefault("site", self.site)
        context.setdefault("public_base", self.public_base)
        context.setdefault("href", lambda iri: local_href(iri, self.public_base,
                                                          self.described_elsewhere))
        context.setdefault("cell", self.cell)
        return self.env.get_template(template).render(**context).encode("utf-8")

    def cell(self, term: Any, labels: dict[str, str] | None = None) -> Markup:
        """A result cell (kg.serve.result_cells: links only for http(s) IRIs)."""
        from kg.serve.result_cells import cell

        if isinstance(term, Literal) and term.language:
            # A reader wants the text: the language tag stays in the JSON/XML/TSV answers.
            term = Literal(str(term))
        return cell(term, self.public_base, self.prefixes, labels,
                    lambda iri: local_href(iri, self.public_base, self.described_elsewhere))

    def entity(self, page: EntityPage, formats: list[tuple[str, str, str]],
               onet: OnetProfile | None = None,
               transitions: list | None = None,  # career transitions (T)
               activities: list | None = None,  # detailed work activities
               equivalents: list | None = None,  # in other taxonomies
               title_only: TitleOnly | None = None,  # O*NET describes no more
               education: Education | None = None,  # BLS entry, O*NET levels
               top_occupations: TopOccupations | None = None,  # of an O*NET element
               unrated: str | None = None,  # why an element has no ratings
               all_occupations: AllOccupations | None = None) -> bytes:  # national median
        is_occupation = any(c == OKG + "Occupation" for c, _ in page.kinds)
        wage = Markup("")
        notes: list[str] = []
        hourly = False
        industries: list[tuple[str, Markup]] = []
        if page.observations or page.matched:
            rows = all_wage_rows(page, self.public_base)
            if not any(r.values for r in rows):
                # BLS gives some occupations hourly wages only (Actors: "*" for every annual
                # figure); they had no chart (session 27's audit)
                rows, hourly = all_wage_rows(page, self.public_base, hourly=True), True
            wage, notes = wage_chart(rows, hourly=hourly), wage_notes(rows, hourly)
            if is_occupation and page.observations:
                for year, group in industry_rows(page.observations, self.public_base).items():
                    chart = industry_chart(group)
                    if chart:
                        industries.append((year, chart))
        riasec = Markup("")  # O*NET profile (issue 13): the interests as a RIASEC chart
        if onet is not None and onet.interests:
            riasec = riasec_chart([(r.label, r.value) for r in onet.interests],
                                  set(onet.high_points), onet.interest_scale[1],
                                  onet.interest_scale[0])
        return self.render(
            "entity.html", page=page, formats=formats, wage_chart=wage, wage_notes=notes,
            all_occupations=all_occupations if all_occupations is not None
            and all_occupations.iri != page.iri else None,
            hourly_wages=hourly, outlook=outlook(page),
            industry_charts=industries, is_occupation=is_occupation, onet=onet,
            riasec_chart=riasec,
            transitions=transitions or [],
            activities=activities or [],
            equivalents=equivalents or [],
            title_only=title_only,
            education=education,
            top_occupations=top_occupations,
            unrated=unrated,
        )
