"""Sections of an O*NET-SOC occupation's page: "Detailed work activities"
(kg/serve/work_activities_section.py), read from the imported O*NET slice and checked against
the slice's own Tasks to DWAs.tsv and DWA Reference.tsv (O*NET 29.3, CC BY 4.0); and what was
wrong when the full graph's pages were looked at in a browser (long title and tool lists, a
legend for flags the list does not show)."""

from __future__ import annotations

import csv
import re
from collections import Counter
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.serve.work_activities_section import read_work_activities
from kg.sources.importers import IMPORTERS, write
from tests.triples import store_of

DATA = Path(__file__).parent / "data" / "onet_db_29_3"
ID = "https://w3id.org/occupation-kg/id/"
SKOS_PREF_LABEL = ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> tuple[ox.Store, dict[str, str]]:
    out = tmp_path_factory.mktemp("onet") / "onet.nq"
    write(IMPORTERS["onet"], DATA, out, progress=False)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    labels = {q.subject.value: q.object.value
              for q in store.quads_for_pattern(None, SKOS_PREF_LABEL, None, None)}
    return store, labels


def expected(code: str) -> dict[tuple[str, str], int]:
    """(IWA title, DWA title) -> how many of the occupation's tasks are linked to the DWA."""
    iwa_of = {r["DWA ID"]: r["IWA Title"] for r in rows("DWA Reference.tsv")}
    pairs = {(r["Task ID"], r["DWA ID"], r["DWA Title"]) for r in rows("Tasks to DWAs.tsv")
             if r["O*NET-SOC Code"] == code}
    return dict(Counter((iwa_of[dwa], title) for _, dwa, title in pairs))


def test_the_section_lists_every_linked_activity_under_its_iwa(served) -> None:
    store, labels = served
    code = "11-3051.00"
    truth = expected(code)
    assert truth, "the slice must link some of 11-3051.00's tasks to DWAs"
    groups = read_work_activities(store, ID + f"onet-soc2019/{code}", labels)
    shown = {(g.label, a.label): a.tasks for g in groups for a in g.activities}
    assert shown == truth
    # the activities most of its tasks share come first
    assert [g.tasks for g in groups] == sorted((g.tasks for g in groups), reverse=True)


def test_a_concept_without_tasks_gets_no_section(served) -> None:
    store, labels = served
    assert read_work_activities(store, ID + "onet-element/4.a.1.a.1", labels) == []


def test_the_page_shows_the_section(served) -> None:
    """Rendered through the entity template as `kg serve` renders an occupation's page."""
    from kg.serve.entities import EntityPage
    from kg.serve.pages import Pages

    store, labels = served
    iri = ID + "onet-soc2019/11-3051.00"
    groups = read_work_activities(store, iri, labels)
    page = EntityPage(iri, labels[iri], [], [], [], [], [], [], [], [], [])
    html = Pages(ID, {"title": "occupation-kg"}).entity(page, [], activities=groups).decode()
    start = html.index('id="work-activities"')
    section = html[start:html.index("</section>", start)]
    assert section.count("<tr>") == 1 + sum(len(g.activities) for g in groups)
    for group in groups:
        assert f'rowspan="{len(group.activities)}"' in section
        assert group.label in section
    empty = Pages(ID, {"title": "occupation-kg"}).entity(page, [], activities=[]).decode()
    assert 'id="work-activities"' not in empty


def _page(iri: str, label: str, alt_labels: int = 0):
    from kg.serve.entities import EntityPage, Value

    alts = [Value(f"Title {n:03d}") for n in range(alt_labels)]
    return EntityPage(iri, label, [], [], alts, [], [], [], [], [], [])


def test_a_long_title_list_stays_short_until_opened(served) -> None:
    """Regression: 29-1141.00's 138 titles, one per line, pushed every O*NET section ~4,000 px
    down the page. Now 30 in columns, the rest behind a <details>."""
    from kg.serve.pages import Pages

    store, labels = served
    iri = ID + "onet-soc2019/11-3051.00"
    titles = {r["Alternate Title"] for r in rows("Alternate Titles.tsv")
              if r["O*NET-SOC Code"] == "11-3051.00"}
    assert titles  # the slice keeps the occupation's alternate titles
    pages = Pages(ID, {"title": "occupation-kg"})
    many = pages.entity(_page(iri, labels[iri], alt_labels=45), []).decode()
    assert many.count('class="alt-label"') == 45 and "15 more titles" in many
    assert many.index("15 more titles") > many.index("Title 029") and \
        many.index("15 more titles") < many.index("Title 030")
    few = pages.entity(_page(iri, labels[iri], alt_labels=3), []).decode()
    assert "more titles" not in few and 'class="alt-label-list"' not in few


