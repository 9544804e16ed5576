"""An occupation's page shows the statistics of its matches in other classifications, marked
as theirs: the curated occupation had only its seeds' 2008 and 2021 wages on its page while
the graph held BLS's May 2024 wages for SOC 2018 11-3051, its exact match; an O*NET-SOC
occupation's page had no wages at all. Figures come from the OEWS slice in tests/data (BLS,
May 2024, public domain) and the O*NET-SOC 2019 crosswalk slice (O*NET, CC BY 4.0)."""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from tests.server_support import http, running_server, seed_with_slices

DATA = Path(__file__).parent / "data"


def _oews(code: str) -> dict[str, str]:
    path = DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return next(r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                    if r["OCC_CODE"] == code)


def _soc_of(onet_code: str) -> str:
    path = DATA / "onet_soc_2019_taxonomy" / "2019_to_SOC_Crosswalk.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        return next(r["2018 SOC Code"] for r in csv.DictReader(handle, delimiter="\t")
                    if r["O*NET-SOC 2019 Code"] == onet_code)


@pytest.fixture(scope="module")
def served(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    out = seed_with_slices(dist, tmp_path_factory.mktemp("matched-dist"))
    with running_server(out, workers=1) as srv:
        yield srv


def _page(served, path: str) -> str:
    reply = http(served.url + path)
    assert reply.status == 200, path
    return reply.text


def _matched(page: str) -> dict[str, str]:
    """match IRI path -> the heading of its statistics section."""
    found = re.findall(r'<section class="matched-statistics"[^>]*>\s*<h3>(.*?)</h3>', page, re.S)
    return {re.search(r'href="([^"]+)"', h)[1]: re.sub(r"<[^>]+>", "", h) for h in found}


def _wage_rows(page: str) -> list[str]:
    return re.findall(r'<g class="wage-row" data-period="([^"]+)"', page)


def test_the_curated_occupation_shows_its_exact_matchs_latest_wages(served) -> None:
    row = _oews("11-3051")
    page = _page(served, "/id/occupation/industrial-production-managers.html")
    headings = _matched(page)
    assert list(headings) == ["/id/soc2018/11-3051"]
    assert headings["/id/soc2018/11-3051"] == (
        f"Of {row['OCC_TITLE']} (11-3051), an exact match")
    # the seeds' own periods, then the match's May 2024 row, marked as the match's
    assert _wage_rows(page) == ["May 2008", "May 2021", "May 2024"]
    assert "exact 11-3051" in page
    assert f"median ${int(row['A_MEDIAN']):,}" in page
    own, matched = page.split('<section class="matched-statistics"', 1)
    assert f"${int(row['A_MEDIAN']):,}" in matched.split("</table>", 1)[0]
    assert f"${int(row['A_MEDIAN']):,}" not in own.split('id="statistics"', 1)[1]


@pytest.mark.parametrize(("onet_code", "relation"), [("11-3051.00", "a close match"),
                                                      ("11-3051.01", "a broader match")])
def test_an_onet_occupation_shows_its_soc_occupations_wages(served, onet_code: str,
                                                           relation: str) -> None:
    soc = _soc_of(onet_code)
    row = _oews(soc)
    page = _page(served, f"/id/onet-soc2019/{onet_code}.html")
    headings = _matched(page)
    assert headings[f"/id/soc2018/{soc}"] == f"Of {row['OCC_TITLE']} ({soc}), {relation}"
    assert "May 2024" in _wage_rows(page)
    assert f"median ${int(row['A_MEDIAN']):,}" in page


def test_a_narrower_match_lends_no_figures(served) -> None:
    """SOC 11-3051 groups 11-3051.01 and its siblings: their figures (they have none here) or
    the SOC occupation's own would not be theirs to share downwards; the SOC page shows its
    own May 2024 row and, from its exact match, the seeds' rows, and nothing from O*NET."""
    page = _page(served, "/id/soc2018/11-3051.html")
    assert list(_matched(page)) == ["/id/occupation/industrial-production-managers"]
    assert _wage_rows(page) == ["May 2008", "May 2021", "May 2024"]
