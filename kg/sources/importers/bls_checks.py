"""Checks that the figures of a BLS table agree with each other, as the publisher's do.

Employment Projections table 1.2 rounds employment (thousands) and percents to one decimal, so
each check allows what that rounding can move a figure, measured on the real table first."""

from __future__ import annotations

from decimal import Decimal, DecimalException
from pathlib import Path

from kg.sources.importers.base import ImportFailed

E24, E34 = "Employment, 2024", "Employment, 2034"
CHANGE = "Employment change, numeric, 2024–34"
PERCENT = "Employment change, percent, 2024–34"
SHARES = ((E24, "Employment distribution, percent, 2024"),
          (E34, "Employment distribution, percent, 2034"))
HALF = Decimal("0.05")  # half the last decimal the table shows
# Three figures rounded to one decimal: 2024 + change is 2034 within 0.15 (table 1.2's widest gap
# is 0.1, 11-1021). 2034 employment of 999 beside 241.9 + 4.6 was published (audit).
SUM_GAP = Decimal("0.15")


# Larger than any figure of the tables (the project's plausibility bounds stop at 1e9 jobs); a
# number beyond it ("1e+999999999" in the 00-0000 row, which `figure` does not read) is not
# summed: it would overflow the decimal context.
LARGEST = 15  # digits before the point


def number(cell: str) -> Decimal | None:
    """The cell's number, None for anything else (`figure` names a cell it reads)."""
    try:
        value = Decimal(cell.strip())
    except DecimalException:
        return None
    # adjusted() is the exponent of the first digit: no arithmetic, which would overflow
    return value if value.is_finite() and value.adjusted() < LARGEST else None


def _numbers(row: dict[str, str], *cols: str) -> list[Decimal] | None:
    numbers = [number(row[col]) for col in cols]
    return None if None in numbers else numbers  # type: ignore[return-value]


class ProjectionsAgree:
    """Table 1.2's rows, each checked against itself and against the 00-0000 total (its first
    row; rows read before it are not checked for their shares)."""

    def __init__(self, path: Path):
        self.path = path
        self.totals: dict[str, Decimal] = {}

    def see(self, code: str, row: dict[str, str], line: int) -> None:
        numbers = _numbers(row, E24, E34, CHANGE, PERCENT)
        if numbers is None:
            return
        now, then, change, percent = numbers
        if abs(now + change - then) > SUM_GAP:
            raise ImportFailed(self.path, line, f"{then} is not the 2024 employment plus the "
                               f"change ({now} + {change} = {now + change})", column=E34)
        self._percent(now, then, percent, line)
        if code == "00-0000":
            self.totals = {E24: now, E34: then}
        for employment, share in SHARES:
            self._share(row, employment, share, line)

    def _percent(self, now: Decimal, then: Decimal, percent: Decimal, line: int) -> None:
        """The percent change BLS computes from unrounded figures: anywhere between the
        extremes the rounded 2024 and 2034 figures allow (51-2061: 0.2 to 0.2 thousand is
        -17.5 %), give or take its own rounding."""
        low_now, high_now = now - HALF, now + HALF
        if low_now <= 0:
            return  # a rounded 0.0: any percent is possible
        lowest = ((then - HALF) / high_now - 1) * 100 - HALF
        highest = ((then + HALF) / low_now - 1) * 100 + HALF
        if not lowest <= percent <= highest:
            raise ImportFailed(self.path, line, f"a change of {percent} % does not follow from "
                               f"{now} to {then} thousand (at most {lowest:.1f} to "
                               f"{highest:.1f} after rounding)", column=PERCENT)

    def _share(self, row: dict[str, str], employment: str, share: str, line: int) -> None:
        """The share of total employment is the employment over the 00-0000 total (table 1.2's
        widest gap after rounding is 0.04995 points, 39-3090 in 2034; a share over 100 is
        refused as implausible before)."""
        total = self.totals.get(employment)
        numbers = _numbers(row, employment, share)
        if total is None or numbers is None or total - HALF <= 0:
            return
        count, percent = numbers
        lowest = max(count - HALF, Decimal(0)) / (total + HALF) * 100 - HALF
        highest = (count + HALF) / (total - HALF) * 100 + HALF
        if not lowest <= percent <= highest:
            raise ImportFailed(self.path, line, f"{percent} % is not {count} of the "
                               f"{total} thousand of 00-0000 ({count / total * 100:.2f} %)",
                               column=share)


# --- completeness ------------------------------------------------------------------------------

TOTAL = "00-0000"


def under(group: str) -> str:
    """The code prefix of what a SOC group holds: 11-0000 -> "11-", 15-1200 -> "15-12",
    11-3050 -> "11-305"; 00-0000 (all occupations) -> ""."""
    if group == TOTAL:
        return ""
    return group.rstrip("0") if not group.endswith("-0000") else group[:3]


class Complete:
    """What a cut file loses: a truncated OEWS or EP file keeps its first groups and loses the
    rest, and a cut inside a group leaves that group listed without the occupations under it.

    Checked when the whole file is read: every group has a leaf (an OEWS detailed occupation,
    an EP line item) under it, and the 00-0000 total is the sum of the major groups, once the
    file lists the major group of every code it has. A file that does not (the slices under
    tests/data keep a few occupations of groups they do not list) is an extract: its total
    cannot be summed. A cut exactly after a group's last leaf keeps every group listed whole;
    the totals find it where the file states them."""

    def __init__(self, path: Path, column: str, tolerance: Decimal, what: str):
        self.path, self.column, self.tolerance, self.what = path, column, tolerance, what
        self.groups: dict[str, int] = {}  # group code -> line
        self.leaves: set[str] = set()
        self.codes: set[str] = set()
        self.majors: dict[str, Decimal | None] = {}  # major group -> its figure (None: none)
        self.total: tuple[int, Decimal | None] | None = None

    def see(self, line: int, code: str, group: bool, figure: str) -> None:
        self.codes.add(code)
        if not group:
            self.leaves.add(code)
            return
        self.groups.setdefault(code, line)
        if code == TOTAL:
            self.total = (line, number(figure))  # None: "**" or not a number
        elif code.endswith("-0000"):
            self.majors[code] = number(figure)

    def check(self) -> None:
        held = {under(group) for group in self.groups}
        found = {prefix for prefix in held for leaf in self.leaves if leaf.startswith(prefix)}
        empty = [(line, group) for group, line in self.groups.items() if under(group) not in found]
        if empty:  # the last: where a cut file ends (the groups above it are empty too)
            line, group = max(empty)
            raise ImportFailed(self.path, line, f"group {group} has no {self.what} under it: "
                               "the file is cut short after it or rows are missing")
        if self.total is None or self.total[1] is None:
            return
        if {code[:3] + "0000" for code in self.codes if code != TOTAL} - set(self.majors):
            return  # an extract (see above)
        if any(value is None for value in self.majors.values()):
            return
        line, total = self.total
        summed = sum(v for v in self.majors.values() if v is not None)
        gap = self.tolerance * (len(self.majors) + 1)
        if abs(total - summed) > gap:
            raise ImportFailed(self.path, line, f"the total {total} is not the sum of the "
                               f"{len(self.majors)} major groups listed ({summed}, give or "
                               f"take {gap}): the file is cut short or rows are missing",
                               column=self.column)
