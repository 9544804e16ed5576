"""The O*NET tables added for issue 13 (reported titles, work styles, work values, interests and
their reference tables, tools and UNSPSC, categories, scale anchors, survey items, element links,
emerging tasks, occupation metadata, relatedness tier/index, "In Demand"), checked row by row
against the slices in tests/data/onet_db_29_3, plus the bad rows each new table refuses."""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.sources.importers import IMPORTERS, ImportFailed, write
from kg.sources.importers.base import decimal

DATA = Path(__file__).parent / "data" / "onet_db_29_3"
ID = "https://w3id.org/occupation-kg/id/"
OKG = "https://w3id.org/occupation-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"
RDF_TYPE = "http://www.w3.org/1999/02/22-rdf-syntax-ns#type"
CODE = "O*NET-SOC Code"

Index = dict[tuple[str, str], set[str]]


def rows(name: str, folder: Path = DATA) -> list[dict[str, str]]:
    with (folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def occ(code: str) -> str:
    return ID + f"onet-soc2019/{code}"


def element(element_id: str) -> str:
    return ID + f"onet-element/{element_id.lower()}"


def load(folder: Path, out: Path) -> Index:
    write(IMPORTERS["onet"], folder, out, progress=False)
    index: Index = {}
    for t in ox.parse(path=str(out), format=ox.RdfFormat.N_TRIPLES):
        index.setdefault((t.subject.value, t.predicate.value), set()).add(t.object.value)
    return index


@pytest.fixture(scope="module")
def graph(tmp_path_factory: pytest.TempPathFactory) -> Index:
    return load(DATA, tmp_path_factory.mktemp("onet") / "onet.nt")


def objects(graph: Index, s: str, p: str) -> set[str]:
    return set(graph.get((s, p), ()))  # a copy: callers pop from it


def subjects(graph: Index, p: str) -> set[str]:
    return {s for (s, q) in graph if q == p}


def test_every_new_table_has_rows_in_the_slice() -> None:
    """Guards the tests below against an empty slice (they would pass vacuously)."""
    for name in ("Sample of Reported Titles.tsv", "Work Styles.tsv", "Work Values.tsv",
                 "Interests.tsv", "Tools Used.tsv", "UNSPSC Reference.tsv", "Emerging Tasks.tsv",
                 "Occupation Level Metadata.tsv", "Interests Illustrative Occupations.tsv",
                 "Related Occupations.tsv", "Level Scale Anchors.tsv", "Task Categories.tsv"):
        assert rows(name), name
    assert {r["Shown in My Next Move"] for r in rows("Sample of Reported Titles.tsv")} == {"Y",
                                                                                          "N"}
    assert {r["In Demand"] for r in rows("Technology Skills.tsv")} == {"Y", "N"}


def test_reported_titles_and_the_my_next_move_flag(graph: Index) -> None:
    table = rows("Sample of Reported Titles.tsv")
    for code in {r[CODE] for r in table}:
        mine = [r for r in table if r[CODE] == code]
        assert objects(graph, occ(code), OKG + "reportedTitle") == {
            r["Reported Job Title"] for r in mine}
        assert objects(graph, occ(code), OKG + "myNextMoveTitle") == {
            r["Reported Job Title"] for r in mine if r["Shown in My Next Move"] == "Y"}


@pytest.mark.parametrize("name", ["Work Styles.tsv", "Work Values.tsv", "Interests.tsv"])
def test_rating_files_become_rating_nodes(graph: Index, name: str) -> None:
    for r in rows(name):
        node = ID + f"onet-rating/{r[CODE]}-{r['Element ID']}-{r['Scale ID']}".lower()
        assert objects(graph, node, RDF_TYPE) == {OKG + "Rating"}
        assert objects(graph, node, OKG + "ratedOccupation") == {occ(r[CODE])}
        assert objects(graph, node, OKG + "ratedElement") == {element(r["Element ID"])}
        assert objects(graph, node, OKG + "ratingScale") == {
            ID + f"onet-scale/{r['Scale ID'].lower()}"}
        assert objects(graph, node, OKG + "ratingValue") == {
            decimal(r["Data Value"], Path(name), 0, "Data Value").value}
        assert objects(graph, node, OKG + "domainSource") == {r["Domain Source"]}
        if r.get("N"):
            assert objects(graph, node, OKG + "sampleSize") == {r["N"]}


def test_riasec_profile_of_the_seed_occupation(graph: Index) -> None:
    """What engineer T's transitions read: six OI ratings, 1.B.1.a-f."""
    expected = {r["Element ID"]: r["Data Value"] for r in rows("Interests.tsv")
                if r[CODE] == "11-3051.00" and r["Scale ID"] == "OI"}
    assert sorted(expected) == [f"1.B.1.{c}" for c in "abcdef"]
    for element_id, value in expected.items():
        node = ID + f"onet-rating/11-3051.00-{element_id}-oi".lower()
        assert Decimal(objects(graph, node, OKG + "ratingValue").pop()) == Decimal(value)


def test_tools_are_filed_under_the_unspsc_hierarchy(graph: Index) -> None:
    table = rows("Tools Used.tsv")
    reference = {r["Commodity Code"]: r for r in rows("UNSPSC Reference.tsv")}
    tools = {t for code in {r[CODE] for r in table}
             for t in objects(graph, occ(code), OKG + "usesTool")}
    assert len(tools) == len({r["Example"] for r in table})
    for r in table:
        [tool] = [t for t in tools if objects(graph, t, SKOS + "prefLabel") == {r["Example"]}]
        assert tool in objects(graph, occ(r[CODE]), OKG + "usesTool")
        assert ID + f"unspsc/{r['Commodity Code']}" in objects(graph, tool, SKOS + "broader")
        ref = reference[r["Commodity Code"]]
        chain = [ref[f"{level} Code"] for level in ("Commodity", "Class", "Family", "Segment")]
        for narrower, broader in zip(chain, chain[1:], strict=False):
            assert objects(graph, ID + f"unspsc/{narrower}", SKOS + "broader") == {
                ID + f"unspsc/{broader}"}
        assert objects(graph, ID + f"unspsc/{chain[-1]}", SKOS + "topConceptOf") == {
            ID + "scheme/unspsc"}
        assert objects(graph, ID + f"unspsc/{chain[1]}", SKOS + "prefLabel") == {
            ref["Class Title"]}


def test_in_demand_technologies(graph: Index) -> None:
    table = rows("Technology Skills.tsv")
    for code in {r[CODE] for r in table}:
        linked = objects(graph, occ(code), OKG + "inDemandTechnology")
        labels = {objects(graph, t, SKOS + "prefLabel").pop() for t in linked}
        assert labels == {r["Example"] for r in table if r[CODE] == code and r["In Demand"] == "Y"}
        assert linked <= objects(graph, occ(code), OKG + "usesTechnology")


def test_related_occupations_keep_tier_and_index(graph: Index) -> None:
    table = rows("Related Occupations.tsv")
    for r in table:
        node = ID + f"onet-relatedness/{r[CODE]}-{r['Related O*NET-SOC Code']}"
        assert objects(graph, node, OKG + "relatedFrom") == {occ(r[CODE])}
        assert objects(graph, node, OKG + "relatedTo") == {occ(r["Related O*NET-SOC Code"])}
        assert objects(graph, node, OKG + "relatednessIndex") == {r["Index"]}
        tier = ID + f"onet-relatedness-tier/{r['Relatedness Tier'].lower()}"
        assert objects(graph, node, OKG + "relatednessTier") == {tier}
        assert objects(graph, tier, SKOS + "prefLabel") == {r["Relatedness Tier"]}
        assert occ(r["Related O*NET-SOC Code"]) in objects(graph, occ(r[CODE]), SKOS + "related")
    assert len(subjects(graph, OKG + "relatednessIndex")) == len(table)


def test_job_zone_examples_and_svp_range(graph: Index) -> None:
    for r in rows("Job Zone Reference.tsv"):
        zone = ID + f"onet-job-zone/{r['Job Zone']}"
        assert objects(graph, zone, OKG + "jobZoneExamples") == {r["Examples"]}
        assert objects(graph, zone, OKG + "svpRange") == {r["SVP Range"]}


def test_interest_reference_tables(graph: Index) -> None:
    activities = rows("Interests Illustrative Activities.tsv")
    for element_id in {r["Element ID"] for r in activities}:
        assert objects(graph, element(element_id), OKG + "illustrativeActivity") == {
            r["Activity"] for r in activities if r["Element ID"] == element_id}
    for r in rows("Interests Illustrative Occupations.tsv"):
        assert occ(r[CODE]) in objects(graph, element(r["Element ID"]),
                                       OKG + "illustrativeOccupation")
    for r in rows("RIASEC Keywords.tsv"):
        prop = "actionKeyword" if r["Keyword Type"] == "Action" else "objectKeyword"
        assert r["Keyword"] in objects(graph, element(r["Element ID"]), OKG + prop)


def test_element_links(graph: Index) -> None:
    expected: set[tuple[str, str]] = set()
    for name, a, b in (("Skills to Work Activities.tsv", "Skills", "Work Activities"),
                       ("Skills to Work Context.tsv", "Skills", "Work Context"),
                       ("Abilities to Work Activities.tsv", "Abilities", "Work Activities"),
                       ("Abilities to Work Context.tsv", "Abilities", "Work Context"),
                       ("Basic Interests to RIASEC.tsv", "Basic Interests", "RIASEC")):
        expected |= {(element(r[f"{a} Element ID"]), element(r[f"{b} Element ID"]))
                     for r in rows(name)}
    got = {(s, o) for (s, p), objs in graph.items() if p == OKG + "linkedElement" for o in objs}
    assert got == expected


def test_categories_anchors_and_survey_items(graph: Index) -> None:
    for r in rows("Work Context Categories.tsv"):
        node = ID + f"onet-category/{r['Element ID']}-{r['Scale ID']}-{r['Category']}".lower()
        assert objects(graph, node, SKOS + "prefLabel") == {r["Category Description"]}
        assert objects(graph, node, SKOS + "broader") == {element(r["Element ID"])}
        assert objects(graph, node, OKG + "categoryScale") == {
            ID + f"onet-scale/{r['Scale ID'].lower()}"}
    for r in rows("Task Categories.tsv"):
        node = ID + f"onet-category/{r['Scale ID']}-{r['Category']}".lower()
        assert objects(graph, node, SKOS + "prefLabel") == {r["Category Description"]}
        assert objects(graph, node, OKG + "categoryScale") == {
            ID + f"onet-scale/{r['Scale ID'].lower()}"}


def test_education_categories_name_their_scale(graph: Index) -> None:
    """Regression: the Education, Training, and Experience categories had no okg:categoryScale
    (a rating's category 6 could not be read without parsing its IRI for RL, RW, PT or OJ)."""
    categories = rows("Education, Training, and Experience Categories.tsv")
    assert categories
    for r in categories:
        node = ID + f"onet-category/{r['Element ID']}-{r['Scale ID']}-{r['Category']}".lower()
        assert objects(graph, node, SKOS + "prefLabel") == {r["Category Description"]}
        assert objects(graph, node, SKOS + "broader") == {element(r["Element ID"])}
        assert objects(graph, node, OKG + "categoryScale") == {
            ID + f"onet-scale/{r['Scale ID'].lower()}"}
    anchors = rows("Level Scale Anchors.tsv")
    assert len(subjects(graph, OKG + "anchorValue")) == len(anchors)
    for r in anchors:
        node = ID + f"onet-scale-anchor/{r['Element ID']}-{r['Scale ID']}-{r['Anchor Value']}"
        node = node.lower()
        assert objects(graph, node, SKOS + "prefLabel") == {r["Anchor Description"]}
        assert objects(graph, node, OKG + "anchorElement") == {element(r["Element ID"])}
        assert Decimal(objects(graph, node, OKG + "anchorValue").pop()) == Decimal(
            r["Anchor Value"])
    for r in rows("Survey Booklet Locations.tsv"):
        node = ID + f"onet-survey-item/{r['Survey Item Number'].lower()}"
        assert objects(graph, node, OKG + "surveyElement") == {element(r["Element ID"])}
        assert objects(graph, node, SKOS + "notation") == {r["Survey Item Number"]}


def test_emerging_tasks_and_occupation_metadata(graph: Index) -> None:
    for r in rows("Emerging Tasks.tsv"):
        [node] = [t for t in objects(graph, occ(r[CODE]), OKG + "hasEmergingTask")
                  if objects(graph, t, SKOS + "prefLabel") == {r["Task"]}]
        assert objects(graph, node, OKG + "emergingTaskKind") == {r["Category"]}
        assert objects(graph, node, OKG + "emergingTaskSource") == {r["Domain Source"]}
    table = rows("Occupation Level Metadata.tsv")
    assert len(subjects(graph, OKG + "describedOccupation")) == len(table)
    for r in table:
        digest = hashlib.sha1(f"{r['Item']}\x1f{r['Response']}".encode()).hexdigest()[:12]
        node = ID + f"onet-occupation-metadata/{r[CODE]}-{digest}"
        assert objects(graph, node, OKG + "metadataItem") == {r["Item"]}
        assert objects(graph, node, OKG + "metadataResponse") == ({r["Response"]} if r["Response"]
                                                                   else set())
        if r["Percent"]:
            assert Decimal(objects(graph, node, OKG + "responsePercent").pop()) == Decimal(
                r["Percent"])


# --- bad rows: one line naming file, line, column and problem; nothing written ---------------


def edit(folder: Path, name: str, pick: Callable[[dict[str, str]], bool],
         changes: dict[str, str]) -> int:
    """Change the first row `pick` accepts; returns its line number."""
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    for number, text in enumerate(lines[1:], 2):
        cells = text.rstrip("\n").split("\t")
        if pick(dict(zip(header, cells, strict=True))):
            for col, value in changes.items():
                cells[header.index(col)] = value
            lines[number - 1] = "\t".join(cells) + "\n"
            path.write_text("".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"no row to edit in {name}")


def anything(_: dict[str, str]) -> bool:
    return True


BAD_ROWS = [
    ("Sample of Reported Titles.tsv", anything, {"Shown in My Next Move": "Maybe"},
     "column 'Shown in My Next Move': Shown in My Next Move must be Y or N"),
    ("Technology Skills.tsv", anything, {"In Demand": "yes"}, "column 'In Demand'"),
    ("Related Occupations.tsv", anything, {"Relatedness Tier": "Primary"},
     "unknown relatedness tier 'Primary'"),
    ("Related Occupations.tsv", anything, {"Index": "0"}, "malformed relatedness index '0'"),
    ("Tools Used.tsv", anything, {"Commodity Code": "99999999"},
     "commodity 99999999 is not in UNSPSC Reference"),
    ("Tools Used.tsv", anything, {"Commodity Title": "Something else"},
     "column 'Commodity Title'"),
    ("UNSPSC Reference.tsv", anything, {"Class Code": "12345678"}, "does not end in 2 zeros"),
    ("Interests Illustrative Activities.tsv", lambda r: r["Interest Type"] == "General",
     {"Interest Type": "Basic"}, "is not a basic interest"),
    ("RIASEC Keywords.tsv", anything, {"Keyword Type": "Verb"}, "column 'Keyword Type'"),
    # the name too: a name that is not the element's is refused first (session 36)
    ("Skills to Work Activities.tsv", anything, {"Work Activities Element ID": "2.A.1.a",
                                                 "Work Activities Element Name":
                                                     "Reading Comprehension"},
     "is not a Work Activities element"),
    ("Level Scale Anchors.tsv", anything, {"Anchor Value": "9"}, "anchor 9 lies outside scale"),
    ("Emerging Tasks.tsv", anything, {"Category": "Revision"},
     "a Revision task must name an original task"),
    ("Emerging Tasks.tsv", anything, {"Category": "Revision", "Original Task ID": "1"},
     "original task 1 is not in Task Statements"),
    ("Occupation Level Metadata.tsv", lambda r: bool(r["Percent"]), {"Percent": "140"},
     "Percent 140.0 lies outside 0-100"),
    ("Work Styles.tsv", anything, {"Data Value": "6"}, "6.0 lies outside scale IM"),
    ("Interests.tsv", anything, {"Element ID": "1.B.9.z"}, "element '1.B.9.z' is not in the"),
]


@pytest.mark.parametrize(("name", "pick", "changes", "text"), BAD_ROWS,
                         ids=[f"{b[0]}-{next(iter(b[2]))}" for b in BAD_ROWS])
def test_a_bad_row_is_refused(tmp_path: Path, name: str, pick: Callable[[dict[str, str]], bool],
                              changes: dict[str, str], text: str) -> None:
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    line = edit(folder, name, pick, changes)
    out = tmp_path / "out" / "onet.nt"
    with pytest.raises(ImportFailed) as info:
        write(IMPORTERS["onet"], folder, out, progress=False)
    assert f"{name}:{line}:" in str(info.value) and text in str(info.value), str(info.value)
    assert not out.exists()


def test_a_missing_third_work_value_high_point_is_no_rating(tmp_path: Path) -> None:
    """Regression: the full Work Values.tsv has one VH rating 0 (35-3023.00, third high-point)
    on a scale Scales Reference gives as 1-6; it failed the whole import. 0 says "none"."""
    folder = tmp_path / "in"
    shutil.copytree(DATA, folder)
    third = "1.B.2.i"
    edit(folder, "Work Values.tsv", lambda r: r["Element ID"] == third, {"Data Value": "0"})
    graph = load(folder, tmp_path / "onet.nt")
    [code] = {r[CODE] for r in rows("Work Values.tsv", folder)
              if r["Element ID"] == third and r["Data Value"] == "0"}
    assert not objects(graph, ID + f"onet-rating/{code}-{third}-vh".lower(), RDF_TYPE)
    edit(folder, "Work Values.tsv", lambda r: r["Element ID"] == third, {"Data Value": "7"})
    with pytest.raises(ImportFailed, match="7.0 lies outside scale VH"):
        write(IMPORTERS["onet"], folder, tmp_path / "again.nt", progress=False)


# --- the occupation page's O*NET sections (kg/serve/onet_profile.py) ------------------------


def test_the_page_profile_reads_the_imported_slice(tmp_path: Path) -> None:
    from kg.serve.charts import riasec_chart
    from kg.serve.onet_profile import ProfileReader

    out = tmp_path / "onet.nq"
    write(IMPORTERS["onet"], DATA, out, progress=False)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    labels = {q.subject.value: q.object.value for q in store.quads_for_pattern(
        None, ox.NamedNode(SKOS + "prefLabel"), None, None)}
    reader = ProfileReader(store, ID, labels)
    code = "11-3051.00"
    profile = reader.read(occ(code))
    assert profile is not None
    interests = {r["Element ID"]: Decimal(r["Data Value"]) for r in rows("Interests.tsv")
                 if r[CODE] == code}
    names = {r["Element ID"]: r["Element Name"] for r in rows("Interests.tsv")}
    assert [(i.label, i.value) for i in profile.interests] == [
        (names[e], interests[e]) for e in sorted(interests) if e < "1.B.1.g"]
    riasec = [names[f"1.B.1.{c}"] for c in "abcdef"]
    assert profile.high_points == [riasec[int(interests[e]) - 1] for e in ("1.B.1.g", "1.B.1.h",
                                                                          "1.B.1.i")
                                   if interests.get(e, 0) > 0]
    styles = [r for r in rows("Work Styles.tsv") if r[CODE] == code]
    assert [s.value for s in profile.work_styles] == sorted(
        (Decimal(r["Data Value"]) for r in styles), reverse=True)
    tech = [r for r in rows("Technology Skills.tsv") if r[CODE] == code]
    assert {t.label for t in profile.technologies if t.in_demand} == {
        r["Example"] for r in tech if r["In Demand"] == "Y"}
    assert {t.label for t in profile.technologies if t.hot} == {
        r["Example"] for r in tech if r["Hot Technology"] == "Y"}
    assert [label for label, _ in profile.tools] == sorted(
        {r["Example"] for r in rows("Tools Used.tsv") if r[CODE] == code}, key=str.lower)
    chart = riasec_chart([(i.label, i.value) for i in profile.interests],
                         set(profile.high_points), *reversed(profile.interest_scale))
    assert chart.count('class="riasec-row"') == 6
    assert chart.count("bar-riasec-high") == len(profile.high_points)
    assert reader.read(ID + "onet-element/1.b.1.a") is None  # not an occupation: no sections


def test_the_page_shows_ratings_with_two_decimals(tmp_path: Path) -> None:
    """Regression (seen on the full graph in a browser): "Concern for Others 4.1" stood among
    "4.72", "4.49"; O*NET publishes two decimals (Work Styles 4.10), so the page shows two."""
    from kg.serve.onet_profile import ProfileReader
    from kg.serve.pages import Pages

    out = tmp_path / "onet.nq"
    write(IMPORTERS["onet"], DATA, out, progress=False)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    profile = ProfileReader(store, ID, {}).read(occ("11-3051.00"))
    assert profile is not None and profile.work_styles and profile.work_values
    html = Pages(ID, {}).render(
        "entity.html", page=type("Page", (), {"label": "x", "kinds": []})(), formats=[],
        onet=profile, transitions=[], activities=[]).decode()
    styles = html[html.index('id="work-styles"'):html.index('id="work-values"')]
    shown = [cell.split("<")[0] for cell in styles.split('<td class="num">')[1:]]
    assert shown == [f"{r.value:.2f}" for r in profile.work_styles]
    values = html[html.index('id="work-values"'):]
    assert all(f"</a> {r.value:.2f}" in values for r in profile.work_values)

