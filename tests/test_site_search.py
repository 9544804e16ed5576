"""The search box (/search, kg/serve/site_search.py) on the seed build with the reference slices
of tests/data: every entity with a label is found, occupations first, checked against the slice
files (O*NET 29.3 and its taxonomy, CC BY 4.0; SOC 2018, public domain).

Regression (session 27's audit): the pages had no search at all, and the one search there was,
the label-search stored query, covers only entities with an okg class, so no O*NET, SOC or ESCO
occupation could be found by name."""

from __future__ import annotations

import csv
import re
import urllib.parse
from html import unescape
from pathlib import Path
from urllib.parse import urlencode

from kg.serve.site_search import SiteSearch
from tests.server_support import Running, http

DATA = Path(__file__).parent / "data"


def _tsv(folder: str, name: str, delimiter: str = "\t") -> list[dict[str, str]]:
    with (DATA / folder / name).open(newline="", encoding="utf-8") as handle:
        if delimiter != "\t":  # ESCO's CSV files quote their fields
            return list(csv.DictReader(handle, delimiter=delimiter))
        return list(csv.DictReader(handle, delimiter=delimiter, quoting=csv.QUOTE_NONE))


def _search(server: Running, **params: str) -> tuple[int, str]:
    reply = http(server.url + "/search?" + urlencode(params), "text/html")
    return reply.status, reply.text


def _hits(page: str) -> list[tuple[str, str, str]]:
    """(link, name, code) of each result row, in order."""
    body = page.split('<table class="search-results">', 1)[-1].split("</table>", 1)[0]
    return [(href, unescape(name), unescape(code)) for href, name, code in re.findall(
        r'<tr><td><a href="([^"]+)">([^<]*)</a>.*?<td class="code">([^<]*)</td>', body)]


def _groups(page: str) -> dict[str, int]:
    nav = page.split('<nav class="search-groups">', 1)[-1].split("</nav>", 1)[0]
    return {unescape(name): int(count.replace(",", ""))
            for name, count in re.findall(r">?([^<>·]+?) \(([\d,]+)\)", nav)}


def test_an_onet_occupation_is_found_by_its_title(slices_served: Running) -> None:
    code, title = next((r["O*NET-SOC 2019 Code"], r["O*NET-SOC 2019 Title"])
                       for r in _tsv("onet_soc_2019_taxonomy", "2019_Occupations.tsv")
                       if r["O*NET-SOC 2019 Code"] == "11-3051.00")
    status, page = _search(slices_served, q=title.lower())
    assert status == 200
    hits = _hits(page)
    # the whole label first, and of those the O*NET-SOC occupation before the SOC code
    # the whole label first (the curated occupation's is the same, in its own case), and of
    # those the O*NET-SOC occupation before the SOC code
    # (or its singular: ESCO's "industrial production manager")
    whole = [h for h in hits if h[1].lower() in (title.lower(), title.lower()[:-1])]
    assert hits[:len(whole)] == whole
    coded = [h for h in whole if h[2]]
    assert coded[0] == (f"/id/onet-soc2019/{code}", title, code)
    assert (f"/id/soc2018/{code[:7]}", title, code[:7]) in coded


def test_a_plural_finds_the_singular_titles_too(slices_served: Running) -> None:
    """Regression (session 34's audit): "welders" found 40 entities and no ESCO occupation,
    "welder" 74 with ESCO's "welder"; a plural was matched as typed, and ESCO's titles are
    singular. Here O*NET's plural title finds ESCO's singular one (tests/data's ESCO slice)."""
    title = next(r["O*NET-SOC 2019 Title"]
                 for r in _tsv("onet_soc_2019_taxonomy", "2019_Occupations.tsv")
                 if r["O*NET-SOC 2019 Code"] == "11-3051.00")
    esco = next(r["preferredLabel"] for r in _tsv("esco_v1_1_1_en", "occupations_en.csv", ",")
                if r["preferredLabel"].lower() == title.lower()[:-1])
    plural = {h[1] for h in _hits(_search(slices_served, q=title.lower())[1])}
    singular = {h[1] for h in _hits(_search(slices_served, q=esco)[1])}
    assert esco in plural and plural == singular


def test_an_alternative_title_finds_every_occupation_that_holds_it(
        slices_served: Running) -> None:
    rows = _tsv("onet_db_29_3", "Alternate Titles.tsv")
    title = next(r["Alternate Title"] for r in rows if r["O*NET-SOC Code"] == "11-3051.00")
    holders = {r["O*NET-SOC Code"] for r in rows if r["Alternate Title"].lower() == title.lower()}
    _, page = _search(slices_served, q=title)
    exact = [h for h in _hits(page) if f"(also “{title}”)" in page or h[1] == title]
    found = {h[2] for h in _hits(page)[:len(holders)]}
    assert exact and found == holders


