"""Server-side inline SVG charts (no JavaScript): wage percentiles per year, industry bars."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from html import escape

from markupsafe import Markup

PERCENTILES = ("p10", "p25", "median", "p75", "p90")


@dataclass(frozen=True)
class WageRow:
    period: str  # "May 2008"
    values: dict[str, Decimal]  # keys from PERCENTILES (any may be missing)


@dataclass(frozen=True)
class IndustryRow:
    industry: str
    share: Decimal | None  # percent of the occupation's jobs
    median: Decimal | None  # annual median wage, USD
    period: str


def _money(v: Decimal) -> str:
    return f"${int(v):,}"


def wage_chart(rows: list[WageRow], width: int = 720) -> Markup:
    """A box plot per reference period: whiskers p10-p90, box p25-p75, a line at the median."""
    rows = [r for r in rows if r.values]
    if not rows:
        return Markup("")
    values = [v for r in rows for v in r.values.values()]
    top = float(max(values)) * 1.08
    left, right, row_h, head = 110, 30, 64, 30
    height = head + row_h * len(rows) + 40
    plot_w = width - left - right

    def x(v: Decimal | float) -> float:
        return left + plot_w * float(v) / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart wage-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="Annual wage percentiles by reference period">',
        "<title>Annual wage percentiles (p10, p25, median, p75, p90) by reference period</title>",
    ]
    step = 25000 if top < 250000 else 50000
    for tick in range(0, int(top) + 1, step):
        tx = x(tick)
        parts.append(
            f'<line class="grid" x1="{tx:.1f}" y1="{head - 8}" x2="{tx:.1f}" '
            f'y2="{height - 30}" />'
            f'<text class="tick" x="{tx:.1f}" y="{height - 12}" text-anchor="middle">'
            f"${tick // 1000}k</text>"
        )
    for i, row in enumerate(rows):
        cy = head + row_h * i + row_h / 2
        v = row.values
        parts.append(
            f'<g class="wage-row" data-period="{escape(row.period)}">'
            f'<text class="row-label" x="{left - 12}" y="{cy + 5:.1f}" text-anchor="end">'
            f"{escape(row.period)}</text>"
        )
        if "p10" in v and "p90" in v:
            parts.append(
                f'<line class="whisker" x1="{x(v["p10"]):.1f}" y1="{cy:.1f}" '
                f'x2="{x(v["p90"]):.1f}" y2="{cy:.1f}" />'
            )
        if "p25" in v and "p75" in v:
            parts.append(
                f'<rect class="box" x="{x(v["p25"]):.1f}" y="{cy - 14:.1f}" '
                f'width="{x(v["p75"]) - x(v["p25"]):.1f}" height="28" />'
            )
        for key in PERCENTILES:
            if key not in v:
                continue
            px = x(v[key])
            tall = 16 if key == "median" else 9
            label_y = cy - 20 if key in ("p10", "median", "p90") else cy + 30
            parts.append(
                f'<line class="mark mark-{key}" x1="{px:.1f}" y1="{cy - tall:.1f}" '
                f'x2="{px:.1f}" y2="{cy + tall:.1f}"><title>{escape(row.period)} {key}: '
                f"{_money(v[key])}</title></line>"
                f'<text class="value value-{key}" x="{px:.1f}" y="{label_y:.1f}" '
                f'text-anchor="middle">{key} {_money(v[key])}</text>'
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def industry_chart(rows: list[IndustryRow], width: int = 840) -> Markup:
    """Two bars per industry: share of the occupation's employment, and the median wage.

    Each row names its reference period: the seeds give shares for different years (2008 for
    manufacturing as a whole, 2021 for the five largest industries).
    """
    rows = [r for r in rows if r.share is not None or r.median is not None]
    if not rows:
        return Markup("")
    label_w, gap, bar_h, row_h, head = 410, 20, 12, 40, 30
    col_w = (width - label_w - gap * 2) / 2
    max_share = max((float(r.share) for r in rows if r.share is not None), default=1.0) or 1.0
    max_wage = max((float(r.median) for r in rows if r.median is not None), default=1.0) or 1.0
    height = head + row_h * len(rows) + 10
    share_x, wage_x = label_w + gap / 2, label_w + gap * 1.5 + col_w
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart industry-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="Employment share and median wage by industry">',
        "<title>Employment share and median annual wage by industry</title>",
        f'<text class="col-head" x="{share_x}" y="16">Share of jobs (%)</text>',
        f'<text class="col-head" x="{wage_x}" y="16">Median annual wage</text>',
    ]
    for i, row in enumerate(rows):
        y = head + row_h * i
        parts.append(
            f'<g class="industry-row"><text class="row-label" x="{label_w - 6}" '
            f'y="{y + bar_h + 2}" text-anchor="end">{escape(_short(row.industry))} '
            f'<tspan class="period">({escape(row.period)})</tspan>'
            f"<title>{escape(row.industry)} ({escape(row.period)})</title></text>"
        )
        if row.share is not None:
            parts.append(_bar("bar-share", share_x, y, bar_h, (col_w - 60) * float(row.share)
                              / max_share, f"{row.industry}: {row.share}% of jobs",
                              f"{row.share}%"))
        if row.median is not None:
            money = _money(row.median)
            parts.append(_bar("bar-wage", wage_x, y, bar_h, (col_w - 70) * float(row.median)
                              / max_wage, f"{row.industry}: median {money}", money))
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def _bar(css: str, x: float, y: float, height: int, width: float, title: str,
         value: str) -> str:
    """One horizontal bar with its tooltip and its value written after it."""
    return (
        f'<rect class="bar {css}" x="{x}" y="{y + 4}" width="{width:.1f}" height="{height}">'
        f"<title>{escape(title)}</title></rect>"
        f'<text class="value" x="{x + width + 4:.1f}" y="{y + height + 2}">{escape(value)}</text>'
    )


def _short(text: str, limit: int = 42) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"
