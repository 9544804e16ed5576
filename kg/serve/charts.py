"""Server-side inline SVG charts (no JavaScript): wage percentiles per year, industry bars."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from html import escape

from markupsafe import Markup

from kg.serve.humanize import cents, money, percent

PERCENTILES = ("p10", "p25", "median", "p75", "p90")
PERCENTILE_NAMES = {
    "p10": "10th percentile", "p25": "25th percentile", "median": "median",
    "p75": "75th percentile", "p90": "90th percentile",
}
_CHAR_W = 6.4  # mean advance of an 11px label character, for collision checks


@dataclass(frozen=True)
class WageRow:
    period: str  # "May 2008"
    values: dict[str, Decimal]  # keys from PERCENTILES (any may be missing)
    start: str = ""  # the period's start date, for ordering rows of several sources
    source: str = ""  # the exact match whose figures these are ("" for the page's own)
    source_code: str = ""  # "exact 11-3051", under the row label
    # percentiles the source gives only as "at least" (an OEWS top code: "$239,200 or more")
    lower_bounds: dict[str, Decimal] = field(default_factory=dict)

    @property
    def missing(self) -> list[str]:
        return [k for k in PERCENTILES if k not in self.values]


@dataclass(frozen=True)
class IndustryRow:
    industry: str
    share: Decimal | None  # percent of the occupation's jobs
    median: Decimal | None  # annual median wage, USD
    period: str


def _place(labels: list[tuple[float, str, str]], lines: list[float]) -> list[tuple[float, float,
                                                                                   str, str]]:
    """Give each (x, css, text) label the first line (y) where it overlaps no label already
    placed there, so close percentiles do not write over each other."""
    placed: list[tuple[float, float, str, str]] = []
    taken: dict[float, list[tuple[float, float]]] = {y: [] for y in lines}
    for x, css, text in sorted(labels):
        half = len(text) * _CHAR_W / 2 + 3
        for y in lines:
            if all(x + half <= a or x - half >= b for a, b in taken[y]):
                break
        else:
            y = lines[-1]
        taken[y].append((x - half, x + half))
        placed.append((x, y, css, text))
    return placed


def _cut(text: str, chars: int) -> str:
    """`text` in at most `chars` characters (the label column is 150 px wide)."""
    return text if len(text) <= chars else text[: chars - 1].rstrip() + "…"


def wage_chart(rows: list[WageRow], width: int = 760, hourly: bool = False) -> Markup:
    """A box plot per reference period: whiskers p10-p90, box p25-p75, a line at the median.
    A period without p25 and p75 gets no box, and says so under its label. `hourly`: the
    figures are dollars an hour (an occupation BLS gives hourly wages only, as Actors)."""
    rows = [r for r in rows if r.values]
    if not rows:
        return Markup("")
    what, fmt = ("Hourly", cents) if hourly else ("Annual", money)
    values = [v for r in rows for v in r.values.values()]
    top = float(max(values)) * 1.08
    left, right, row_h, head = 150, 40, 118, 10
    height = head + row_h * len(rows) + 34
    plot_w = width - left - right

    def x(v: Decimal | float) -> float:
        return left + plot_w * float(v) / top

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart wage-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="{what} wage percentiles by reference period">',
        f"<title>{what} wage percentiles (10th, 25th, median, 75th, 90th) by reference period"
        "</title>",
    ]
    step = (5 if top < 60 else 10) if hourly else (25000 if top < 250000 else 50000)
    for tick in range(0, int(top) + 1, step):
        tx = x(tick)
        parts.append(
            f'<line class="grid" x1="{tx:.1f}" y1="{head}" x2="{tx:.1f}" '
            f'y2="{height - 28}" />'
            f'<text class="tick" x="{tx:.1f}" y="{height - 10}" text-anchor="middle">'
            + (f"${tick}" if hourly else f"${tick // 1000}k") + "</text>"
        )
    for i, row in enumerate(rows):
        cy = head + row_h * i + row_h / 2
        v = row.values
        parts.append(
            f'<g class="wage-row" data-period="{escape(row.period)}">'
            f'<text class="row-label" x="{left - 14}" y="{cy + 5:.1f}" text-anchor="end">'
            f"{escape(row.period)}</text>"
        )
        # 11 px italic is about 6.4 px a character: 21 fit the 136 px left of the plot
        missing = [k for k in row.missing if k not in row.lower_bounds]
        notes = ([_cut(row.source_code, 21)] if row.source else []) + (
            [f"no {', '.join(missing)} reported"] if missing else []) + (
            [f"{', '.join(row.lower_bounds)} top-coded"] if row.lower_bounds else [])
        for n, note in enumerate(notes):
            parts.append(
                f'<text class="row-note" x="{left - 14}" y="{cy + 22 + 15 * n:.1f}" '
                f'text-anchor="end">{escape(note)}</text>'
            )
        known = [v[k] for k in PERCENTILES if k in v]
        if "p10" in v and ("p90" in v or row.lower_bounds):
            # A top-coded p90 ("$239,200 or more") still gets its whisker: solid to the highest
            # figure given, dashed on to the plot's end. Regression (session 29's audit): the
            # Lawyers' p10 stood alone, with no whisker at all.
            parts.append(
                f'<line class="whisker" x1="{x(v["p10"]):.1f}" y1="{cy:.1f}" '
                f'x2="{x(v.get("p90", max(known))):.1f}" y2="{cy:.1f}" />'
            )
        if row.lower_bounds and known:
            parts.append(
                f'<line class="whisker whisker-open" x1="{x(max(known)):.1f}" y1="{cy:.1f}" '
                f'x2="{left + plot_w:.1f}" y2="{cy:.1f}"><title>{escape(row.period)} '
                + escape(", ".join(f"{k} {fmt(b)} or more" for k, b in row.lower_bounds.items()))
                + "</title></line>"
            )
        if "p25" in v and "p75" in v:
            parts.append(
                f'<rect class="box" x="{x(v["p25"]):.1f}" y="{cy - 14:.1f}" '
                f'width="{x(v["p75"]) - x(v["p25"]):.1f}" height="28" />'
            )
        above: list[tuple[float, str, str]] = []
        below: list[tuple[float, str, str]] = []
        for key in PERCENTILES:
            if key not in v:
                continue
            px = x(v[key])
            tall = 16 if key == "median" else 9
            parts.append(
                f'<line class="mark mark-{key}" x1="{px:.1f}" y1="{cy - tall:.1f}" '
                f'x2="{px:.1f}" y2="{cy + tall:.1f}"><title>{escape(row.period)} '
                f"{PERCENTILE_NAMES[key]}: {fmt(v[key])}</title></line>"
            )
            side = above if key in ("p10", "median", "p90") else below
            side.append((px, f"value value-{key}", f"{key} {fmt(v[key])}"))
        placed = _place(above, [cy - 22, cy - 36]) + _place(below, [cy + 32, cy + 46])
        for px, y, css, text in placed:
            parts.append(
                f'<text class="{css}" x="{px:.1f}" y="{y:.1f}" text-anchor="middle">'
                f"{escape(text)}</text>"
            )
        parts.append("</g>")
    parts.append("</svg>")
    return Markup("".join(parts))


def industry_chart(rows: list[IndustryRow], width: int = 840) -> Markup:
    """Two bars per industry: share of the occupation's employment, and the median wage.
    The rows are of one reference period (the caller draws one chart per period)."""
    rows = [r for r in rows if r.share is not None or r.median is not None]
    if not rows:
        return Markup("")
    has_wage = any(r.median is not None for r in rows)
    label_w, gap, bar_h, row_h, head = 330, 20, 12, 34, 30
    col_w = (width - label_w - gap * 2) / (2 if has_wage else 1)
    max_share = 100.0  # shares are drawn on 0-100%, so charts of different years compare
    max_wage = max((float(r.median) for r in rows if r.median is not None), default=1.0) or 1.0
    height = head + row_h * len(rows) + 6
    share_x, wage_x = label_w + gap / 2, label_w + gap * 1.5 + col_w
    period = escape(rows[0].period)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart industry-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" data-period="{period}" '
        f'aria-label="Employment share and median wage by industry, {period}">',
        f"<title>Employment share and median annual wage by industry, {period}</title>",
        f'<text class="col-head" x="{share_x}" y="16">Share of jobs</text>',
    ]
    if has_wage:
        parts.append(f'<text class="col-head" x="{wage_x}" y="16">Median annual wage</text>')
    for i, row in enumerate(rows):
        y = head + row_h * i
        parts.append(
            f'<g class="industry-row"><text class="row-label" x="{label_w - 6}" '
            f'y="{y + bar_h + 2}" text-anchor="end">{escape(_short(row.industry))}'
            f"<title>{escape(row.industry)}</title></text>"
        )
        if row.share is not None:
            share = percent(row.share)
            parts.append(_bar("bar-share", share_x, y, bar_h, (col_w - 60) * float(row.share)
                              / max_share, f"{row.industry}: {share} of the jobs", share))
        if row.median is not None:
            wage = money(row.median)
            parts.append(_bar("bar-wage", wage_x, y, bar_h, (col_w - 70) * float(row.median)
                              / max_wage, f"{row.industry}: median {wage}", wage))
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


def _short(text: str, limit: int = 44) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- O*NET interest profile (issue 13, engineer I) -------------------------------------------


def riasec_chart(scores: list[tuple[str, Decimal]], high: set[str], maximum: Decimal,
                 minimum: Decimal, width: int = 640) -> Markup:
    """One bar per RIASEC interest on its O*NET scale (OI: 1-7); the occupation's high-point
    interests are drawn in a stronger colour and named in the bar's tooltip."""
    if not scores:
        return Markup("")
    label_w, bar_h, row_h, head = 130, 14, 26, 22
    span = float(maximum - minimum) or 1.0
    bar_w = width - label_w - 60
    height = head + row_h * len(scores) + 6
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart riasec-chart" role="img" '
        f'viewBox="0 0 {width} {height}" width="100%" '
        f'aria-label="Occupational interests (RIASEC), {minimum} to {maximum}">',
        "<title>Occupational interests (RIASEC)</title>",
    ]
    for tick in range(int(minimum), int(maximum) + 1):
        x = label_w + bar_w * (tick - float(minimum)) / span
        parts.append(f'<line class="grid" x1="{x:.1f}" y1="{head - 4}" x2="{x:.1f}" '
                     f'y2="{height - 4}"/><text class="tick" x="{x:.1f}" y="{head - 8}" '
                     f'text-anchor="middle">{tick}</text>')
    for i, (name, value) in enumerate(scores):
        y = head + row_h * i
        css = "bar-riasec bar-riasec-high" if name in high else "bar-riasec"
        note = " (high-point)" if name in high else ""
        parts.append(
            f'<g class="riasec-row" data-interest="{escape(name)}">'
            f'<text class="row-label" x="{label_w - 6}" y="{y + bar_h + 2}" '
            f'text-anchor="end">{escape(name)}</text>'
            + _bar(css, label_w, y, bar_h, bar_w * float(value - minimum) / span,
                   f"{name}: {value} of {maximum}{note}", f"{value}")
            + "</g>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
