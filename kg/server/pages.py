"""Server-rendered HTML pages (Jinja2 templates in kg/server/templates)."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape
from markupsafe import Markup
from rdflib import BNode, Literal, URIRef

from kg.prefixes import prefix_map
from kg.server.charts import IndustryRow, WageRow, industry_chart, wage_chart
from kg.server.entities import OKG, WAGE_STATS, EntityPage, Observation

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
    env.filters["tojson_attr"] = lambda v: json.dumps(v)
    return env


def _filesize(n: int) -> str:
    size = float(n)
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024
    return f"{n} B"


def local_href(iri: str, public_base: str) -> str | None:
    """The path on this server for a published IRI (None for IRIs served elsewhere)."""
    if iri.startswith(public_base):
        return "/id/" + iri[len(public_base) :]
    return None


def wage_rows(observations: list[Observation], public_base: str) -> list[WageRow]:
    stats = {OKG + name: key for name, key in WAGE_STATS}
    by_period: dict[str, tuple[str, dict[str, Any]]] = {}
    for o in observations:
        if o.statistic in stats and o.industry == public_base + ALL_INDUSTRIES:
            start, values = by_period.setdefault(o.period_label, (o.period_start, {}))
            values[stats[o.statistic]] = o.value
    ordered = sorted(by_period.items(), key=lambda kv: kv[1][0])
    return [WageRow(label, values) for label, (_, values) in ordered]


def industry_rows(observations: list[Observation], public_base: str) -> list[IndustryRow]:
    rows: dict[str, dict[str, Any]] = {}
    for o in observations:
        if o.industry == public_base + ALL_INDUSTRIES or not o.industry:
            continue
        if o.statistic not in (OKG + "employmentShare", OKG + "annualWageMedian"):
            continue
        row = rows.setdefault(o.industry, {"label": o.industry_label, "periods": set()})
        # "2021" and "May 2021" are one year on a chart row: show the year only.
        row["periods"].update(re.findall(r"\b(?:19|20)\d{2}\b", o.period_label) or [o.period_label])
        key = "share" if o.statistic.endswith("employmentShare") else "median"
        row[key] = o.value
    out = [
        IndustryRow(r["label"], r.get("share"), r.get("median"), ", ".join(sorted(r["periods"])))
        for r in rows.values()
    ]
    return sorted(out, key=lambda r: -(r.share or 0))


class Pages:
    def __init__(self, public_base: str, site: dict[str, Any]):
        self.env = make_env()
        self.public_base = public_base
        self.site = site
        prefixes = sorted(prefix_map(public_base).items(), key=lambda kv: -len(kv[1]))
        self.prefixes = prefixes

    def render(self, template: str, **context: Any) -> bytes:
        context.setdefault("site", self.site)
        context.setdefault("href", lambda iri: local_href(iri, self.public_base))
        context.setdefault("cell", self.cell)
        return self.env.get_template(template).render(**context).encode("utf-8")

    def cell(self, term: Any, labels: dict[str, str] | None = None) -> Markup:
        """A result cell: local IRIs link to their page, others show as prefixed names."""
        from html import escape

        if term is None:
            return Markup("")
        if isinstance(term, URIRef):
            iri = str(term)
            short = iri
            for prefix, ns in self.prefixes:
                if iri.startswith(ns) and len(iri) > len(ns):
                    short = f"{prefix}:{iri[len(ns):]}"
                    break
            text = (labels or {}).get(iri) or short
            target = local_href(iri, self.public_base) or iri
            return Markup(f'<a href="{escape(target)}" title="{escape(iri)}">{escape(text)}</a>')
        if isinstance(term, BNode):
            return Markup(f"_:{escape(str(term))}")
        assert isinstance(term, Literal)
        lang = f'<span class="lang">@{escape(term.language)}</span>' if term.language else ""
        return Markup(f"{escape(str(term))}{lang}")

    def entity(self, page: EntityPage, formats: list[tuple[str, str, str]]) -> bytes:
        is_occupation = any(c == OKG + "Occupation" for c, _ in page.kinds)
        wage = industry = Markup("")
        if page.observations:
            wage = wage_chart(wage_rows(page.observations, self.public_base))
            if is_occupation:
                industry = industry_chart(industry_rows(page.observations, self.public_base))
        return self.render(
            "entity.html", page=page, formats=formats, wage_chart=wage,
            industry_chart=industry, is_occupation=is_occupation,
        )
