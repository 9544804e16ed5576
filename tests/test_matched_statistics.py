"""An occupation's page shows the statistics of its matches in other classifications, marked
as theirs: the curated occupation had only its seeds' 2008 and 2021 wages on its page while
the graph held BLS's May 2024 wages for SOC 2018 11-3051, its exact match; an O*NET-SOC
occupation's page had no wages at all. Figures come from the OEWS slice in tests/data (BLS,
May 2024, public domain) and the O*NET-SOC 2019 crosswalk slice (O*NET, CC BY 4.0)."""

from __future__ import annotations

import csv
import html
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest

from tests.server_support import (
    http,
    running_server,
    seed_with_slices,
    slices_with_oews_row_changed,
)

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


def _page(slices_served, path: str) -> str:
    reply = http(slices_served.url + path)
    assert reply.status == 200, path
    return reply.text


def _matched(page: str) -> dict[str, str]:
    """match IRI path -> the heading of its statistics section."""
    found = re.findall(r'<section class="matched-statistics"[^>]*>\s*<h3>(.*?)</h3>', page, re.S)
    return {re.search(r'href="([^"]+)"', h)[1]: re.sub(r"<[^>]+>", "", h) for h in found}


def _wage_rows(page: str) -> list[str]:
    return re.findall(r'<g class="wage-row" data-period="([^"]+)"', page)


def test_the_curated_occupation_shows_its_exact_matchs_latest_wages(slices_served) -> None:
    row = _oews("11-3051")
    page = _page(slices_served, "/id/occupation/industrial-production-managers.html")
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
def test_an_onet_occupation_shows_its_soc_occupations_wages(slices_served, onet_code: str,
                                                           relation: str) -> None:
    soc = _soc_of(onet_code)
    row = _oews(soc)
    page = _page(slices_served, f"/id/onet-soc2019/{onet_code}.html")
    headings = _matched(page)
    assert headings[f"/id/soc2018/{soc}"] == f"Of {row['OCC_TITLE']} ({soc}), {relation}"
    assert "May 2024" in _wage_rows(page)
    assert f"median ${int(row['A_MEDIAN']):,}" in page


def test_a_narrower_match_lends_no_figures(slices_served) -> None:
    """SOC 11-3051 groups 11-3051.01 and its siblings: their figures (they have none here) or
    the SOC occupation's own would not be theirs to share downwards; the SOC page shows its
    own May 2024 row and, from its exact match, the seeds' rows, and nothing from O*NET."""
    page = _page(slices_served, "/id/soc2018/11-3051.html")
    assert list(_matched(page)) == ["/id/occupation/industrial-production-managers"]
    assert _wage_rows(page) == ["May 2008", "May 2021", "May 2024"]


def test_an_industry_lends_no_figures_to_its_match(slices_served) -> None:
    """Regression: NAICS 325's page showed "Of Chemical manufacturing, an exact match" with
    $125,480 and 8%: the curated occupation's median wage in that industry and its share of
    jobs there (observations whose okg:industry is the curated industry), as if NAICS 325's."""
    page = _page(slices_served, "/id/naics2022/325.html")
    assert _matched(page) == {}
    assert "wage-row" not in page


def test_an_industry_shared_by_thousands_shows_a_bounded_list_and_no_mixed_chart(
        slices_served, monkeypatch) -> None:
    """Regression: "All industries" (the industry of every cross-industry figure: 35,758
    observations on the full graph) made a 16 MB page in 21 s, whose wage chart drew one row
    per period from the figures of every occupation at once."""
    from kg.serve import entities

    iri = slices_served.base + "industry/all-industries"
    total = len(slices_served.app.index.observation_subjects(iri))
    occupations = {o.occupation for o in slices_served.app.index.observations(iri)}
    assert len(occupations) > 1  # the slices' occupations and the curated one
    monkeypatch.setattr(entities, "PAGE_OBSERVATIONS", 5)
    page = _page(slices_served, "/id/industry/all-industries.html")
    assert "wage-row" not in page
    assert f"The first\n5 of {total:,} observations" in page
    assert page.count('<td class="num">') == 5