def test_equal_matches_list_the_occupation_more_people_hold_first(
        slices_served: Running) -> None:
    """Regression (session 27's audit): "doctor", an alternative title of twelve O*NET-SOC
    occupations, listed them by code, Therapists, All Other first. Now by employment: the
    largest of OEWS's and the Employment Projections' figures for the SOC code they match."""
    rows = _tsv("onet_db_29_3", "Alternate Titles.tsv")
    holders: dict[str, set[str]] = {}
    for r in rows:
        holders.setdefault(r["Alternate Title"].lower(), set()).add(r["O*NET-SOC Code"])
    jobs = {r["OCC_CODE"]: float(r["TOT_EMP"])
            for r in _tsv("bls_oews_may2024_national", "national_M2024_dl.tsv")}
    for r in _tsv("bls_employment_projections_2024_34",
                  "table_1.2_occupational_projections_2024-34.tsv"):
        code = r["2024 National Employment Matrix code"]
        jobs[code] = max(jobs.get(code, 0.0), 1000 * float(r["Employment, 2024"]))
    # a title held by two occupations of which only one has figures in the slices, the
    # one with figures the later code (by code the other came first)
    title, codes = next((t, sorted(c)) for t, c in sorted(holders.items()) if len(c) == 2
                        and all(code.endswith(".00") for code in c)
                        and jobs.get(max(c)[:7], 0) > jobs.get(min(c)[:7], 0))
    _, page = _search(slices_served, q=title)
    found = [h[2] for h in _hits(page) if h[2] in codes]
    assert found == sorted(codes, key=lambda c: -jobs.get(c[:7], 0.0)) == codes[::-1]


def test_the_groups_count_what_matches_and_narrow_the_list(slices_served: Running) -> None:
    word = "manager"
    titled = {r["O*NET-SOC 2019 Code"]
              for r in _tsv("onet_soc_2019_taxonomy", "2019_Occupations.tsv")
              if word in r["O*NET-SOC 2019 Title"].lower()}
    assert len(titled) > 2
    _, page = _search(slices_served, q=word)
    groups = _groups(page)
    onet = groups["O*NET-SOC 2019 taxonomy"]
    assert onet >= len(titled)
    link = unescape(re.search(r'<a href="([^"]+)">O\*NET-SOC 2019 taxonomy \(', page)[1])
    only = http(slices_served.url + link, "text/html").text
    hits = _hits(only)
    assert len(hits) == min(onet, 50) and all(h[0].startswith("/id/onet-soc2019/") for h in hits)
    assert titled <= {h[2] for h in hits}
    assert f"{onet} entities in this group" in only


def test_too_short_a_text_is_refused_and_the_box_is_on_every_page(
        slices_served: Running) -> None:
    status, page = _search(slices_served, q="a")
    assert status == 400 and "at least 2 characters" in page
    status, page = _search(slices_served, q="")
    assert status == 200 and "search-results" not in page
    for path in ("/", "/queries", "/id/onet-soc2019/11-3051.00.html"):
        assert '<form class="site-search" action="/search"' in http(
            slices_served.url + path, "text/html").text
    _, page = _search(slices_served, q="zzqxj")
    assert "No label holds “zzqxj”" in page


def test_a_published_capitalised_id_leads_to_its_entity(slices_served: Running) -> None:
    """Regression (session 27's audit): O*NET writes content-model IDs in capitals (2.A.1.a in
    Content Model Reference.tsv), the pages and reconcile show them so, but /id/onet-element/
    2.A.1.a was a 404: the IRIs are lower-case. It now redirects (301) to the entity."""
    import urllib.error
    import urllib.request

    element = next(r["Element ID"] for r in _tsv("onet_db_29_3", "Content Model Reference.tsv")
                   if r["Element ID"].startswith("2.A."))
    assert element != element.lower()

    class Stay(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args: object, **kwargs: object) -> None:
            return None

    opener = urllib.request.build_opener(Stay)
    for suffix in ("", ".html"):
        try:
            opener.open(f"{slices_served.url}/id/onet-element/{element}{suffix}")
            raise AssertionError("no redirect")
        except urllib.error.HTTPError as reply:
            assert reply.code == 301
            assert reply.headers["Location"] == f"/id/onet-element/{element.lower()}{suffix}"
    assert http(f"{slices_served.url}/id/onet-element/{element.lower()}.html").status == 200
    assert http(f"{slices_served.url}/id/onet-element/9.Z.NOPE.html").status == 404
    # an unknown suffix is no document of the entity (the second audit: 301, then 404)
    try:
        opener.open(f"{slices_served.url}/id/onet-element/{element}.PDF")
    except urllib.error.HTTPError as reply:
        assert reply.code == 404