def test_the_flag_legend_names_only_the_flags_shown(served) -> None:
    """Regression: 29-1141.00's legend explained "in demand" though none of its technologies
    has that flag."""
    from kg.serve.onet_profile import ProfileReader
    from kg.serve.pages import Pages

    store, labels = served
    tech = rows("Technology Skills.tsv")
    pages = Pages(ID, {"title": "occupation-kg"})
    seen = set()
    for code in sorted({r["O*NET-SOC Code"] for r in tech}):
        iri = ID + f"onet-soc2019/{code}"
        profile = ProfileReader(store, ID, labels).read(iri)
        if profile is None or not profile.technologies:
            continue
        html = pages.entity(_page(iri, code), [], onet=profile).decode()
        start = html.index('id="technologies"')
        legend = html[start:html.index("</p>", start)]
        mine = [r for r in tech if r["O*NET-SOC Code"] == code]
        demand, hot = (any(r["In Demand"] == "Y" for r in mine),
                       any(r["Hot Technology"] == "Y" for r in mine))
        assert ("in demand</span>" in legend) == demand, code
        assert ("hot</span>" in legend) == hot, code
        seen.add((demand, hot))
    assert (True, True) in seen and len(seen) >= 2  # the slice shows the legend both ways


def test_skills_and_knowledge_show_importance_and_level(served) -> None:
    """Regression: an O*NET-SOC occupation's page listed its skill and knowledge ratings only
    as links among the related entities, without their values (session 25's audit): a reader
    could not tell what matters in the work. Checked against the slice's Skills.tsv and
    Knowledge.tsv (O*NET 29.3, CC BY 4.0)."""
    from kg.serve.onet_profile import ProfileReader
    from kg.serve.pages import Pages

    store, labels = served
    code = "11-3051.00"
    iri = ID + f"onet-soc2019/{code}"
    profile = ProfileReader(store, ID, labels).read(iri)
    assert profile is not None
    for name, shown in (("Skills.tsv", profile.skills), ("Knowledge.tsv", profile.knowledge)):
        truth: dict[str, dict[str, str]] = {}
        for r in rows(name):
            if r["O*NET-SOC Code"] == code:
                truth.setdefault(r["Element Name"], {})[r["Scale ID"]] = r["Data Value"]
        assert truth, f"the slice must rate {code} in {name}"
        assert {r.label: (r.importance, r.level) for r in shown} == {
            element: (Decimal(v["IM"]), Decimal(v["LV"])) for element, v in truth.items()}
        assert [r.importance for r in shown] == sorted((r.importance for r in shown),
                                                       reverse=True)
        # O*NET's flags (session 26's audit: shown as plain figures before): "Recommend
        # Suppress" and "Not Relevant" of the level rows, as the file gives them
        flags = {}
        for r in rows(name):
            if r["O*NET-SOC Code"] == code and r["Scale ID"] == "LV":
                flags[r["Element Name"]] = (r["Recommend Suppress"] == "Y",
                                            r["Not Relevant"] == "Y")
        assert {r.label: (r.level_suppressed, r.level_not_relevant) for r in shown} == flags
    html = Pages(ID, {"title": "occupation-kg"}).entity(_page(iri, code), [],
                                                        onet=profile).decode()
    for anchor, shown in (("skills", profile.skills), ("knowledge", profile.knowledge)):
        start = html.index(f'id="{anchor}"')
        section = html[start:html.index("</section>", start)]
        assert section.count("<tr>") == 1 + len(shown)
        first = shown[0]
        assert (f'{first.label}</a></td><td class="num">{first.importance:.2f}</td>'
                f'<td class="num">{first.level:.2f}</td>') in section
        # the legend explains parentheses only where the table shows some (the second audit:
        # 11-3051.00's suppressed levels are all "not relevant", yet the legend was there)
        parenthesised = any(r.importance_suppressed or (r.level_suppressed
                                                        and not r.level_not_relevant)
                            for r in shown)
        assert ("A value in\nparentheses" in section) == parenthesised, anchor
        for r in shown:
            row = section[section.index(f">{r.label}</a>"):]
            row = row[:row.index("</tr>")]
            assert ("not relevant" in row) == r.level_not_relevant, r.label
            assert (f"({r.level:.2f})" in row) == (r.level_suppressed
                                                   and not r.level_not_relevant), r.label
    # the slice flags some of 11-3051.00's levels both ways (Food Production: both)
    assert any(r.level_not_relevant for r in profile.knowledge)
    assert any(r.level_suppressed for r in profile.knowledge)


@pytest.fixture(scope="module")
def crosswalked(tmp_path_factory: pytest.TempPathFactory) -> ox.Store:
    """Every reference slice (O*NET, the O*NET-SOC 2019 taxonomy and its crosswalks, SOC, ESCO,
    BLS's ISCO-08/SOC 2010 crosswalk, Nesta's ESCO-O*NET crosswalk) in one store."""
    from kg.reconcile.reference import import_reference

    store = ox.Store()
    for path in import_reference(DATA.parent, tmp_path_factory.mktemp("crosswalked")):
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_QUADS)
    return store