def test_a_top_coded_percentile_is_said_to_be_at_least_its_bound(slices_served) -> None:
    """OEWS writes "#" for a wage of $239,200 or more; the wage notes said the source "does
    not give" such a percentile. (Slice row 11-0000, Management Occupations: p90 top-coded.)"""
    row = _oews("11-0000")
    coded = [name for name, column in (("median", "A_MEDIAN"), ("75th percentile", "A_PCT75"),
                                       ("90th percentile", "A_PCT90")) if row[column] == "#"]
    assert coded, "the slice lost its top-coded row"
    page = _page(slices_served, "/id/soc2018/11-0000.html")
    notes = re.search(r'<ul class="chart-notes">(.*?)</ul>', page, re.S)[1]
    assert "or more (BLS" in notes
    # Regression (session 29's audit): a top-coded p90 left the p10 with no whisker; the
    # whisker now runs dashed past the highest figure given
    assert 'class="whisker whisker-open"' in page and 'class="whisker"' in page
    for name in coded:
        assert f"the {name} only as" in notes, name
        assert f"do not give the {name}" not in notes, name


def test_the_chart_marks_a_matchs_row_with_its_code(slices_served) -> None:
    """Regression: the SOC page marked the curated occupation's rows "exact Industrial produc…",
    clipped at the chart's edge; the curated occupation states its SOC code (okg:socCode)."""
    page = _page(slices_served, "/id/soc2018/11-3051.html")
    assert re.findall(r'class="row-note"[^>]*>([^<]*)<', page).count("exact 11-3051") == 2


