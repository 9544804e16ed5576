"""The national figures an occupation's wages are read against: the latest median wage of BLS's
00-0000 All Occupations (OEWS), which an occupation's wages section names under its chart, as
BLS's Occupational Outlook Handbook does ("The median annual wage for all workers was ...")."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pyoxigraph as ox

from kg.serve.humanize import cents, money
from kg.sources.importers.bls import TOTAL_CODE

OKG = "https://w3id.org/occupation-kg/ontology#"
OBS_VALUE = ox.NamedNode("http://purl.org/linked-data/sdmx/2009/measure#obsValue")
REF_PERIOD = ox.NamedNode("http://purl.org/linked-data/sdmx/2009/dimension#refPeriod")
END_YEAR = ox.NamedNode(OKG + "endYear")
PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
MEDIANS = {OKG + "annualWageMedian": "a year", OKG + "hourlyWageMedian": "an hour"}


@dataclass
class AllOccupations:
    iri: str
    period: str  # "May 2024"
    annual: Decimal | None
    hourly: Decimal | None

    def text(self, hourly_first: bool = False) -> str:
        """"$49,500 a year ($23.80 an hour)"; the hourly figure first beside an hourly chart
        (Actors: BLS gives them hourly wages only; session 36's review)."""
        parts = []
        if self.annual is not None:
            parts.append(f"{money(self.annual)} a year")
        if self.hourly is not None:
            parts.append(f"{cents(self.hourly)} an hour")
        if hourly_first:
            parts.reverse()
        return parts[0] + (f" ({parts[1]})" if len(parts) > 1 else "")


def read_all_occupations(store: ox.Store, public_base: str) -> AllOccupations | None:
    """The latest period's medians of all occupations, or None where the graph has none (the
    seed build, which imports no BLS file)."""
    total = ox.NamedNode(f"{public_base}soc2018/{TOTAL_CODE}")
    found: dict[tuple[int, str], dict[str, Decimal]] = {}
    for quad in store.quads_for_pattern(None, ox.NamedNode(OKG + "occupation"), total, None):
        observation = quad.subject
        statistic = next(store.quads_for_pattern(observation, ox.NamedNode(OKG + "statistic"),
                                                 None, None), None)
        if statistic is None or statistic.object.value not in MEDIANS:
            continue
        if next(store.quads_for_pattern(observation, ox.NamedNode(OKG + "industry"),
                                        ox.NamedNode(public_base + "industry/all-industries"),
                                        None), None) is None:
            continue
        value = next(store.quads_for_pattern(observation, OBS_VALUE, None, None), None)
        period = next(store.quads_for_pattern(observation, REF_PERIOD, None, None), None)
        if value is None or period is None:
            continue
        end = next(store.quads_for_pattern(period.object, END_YEAR, None, None), None)
        key = (int(end.object.value) if end is not None else 0, period.object.value)
        found.setdefault(key, {})[statistic.object.value] = Decimal(value.object.value)
    if not found:
        return None
    (_, period), medians = max(found.items())
    label = next(store.quads_for_pattern(ox.NamedNode(period), PREF_LABEL, None, None), None)
    return AllOccupations(total.value, label.object.value if label is not None else period,
                          medians.get(OKG + "annualWageMedian"),
                          medians.get(OKG + "hourlyWageMedian"))