def _tsv(folder: str, name: str) -> list[dict[str, str]]:
    with (DATA.parent / folder / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def test_an_occupation_page_names_its_codes_in_the_other_taxonomies(crosswalked) -> None:
    """Regression: an O*NET-SOC 2019 page named only its SOC 2018 code; its ESCO occupations
    and ISCO-08 groups, two crosswalks away (through O*NET-SOC 2010 and SOC 2010), were not on
    it (session 25's audit: the O*NET-SOC 2010 pages showed ESCO, the 2019 ones did not).
    Checked against the slices' own crosswalk files (O*NET 29.3 taxonomy, CC BY 4.0; BLS, public
    domain; Nesta, MIT)."""
    from kg.serve.equivalents_section import read_equivalents
    from kg.serve.pages import Pages

    code = "11-3051.00"
    taxonomy = "onet_soc_2019_taxonomy"
    old = {r["O*NET-SOC 2010 Code"] for r in _tsv(taxonomy, "2010_to_2019_Crosswalk.tsv")
           if r["O*NET-SOC 2019 Code"] == code}
    soc = {r["2018 SOC Code"] for r in _tsv(taxonomy, "2019_to_SOC_Crosswalk.tsv")
           if r["O*NET-SOC 2019 Code"] == code}
    isco = {r["ISCO-08 Code"] for r in _tsv("crosswalk_isco08_soc2010_bls",
                                             "soc2010_to_isco08.tsv")
            if r["2010 SOC Code"] in {c[:7] for c in old}}
    with (DATA.parent / "crosswalk_esco_onet_nesta_2020" / "esco_onet_crosswalk_Nov2020.csv"
          ).open(newline="", encoding="utf-8") as handle:
        esco = {r["concept_uri"] for r in csv.DictReader(handle) if r["onet_code"] in old}
    assert old and soc and isco and esco, "the slices must cross from 11-3051.00 to each"
    labels = {q.subject.value: q.object.value
              for q in crosswalked.quads_for_pattern(None, SKOS_PREF_LABEL, None, None)}
    iri = ID + f"onet-soc2019/{code}"
    found = {t.name: t for t in read_equivalents(crosswalked, iri, ID, labels)}
    assert {e.code for e in found["SOC 2018"].entries} == soc
    assert {e.code for e in found["O*NET-SOC 2010"].entries} == old
    assert {e.code for e in found["ISCO-08"].entries} == isco
    assert {e.iri for e in found["ESCO occupations"].entries} == esco
    assert all({code for code, _ in e.via} <= old for e in found["ESCO occupations"].entries)
    assert all(iri == ID + f"onet-soc2010/{code}"  # "Through" links to the 2010 code
               for e in found["ESCO occupations"].entries for code, iri in e.via)
    assert read_equivalents(crosswalked, ID + "soc2018/11-3051", ID, labels) == []
    html = Pages(ID, {"title": "occupation-kg"}).entity(
        _page(iri, code), [], equivalents=list(found.values())).decode()
    start = html.index('id="equivalents"')
    section = html[start:html.index("</section>", start)]
    assert section.count("<tr>") == 1 + sum(len(t.entries) for t in found.values())
    for entry in found["ESCO occupations"].entries:
        assert entry.label and f">{entry.label}</a>" in section


def test_an_occupation_without_skill_ratings_says_so(served) -> None:
    """Regression (session 26's audit): Software Developers (15-1252.00) have no skill or
    knowledge ratings in O*NET 29.3, and the page simply had no such section."""
    from kg.serve.onet_profile import ProfileReader
    from kg.serve.pages import Pages

    store, labels = served
    rated = {r["O*NET-SOC Code"] for name in ("Skills.tsv", "Knowledge.tsv") for r in rows(name)}
    described = {r["O*NET-SOC Code"] for r in rows("Technology Skills.tsv")}
    unrated = sorted(described - rated)
    assert unrated, "the slice must hold an occupation with technologies but no ratings"
    iri = ID + f"onet-soc2019/{unrated[0]}"
    profile = ProfileReader(store, ID, labels).read(iri)
    assert profile is not None and not profile.skills and not profile.knowledge
    html = Pages(ID, {"title": "occupation-kg"}).entity(_page(iri, unrated[0]), [],
                                                        onet=profile).decode()
    assert "rates no skills or knowledge for this" in html


def test_one_row_per_equivalent_with_its_closest_match_and_every_path() -> None:
    """Regressions (session 26's second audit): an ISCO group reached through two SOC 2010
    codes showed whichever path the store gave first (17-3026.00's 3119 read "related" through
    17-3029 where its own 17-3026 gives "broad") and hid the other; an ESCO URI that the Nesta
    crosswalk names but ESCO v1.1.1 lacks showed its UUID as code and its IRI as title."""
    from kg.serve.equivalents_section import read_equivalents

    occ = ID + "onet-soc2019/17-3026.00"
    skos = "http://www.w3.org/2004/02/skos/core#"
    esco = "http://data.europa.eu/esco/occupation/gone"
    lines = [
        f"<{occ}> <{skos}exactMatch> <{ID}onet-soc2010/17-3026.00> .",
        f"<{occ}> <{skos}relatedMatch> <{ID}onet-soc2010/17-3029.09> .",
        f"<{ID}onet-soc2010/17-3026.00> <{skos}notation> \"17-3026.00\" .",
        f"<{ID}onet-soc2010/17-3029.09> <{skos}notation> \"17-3029.09\" .",
        # stated in store order with the related path first
        f"<{ID}soc2010/17-3029> <{skos}relatedMatch> <http://data.europa.eu/esco/isco/C3119> .",
        f"<{ID}soc2010/17-3026> <{skos}broadMatch> <http://data.europa.eu/esco/isco/C3119> .",
        f"<http://data.europa.eu/esco/isco/C3119> <{skos}notation> \"3119\" .",
        f"<{esco}> <{skos}closeMatch> <{ID}onet-soc2010/17-3026.00> .",
        f"<{ID}mapping/n1> <http://www.w3.org/2002/07/owl#annotatedSource> <{esco}> .",
        f"<{ID}mapping/n1> <https://w3id.org/sssom/subject_label> \"wind turbine technician\" .",
    ]
    store = store_of(lines, ID + "graph/x")
    found = {t.name: t for t in read_equivalents(store, occ, ID, {})}
    (isco,) = found["ISCO-08"].entries
    assert (isco.code, isco.match) == ("3119", "broad")
    assert isco.via == [("17-3026", ID + "soc2010/17-3026"), ("17-3029", ID + "soc2010/17-3029")]
    (gone,) = found["ESCO occupations"].entries
    assert (gone.code, gone.label, gone.in_graph) == ("", "wind turbine technician", False)


def test_an_occupation_onet_describes_by_title_alone_says_so_and_names_its_profiled_kin(
        crosswalked) -> None:
    """Regression (noticed in session 26, fixed in 27): O*NET 29.3 has no tasks, ratings,
    technologies or tools for 93 of its 1,016 occupations (the "All Other" ones, such as
    11-9199.00, and the military ones); their pages just ended after titles and wages. The page
    now says so and lists the occupations under the same SOC 2018 code that O*NET does
    describe. Checked against the slices' own files: in them 11-3051.03 and two more are in
    the taxonomy only (O*NET 29.3 and its taxonomy, CC BY 4.0)."""
    from kg.serve.pages import Pages
    from kg.serve.title_only_section import read_title_only

    taxonomy = {r["O*NET-SOC 2019 Code"]: r["2018 SOC Code"]
                for r in _tsv("onet_soc_2019_taxonomy", "2019_to_SOC_Crosswalk.tsv")}
    described = {r["O*NET-SOC Code"] for name in (
        "Task Statements.tsv", "Technology Skills.tsv", "Tools Used.tsv", "Skills.tsv",
        "Knowledge.tsv", "Interests.tsv", "Work Styles.tsv", "Work Values.tsv")
        for r in rows(name)}
    title_only = sorted(set(taxonomy) - described)
    assert title_only and described & set(taxonomy), "the slice must hold both kinds"
    labels = {q.subject.value: q.object.value
              for q in crosswalked.quads_for_pattern(None, SKOS_PREF_LABEL, None, None)}
    for code in taxonomy:
        found = read_title_only(crosswalked, ID + f"onet-soc2019/{code}", ID, labels)
        assert (found is not None) == (code in title_only), code
    code = title_only[0]
    found = read_title_only(crosswalked, ID + f"onet-soc2019/{code}", ID, labels)
    assert [c.code for c in found.soc] == [taxonomy[code]]
    assert [c.code for c in found.described] == sorted(
        c for c in described & set(taxonomy) if taxonomy[c] == taxonomy[code])
    assert read_title_only(crosswalked, ID + f"soc2018/{taxonomy[code]}", ID, labels) is None
    iri = ID + f"onet-soc2019/{code}"
    html = Pages(ID, {"title": "occupation-kg"}).entity(
        _page(iri, labels[iri]), [], title_only=found).decode()
    start = html.index('class="onet-title-only"')
    section = html[start:html.index("</section>", start)]
    assert "describes this occupation by its titles alone" in section
    assert section.count("<li>") == len(found.described)
    for kin in found.described:
        assert f">{kin.label}</a> ({kin.code})" in section
    plain = Pages(ID, {"title": "occupation-kg"}).entity(_page(iri, labels[iri]), []).decode()
    assert "onet-title-only" not in plain


@pytest.fixture(scope="module")
def with_projections(crosswalked: ox.Store, tmp_path_factory: pytest.TempPathFactory
                     ) -> ox.Store:
    """The crosswalked slices plus the BLS Employment Projections slice (public domain)."""
    out = tmp_path_factory.mktemp("ep") / "ep.nq"
    write(IMPORTERS["bls-projections"], DATA.parent / "bls_employment_projections_2024_34", out,
          progress=False)
    store = ox.Store()
    store.bulk_extend(crosswalked)
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    return store


def test_an_occupation_page_says_what_education_the_job_needs(with_projections) -> None:
    """Regression (session 27's audit): BLS's typical entry education appeared only on the SOC
    code's page and O*NET's Required Level of Education only as twelve bare category links under
    the ratings. Both now head an "Education and training" section, checked against the slices'
    Employment Projections table 1.2 (BLS) and Education, Training, and Experience.tsv (O*NET
    29.3, CC BY 4.0)."""
    from kg.serve.education_section import read_education
    from kg.serve.pages import Pages

    store, code = with_projections, "11-3051.00"
    with (DATA.parent / "bls_employment_projections_2024_34" /
          "table_1.2_occupational_projections_2024-34.tsv").open(encoding="utf-8") as handle:
        ep = next(r for r in csv.DictReader(handle, delimiter="\t")
                  if r["2024 National Employment Matrix code"] == code[:7])
    names = {r["Category"]: r["Category Description"].split(" - ", 1)[0].strip()
             for r in rows("Education, Training, and Experience Categories.tsv")
             if r["Scale ID"] == "RL"}
    expected = [(names[r["Category"]], Decimal(r["Data Value"]), r["Recommend Suppress"] == "Y")
                for r in rows("Education, Training, and Experience.tsv")
                if r["O*NET-SOC Code"] == code and r["Scale ID"] == "RL"
                and Decimal(r["Data Value"]) > 0]
    expected.sort(key=lambda e: int(next(k for k, v in names.items() if v == e[0])))
    assert len(expected) > 3
    labels = {q.subject.value: q.object.value
              for q in store.quads_for_pattern(None, SKOS_PREF_LABEL, None, None)}
    iri = ID + f"onet-soc2019/{code}"
    found = read_education(store, iri, ID, labels)
    assert found is not None
    assert [(w, label) for w, label, _ in found.entry] == [
        ("Typical education needed for entry", ep["Typical education needed for entry"]),
        ("Work experience in a related occupation", ep["Work experience in a related occupation"]),
        ("Typical on-the-job training",
         ep["Typical on-the-job training needed to attain competency in the occupation"])]
    assert found.entry_of is not None and found.entry_of[0] == code[:7]
    assert [(lv.label, lv.share, lv.suppressed) for lv in found.levels] == expected
    html = Pages(ID, {"title": "occupation-kg"}).entity(
        _page(iri, labels[iri]), [], education=found).decode()
    section = html[html.index('id="education"'):]
    section = section[:section.index("</section>")]
    assert section.count('<td class="num">') == len(expected)
    assert ep["Typical education needed for entry"].replace("'", "&#39;") in section
    assert read_education(store, ID + "onet-element/2.a.1.a", ID, labels) is None
    # Regression (session 27's second audit): a specialty (11-3051.01, broadMatch 11-3051 in
    # the slice's taxonomy) got no BLS entry; it now gets its SOC code's, said as such
    specialty = read_education(store, ID + "onet-soc2019/11-3051.01", ID, labels)
    assert specialty is not None and specialty.entry_of is not None
    assert specialty.entry_of[0] == "11-3051" and "takes in this specialty" in specialty.relation
    assert [label for _, label, _ in specialty.entry] == [label for _, label, _ in found.entry]
    # shares are rounded half up (a float format gave 4.35 as 4.3)
    from kg.serve.education_section import Level

    assert [Level("x", "x", Decimal(v)).share_text for v in ("4.35", "1.15", "12.15", "0.76")
            ] == ["4.4", "1.2", "12.2", "0.8"]


def test_an_element_page_names_the_occupations_that_rate_it_highest(served) -> None:
    """Regression (session 27's audit): a skill's page listed its ratings A-Z by IRI, the first
    300, where a career site asks which jobs need the skill most. Checked against the slice's
    Skills.tsv (IM and LV, with Recommend Suppress) and Interests.tsv (OI) (O*NET 29.3, CC BY
    4.0)."""
    from kg.serve.element_occupations_section import read_top_occupations
    from kg.serve.pages import Pages

    store, labels = served
    skills = rows("Skills.tsv")
    element = "2.A.1.e"
    importance = {r["O*NET-SOC Code"]: (Decimal(r["Data Value"]), r["Recommend Suppress"] == "Y")
                  for r in skills if r["Element ID"] == element and r["Scale ID"] == "IM"}
    level = {r["O*NET-SOC Code"]: Decimal(r["Data Value"])
             for r in skills if r["Element ID"] == element and r["Scale ID"] == "LV"}
    assert len(importance) > 1
    found = read_top_occupations(store, ID + f"onet-element/{element.lower()}", ID, labels)
    assert found is not None and found.scale == "im" and found.rated == len(importance)
    assert [(r.code, r.value, r.suppressed, r.level) for r in found.top] == sorted(
        ((c, v, s, level.get(c)) for c, (v, s) in importance.items()),
        key=lambda t: (-t[1], -(t[3] or 0)))[:len(found.top)]
    interest = {r["O*NET-SOC Code"]: Decimal(r["Data Value"]) for r in rows("Interests.tsv")
                if r["Element ID"] == "1.B.1.a" and r["Scale ID"] == "OI"}
    realistic = read_top_occupations(store, ID + "onet-element/1.b.1.a", ID, labels)
    assert realistic is not None and realistic.scale == "oi"
    assert {r.code: r.value for r in realistic.top} == interest
    assert read_top_occupations(store, ID + "onet-element/2.d.1", ID, labels) is None
    assert read_top_occupations(store, ID + "onet-soc2019/11-3051.00", ID, labels) is None
    iri = ID + f"onet-element/{element.lower()}"
    html = Pages(ID, {"title": "occupation-kg"}).entity(
        _page(iri, labels[iri]), [], top_occupations=found).decode()
    section = html[html.index('id="occupations"'):]
    assert section[:section.index("</section>")].count("<tr>") == 1 + len(found.top)


def test_the_entry_requirements_of_a_code_bls_projects_as_a_group() -> None:
    """Regression (session 27's second audit): BLS projects Team Assemblers (51-2092) only
    within 51-2090; the O*NET page had no entry requirements, though the group's page has
    them. The group's are given, said as the group's."""
    from kg.serve.education_section import read_education

    skos = "http://www.w3.org/2004/02/skos/core#"
    okg = "https://w3id.org/occupation-kg/ontology#"
    education = ID + "bls-ep-typical-education/high-school"
    lines = [f"<{ID}onet-soc2019/51-2092.00> <{skos}exactMatch> <{ID}soc2018/51-2092> .",
             f"<{ID}soc2018/51-2092> <{skos}broader> <{ID}soc2018/51-2090> .",
             f"<{ID}soc2018/51-2090> <{skos}notation> \"51-2090\" .",
             f"<{ID}soc2018/51-2090> <{okg}typicalEntryEducation> <{education}> ."]
    store = store_of(lines, ID + "graph/x")
    labels = {education: "High school diploma or equivalent",
              ID + "soc2018/51-2090": "Miscellaneous Assemblers and Fabricators"}
    found = read_education(store, ID + "onet-soc2019/51-2092.00", ID, labels)
    assert found is not None and found.entry == [
        ("Typical education needed for entry", labels[education], education)]
    assert found.entry_of == ("51-2090", labels[ID + "soc2018/51-2090"], ID + "soc2018/51-2090")
    assert "group within which BLS projects" in found.relation


def test_the_occupations_rated_as_the_last_one_shown_are_shown_too(monkeypatch) -> None:
    """Regression (session 28's skills audit): the top 25 of Programming stopped inside a tie,
    leaving out occupations of the same importance and level by their place in A-Z."""
    from kg.serve import element_occupations_section
    from kg.serve.element_occupations_section import read_top_occupations

    okg = "https://w3id.org/occupation-kg/ontology#"
    element = ID + "onet-element/2.a.1.e"
    lines = []
    for code, importance, level in (("11-1011.00", "4.5", "5"), ("11-1021.00", "4", "3"),
                                    ("11-2011.00", "4", "3"), ("11-2021.00", "4", "3"),
                                    ("11-3012.00", "4", "2")):
        for scale, value in (("im", importance), ("lv", level)):
            rating = f"<{ID}onet-rating/{code}-{scale}>"
            lines += [f"{rating} <{okg}ratedElement> <{element}> .",
                      f"{rating} <{okg}ratingScale> <{ID}onet-scale/{scale}> .",
                      f"{rating} <{okg}ratedOccupation> <{ID}onet-soc2019/{code}> .",
                      f'{rating} <{okg}ratingValue> "{value}" .']
    store = store_of(lines, ID + "graph/x")
    monkeypatch.setattr(element_occupations_section, "SHOWN", 2)
    found = read_top_occupations(store, element, ID, {})
    assert found is not None
    assert [r.code for r in found.top] == ["11-1011.00", "11-1021.00", "11-2011.00",
                                           "11-2021.00"]


def test_an_element_without_ratings_says_why() -> None:
    """Regression (session 28's skills audit): an ability's page (1.A.1.a.1 Oral
    Comprehension, which reconciliation offers) said nothing of its missing ratings: the
    reference copy of O*NET 29.3 lacks the Abilities and Work Activities sheets (its README)."""
    from kg.serve.element_occupations_section import unrated_note

    okg = "https://w3id.org/occupation-kg/ontology#"
    rated = ID + "onet-element/2.a.1.e"
    skos = "http://www.w3.org/2004/02/skos/core#"
    store = store_of([f"<{ID}onet-rating/x> <{okg}ratedElement> <{rated}> .",
                      f"<{ID}onet-element/2.a.1> <{skos}broader> <{ID}onet-element/2.a> ."],
                     ID + "graph/x")
    ability = unrated_note(store, ID + "onet-element/1.a.1.a.1", ID, "1.a.1.a.1")
    assert ability is not None and "Abilities sheet" in ability
    activity = unrated_note(store, ID + "onet-element/4.a.1.a.1", ID, "4.a.1.a.1")
    assert activity is not None and "Work Activities sheet" in activity
    category = unrated_note(store, ID + "onet-element/2.a", ID, "2.a")
    assert category is not None and "not the category" in category
    assert unrated_note(store, rated, ID, "2.a.1.e") is None
    # Regression (the second audit): a leaf rated in no file imported is no category, and the
    # top of a missing sheet is named by it
    leaf = unrated_note(store, ID + "onet-element/1.b.3.y", ID, "1.b.3.y")
    assert leaf is not None and "below" not in leaf and "sheet" not in leaf
    top = unrated_note(store, ID + "onet-element/1.a", ID, "1.a")
    assert top is not None and "Abilities sheet" in top
    assert unrated_note(store, ID + "onet-soc2019/11-3051.00", ID, "11-3051.00") is None


def test_the_tasks_come_first_core_before_supplemental(served) -> None:
    """Regression (session 29's audit): an O*NET occupation's tasks were only a "Has task" list
    under Facts, A-Z, so a supplemental task could come first (Registered Nurses' anesthetics),
    and its tools and technologies were listed twice (their own sections and Facts). Checked
    against the slice's Task Statements.tsv: 11-1021.00 has 9 core and 8 supplemental tasks."""
    from kg.serve.onet_profile import SECTION_PREDICATES, ProfileReader
    from kg.serve.pages import Pages

    store, labels = served
    code = "11-1021.00"
    tasks = [r for r in rows("Task Statements.tsv") if r["O*NET-SOC Code"] == code]
    core = sorted((r["Task"] for r in tasks if r["Task Type"] == "Core"), key=str.lower)
    supplemental = sorted((r["Task"] for r in tasks if r["Task Type"] == "Supplemental"),
                          key=str.lower)
    assert core and supplemental
    iri = ID + f"onet-soc2019/{code}"
    profile = ProfileReader(store, ID, labels).read(iri)
    assert profile is not None
    assert [t.label for t in profile.tasks] == core + supplemental
    html = Pages(ID, {"title": "occupation-kg"}).entity(_page(iri, code), [],
                                                         onet=profile).decode()
    start = html.index('id="tasks"')
    section = html[start:html.index("</section>", start)]
    details = section.index('<details class="supplemental-tasks"')
    assert all(section.index(t.replace("'", "&#39;")) < details for t in core)
    assert all(section.index(t.replace("'", "&#39;")) > details for t in supplemental)
    assert f"{len(supplemental)} supplemental tasks" in section
    assert start < html.index('id="skills"')  # before the ratings
    # Regression (the second audit): tasks O*NET did not rate (a blank Task Type; the slice's
    # 11-3051.00 has 8) were listed under the lead "first the core tasks"
    code = "11-3051.00"
    kinds = [r["Task Type"] for r in rows("Task Statements.tsv") if r["O*NET-SOC Code"] == code]
    assert kinds.count("Core") and kinds.count("") and kinds.count("Supplemental")
    iri = ID + f"onet-soc2019/{code}"
    html = Pages(ID, {"title": "occupation-kg"}).entity(
        _page(iri, code), [], onet=ProfileReader(store, ID, labels).read(iri)).decode()
    section = html[html.index('id="tasks"'):]
    section = section[:section.index("</section>")]
    lists = re.findall(r'<ul class="onet-task-list">(.*?)</ul>', section, re.S)
    assert [part.count("<li") for part in lists] == [kinds.count("Core"), kinds.count(""),
                                                     kinds.count("Supplemental")]
    assert f"Not rated core or supplemental <small>({kinds.count('')})" in section
    assert {"https://w3id.org/occupation-kg/ontology#" + p for p in (
        "hasTask", "usesTool", "usesTechnology")} <= SECTION_PREDICATES


def _projections_row(code: str) -> list[str]:
    """The EP slice's table 1.2 row of a code (employment 2024 in thousands is cell 3, the
    percent change 2024-34 cell 8)."""
    path = (DATA.parent / "bls_employment_projections_2024_34"
            / "table_1.2_occupational_projections_2024-34.tsv")
    with path.open(encoding="utf-8") as handle:
        return next(line.split("\t") for line in handle if f"\t{code}\t" in line)


def _served_index(store: ox.Store):  # noqa: ANN202 (kg.serve.entities.EntityIndex)
    """The pages' entity index over a copy of `store` with the ontology (the statistics' names
    come from it, as in a build) and the union as its default graph."""
    from kg.query.union_graph import materialise_union
    from kg.serve.entities import EntityIndex
    from kg.serve.store import BaseMap, MappedStore

    served = ox.Store()
    served.bulk_extend(store)
    served.bulk_load(path=str(Path(__file__).parents[1] / "ontology" / "occupation-kg.ttl"),
                     format=ox.RdfFormat.TURTLE, to_graph=ox.NamedNode(ID + "graph/ontology"))
    materialise_union(served)
    mapping = BaseMap(ID, ID)
    return EntityIndex(MappedStore(served, mapping), mapping)


def test_an_occupation_page_sums_up_its_employment_outlook(with_projections) -> None:
    """Session 29's audit: employment, growth and openings were only rows of the Statistics
    table at the foot of the page. The EP slice's 11-3051 row (table 1.2: employment 2024 in
    thousands, percent change 2024-34), shown on O*NET-SOC 11-3051.00's page as those of its
    close match, SOC 11-3051."""
    from kg.serve.pages import Pages, outlook

    row = _projections_row("11-3051")
    jobs, change = round(float(row[3]) * 1000), row[8]
    page = _served_index(with_projections).page(ID + "onet-soc2019/11-3051.00")
    found = outlook(page)
    assert found is not None
    figures = dict(found.figures)
    assert figures["Employment, 2024"] == f"about {jobs:,} jobs"
    assert any(k.startswith("Projected employment change") and v == f"about {change}%"
               for k, v in figures.items()), figures
    assert any(k.startswith("Annual average job openings") for k in figures)
    assert found.source.endswith("(11-3051), a close match")
    html = Pages(ID, {"title": "occupation-kg"}).entity(page, []).decode()
    assert f"about {jobs:,} jobs" in html[html.index('id="outlook"'):]
    assert html.index('id="outlook"') < html.index('id="statistics"')


def test_the_outlook_takes_the_latest_figures_of_any_match() -> None:
    """Regression (the second audit of session 29): the outlook took the first match with any
    figures, so O*NET-SOC 11-3051.00 showed the curated occupation's 2021-31 projections (its
    seeds' Occupational Outlook Handbook) where its SOC code has BLS's 2024-34."""
    from decimal import Decimal

    from kg.serve.entities import Match, Observation
    from kg.serve.pages import outlook

    okg = "https://w3id.org/occupation-kg/ontology#"

    def employment(start: str, label: str, jobs: str) -> Observation:
        return Observation(
            iri=f"obs-{start}", statistic=okg + "employment", statistic_label="employment",
            industry="", industry_label="", period=f"p{start}", period_label=label,
            period_start=start, value=Decimal(jobs.replace(",", "")), unit_label="jobs",
            approximate=True, quote="", document="", document_label="",
            figure=f"about {jobs} jobs")

    curated = Match("curated", "Industrial production managers",
                    [employment("2021-01-01", "2021", "203,800")], "", "close")
    soc = Match("soc", "Industrial Production Managers",
                [employment("2024-01-01", "2024", "241,900")], "11-3051", "close")
    page = _page(ID + "onet-soc2019/11-3051.00", "Industrial Production Managers")
    page.matched = [curated, soc]
    found = outlook(page)
    assert found is not None and found.figures == [("Employment, 2024", "about 241,900 jobs")]
    assert found.source == "Industrial Production Managers (11-3051), a close match"
    page.matched = [soc, Match("other", "Other", [employment("2024-01-01", "2024", "1")], "",
                               "close")]
    assert outlook(page).source.startswith("Industrial Production Managers (11-3051)")


def test_a_code_bls_publishes_only_within_an_aggregate_gets_its_outlook(with_projections
                                                                        ) -> None:
    """Regression (the second audit of session 29): EP publishes some SOC 2018 occupations only
    within a BLS aggregate (53-1042 to 53-1049 as 53-1047; in the slices 21-1011 and 21-1014 as
    21-1018), so five O*NET pages had no outlook; the career transitions already took the
    aggregate's. The EP slice's 21-1018 row: 483.5 thousand jobs in 2024."""
    from kg.serve.pages import outlook

    row = _projections_row("21-1018")
    page = _served_index(with_projections).page(ID + "soc2018/21-1011")
    assert [(m.code, m.relation) for m in page.matched][:1] == [("21-1018", "aggregate")]
    found = outlook(page)
    assert found is not None
    assert dict(found.figures)["Employment, 2024"] == f"about {round(float(row[3]) * 1000):,} jobs"
    assert "(21-1018), the BLS aggregate that combines this occupation" in found.source

    # its entry requirements too (session 30's second audit: the 12 O*NET codes under an
    # aggregate had none, and their moves' "entry:" compared against nothing). The EP slice's
    # 21-1018: Master's degree.
    from kg.serve.education_section import read_education, typical_entry_education

    labels = {ID + "bls-ep-typical-education/master-s-degree": "Master's degree"}
    assert row[12] == "Master's degree"
    for code in ("soc2018/21-1011",):  # the taxonomy slice holds no 21-1011.00
        education = read_education(with_projections, ID + code, ID, labels)
        assert education is not None and education.entry_of[0] == "21-1018", code
        assert "the BLS aggregate that combines" in education.relation
        assert typical_entry_education(with_projections, ID + code, ID, labels) == row[12]


def test_related_occupations_are_listed_once_in_onets_order(tmp_path: Path) -> None:
    """Regression (session 34's audit): an O*NET occupation's page listed its related
    occupations twice (skos:related under Facts, the relatedness records under Related), both
    A-Z, so O*NET's related occupation no. 1 could be fifth. The slice's two related
    occupations of 11-3051.00 are A-Z in O*NET's order too, so their ranks are swapped here."""
    import shutil

    from kg.query.union_graph import materialise_union
    from kg.serve.entities import EntityIndex
    from kg.serve.store import BaseMap, MappedStore

    folder = tmp_path / "onet"
    shutil.copytree(DATA, folder)
    path = folder / "Related Occupations.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    ranks = {r["Related O*NET-SOC Code"]: r["Index"] for r in rows("Related Occupations.tsv")
             if r["O*NET-SOC Code"] == "11-3051.00"}
    assert len(ranks) == 2
    first, second = sorted(ranks, key=lambda code: int(ranks[code]))
    swapped = {first: ranks[second], second: ranks[first]}
    path.write_text("".join(
        "\t".join([*cells[:5], swapped[cells[2]]]) + "\n"
        if (cells := line.rstrip("\n").split("\t"))[0] == "11-3051.00" else line
        for line in lines), encoding="utf-8")
    out = tmp_path / "onet.nq"
    write(IMPORTERS["onet"], folder, out, progress=False)
    store = ox.Store()
    store.bulk_load(path=str(out), format=ox.RdfFormat.N_QUADS)
    materialise_union(store)
    mapping = BaseMap(ID, ID)
    page = EntityIndex(MappedStore(store, mapping), mapping).page(ID + "onet-soc2019/11-3051.00")
    (related,) = [g for g in page.inbound if g.predicate.endswith("#relatedFrom")]
    listed = [v.text for v in related.values]
    titles = {r["Related O*NET-SOC Code"]: r["Related Title"]
              for r in rows("Related Occupations.tsv") if r["O*NET-SOC Code"] == "11-3051.00"}
    assert [titles[second] in listed[0], titles[first] in listed[1]] == [True, True], listed
    assert "related occupation no. 1" in listed[0]
    assert not [g for g in page.facts if g.predicate.endswith("core#related")]
    # nor again as the occupations that list it (session 34's review: Registered Nurses' 46)
    (listing,) = [g for g in page.inbound if g.predicate.endswith("#relatedTo")]
    assert listing.total == len([r for r in rows("Related Occupations.tsv")
                                 if r["Related O*NET-SOC Code"] == "11-3051.00"])
    assert not [g for g in page.inbound if g.predicate.endswith("core#related")]
