"""The bounds a published figure must fall within, one table for every road a figure enters by.

The curated observations (kg/sources/curated/value_evidence.py, a located error), the
reference-data importers,
the SHACL shapes (one node shape per group of statistic kinds) and the quality check
queries/implausible-value-violation.rq (every build, imported data included) all apply these
bounds; tests check that the shapes and the query state the same numbers, so the published
shapes say what the build enforces. Bounds are deliberately wide: they catch a sign flipped, a
digit slipped into another column or an overflow (1e400), not an unusual but real figure.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

# Years a reference period or a curated year may name: labour statistics in these sources start
# after 1900, and projections reach a decade or two ahead.
EARLIEST_YEAR = 1900
LATEST_YEAR = 2100


@dataclass(frozen=True)
class Bounds:
    minimum: Decimal | None
    maximum: Decimal | None
    why: str

    def violation(self, value: Decimal) -> str | None:
        """None when `value` is plausible, else a sentence saying what is wrong."""
        if not value.is_finite():
            return f"{value} is not a finite number"
        if self.minimum is not None and value < self.minimum:
            return f"{value} is below {self.minimum} ({self.why})"
        if self.maximum is not None and value > self.maximum:
            return f"{value} is above {self.maximum} ({self.why})"
        return None


# A wage is positive: a mean annual wage of 0 was published beside its hourly wage (session
# 33's audit); at least $1 a year or a cent an hour.
_MONEY = Bounds(Decimal(1), Decimal(10_000_000), "an annual wage is a positive amount")
_COUNT = Bounds(Decimal(0), Decimal(1_000_000_000), "a count of jobs is non-negative")
_SHARE = Bounds(Decimal(0), Decimal(100), "a share or rate in percent lies within 0-100")
_CHANGE = Bounds(Decimal(-100), Decimal(1_000), "a change in percent cannot fall below -100")
_NUMERIC_CHANGE = Bounds(Decimal(-1_000_000_000), Decimal(1_000_000_000),
                         "a change in jobs is a finite count")
# BLS OEWS hourly wages, standard errors and EP separations (engineer E, issue 13).
_HOURLY = Bounds(Decimal("0.01"), Decimal(10_000), "an hourly wage is a positive amount")
_RSE = Bounds(Decimal(0), Decimal(100), "a relative standard error in percent lies within 0-100")
_FLOW = Bounds(Decimal(0), Decimal(1_000_000_000), "a count of workers per year is non-negative")

# okg statistic kind (local name) -> bounds of its value.
BOUNDS_BY_STATISTIC: dict[str, Bounds] = {
    "annualWageMean": _MONEY,
    "annualWagePercentile10": _MONEY,
    "annualWagePercentile25": _MONEY,
    "annualWageMedian": _MONEY,
    "annualWagePercentile75": _MONEY,
    "annualWagePercentile90": _MONEY,
    "employment": _COUNT,
    "wageAndSalaryEmployment": _COUNT,
    "projectedEmployment": _COUNT,
    "annualAverageOpenings": _COUNT,
    "employmentShare": _SHARE,
    "laborForceExitRate": _SHARE,
    "occupationalTransferRate": _SHARE,
    "occupationalSeparationsRate": _SHARE,
    "projectedEmploymentChange": _CHANGE,
    "projectedEmploymentChangeNumeric": _NUMERIC_CHANGE,
    "hourlyWageMean": _HOURLY,
    "hourlyWagePercentile10": _HOURLY,
    "hourlyWagePercentile25": _HOURLY,
    "hourlyWageMedian": _HOURLY,
    "hourlyWagePercentile75": _HOURLY,
    "hourlyWagePercentile90": _HOURLY,
    "employmentRelativeStandardError": _RSE,
    "wageMeanRelativeStandardError": _RSE,
    "shareOfTotalEmployment": _SHARE,
    "selfEmployedShare": _SHARE,
    "laborForceExits": _FLOW,
    "occupationalTransfers": _FLOW,
    "occupationalSeparations": _FLOW,
}


def implausibility(statistic: str, value: Decimal) -> str | None:
    """None when `value` is a plausible figure for `statistic`, else what is wrong with it.

    A statistic without bounds here still has to be finite.
    """
    bounds = BOUNDS_BY_STATISTIC.get(statistic)
    if bounds is None:
        return None if value.is_finite() else f"{value} is not a finite number"
    return bounds.violation(value)


def implausible_year(year: int) -> str | None:
    if EARLIEST_YEAR <= year <= LATEST_YEAR:
        return None
    return f"year {year} lies outside {EARLIEST_YEAR}-{LATEST_YEAR}"