def test_the_second_audits_findings(slices_served: Running) -> None:
    """Regressions (session 27's second audit), on the slices' own labels (ESCO v1.1.1, CC BY
    4.0; O*NET 29.3): a label with a double space was not found by its own words; an ISCO-08
    group was filed under ESCO's occupations scheme; a plural title was only "part of a word"
    ("registered nurse"); a code found nothing; the entities of no group were shown as the
    chosen group; an unknown group said no label holds the text."""
    with (DATA / "esco_v1_1_1_en" / "skills_en.csv").open(encoding="utf-8") as handle:
        spaced = next((r["conceptUri"], label) for r in csv.DictReader(handle)
                      for label in r["altLabels"].split("\n") if "  " in label)
    _, page = _search(slices_served, q=" ".join(spaced[1].split()))
    # the skill's page here (/resource, session 31), not ESCO's portal
    assert _hits(page)[0][0] == "/resource?iri=" + urllib.parse.quote(spaced[0], safe="")
    with (DATA / "esco_v1_1_1_en" / "ISCOGroups_en.csv").open(encoding="utf-8") as handle:
        group = next(r for r in csv.DictReader(handle) if len(r["code"]) == 4)
    _, page = _search(slices_served, q=group["preferredLabel"])
    assert ("/resource?iri=" + urllib.parse.quote(group["conceptUri"], safe=""),
            group["preferredLabel"], group["code"]) in _hits(page)
    assert "ISCO" in page.split('<nav class="search-groups">', 1)[1].split("</nav>", 1)[0]
    title = next(r["O*NET-SOC 2019 Title"]
                 for r in _tsv("onet_soc_2019_taxonomy", "2019_Occupations.tsv")
                 if r["O*NET-SOC 2019 Code"] == "11-3051.00")
    assert title.endswith("s")
    _, page = _search(slices_served, q=title[:-1])  # "Industrial Production Manager"
    assert _hits(page)[0][1].lower() == title.lower()
    _, page = _search(slices_served, q="11-3051.01")
    assert _hits(page)[0][2] == "11-3051.01"
    _, page = _search(slices_served, q="manager", **{"in": "no-such-group"})
    assert "Nothing in that group" in page and "No label holds" not in page
    _, page = _search(slices_served, q="manager")
    assert "<strong>" not in page.split('<nav class="search-groups">', 1)[1].split("</nav>")[0]


