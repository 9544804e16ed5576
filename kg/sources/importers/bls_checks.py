"""Checks that the figures of a BLS table agree with each other, as the publisher's do.

Employment Projections table 1.2 rounds employment (thousands) and percents to one decimal, so
each check allows what that rounding can move a figure, measured on the real table first."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
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


def _numbers(row: dict[str, str], *cols: str) -> list[Decimal] | None:
    try:
        numbers = [Decimal(row[col].strip()) for col in cols]
    except InvalidOperation:
        return None  # not numbers: `figure` names the cell
    return numbers if all(n.is_finite() for n in numbers) else None


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
