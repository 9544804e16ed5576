"""Pages of the imports' reified records (O*NET ratings, task-to-DWA links, related occupations)
are titled in words, from the records' own parts, not by their IRI's slug. Regression: an
O*NET rating page was titled "11-3051.00-1.b.1.e-oi" (an attack on the pages, session 21).
The expected titles are read from the O*NET slice's rows (tests/data), not from the code."""

from __future__ import annotations

import calendar
import csv
import json
import re
from pathlib import Path
from urllib.parse import quote

import pytest

from tests.server_support import http, running_server

DATA = Path(__file__).parent / "data"
ONET = DATA / "onet_db_29_3"


def _rows(name: str) -> list[dict[str, str]]:
    with (ONET / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def _title(slices_served, path: str) -> str:
    page = http(slices_served.url + path)
    assert page.status == 200, path
    found = re.search(r"<h1[^>]*>(.*?)</h1>", page.text, re.S)
    assert found is not None
    return re.sub(r"\s+", " ", found[1]).strip().replace("&amp;", "&")


def test_a_rating_is_titled_by_occupation_element_and_scale(slices_served) -> None:
    row = next(r for r in _rows("Interests.tsv")
               if r["O*NET-SOC Code"] == "11-3051.00" and r["Scale ID"] == "OI")
    slug = f"{row['O*NET-SOC Code']}-{row['Element ID']}-{row['Scale ID']}".lower()
    assert _title(slices_served, f"/id/onet-rating/{slug}.html") == (
        f"{row['Title']} — {row['Element Name']} ({row['Element ID']}), {row['Scale Name']}")
    page = http(slices_served.url + f"/id/onet-rating/{slug}.html").text
    year, month = row["Date"].split("/")[1], int(row["Date"].split("/")[0])
    assert f"{calendar.month_name[month]} {year}" in page  # the Date in words


def test_a_task_activity_link_is_titled_with_the_task_id(slices_served) -> None:
    """O*NET repeats a task statement under other task IDs (23 and 21272: "Acquire, distribute
    and store supplies."), so on the full graph's /kind/TaskActivity 318 links read the same."""
    row = _rows("Tasks to DWAs.tsv")[0]
    slug = f"{row['Task ID']}-{row['DWA ID']}".lower()
    assert _title(slices_served, f"/id/onet-task-dwa/{slug}.html") == (
        f"{row['Task']} ({row['Task ID']}) — {row['DWA Title']}")


def test_a_related_occupation_record_is_titled_from_to_and_index(slices_served) -> None:
    row = _rows("Related Occupations.tsv")[0]
    slug = f"{row['O*NET-SOC Code']}-{row['Related O*NET-SOC Code']}"
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in _rows("Occupation Data.tsv")}
    assert _title(slices_served, f"/id/onet-relatedness/{slug}.html") == (
        f"{titles[row['O*NET-SOC Code']]} → {titles[row['Related O*NET-SOC Code']]}, "
        f"related occupation no. {row['Index']}")