def test_results_are_paged(slices_served: Running, monkeypatch) -> None:  # noqa: ANN001
    """Regression (session 27's second audit): only the first 50 hits could be seen."""
    from kg.serve import site_search

    monkeypatch.setattr(site_search, "SHOWN", 2)
    _, first = _search(slices_served, q="manager")
    total = int(re.search(r"<p>([\d,]+) entities", first)[1].replace(",", ""))
    assert total > 4 and "Page 1 of" in first
    seen = []
    for number in range(1, -(-total // 2) + 1):
        _, page = _search(slices_served, q="manager", page=str(number))
        seen += [h[0] for h in _hits(page)]
    assert len(seen) == len(set(seen)) == total
    assert _search(slices_served, q="manager", page="0")[0] == 400


def _search_over(lines: list[str]) -> SiteSearch:
    """The site search over N-Triples `lines` (one named graph; the default graph their union,
    as a build's store has it)."""
    from kg.query.union_graph import materialise_union
    from kg.serve.entities import EntityIndex
    from kg.serve.store import BaseMap, MappedStore
    from tests.triples import store_of

    base = "https://w3id.org/occupation-kg/id/"
    store = store_of(lines, graph=base + "graph/test")
    materialise_union(store)
    mapping = BaseMap(base, base)
    return SiteSearch(EntityIndex(MappedStore(store, mapping), mapping), base)


def test_a_label_an_entity_is_named_comes_before_one_it_is_also_called() -> None:
    """Regression (session 28's skills audit): "python" listed the ESCO skill "Python
    (computer programming)", which has "Python" as an alternative label, before the O*NET
    technology named Python (ESCO skills rank before technologies)."""
    from kg.serve.site_search import ESCO_SKILLS

    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    skill = "http://data.europa.eu/esco/skill/python"
    lines = [
        f"<{base}technology/python> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/occupation-kg/ontology#Technology> .",
        f'<{base}technology/python> <{skos}prefLabel> "Python"@en .',
        f"<{skill}> <{skos}inScheme> <{ESCO_SKILLS}> .",
        f'<{skill}> <{skos}prefLabel> "Python (computer programming)"@en .',
        f'<{skill}> <{skos}altLabel> "Python"@en .',
    ]
    search = _search_over(lines)
    assert [hit.iri for hit in search.search("python").hits] == [base + "technology/python",
                                                                 skill]


def test_an_occupation_called_so_comes_before_other_kinds_named_so() -> None:
    """Regression (session 28's second audit): putting entities named as the text before those
    also called so, ahead of the kind, made "chef" list ESCO's chef, ISCO's Chefs and the
    Technology "Chef" before O*NET's Chefs and Head Cooks (alternative title "Chef"): 19 of
    56 job words started with something other than the O*NET occupation."""
    from kg.serve.site_search import ESCO_OCCUPATIONS

    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    onet, esco = base + "onet-soc2019/35-1011.00", "http://data.europa.eu/esco/occupation/chef"
    lines = [
        f"<{onet}> <{skos}inScheme> <{base}scheme/onet-soc2019> .",
        f'<{onet}> <{skos}prefLabel> "Chefs and Head Cooks"@en .',
        f'<{onet}> <{skos}altLabel> "Chef"@en .',
        f"<{esco}> <{skos}inScheme> <{ESCO_OCCUPATIONS}> .",
        f'<{esco}> <{skos}prefLabel> "chef"@en .',
        f"<{base}technology/chef> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/occupation-kg/ontology#Technology> .",
        f'<{base}technology/chef> <{skos}prefLabel> "Chef"@en .',
    ]
    search = _search_over(lines)
    assert [hit.iri for hit in search.search("chef").hits] == [onet, esco,
                                                               base + "technology/chef"]


def test_a_preferred_title_holding_the_words_and_the_kind_come_first() -> None:
    """Regression (session 29's audit): "nurses" listed Nursing Assistants (also "Nurses'
    Aide") before Registered Nurses, since an alternative label's first words counted before
    the preferred label's other words; and "police officer" listed ESCO's police officer and
    SOC's Police Officers (33-3050) before O*NET's Police and Sheriff's Patrol Officers (also
    "Police Officer"), since the preferred label's words counted before the kind."""
    from kg.serve.site_search import ESCO_OCCUPATIONS

    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    onet = base + "onet-soc2019/"
    esco = "http://data.europa.eu/esco/occupation/police-officer"
    lines = []
    for iri, scheme, pref, alt in (
            (onet + "29-1141.00", base + "scheme/onet-soc2019", "Registered Nurses", ""),
            (onet + "31-1131.00", base + "scheme/onet-soc2019", "Nursing Assistants",
             "Nurses' Aide"),
            (onet + "33-3051.00", base + "scheme/onet-soc2019",
             "Police and Sheriff's Patrol Officers", "Police Officer"),
            (esco, ESCO_OCCUPATIONS, "police officer", ""),
            (base + "soc2018/33-3050", base + "scheme/soc2018", "Police Officers", "")):
        lines += [f"<{iri}> <{skos}inScheme> <{scheme}> .",
                  f'<{iri}> <{skos}prefLabel> "{pref}"@en .']
        if alt:
            lines.append(f'<{iri}> <{skos}altLabel> "{alt}"@en .')
    search = _search_over(lines)
    assert [hit.iri for hit in search.search("nurses").hits] == [onet + "29-1141.00",
                                                                 onet + "31-1131.00"]
    assert [hit.iri for hit in search.search("police officer").hits] == [
        onet + "33-3051.00", esco, base + "soc2018/33-3050"]


def test_an_occupation_called_so_comes_before_another_kind_named_with_those_words() -> None:
    """Regression (the second audit of session 29): with the preferred label's words ranked
    before the kind, "it support" listed the technology "SAIC government services and IT
    support software" before Computer User Support Specialists (also "IT Support Tech")."""

    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    onet, tech = base + "onet-soc2019/15-1232.00", base + "technology/saic"
    lines = [
        f"<{onet}> <{skos}inScheme> <{base}scheme/onet-soc2019> .",
        f'<{onet}> <{skos}prefLabel> "Computer User Support Specialists"@en .',
        f'<{onet}> <{skos}altLabel> "IT Support Tech"@en .',
        f"<{tech}> <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
        "<https://w3id.org/occupation-kg/ontology#Technology> .",
        f'<{tech}> <{skos}prefLabel> "SAIC government services and IT support software"@en .',
    ]
    search = _search_over(lines)
    assert [hit.iri for hit in search.search("it support").hits] == [onet, tech]


def test_the_singular_counts_only_as_whole_words() -> None:
    """Regression (session 34's review): the singular of "lens" is "len", and "lens" found what
    "len" finds (653 entities on the full graph, "calendar" and "talent" among them). Two of
    O*NET 29.3's alternate titles: Lens Grinder (51-9083.00), Calendar Clerk (43-4031.00)."""
    base = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    lines = [f'<{base}onet-soc2019/{code}> <{skos}prefLabel> "{title}"@en .'
             for code, title in (("51-9083.00", "Lens Grinder"),
                                  ("43-4031.00", "Calendar Clerk"))]
    search = _search_over(lines)
    assert [h.label for h in search.search("lens").hits] == ["Lens Grinder"]
    assert {h.label for h in search.search("len").hits} == {"Calendar Clerk", "Lens Grinder"}
