"""Pages of the imports' reified records (O*NET ratings, task-to-DWA links, related occupations)
are titled in words, from the records' own parts, not by their IRI's slug. Regression: an
O*NET rating page was titled "11-3051.00-1.b.1.e-oi" (an attack on the pages, session 21).
The expected titles are read from the O*NET slice's rows (tests/data), not from the code."""

from __future__ import annotations

import calendar
import csv
import re
import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.reconcile.reference import import_reference
from tests.server_support import http, running_server

ONET = Path(__file__).parent / "data" / "onet_db_29_3"


def _rows(name: str) -> list[dict[str, str]]:
    with (ONET / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def served(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """The seed build with the reference slices merged into its kg.trig."""
    out = tmp_path_factory.mktemp("composed-dist")
    store = ox.Store()
    for path in [*import_reference(Path(__file__).parent / "data", out), dist / "kg.trig"]:
        fmt = ox.RdfFormat.TRIG if path.suffix == ".trig" else ox.RdfFormat.N_QUADS
        store.bulk_load(path=str(path), format=fmt)
    store.dump(output=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    shutil.copy(dist / "void.ttl", out / "void.ttl")
    with running_server(out, workers=1) as srv:
        yield srv


def _title(served, path: str) -> str:
    page = http(served.url + path)
    assert page.status == 200, path
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page.text, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found[1]).strip().replace("&amp;", "&")


def test_a_rating_is_titled_by_occupation_element_and_scale(served) -> None:
    row = next(r for r in _rows("Interests.tsv")
               if r["O*NET-SOC Code"] == "11-3051.00" and r["Scale ID"] == "OI")
    slug = f"{row['O*NET-SOC Code']}-{row['Element ID']}-{row['Scale ID']}".lower()
    assert _title(served, f"/id/onet-rating/{slug}.html") == (
        f"{row['Title']} — {row['Element Name']}, {row['Scale Name']}")
    page = http(served.url + f"/id/onet-rating/{slug}.html").text
    year, month = row["Date"].split("/")[1], int(row["Date"].split("/")[0])
    assert f"{calendar.month_name[month]} {year}" in page  # the Date in words


def test_a_related_occupation_record_is_titled_from_to_and_index(served) -> None:
    row = _rows("Related Occupations.tsv")[0]
    slug = f"{row['O*NET-SOC Code']}-{row['Related O*NET-SOC Code']}"
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in _rows("Occupation Data.tsv")}
    assert _title(served, f"/id/onet-relatedness/{slug}.html") == (
        f"{titles[row['O*NET-SOC Code']]} → {titles[row['Related O*NET-SOC Code']]}, "
        f"related occupation no. {row['Index']}")