@pytest.fixture(scope="module")
def served_broad_only(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """The slices with BLS publishing 11-3051's figures only for its broad group 11-3050, as
    it does for 13-1021 within 13-1020 (the slice's 11-3051 row, its code changed)."""
    work = tmp_path_factory.mktemp("broad-only")
    # "detailed", as OEWS lists a group it publishes no detailed code of (13-1020 comes as
    # broad and as detailed): a broad row alone is a file cut short (session 36)
    data = slices_with_oews_row_changed(work, "11-3051",
                                        {"OCC_CODE": "11-3050", "O_GROUP": "detailed"})
    out = seed_with_slices(dist, work / "dist", data)
    with running_server(out, workers=1) as srv:
        yield srv


@pytest.mark.parametrize("path", ["/id/onet-soc2019/11-3051.00.html",
                                  "/id/occupation/industrial-production-managers.html",
                                  "/id/onet-soc2019/11-3051.01.html"])
def test_a_match_without_figures_lends_its_broader_groups(served_broad_only, path: str) -> None:
    """O*NET-SOC 13-1021.00's exact match SOC 13-1021 has no BLS figures (BLS publishes
    13-1020), so its page showed no wages at all; the broader group's are shown, marked.
    Regression (session 29's audit): a specialty's broader match without figures (SOC 29-2011
    of 29-2011.01; here 11-3051 of 11-3051.01) lent nothing, so six specialties had no wages
    while their sibling charts the group's."""
    row = _oews("11-3051")
    page = _page(served_broad_only, path)
    # said as the data say it: the group (skos:broader) of the exact or close match, which
    # has no figures; it was called "a broader match" (skos:broadMatch), which no triple says
    assert _matched(page)["/id/soc2018/11-3050"] == (
        "Of Industrial Production Managers (11-3050), the group of Industrial Production "
        "Managers (11-3051)")
    assert "group 11-3050" in page
    assert f"median ${int(row['A_MEDIAN']):,}" in page


def test_what_links_to_a_dataset_is_listed_a_bounded_number_at_a_time(slices_served,
                                                                       monkeypatch) -> None:
    """Regression: the BLS OEWS dataset's page listed all 20,385 observations of the full graph
    under "Related" (8.5 MB, 9.7 s); O*NET's importance scale its ratings (12.8 MB)."""
    import pyoxigraph as ox

    from kg.serve import entities

    dataset = slices_served.base + "dataset/bls-oews-national-2024-05"
    observations = {q.subject.value for q in slices_served.app.index.store.quads_for_pattern(
        None, ox.NamedNode("http://purl.org/linked-data/cube#dataSet"), ox.NamedNode(dataset),
        None)}
    assert len(observations) > 3
    monkeypatch.setattr(entities, "INBOUND_SHOWN", 3)
    page = _page(slices_served, "/id/dataset/bls-oews-national-2024-05.html")
    assert f"The first 3 of\n{len(observations):,}, by IRI" in page
    related = page.split('id="related"', 1)[1]
    shown = re.findall(r'href="/id/(observation/[^"]+)"', related)
    assert sorted(set(shown)) == sorted(o.removeprefix(slices_served.base)
                                        for o in observations)[:3]
    # Regression (session 25 audit): the note sent readers to /queries, so O*NET-SOC's 1,016
    # occupations could be browsed only to the 300th; its link now lists them all.
    every = re.search(r'<a href="(/sparql\?query=[^"]+)">list all', related)
    assert every is not None
    listing = http(slices_served.url + html.unescape(every[1]),
                   "application/sparql-results+json")
    assert listing.status == 200
    rows = json.loads(listing.text)["results"]["bindings"]
    assert sorted(r["entity"]["value"] for r in rows) == sorted(observations)


def test_a_served_title_only_occupation_names_its_profiled_kin(slices_served) -> None:
    """The page `kg serve` sends for an O*NET-SOC occupation that the slice's O*NET files
    describe by title alone (11-3051.03: in the taxonomy only) says so and links the ones under
    its SOC code that O*NET profiles; a profiled one's page has no such note. The section's
    reader is tested against the slice files in test_onet_page_sections.py."""
    page = _page(slices_served, "/id/onet-soc2019/11-3051.03.html")
    section = page[page.index('class="onet-title-only"'):]
    section = section[:section.index("</section>")]
    assert "describes this occupation by its titles alone" in section
    assert 'href="/id/onet-soc2019/11-3051.00"' in section
    assert "onet-title-only" not in _page(slices_served, "/id/onet-soc2019/11-3051.00.html")


def test_a_scheme_page_lists_all_its_members(slices_served, monkeypatch) -> None:
    """Regression (session 27's audit): the O*NET-SOC 2019 scheme's page listed the first 300
    of its 1,016 occupations by IRI (11-1011.00 to 25-1021.00), shown A-Z, so it looked
    complete; a scheme's members are now listed in full (up to SCHEME_MEMBERS_SHOWN). Here the
    property limit is set below the number of the slices' O*NET-SOC codes (the taxonomy's and
    the database's, O*NET 29.3, CC BY 4.0)."""
    from kg.serve import entities

    titles: dict[str, str] = {}
    for folder, name, column, title in (
            ("onet_soc_2019_taxonomy", "2019_Occupations.tsv", "O*NET-SOC 2019 Code",
             "O*NET-SOC 2019 Title"),
            ("onet_db_29_3", "Occupation Data.tsv", "O*NET-SOC Code", "Title")):
        with (DATA / folder / name).open(encoding="utf-8") as handle:
            titles |= {r[column]: r[title] for r in csv.DictReader(handle, delimiter="\t")}
    codes = set(titles)
    assert len(codes) > 3
    monkeypatch.setattr(entities, "INBOUND_SHOWN", 2)
    monkeypatch.setattr(slices_served.app, "cache", {})  # pages rendered before the patch
    page = _page(slices_served, "/id/scheme/onet-soc2019.html")
    related = page.split('id="related"', 1)[1]
    assert set(re.findall(r'href="/id/onet-soc2019/([^"]+)"', related)) == codes
    assert "The first" not in related
    monkeypatch.setattr(entities, "SCHEME_MEMBERS_SHOWN", 3)
    monkeypatch.setattr(slices_served.app, "cache", {})
    page = _page(slices_served, "/id/scheme/onet-soc2019.html")
    # the first three by name, not by IRI (session 32's audit: ESCO's occupations scheme
    # showed 2,500 of 3,626 chosen by IRI, sorted by name, with no "software developer")
    assert f"The first 3 of\n{len(codes):,}, by name" in page
    related = page.split('id="related"', 1)[1]
    first = sorted(codes, key=lambda code: (titles[code].lower(), code))[:3]
    assert re.findall(r'href="/id/onet-soc2019/([^"]+)"', related) == first


def test_a_served_occupation_page_has_its_education_section(slices_served) -> None:
    """The page `kg serve` sends for 11-3051.00 carries the "Education and training" section
    (its reader is tested against the slice files in test_onet_page_sections.py)."""
    page = _page(slices_served, "/id/onet-soc2019/11-3051.00.html")
    section = page[page.index('id="education"'):]
    assert "Required Level of Education" in section[:section.index("</section>")]


def test_a_served_skill_page_names_the_occupations_that_rate_it_highest(slices_served) -> None:
    """The page `kg serve` sends for the skill 2.a.1.e carries the section (its reader is
    tested against the slice files in test_onet_page_sections.py)."""
    page = _page(slices_served, "/id/onet-element/2.a.1.e.html")
    section = page[page.index('id="occupations"'):]
    assert 'href="/id/onet-soc2019/' in section[:section.index("</section>")]


@pytest.fixture(scope="module")
def served_hourly_only(dist: Path, tmp_path_factory: pytest.TempPathFactory):
    """The slices with BLS publishing 11-3051's wages hourly only, as it does for Actors
    (27-2011: every annual cell "*", HOURLY TRUE)."""
    work = tmp_path_factory.mktemp("hourly-only")
    annual = ("A_MEAN", "A_PCT10", "A_PCT25", "A_MEDIAN", "A_PCT75", "A_PCT90")
    data = slices_with_oews_row_changed(work, "11-3051", {**dict.fromkeys(annual, "*"),
                                                          "HOURLY": "TRUE"})
    out = seed_with_slices(dist, work / "dist", data)
    with running_server(out, workers=1) as srv:
        yield srv


def test_an_occupation_with_hourly_wages_only_gets_an_hourly_chart(served_hourly_only) -> None:
    """Regression (session 27's audit): BLS gives some occupations hourly wages only (Actors,
    27-2011 in OEWS May 2024); their pages had no wage chart at all. The page now charts the
    hourly percentiles, in dollars an hour (the slice's 11-3051 row, its annual cells "*")."""
    row = _oews("11-3051")
    page = _page(served_hourly_only, "/id/onet-soc2019/11-3051.00.html")
    section = page[page.index('id="wages"'):]
    section = section[:section.index("</section>")]
    assert "<h2>Hourly wages</h2>" in section and "hourly wages only" in section
    assert f"median ${Decimal(row['H_MEDIAN']):,.2f}" in section
    assert "k</text>" not in section and ">$10<" in section
    # the national median beside it is hourly first too (session 36's review)
    total = _oews("00-0000")
    assert (f"${Decimal(total['H_MEDIAN']):,.2f} an hour (${int(total['A_MEDIAN']):,} a year)"
            in section)



def test_a_classification_lists_each_code_with_its_notation(slices_served) -> None:
    """Regression (session 32's audit): SOC 2018's scheme page listed "Industrial Production
    Managers" twice (the broad group 11-3050 and the detailed 11-3051: one title), and a
    detailed code's "Broader concept" read as its own title. The codes and titles are the SOC
    structure slice's (BLS, public domain)."""
    with (DATA / "soc_2018_structure" / "SOC_Structure.tsv").open(encoding="utf-8") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))[1:]
    coded = {next(cell for cell in row[:4] if cell): row[5] for row in rows if any(row[:4])}
    page = _page(slices_served, "/id/scheme/soc2018.html")
    related = page.split('id="related"', 1)[1]
    for code, title in coded.items():
        assert f'href="/id/soc2018/{code}">{html.escape(title)} ({code})</a>' in related, code
    detailed = next(row[3] for row in rows if row[3])
    broad = next(row[2] for row in rows if row[2] and row[2][:6] == detailed[:6])
    page = _page(slices_served, f"/id/soc2018/{detailed}.html")
    assert f'href="/id/soc2018/{broad}">{html.escape(coded[broad])} ({broad})</a>' in page


def test_a_listed_code_is_shown_even_when_its_label_holds_the_digits(slices_served) -> None:
    """Regression (session 32's second audit): O*NET's related-work-experience category 3,
    "Over 1 month, up to and including 3 months", was listed without its code (a label that
    held the code's digits anywhere was taken to name it), while its siblings showed theirs.
    The categories are the O*NET slice's (O*NET 29.3, CC BY 4.0)."""
    with (DATA / "onet_db_29_3" / "Education, Training, and Experience Categories.tsv").open(
            encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle, delimiter="\t") if r["Scale ID"] == "RW"]
    assert any(r["Category"] in r["Category Description"] for r in rows)
    page = _page(slices_served, "/id/onet-element/3.a.1.html")
    text = html.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page)))
    for row in rows:
        assert f"{row['Category Description']} ({row['Category']})" in text, row["Category"]