def test_a_career_transition_is_titled_from_to_and_rank(
        dist: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """Regression: a transition's page was headed by its slug ("29-1022.00-to-29-1021.00") and
    gave the target's employment change as a bare "4.1". The seed build with the slices and
    the transitions scored on them."""
    import pyoxigraph as ox

    from kg.prefixes import DEFAULT_BASE
    from kg.sources.importers import IMPORTERS, write
    from kg.transitions.stage import add_transitions
    from tests.server_support import seed_with_slices

    out = seed_with_slices(dist, tmp_path_factory.mktemp("transitions-dist"))
    store = ox.Store()
    store.bulk_load(path=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    projections = IMPORTERS["bls-projections"]  # the outlook figures (not a reference slice)
    write(projections, DATA / projections.info.folder, out / "ep.nt", progress=False)
    store.bulk_load(path=str(out / "ep.nt"), format=ox.RdfFormat.N_TRIPLES,
                    to_graph=ox.NamedNode(projections.graph_iri(DEFAULT_BASE)))
    assert add_transitions(store, DEFAULT_BASE) > 0
    store.dump(output=str(out / "kg.trig"), format=ox.RdfFormat.TRIG)
    first = next(store.quads_for_pattern(
        ox.NamedNode(DEFAULT_BASE + "transition/11-3051.00-to-11-3051.01"), None, None, None))
    node = first.subject.value
    rank = next(store.quads_for_pattern(first.subject, ox.NamedNode(
        "https://w3id.org/occupation-kg/ontology#transitionRank"), None, None)).object.value
    growth = next(store.quads_for_pattern(first.subject, ox.NamedNode(
        "https://w3id.org/occupation-kg/ontology#targetEmploymentChange"), None, None),
        None)
    titles = {r["O*NET-SOC Code"]: r["Title"] for r in _rows("Occupation Data.tsv")}
    with running_server(out, workers=1) as served:
        path = "/id/" + node[len(DEFAULT_BASE):] + ".html"
        assert _title(served, path) == (f"{titles['11-3051.00']} → {titles['11-3051.01']}, "
                                        f"career transition no. {rank}")
        assert growth is not None  # the EP slice has 11-3051
        assert f"{growth.object.value}%" in http(served.url + path).text


def test_an_observation_is_titled_with_its_occupation(slices_served) -> None:
    """Regression: the full graph's /kind/Observation listed "Median annual wage, May 2024:
    $102,010" for hundreds of occupations; the occupation now comes first."""
    path = Path(__file__).parent / "data" / "bls_oews_may2024_national" / "national_M2024_dl.tsv"
    with path.open(encoding="utf-8", newline="") as handle:
        row = next(r for r in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
                   if r["OCC_CODE"] == "11-3051")
    title = _title(slices_served,
                   "/id/observation/bls-oews-2024-05-11-3051-annual-wage-median.html")
    # with the code: BLS's broad group 11-1010 and its detailed 11-1011 are both "Chief
    # Executives", and the full graph's list showed 3,877 pairs of identical titles
    assert title == (f"{row['OCC_TITLE']} ({row['OCC_CODE']}) — Median annual wage, May 2024: "
                     f"${int(row['A_MEDIAN']):,}")


def _kind_entries(slices_served, kind: str) -> dict[str, str]:
    """href -> text of every entry of a kind's list, over all its pages."""
    found: dict[str, str] = {}
    number = 1
    while True:
        reply = http(slices_served.url + f"/kind/{kind}?page={number}")
        if reply.status == 404:
            return found
        assert reply.status == 200
        found.update(re.findall(r'<li><a href="([^"]+)">([^<]*)</a>', reply.text))
        if 'rel="next"' not in reply.text:
            return found
        number += 1


@pytest.mark.parametrize("page_size", [1000, 40])
def test_entities_that_share_a_label_in_a_list_are_told_apart(slices_served, page_size: int,
                                                              monkeypatch) -> None:
    """SOC 2018's broad group and its detailed occupation share a title (the slice's own rows);
    a kind's list added nothing to tell them apart."""
    path = Path(__file__).parent / "data" / "soc_2018_structure"
    text = "\n".join(p.read_text(encoding="utf-8") for p in sorted(path.glob("*.tsv")))
    assert text.count("Industrial Production Managers") >= 2  # 11-3050 and 11-3051
    # Over the whole kind, not page by page (namesakes on two pages kept their bare label)
    from kg.serve import entities

    monkeypatch.setattr(entities, "KIND_PAGE", page_size)
    entries = _kind_entries(slices_served, "Concept")
    # each by the first note no namesake shares: the code where it is unique...
    assert entries["/id/soc2018/11-3050"] == "Industrial Production Managers (11-3050)"
    # ...else the scheme and code: SOC 2010 and 2018 share 11-3051, O*NET-SOC 2010 and 2019
    # share 11-3051.00
    assert entries["/id/soc2018/11-3051"] == (
        "Industrial Production Managers (2018 Standard Occupational Classification 11-3051)")
    for edition in ("2010", "2019"):
        assert entries[f"/id/onet-soc{edition}/11-3051.00"] == (
            f"Industrial Production Managers (O*NET-SOC {edition} taxonomy 11-3051.00)")
    # O*NET's answer categories ("Every day") by the question they answer, and the rest:
    # no two entries of the list read the same
    assert len(set(entries.values())) == len(entries)


def test_namesakes_in_two_schemes_are_told_apart_by_scheme(dist: Path, tmp_path: Path) -> None:
    """Regression: BLS Employment Projections' work-experience and training schemes both have
    a category "None", without codes; /kind/Concept told them apart by one of the hundreds of
    occupations that use them ("None (Construction Managers)"), as if it were theirs."""
    import shutil

    ids = "https://w3id.org/occupation-kg/id/"
    skos = "http://www.w3.org/2004/02/skos/core#"
    lines = []
    for scheme, title in (("experience", "Work experience"), ("training", "Training")):
        lines += [f"<{ids}scheme/{scheme}> <{skos}prefLabel> \"{title}\"@en .",
                  f"<{ids}{scheme}/none> a <{skos}Concept> .",
                  f"<{ids}{scheme}/none> <{skos}prefLabel> \"None\"@en .",
                  f"<{ids}{scheme}/none> <{skos}inScheme> <{ids}scheme/{scheme}> .",
                  f"<{ids}occupation/x> <{ids}{scheme}> <{ids}{scheme}/none> ."]
    # O*NET's answer categories "None" (code 1) of two questions, in one scheme: the scheme
    # and the code do not tell them apart, the question (skos:broader) does
    for question, title in (("3.a.1", "Related Work Experience"), ("3.a.2", "Training")):
        lines += [f"<{ids}onet-element/{question}> <{skos}prefLabel> \"{title} (Q)\"@en .",
                  f"<{ids}onet-category/{question}-1> a <{skos}Concept> .",
                  f"<{ids}onet-category/{question}-1> <{skos}prefLabel> \"None\"@en .",
                  f"<{ids}onet-category/{question}-1> <{skos}notation> \"1\" .",
                  f"<{ids}onet-category/{question}-1> <{skos}inScheme> <{ids}scheme/cat> .",
                  f"<{ids}onet-category/{question}-1> <{skos}broader> "
                  f"<{ids}onet-element/{question}> ."]
    graph = f"<{ids}graph/test> {{\n" + "\n".join(lines) + "\n}\n"
    (tmp_path / "kg.trig").write_text(graph, encoding="utf-8")
    shutil.copy(dist / "void.ttl", tmp_path / "void.ttl")
    with running_server(tmp_path, workers=1) as srv:
        entries = _kind_entries(srv, "Concept")
    assert entries["/id/experience/none"] == "None (Work experience)"
    assert entries["/id/training/none"] == "None (Training)"
    assert entries["/id/onet-category/3.a.1-1"] == "None (Related Work Experience (Q))"
    assert entries["/id/onet-category/3.a.2-1"] == "None (Training (Q))"



def test_a_mapping_record_is_titled_by_its_pair(slices_served) -> None:
    """Regression: SSSOM mapping records' pages (2,937 curated ones and Nesta's 1,680 on the
    full graph) were headed by their slug ("occupations-d85e1def6ae953b7"), and so were the
    links to them, e.g. under "Mapping records to it" on ISCO 1321's page. Expected: the pair
    and the relation, with the labels the crosswalk's row gives (tests/data's slice of it)."""
    path = DATA / "crosswalk_esco_onet_nesta_2020" / "esco_onet_crosswalk_Nov2020.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        row = next(csv.DictReader(handle))
    query = ("SELECT ?m WHERE { ?m <http://www.w3.org/2002/07/owl#annotatedSource> "
             f"<{row['concept_uri']}> ; <http://www.w3.org/2002/07/owl#annotatedProperty> "
             "<http://www.w3.org/2004/02/skos/core#closeMatch> }")
    answer = http(slices_served.url + "/sparql?query=" + quote(query),
                  accept="application/sparql-results+json")
    bindings = json.loads(answer.text)["results"]["bindings"]
    assert len(bindings) == 1, answer.text[:300]
    record = bindings[0]["m"]["value"]
    # each end's label in the graph: ESCO's, and the O*NET-SOC 2010 title from O*NET's
    # taxonomy crosswalk (Nesta's row writes it lower-case, as the record keeps it)
    with (DATA / "onet_soc_2019_taxonomy" / "2010_to_2019_Crosswalk.tsv").open(
            encoding="utf-8", newline="") as handle:
        titles = {r["O*NET-SOC 2010 Code"]: r["O*NET-SOC 2010 Title"]
                  for r in csv.DictReader(handle, delimiter="\t")}
    expected = f"{row['esco_occupation']} — close match — {titles[row['onet_code']]}"
    assert _title(slices_served, record.removeprefix(slices_served.url) + ".html") == expected
    # the link to it from the ESCO occupation's page reads the same
    page = http(slices_served.url + "/resource.html?iri=" + quote(row["concept_uri"], safe=""))
    assert page.status == 200
    assert f">{expected}</a>" in page.text
