"""Career transitions: the O*NET work-activity import (DWA/IWA/Tasks to DWAs), the scorer and its
graph stage on the test slices, the held-out truth never read, the shapes, and `kg transitions`.
Every expected number is read from the slice files in tests/data."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pyoxigraph as ox
import pytest
from rdflib import Graph

from kg.build.shacl_report import load_shapes, shacl_findings
from kg.cli import main
from kg.prefixes import DEFAULT_BASE, OKG
from kg.sources.importers import bls, esco, esco_onet, onet, onet_soc, soc
from kg.sources.importers.base import Context, ImportFailed
from kg.transitions.profiles import read_profiles
from kg.transitions.score import NEUTRAL, percentile_ranks
from kg.transitions.stage import add_transitions
from tests.triples import store_of

DATA = Path(__file__).parent / "data"
ONET = DATA / "onet_db_29_3"
IMPORTERS = [(onet.IMPORTER, ONET), (onet_soc.IMPORTER, DATA / "onet_soc_2019_taxonomy"),
             (esco.IMPORTER, DATA / "esco_v1_1_1_en"),
             (esco_onet.IMPORTER, DATA / "crosswalk_esco_onet_nesta_2020"),
             (bls.OEWS, DATA / "bls_oews_may2024_national"),
             (bls.PROJECTIONS, DATA / "bls_employment_projections_2024_34"),
             (soc.IMPORTER, DATA / "soc_2018_structure")]
TRANSITIONS = ox.NamedNode(DEFAULT_BASE + "graph/transitions")


def tsv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def described() -> set[str]:
    """The occupations the slices give tasks or Skills/Knowledge/Interests ratings."""
    names = ("Task Statements.tsv", "Skills.tsv", "Knowledge.tsv", "Interests.tsv")
    return {r["O*NET-SOC Code"] for n in names if (ONET / n).is_file() for r in tsv(ONET / n)}


def slice_store(onet_folder: Path = ONET) -> ox.Store:
    store = ox.Store()
    for importer, folder in IMPORTERS:
        folder = onet_folder if importer is onet.IMPORTER else folder
        graph = ox.NamedNode(importer.graph_iri(DEFAULT_BASE))
        store.extend(ox.Quad(s, p, o, graph) for s, p, o in
                     importer.triples(folder, Context(progress=False)))
    return store


def transitions_nquads(store: ox.Store) -> bytes:
    quads = sorted(str(q) for q in store.quads_for_pattern(None, None, None, TRANSITIONS))
    return "\n".join(quads).encode()


@pytest.fixture(scope="module")
def built() -> ox.Store:
    store = slice_store()
    assert add_transitions(store, DEFAULT_BASE) > 0
    return store


def values(store: ox.Store, query: str) -> list[ox.QuerySolution]:
    return list(store.query(f"PREFIX okg: <{OKG}> PREFIX skos: "
                            f"<http://www.w3.org/2004/02/skos/core#> {query}",
                            use_default_graph_as_union=True))


# --- the import ---------------------------------------------------------------------------

def test_work_activities_imported_row_for_row(built: ox.Store) -> None:
    links = tsv(ONET / "Tasks to DWAs.tsv")
    dwas = {r["DWA ID"] for r in tsv(ONET / "DWA Reference.tsv")}
    iwas = {r["IWA ID"] for r in tsv(ONET / "IWA Reference.tsv")}
    count = values(built, "SELECT (COUNT(DISTINCT ?n) AS ?c) WHERE { ?n a okg:TaskActivity }")
    assert int(count[0]["c"].value) == len(links)
    for scheme, ids in (("onet-dwa", dwas), ("onet-iwa", iwas)):
        rows = values(built, f"SELECT ?code WHERE {{ ?c skos:inScheme <{DEFAULT_BASE}scheme/"
                             f"{scheme}> ; skos:notation ?code }}")
        assert {r["code"].value for r in rows} == ids
    first = links[0]
    rows = values(built, f"""SELECT ?date ?source WHERE {{
        ?n okg:task <{DEFAULT_BASE}onet-task/{first['Task ID']}> ;
           okg:activity <{DEFAULT_BASE}onet-dwa/{first['DWA ID'].lower()}> ;
           <http://purl.org/dc/terms/date> ?date ; okg:activityDomainSource ?source }}""")
    month, year = first["Date"].split("/")
    assert [(r["date"].value, r["source"].value) for r in rows] == [
        (f"{year}-{month}", first["Domain Source"])]
    dwa = next(iter(sorted(dwas)))
    parent = values(built, f"SELECT ?p WHERE {{ <{DEFAULT_BASE}onet-dwa/{dwa.lower()}> "
                           "skos:broader ?p }")
    assert [r["p"].value for r in parent] == [f"{DEFAULT_BASE}onet-iwa/"
                                              f"{dwa.rsplit('.', 1)[0].lower()}"]


def _copy_onet(tmp_path: Path) -> Path:
    folder = tmp_path / "onet_db_29_3"
    shutil.copytree(ONET, folder)
    return folder


@pytest.mark.parametrize(("name", "line", "column", "value", "message"), [
    # a task linked to a DWA the reference does not list
    ("Tasks to DWAs.tsv", 3, 4, "4.A.1.a.1.I99.D99",
     "3: column 'DWA ID': DWA 4.A.1.a.1.I99.D99 is not in DWA Reference.tsv"),
    # a DWA whose ID does not extend its IWA's
    ("DWA Reference.tsv", 2, 4, "4.A.9.z.9.I01.D01", "2: 4.A.9.z.9.I01.D01 does not belong under"),
])
def test_bad_work_activity_row_is_refused_with_file_and_line(
        tmp_path: Path, name: str, line: int, column: int, value: str, message: str) -> None:
    folder = _copy_onet(tmp_path)
    path = folder / name
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[line - 1].split("\t")
    cells[column] = value
    lines[line - 1] = "\t".join(cells)
    path.write_text("".join(lines), encoding="utf-8")
    with pytest.raises(ImportFailed) as error:
        list(onet.IMPORTER.triples(folder, Context(progress=False)))
    assert str(error.value).startswith(f"{path}:{message}")


# --- the scorer and its graph -------------------------------------------------------------

def test_every_occupation_gets_ranked_targets(built: ox.Store) -> None:
    codes = described()
    rows = values(built, """SELECT DISTINCT ?from ?to ?rank ?score WHERE {
        ?t a okg:CareerTransition ;
        okg:fromOccupation ?f ; okg:toOccupation ?o ; okg:transitionRank ?rank ;
        okg:transitionScore ?score . ?f skos:notation ?from . ?o skos:notation ?to }""")
    by_source: dict[str, list[tuple[int, float, str]]] = {}
    for r in rows:
        by_source.setdefault(r["from"].value, []).append(
            (int(r["rank"].value), float(r["score"].value), r["to"].value))
    assert set(by_source) == codes
    for source, ranked in by_source.items():
        ranked.sort()
        assert [rank for rank, _, _ in ranked] == list(range(1, len(codes)))
        assert {to for _, _, to in ranked} == codes - {source}
        scores = [score for _, score, _ in ranked]
        assert scores == sorted(scores, reverse=True)


def test_wage_ratio_and_job_zone_step_come_from_the_sources(built: ox.Store) -> None:
    zones = {r["O*NET-SOC Code"]: int(r["Job Zone"]) for r in tsv(ONET / "Job Zones.tsv")}
    oews = {r["OCC_CODE"] for r in tsv(DATA / "bls_oews_may2024_national" /
                                        "national_M2024_dl.tsv")}
    rows = values(built, """SELECT DISTINCT ?from ?to ?step ?wage WHERE { ?t okg:fromOccupation ?f ;
        okg:toOccupation ?o . ?f skos:notation ?from . ?o skos:notation ?to .
        OPTIONAL { ?t okg:jobZoneStep ?step } OPTIONAL { ?t okg:wageRatio ?wage } }""")
    seen = 0
    for r in rows:
        source, target = r["from"].value, r["to"].value
        if source in zones and target in zones:
            assert int(r["step"].value) == zones[target] - zones[source]
            seen += 1
        both_paid = source[:7] in oews and target[:7] in oews
        assert (r["wage"] is not None) == both_paid, (source, target)
        if both_paid and source[:7] == target[:7]:
            assert float(r["wage"].value) == 1.0  # one SOC code, one OEWS median
    assert seen


def test_explanations_are_shared_and_important(built: ox.Store) -> None:
    importance = {(r["O*NET-SOC Code"], r["Element ID"].lower()): float(r["Data Value"])
                  for name in ("Skills.tsv", "Knowledge.tsv") for r in tsv(ONET / name)
                  if r["Scale ID"] == "IM"}
    rows = values(built, f"""SELECT ?from ?to ?skill WHERE {{ ?t okg:fromOccupation ?f ;
        okg:toOccupation ?o ; okg:sharedSkill ?s . ?f skos:notation ?from .
        ?o skos:notation ?to . BIND(STRAFTER(STR(?s), "{DEFAULT_BASE}onet-element/") AS ?skill)
        }}""")
    assert rows
    for r in rows:
        for code in (r["from"].value, r["to"].value):
            assert importance[(code, r["skill"].value)] >= 3.0


def test_the_transitions_dataset_names_its_publisher_and_licence(built: ox.Store) -> None:
    """Regression: dataset/transitions had no dcterms:publisher and no dcterms:license (the
    imported editions it is computed from each have both)."""
    rows = values(built, "PREFIX dct: <http://purl.org/dc/terms/> SELECT ?publisher ?licence "
                         f"WHERE {{ <{DEFAULT_BASE}dataset/transitions> dct:publisher ?publisher ; "
                         "dct:license ?licence }")
    assert [(r["publisher"].value, r["licence"].value) for r in rows] == [
        (DEFAULT_BASE + "agent/occupation-kg-contributors",
         "https://creativecommons.org/licenses/by/4.0/")]


def test_transitions_conform_to_the_shapes(built: ox.Store) -> None:
    data = Graph()
    text = "".join(f"{q.subject} {q.predicate} {q.object} .\n"
                   for q in built.quads_for_pattern(None, None, None, TRANSITIONS))
    data.parse(data=text, format="nt")
    findings = shacl_findings(data, load_shapes())
    assert [f for f in findings if f.severity == "Violation"] == []
    assert len(data) > 0


def test_scorer_never_reads_related_occupations(tmp_path: Path) -> None:
    """The held-out truth: emptying Related Occupations (header kept) changes nothing."""
    folder = _copy_onet(tmp_path)
    related = folder / "Related Occupations.tsv"
    assert len(related.read_text(encoding="utf-8").splitlines()) > 1  # the test can fail
    related.write_text(related.read_text(encoding="utf-8").splitlines(keepends=True)[0],
                       encoding="utf-8")
    with_truth, without = slice_store(), slice_store(folder)
    related_p = ox.NamedNode("http://www.w3.org/2004/02/skos/core#related")
    assert any(True for _ in with_truth.quads_for_pattern(None, related_p, None))
    assert not any(True for _ in without.quads_for_pattern(None, related_p, None))
    add_transitions(with_truth, DEFAULT_BASE)
    add_transitions(without, DEFAULT_BASE)
    assert transitions_nquads(with_truth) == transitions_nquads(without)


def test_same_inputs_same_transitions(built: ox.Store) -> None:
    again = slice_store()
    add_transitions(again, DEFAULT_BASE)
    assert transitions_nquads(again) == transitions_nquads(built)


def test_limit_caps_the_targets() -> None:
    store = slice_store()
    add_transitions(store, DEFAULT_BASE, limit=1)
    ranks = values(store, "SELECT ?r WHERE { ?t okg:transitionRank ?r }")
    assert {int(r["r"].value) for r in ranks} == {1}


def test_percentile_ranks_treat_missing_data_as_neutral() -> None:
    sim = np.array([[1.0, 0.2, 0.9], [0.2, 1.0, np.nan], [0.9, np.nan, 1.0]])
    ranks = percentile_ranks(sim)
    assert ranks[0, 2] == 1.0 and ranks[0, 1] == 0.5  # best of two, second of two
    assert ranks[1, 2] == NEUTRAL and ranks[0, 0] == NEUTRAL


def test_profiles_skip_occupations_outside_onet(built: ox.Store) -> None:
    profiles = read_profiles(built)
    listed = {r["O*NET-SOC Code"] for r in tsv(ONET / "Occupation Data.tsv")}
    taxonomy = {r["O*NET-SOC 2019 Code"] for r in tsv(DATA / "onet_soc_2019_taxonomy" /
                                                      "2019_Occupations.tsv")}
    assert (listed | taxonomy) - described()  # codes with a title only are left out
    assert profiles.codes == sorted(described())


# --- kg transitions -----------------------------------------------------------------------

@pytest.fixture(scope="module")
def dist(built: ox.Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dist")
    built.dump(str(folder / "kg.trig"), format=ox.RdfFormat.TRIG)
    return folder


@pytest.fixture(scope="module")
def store_dist(built: ox.Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_dist(built, tmp_path_factory.mktemp("dist-store"))


def write_dist(built: ox.Store, folder: Path) -> Path:
    """A dist/ as `kg build` writes it: kg.trig and the on-disk store whose default graph holds
    the union of the named graphs."""
    folder.mkdir(exist_ok=True)
    built.dump(str(folder / "kg.trig"), format=ox.RdfFormat.TRIG)
    store = ox.Store(str(folder / "store"))
    store.extend(built)
    store.extend(ox.Quad(q.subject, q.predicate, q.object, ox.DefaultGraph()) for q in built)
    store.flush()
    del store  # close it: the commands open it read-only
    return folder


def test_cli_reads_the_store_as_the_trig(dist: Path, store_dist: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    """The store's default graph (no union asked) gives the rows the in-memory union gives."""
    answers = []
    for folder in (dist, store_dist):
        assert main(["transitions", "--all", "--format", "json", "--dist", str(folder)]) == 0
        answers.append(capsys.readouterr().out)
    assert answers[0] == answers[1] and len(answers[0]) > 1000


def test_cli_transitions_starts_without_rdflib(store_dist: Path) -> None:
    """Regression (issue 13, `kg transitions` < 1 s): `kg` imported every subcommand's modules,
    rdflib's SPARQL parser and every importer (1.2 s) before answering in 0.35 s."""
    script = ("import sys, kg.cli; code = kg.cli.main(sys.argv[1:]); heavy = sorted("
              "m for m in sys.modules if m.split('.')[0] in ('rdflib', 'SPARQLWrapper', 'numpy')"
              " or m.startswith(('kg.query', 'kg.sources', 'kg.build'))); "
              "print(code, heavy[:5], file=sys.stderr)")
    for fmt in ("table", "csv", "json"):
        done = subprocess.run([sys.executable, "-c", script, "transitions", "11-3051.00",
                               "--format", fmt, "--dist", str(store_dist)],
                              capture_output=True, text=True, check=False,
                              cwd=Path(__file__).parents[1])
        assert done.stderr.strip().splitlines()[-1] == "0 []", done.stderr
        assert "11-1021.00" in done.stdout


def test_command_table_matches_the_registered_subcommands() -> None:
    """kg.cli imports only the module of the subcommand asked for: its table must name every
    subcommand each module registers, and `kg X` must parse as the full parser does."""
    import argparse
    import importlib

    import kg.cli

    for module, names in kg.cli.COMMAND_MODULES.items():
        sub = argparse.ArgumentParser().add_subparsers()
        importlib.import_module(module).register(sub)
        assert tuple(sub.choices) == names, module
    full = kg.cli.make_parser()
    argv = ["transitions", "11-3051.00", "--limit", "3", "--format", "csv"]
    assert vars(kg.cli.make_parser("transitions").parse_args(argv)) == vars(
        full.parse_args(argv))
    assert kg.cli.make_parser("build").parse_args(["build"]).command == "build"


def test_plain_iris_agree_with_the_prefix_map() -> None:
    from kg.prefixes import SKOS
    from kg.transitions.terms import OKG_IRI, SKOS_IRI

    assert (OKG_IRI, SKOS_IRI) == (str(OKG), str(SKOS))


def test_cli_csv_of_one_occupation(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist)]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert [r["rank"] for r in rows] == [str(i) for i in range(1, len(rows) + 1)]
    assert {"from_code", "to_code", "rank", "score", "skills", "tasks"} <= set(rows[0])
    assert {r["from_code"] for r in rows} == {"11-3051.00"}
    # shared skills strongest first, as on the page, for one occupation and for --all (which
    # reads every importance in one query): they were A-Z (session 30's career audit)
    importance = {(r["O*NET-SOC Code"], r["Element Name"]): float(r["Data Value"])
                  for n in ("Skills.tsv", "Knowledge.tsv") for r in tsv(ONET / n)
                  if r["Scale ID"] == "IM"}
    assert main(["transitions", "--all", "--format", "csv", "--dist", str(dist)]) == 0
    every = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    ordered = 0
    for row in rows + every:
        names = [s.split(" (")[0] for s in row["shared_skills"].split("; ") if s]
        strength = [min(importance.get((row["from_code"], s), 0),
                        importance.get((row["to_code"], s), 0)) for s in names]
        assert strength == sorted(strength, reverse=True), (row["to_code"], names, strength)
        ordered += len(set(strength)) > 1
    assert ordered


def test_cli_table_words_the_figures_as_the_page_does(
        dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the table printed "job zone 0", "wage x1" beside "x1.124" and "x.; y." where
    the page (kg.transitions.wording) says "same job zone", "median wage ×1.00" and "x; y"."""
    from kg.transitions.wording import job_zone_text, wage_text

    assert main(["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist)]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert main(["transitions", "11-3051.00", "--format", "table", "--dist", str(dist)]) == 0
    table = capsys.readouterr().out
    assert rows and "job zone 0" not in table and "job zone -" not in table
    assert ".;" not in table and "wage x" not in table
    for row in rows:
        line = next(x for x in table.splitlines() if f"  {row['to_code']}  " in x)
        for words in (wage_text(row["wage_ratio"]), job_zone_text(row["job_zone_step"])):
            assert words is None or words in line


def test_cli_all_with_limit(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transitions", "--all", "--limit", "1", "--format", "csv",
                 "--dist", str(dist)]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    codes = described()
    assert sorted(r["from_code"] for r in rows) == sorted(codes)


def test_cli_unknown_code_is_one_line(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["transitions", "99-9999.00", "--dist", str(dist)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"kg: error: no transitions from 99-9999.00 in {dist} (unknown code, or a build "
        "without --data)")
    assert main(["transitions", "plumber", "--dist", str(dist)]) == 2  # a usage error


def test_cli_a_known_code_without_ratings_says_why(dist: Path,
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    """Regression (session 25 audit): a real code with no transitions (the 93 "All Other" and
    military 55- codes of O*NET 29.3, which have no task or rating rows) got the message of an
    unknown code. 11-3051.03 is in the slices' taxonomy without tasks or ratings."""
    assert "11-3051.03" not in described()
    assert main(["transitions", "11-3051.03", "--dist", str(dist)]) == 1
    assert capsys.readouterr().err.strip() == (
        f"kg: error: 11-3051.03 Biofuels Production Managers has no career transitions in "
        f"{dist}: O*NET gives it no task statements, skill, knowledge or work activity ratings "
        "to compare with other occupations")


# --- the occupation page ------------------------------------------------------------------

def test_page_section_lists_targets_with_shared_skills(built: ox.Store) -> None:
    from kg.serve.transitions_section import read_targets

    labels = {q.subject.value: q.object.value for q in built.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None)}
    source = DEFAULT_BASE + "onet-soc2019/11-3051.00"
    targets = read_targets(built, source, labels)
    assert [t.rank for t in targets] == list(range(1, len(described())))
    assert {t.iri.rsplit("/", 1)[-1] for t in targets} == described() - {"11-3051.00"}
    assert any(t.shared for t in targets)  # 11-3051.02 has no Skills ratings nor tasks
    assert all(label in labels.values() for t in targets for label in t.shared)
    # a move within one SOC 2018 occupation says so (session 30's audit: Registered Nurses'
    # first three moves were its own specialties, listed like any move)
    assert all(t.same_soc == ("11-3051" if t.iri.rsplit("/", 1)[-1].startswith("11-3051")
                              else None) for t in targets)
    assert any(t.same_soc for t in targets)


def test_page_section_words_the_figures_and_keeps_skills_apart(built: ox.Store) -> None:
    """Regression (seen on the full graph in a browser): "job zone 0" and "job zone -1" read as
    zones (O*NET's run 1-5), "wage x1.124" beside "x1" mixed precisions, and skills and activity
    sentences ran together as "Production and Processing; Evaluate quality of products.; ..."."""
    from kg.serve.pages import Pages
    from kg.serve.transitions_section import read_targets

    labels = {q.subject.value: q.object.value for q in built.quads_for_pattern(
        None, ox.NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel"), None)}
    zones = {r["O*NET-SOC Code"]: int(r["Job Zone"]) for r in tsv(ONET / "Job Zones.tsv")}
    skills = {r["Element Name"] for n in ("Skills.tsv", "Knowledge.tsv") for r in tsv(ONET / n)}
    dwas = {r["DWA Title"] for r in tsv(ONET / "DWA Reference.tsv")}
    source = "11-3051.00"
    targets = read_targets(built, DEFAULT_BASE + f"onet-soc2019/{source}", labels)
    words = {0: "same job zone", 1: "1 job zone higher", -1: "1 job zone lower",
             2: "2 job zones higher", -2: "2 job zones lower"}
    assert any(t.skills for t in targets) and any(t.activities for t in targets)
    for t in targets:
        code = t.iri.rsplit("/", 1)[-1]
        assert set(t.skills) <= skills and set(t.activities) <= dwas
        if code in zones and source in zones:
            assert t.job_zone_text == words[zones[code] - zones[source]]
        if t.wage_ratio is not None:
            assert t.wage_text == f"median wage ×{float(t.wage_ratio):.2f}"
    html = Pages(DEFAULT_BASE, {}).render(
        "entity.html", page=type("Page", (), {"label": "x", "kinds": [], "iri": DEFAULT_BASE
                                              + f"onet-soc2019/{source}"})(), formats=[],
        transitions=targets, onet=None, activities=[]).decode()
    section = html[html.index('id="transitions"'):]
    assert "job zone 0" not in section and "job zone -" not in section
    # Regression (session 27's audit): the page shows the best 10 of the 20 kept, with no way
    # to the rest; it now links the stored queries that list them all
    assert (f'href="/queries/transitions-from?code={source}&amp;minWageRatio=0&amp;'
            'maxJobZoneStep=4"') in section
    assert f'href="/queries/transitions-into?code={source}"' in section
    assert section.count('class="shared-skills"') == sum(1 for t in targets if t.skills)
    # okg:sharedSkill holds knowledge areas too (session 28's skills audit: "Shared skills:
    # Telecommunications, English Language")
    assert section.count("Shared skills and knowledge: ") == sum(1 for t in targets if t.skills)
    assert section.count("(both under SOC 11-3051)") == sum(1 for t in targets if t.same_soc)
    # shared skills strongest first (the lower of the two importances), as the build chose
    # them (session 30's audit: the page showed them in store order, `kg transitions` A-Z)
    importance = {(r["O*NET-SOC Code"], r["Element Name"]): float(r["Data Value"])
                  for n in ("Skills.tsv", "Knowledge.tsv") for r in tsv(ONET / n)
                  if r["Scale ID"] == "IM"}
    ordered = 0
    for t in targets:
        code = t.iri.rsplit("/", 1)[-1]
        strength = [min(importance.get((source, s), 0), importance.get((code, s), 0))
                    for s in t.skills]
        assert strength == sorted(strength, reverse=True), (code, t.skills, strength)
        ordered += len(set(strength)) > 1
    assert ordered  # some order was there to keep
    assert ".;" not in section and "Shared:" not in section


# --- stored queries -----------------------------------------------------------------------

def _query_rows(dist: Path, capsys: pytest.CaptureFixture[str], name: str,
                *params: str) -> list[dict[str, str]]:
    argv = ["query", name, "--format", "csv", "--dist", str(dist)]
    for param in params:
        argv += ["--param", param]
    assert main(argv) == 0
    return list(csv.DictReader(capsys.readouterr().out.splitlines()))


def test_query_from_filters_on_wage_and_job_zone(dist: Path, built: ox.Store,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    every = _query_rows(dist, capsys, "transitions-from", "code=11-3051.00",
                        "minWageRatio=0", "maxJobZoneStep=4")
    # at 0 every kept move comes, those with no wage ratio (BLS gives no median) too
    assert every and all(float(r["wageRatio"]) > 0 for r in every if r["wageRatio"])
    assert any(not (r["wageRatio"] or r["wageRatioAtLeast"] or r["wageRatioAtMost"])
               for r in every)
    kept = _query_rows(dist, capsys, "transitions-from", "code=11-3051.00",
                       "minWageRatio=1.0", "maxJobZoneStep=0")
    assert kept == [r for r in every if r["wageRatio"] and float(r["wageRatio"]) >= 1.0
                    and int(r["jobZoneStep"]) <= 0]


def test_query_into_lists_the_sources(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _query_rows(dist, capsys, "transitions-into", "code=11-1021.00")
    assert {r["fromCode"] for r in rows} == described() - {"11-1021.00"}


def _shared_skill_names(store: ox.Store, transition: str) -> set[str]:
    rows = values(store, f"""SELECT ?label ?code WHERE {{ <{transition}> okg:sharedSkill ?s .
                              ?s skos:prefLabel ?label ; skos:notation ?code }}""")
    return {f"{r['label'].value} ({r['code'].value})" for r in rows}


def test_queries_name_each_shared_skill_with_its_element_id(
        dist: Path, built: ox.Store, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: transitions-from, -into and -chain concatenated the shared skills' labels
    only, so a transition sharing the skill 2.A.1.e and the knowledge area 2.C.4.a (both
    "Mathematics" in O*NET) listed one "Mathematics" (61 transitions of the full graph)."""
    def listed(row: dict[str, str]) -> set[str]:
        return set(row["sharedSkills"].split("; ")) if row["sharedSkills"] else set()

    base = f"{DEFAULT_BASE}transition/"
    rows = _query_rows(dist, capsys, "transitions-from", "code=11-3051.00",
                       "minWageRatio=0", "maxJobZoneStep=4")
    assert rows
    for row in rows:
        assert listed(row) == _shared_skill_names(built, f"{base}11-3051.00-to-{row['toCode']}")
    rows = _query_rows(dist, capsys, "transitions-into", "code=11-1021.00")
    assert rows
    for row in rows:
        assert listed(row) == _shared_skill_names(built, f"{base}{row['fromCode']}-to-11-1021.00")
    rows = _query_rows(dist, capsys, "transitions-chain", "fromCode=11-3051.00",
                       "toCode=11-1021.00")
    assert rows
    for row in rows:
        step = f"{base}{row['stepFrom'].split()[0]}-to-{row['stepTo'].split()[0]}"
        assert listed(row) == _shared_skill_names(built, step)


def test_query_chain_one_step_when_direct(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    rows = _query_rows(dist, capsys, "transitions-chain", "fromCode=11-3051.00",
                       "toCode=11-1021.00")
    assert rows and rows[0]["steps"] == "1" and rows[0]["step"] == "1"
    assert rows[0]["stepFrom"].startswith("11-3051.00 ")
    assert rows[0]["stepTo"].startswith("11-1021.00 ")


def test_query_chain_from_an_occupation_to_itself_is_none(
        dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the same code for start and end gave five A -> M -> A round trips."""
    rows = _query_rows(dist, capsys, "transitions-chain", "fromCode=11-3051.00",
                       "toCode=11-3051.00")
    assert rows == []
    assert _chains_from_graph_exist(dist, capsys)  # and a real pair still has chains


def _chains_from_graph_exist(dist: Path, capsys: pytest.CaptureFixture[str]) -> bool:
    return bool(_query_rows(dist, capsys, "transitions-chain", "fromCode=11-3051.00",
                            "toCode=11-1021.00"))


def _chains(store: ox.Store, source: str, target: str) -> list[tuple[str, ...]]:
    """The query's answer computed in Python from the graph's own transitions: the first five
    simple paths of 1-3 moves, fewest moves first, then strongest (product of the scores), then
    by transition IRIs."""
    edges: dict[str, list[tuple[str, str, float]]] = {}
    for r in values(store, """SELECT DISTINCT ?t ?from ?to ?score WHERE { ?t okg:fromOccupation
            ?f ; okg:toOccupation ?o ; okg:transitionScore ?score . ?f skos:notation ?from .
            ?o skos:notation ?to }"""):
        edges.setdefault(r["from"].value, []).append(
            (r["t"].value, r["to"].value, float(r["score"].value)))
    paths: list[tuple[int, float, tuple[str, ...], tuple[str, ...]]] = []
    stack: list[tuple[tuple[str, ...], tuple[str, ...], float]] = [((source,), (), 1.0)]
    while stack:
        nodes, moves, strength = stack.pop()
        for node, to, score in edges.get(nodes[-1], []):
            if to == target:
                paths.append((len(moves) + 1, strength * score, moves + (node,), nodes + (to,)))
            elif to not in nodes and len(moves) < 2:
                stack.append((nodes + (to,), moves + (node,), strength * score))
    return [p[3] for p in sorted(paths, key=lambda p: (p[0], -p[1], p[2]))[:5]]


def test_query_chain_finds_the_shortest_strongest_chains(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Every pair of the slice's occupations, with only the top 1, then 2 moves kept, so that
    chains of two and three moves (and none) occur; checked against a search in Python."""
    lengths = set()
    for limit in (1, 2):
        store = slice_store()
        add_transitions(store, DEFAULT_BASE, limit=limit)
        dist = write_dist(store, tmp_path / f"top{limit}")
        for source in sorted(described()):
            for target in sorted(described() - {source}):
                rows = _query_rows(dist, capsys, "transitions-chain", f"fromCode={source}",
                                   f"toCode={target}")
                chains: dict[str, list[dict[str, str]]] = {}
                for row in rows:
                    chains.setdefault(row["chain"], []).append(row)
                found = [tuple([steps[0]["stepFrom"].split()[0]]
                               + [r["stepTo"].split()[0] for r in steps])
                         for steps in chains.values()]
                assert found == _chains(store, source, target), (limit, source, target)
                # the chain column names it by its codes (it was three bare IRIs)
                assert list(chains) == [" > ".join(codes) for codes in found]
                lengths |= {len(c) - 1 for c in found}
    assert lengths == {1, 2, 3}  # the test sees more than direct moves


def test_cli_limit_past_a_sparql_integer_gives_every_transition(
        dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `--limit 9223372036854775808` (2^63) said "no transitions from 11-3051.00"
    (the query's integer literal matched nothing); `--limit 0` is a usage error."""
    assert main(["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist)]) == 0
    default = capsys.readouterr().out
    argv = ["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist), "--limit"]
    assert main([*argv, str(2**63)]) == 0
    every = capsys.readouterr().out
    assert main([*argv, "1000"]) == 0
    assert capsys.readouterr().out == every
    assert every.startswith(default.splitlines()[0]) and len(every) >= len(default)
    with pytest.raises(SystemExit) as stopped:
        main([*argv, "0"])
    assert stopped.value.code == 2
    assert "argument --limit: '0': must be at least 1" in capsys.readouterr().err


# --- wage ratios of top-coded and hourly-only medians (regressions) -------------------------

def _oews_slice() -> dict[str, dict[str, str]]:
    return {r["OCC_CODE"]: r for r in tsv(DATA / "bls_oews_may2024_national" /
                                           "national_M2024_dl.tsv")}


def _slice_with_onet_rows_of(tmp_path: Path, code: str) -> ox.Store:
    """The slices' store with transitions, O*NET's own rows for one more occupation (from
    ../shared's O*NET 29.3) added to the slice copy so that it is scored."""
    from tests.conftest import SHARED

    full = SHARED / "data" / "onet_db_29_3"
    if not full.is_dir():
        pytest.skip(f"O*NET 29.3 is not at {full}")
    folder = _copy_onet(tmp_path)
    for name in ("Occupation Data", "Job Zones", "Skills", "Knowledge"):
        rows = [line for line in (full / f"{name}.tsv").read_text(encoding="utf-8")
                .splitlines(keepends=True) if line.startswith(code + "\t")]
        assert rows, name
        with (folder / f"{name}.tsv").open("a", encoding="utf-8") as handle:
            handle.writelines(rows)
    store = slice_store(folder)
    assert add_transitions(store, DEFAULT_BASE) > 0
    return store


def _wage_ratios(store: ox.Store) -> dict[tuple[str, str, str], float]:
    return {(r["from"].value, r["to"].value, r["p"].value[len(str(OKG)):]): float(r["v"].value)
            for r in values(store, """SELECT ?from ?to ?p ?v WHERE { ?t okg:fromOccupation ?f ;
                okg:toOccupation ?o ; ?p ?v . ?f skos:notation ?from . ?o skos:notation ?to .
                VALUES ?p { okg:wageRatio okg:wageRatioAtLeast okg:wageRatioAtMost } }""")}


def test_an_hourly_only_occupation_is_compared_by_hourly_medians(tmp_path: Path) -> None:
    """Regression: BLS publishes only an hourly wage for Actors (27-2011: A_MEDIAN "*", HOURLY
    TRUE); the annual median of their broad group 27-2010, mostly Producers and Directors
    ($78,000), stood in for it (Actors -> Dancers 0.654 where the hourly medians give 1.03; 48
    transitions of the full graph). The slice has no 27-2010, so before the fix Actors had no
    ratio at all here; now the hourly medians give one."""
    oews = _oews_slice()
    assert oews["27-2011"]["A_MEDIAN"] == "*" and oews["27-2011"]["H_MEDIAN"] not in ("*", "#")
    store = _slice_with_onet_rows_of(tmp_path, "27-2011.00")
    ratio = _wage_ratios(store)
    hourly = {c: float(oews[c]["H_MEDIAN"]) for c in ("27-2011", "11-3051")}
    assert ratio[("11-3051.00", "27-2011.00", "wageRatio")] == round(
        hourly["27-2011"] / hourly["11-3051"], 3)
    assert ratio[("27-2011.00", "11-3051.00", "wageRatio")] == round(
        hourly["11-3051"] / hourly["27-2011"], 3)
    # two occupations with annual medians are still compared by them
    assert ratio[("11-3051.00", "11-3051.01", "wageRatio")] == 1.0


def test_a_top_coded_median_gives_only_a_bound(tmp_path: Path,
                                               capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: OEWS's "#" median ($239,200 or more, okg:isLowerBound) was divided as if it
    were exact (666 of the full graph's 18,460 transitions, e.g. Cardiologists -> Pediatricians
    0.878 passed transitions-from's 0.8 test on a number that is only an upper bound). The OEWS
    slice top-codes Oral and Maxillofacial Surgeons (29-1022); O*NET's own rows for 29-1022.00
    are added to the slice copy from ../shared so that it is scored."""
    oews = _oews_slice()
    assert oews["29-1022"]["A_MEDIAN"] == "#" and oews["11-3051"]["A_MEDIAN"] != "#"
    store = _slice_with_onet_rows_of(tmp_path, "29-1022.00")
    ratio = _wage_ratios(store)
    median = float(oews["11-3051"]["A_MEDIAN"].replace(",", ""))
    top = float(bls.TOP_CODE["USDollarsPerYear"])  # the figure "#" stands for, per BLS
    assert ratio[("11-3051.00", "29-1022.00", "wageRatioAtLeast")] == round(top / median, 3)
    assert ratio[("29-1022.00", "11-3051.00", "wageRatioAtMost")] == round(median / top, 3)
    assert ("11-3051.00", "29-1022.00", "wageRatio") not in ratio
    assert ("29-1022.00", "11-3051.00", "wageRatio") not in ratio
    assert ratio[("11-3051.00", "11-3051.01", "wageRatio")] == 1.0
    per_pair: dict[tuple[str, str], int] = {}
    for source, target, _ in ratio:
        per_pair[(source, target)] = per_pair.get((source, target), 0) + 1
    assert set(per_pair.values()) == {1}  # never an exact ratio and a bound together
    # each transition names the SOC codes whose figures it shows
    named = {(r["from"].value, r["to"].value): (r["sw"].value, r["tw"].value)
             for r in values(store, """SELECT ?from ?to ?sw ?tw WHERE { ?t okg:fromOccupation ?f ;
                 okg:toOccupation ?o ; okg:sourceWageOccupation ?sw ;
                 okg:targetWageOccupation ?tw . ?f skos:notation ?from .
                 ?o skos:notation ?to }""")}
    soc = f"{DEFAULT_BASE}soc2018/"
    assert named[("29-1022.00", "11-3051.00")] == (soc + "29-1022", soc + "11-3051")
    # the transitions pass the shapes, and the table and the query say the bound
    graph = Graph()
    graph.parse(data="".join(f"{q.subject} {q.predicate} {q.object} .\n" for q in
                             store.quads_for_pattern(None, None, None, TRANSITIONS)), format="nt")
    assert [f for f in shacl_findings(graph, load_shapes()) if f.severity == "Violation"] == []
    dist = write_dist(store, tmp_path / "dist")
    assert main(["transitions", "29-1022.00", "--dist", str(dist)]) == 0
    table = capsys.readouterr().out
    assert f"median wage ×{median / top:.2f} or less" in table
    assert main(["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist)]) == 0
    rows = {r["to_code"]: r for r in csv.DictReader(capsys.readouterr().out.splitlines())}
    assert rows["29-1022.00"]["wage_ratio"] == ""
    assert float(rows["29-1022.00"]["wage_ratio_at_least"]) == round(top / median, 3)
    assert rows["29-1022.00"]["target_wage_soc"] == "29-1022"
    assert rows["11-3051.01"]["target_outlook_soc"] == "11-3051"
    for low, kept in (("1.9", True), ("2.5", False)):
        assert main(["query", "transitions-from", "--param", "code=11-3051.00",
                     "--param", f"minWageRatio={low}", "--param", "maxJobZoneStep=4",
                     "--format", "csv", "--dist", str(dist)]) == 0
        assert ("29-1022.00" in capsys.readouterr().out) == kept
    # An upper bound proves no positive least ratio. Regression (session 27's audit): it was
    # left out even at minWageRatio=0, where every ratio passes, so the 21 top-coded
    # occupations of the full graph (the physicians) had no rows at all; it now comes, bound
    # shown.
    for low, kept in (("0", True), ("0.01", False)):
        assert main(["query", "transitions-from", "--param", "code=29-1022.00",
                     "--param", f"minWageRatio={low}", "--param", "maxJobZoneStep=4",
                     "--format", "csv", "--dist", str(dist)]) == 0
        found = {r["toCode"]: r for r in csv.DictReader(capsys.readouterr().out.splitlines())}
        assert ("11-3051.00" in found) == kept, low
    assert main(["query", "transitions-from", "--param", "code=29-1022.00",
                 "--param", "minWageRatio=0", "--param", "maxJobZoneStep=4",
                 "--format", "csv", "--dist", str(dist)]) == 0
    found = {r["toCode"]: r for r in csv.DictReader(capsys.readouterr().out.splitlines())}
    assert float(found["11-3051.00"]["wageRatioAtMost"]) == round(median / top, 3)
    assert found["11-3051.00"]["wageRatio"] == ""
    # Regression (session 26's audit): a well-formed code that no occupation has answered with
    # no rows and no word; an empty answer now says which code the graph does not hold.
    assert main(["query", "transitions-from", "--param", "code=99-9999.00",
                 "--dist", str(dist)]) == 0
    err = capsys.readouterr().err
    assert "kg: note: no O*NET-SOC 2019 occupation has the code 99-9999.00 in this graph" in err
    assert main(["query", "transitions-from", "--param", "code=29-1022.00",
                 "--param", "minWageRatio=100", "--dist", str(dist)]) == 0
    assert "note" not in capsys.readouterr().err  # a known code: an empty answer is the answer


def test_many_to_many_crosswalk_rows_carry_esco_occupations() -> None:
    """Regression: the scorer read the O*NET 2010 -> 2019 crosswalk's exact, close, broad and
    narrow matches but not its many-to-many rows (skos:relatedMatch), so Software Developers
    (15-1252.00, from 15-1132.00 and 15-1133.00) and 12 other occupations had no ESCO skills:
    175 transitions of the full graph without an ESCO similarity. Read from ../shared's
    crosswalks."""
    from tests.conftest import SHARED

    taxonomy = SHARED / "data" / "onet_soc_2019_taxonomy"
    nesta = SHARED / "data" / "crosswalk_esco_onet_nesta_2020"
    if not (taxonomy.is_dir() and nesta.is_dir()):
        pytest.skip(f"the crosswalks are not in {SHARED / 'data'}")
    from kg.transitions.profiles import esco_occupations

    old = {r["O*NET-SOC 2010 Code"] for r in tsv(taxonomy / "2010_to_2019_Crosswalk.tsv")
           if r["O*NET-SOC 2019 Code"] == "15-1252.00"}
    assert old == {"15-1132.00", "15-1133.00"}
    with (nesta / "esco_onet_crosswalk_Nov2020.csv").open(encoding="utf-8") as handle:
        expected = {r["concept_uri"] for r in csv.DictReader(handle)
                    if r["onet_code"] in old}
    store = ox.Store()
    for importer, folder in ((onet_soc.IMPORTER, taxonomy), (esco_onet.IMPORTER, nesta)):
        graph = ox.NamedNode(importer.graph_iri(DEFAULT_BASE))
        store.extend(ox.Quad(s, p, o, graph) for s, p, o in
                     importer.triples(folder, Context(progress=False)))
    found = esco_occupations(store, {"15-1252.00"}, DEFAULT_BASE)
    assert expected and found["15-1252.00"] == expected


def test_a_code_with_a_trailing_newline_is_refused_in_one_line(
        dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: "11-3051.00\\n" passed the code's pattern ("$" matches before a final
    newline), reached the SPARQL text and came back as pyoxigraph's traceback."""
    assert main(["transitions", "11-3051.00\n", "--dist", str(dist)]) != 0
    err = capsys.readouterr().err
    assert "is not an O*NET-SOC code" in err and "Traceback" not in err


def test_shared_skills_that_share_a_label_stay_apart() -> None:
    """Regression: O*NET names the skill 2.A.1.e and the knowledge area 2.C.4.a both
    "Mathematics"; the CLI, the page and the queries showed one where a transition shares both
    (61 transitions of the full graph). A shared label now carries each element's ID."""
    from kg.transitions.wording import distinct_names

    rows = [r for n in ("Skills.tsv", "Knowledge.tsv") for r in tsv(ONET / n)
            if r["Element Name"] == "Mathematics" and r["O*NET-SOC Code"] == "11-3051.00"
            and r["Scale ID"] == "IM"]
    pairs = [(r["Element Name"], r["Element ID"]) for r in rows]
    assert len({code for _, code in pairs}) == 2
    assert distinct_names([*pairs, ("Production and Processing", "2.C.1.d")]) == [
        f"Mathematics ({code})" for _, code in pairs] + ["Production and Processing"]


def test_cli_json_gives_numbers_and_nulls(dist: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: `--format json` gave every number as a string and a missing one as ""."""
    import json

    assert main(["transitions", "11-3051.00", "--format", "csv", "--dist", str(dist)]) == 0
    rows = list(csv.DictReader(capsys.readouterr().out.splitlines()))
    assert main(["transitions", "11-3051.00", "--format", "json", "--dist", str(dist)]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert len(answer) == len(rows) > 0
    for text, typed in zip(rows, answer, strict=True):
        assert typed["rank"] == int(text["rank"]) and typed["score"] == float(text["score"])
        assert typed["to_code"] == text["to_code"]
        for name, value in text.items():
            assert (typed[name] is None) == (value == "")
    assert any(r["wage_ratio_at_most"] is None for r in answer)


def test_a_soc_code_is_a_usage_error_with_the_query_commands_hint(
        dist: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (session 27's audit): `kg transitions 11-3051` exited 1 with no hint, where
    `kg query` refuses the same code as a usage error (2) and names the O*NET-SOC code meant;
    `--limit 25` silently gave the 20 the build keeps."""
    assert main(["transitions", "11-3051", "--dist", str(dist)]) == 2
    err = capsys.readouterr().err
    assert "its O*NET-SOC code is 11-3051.00" in err
    # a group or BLS's total is no occupation (session 36's review: "00-0000.00")
    assert main(["transitions", "00-0000", "--dist", str(dist)]) == 2
    err = capsys.readouterr().err
    assert "00-0000 is a SOC group or total, not an occupation" in err
    assert "00-0000.00" not in err
    assert main(["transitions", "11305100", "--dist", str(dist)]) == 2
    assert "did you mean 11-3051.00?" in capsys.readouterr().err
    assert main(["transitions", "--dist", str(dist)]) == 2  # neither CODE nor --all
    assert "give one O*NET-SOC CODE" in capsys.readouterr().err
    assert main(["transitions", "11-3051.00", "--limit", "25", "--format", "csv",
                 "--dist", str(dist)]) == 0
    out, err = capsys.readouterr()
    shown = len(out.splitlines()) - 1
    assert 0 < shown < 20 and "note" not in err  # the slices' 11-3051.00 has fewer than 20
    import kg.cli.transitions

    monkeypatch.setattr(kg.cli.transitions, "KEPT_PER_SOURCE", shown)  # as if kept so many
    assert main(["transitions", "11-3051.00", "--limit", "25", "--format", "csv",
                 "--dist", str(dist)]) == 0
    assert f"the build keeps {shown} transitions an occupation" in capsys.readouterr().err


def test_the_table_names_the_codes_whose_wages_stand_in() -> None:
    """Regression (session 27's audit): `kg transitions 13-1021.00` printed "median wage
    ×1.00 ... growth 5.8% (13-1020)": the growth named the group whose figure stands in, the
    wage ratio did not, though both medians were the one figure of group 13-1020."""
    from kg.cli.transitions import COLUMNS, _table

    row = dict.fromkeys(COLUMNS, "")
    row.update(from_code="13-1021.00", from_title="Buyers", to_code="13-1023.00",
               to_title="Purchasing Agents", rank="1", score="0.85", wage_ratio="1",
               job_zone_step="0", target_growth_pct="5.8", source_wage_soc="13-1020",
               target_wage_soc="13-1020", target_outlook_soc="13-1020")
    assert "median wage ×1.00 (from 13-1020, to 13-1020)" in _table([row])
    row.update(source_wage_soc="13-1021", target_wage_soc="13-1023")  # their own figures
    assert "median wage ×1.00  " in _table([row])


def test_page_section_gives_growth_and_names_stand_in_codes() -> None:
    """Regression (session 27's audit): the page's moves had no outlook, and a ratio of one
    group's median to itself read "median wage ×1.00" with nothing to say so; `kg transitions`
    gave both. Figures as the full graph states them for 13-1021.00 -> 13-1023.00."""
    from kg.serve.pages import Pages
    from kg.serve.transitions_section import read_targets

    base, okg = DEFAULT_BASE, str(OKG)
    t, a, b = (f"{base}transition/13-1021.00-to-13-1023.00", f"{base}onet-soc2019/13-1021.00",
               f"{base}onet-soc2019/13-1023.00")
    xsd = "http://www.w3.org/2001/XMLSchema#"
    lines = [f"<{t}> <{okg}fromOccupation> <{a}> .", f"<{t}> <{okg}toOccupation> <{b}> .",
             f'<{t}> <{okg}transitionRank> "1"^^<{xsd}integer> .',
             f'<{t}> <{okg}transitionScore> "0.851"^^<{xsd}decimal> .',
             f'<{t}> <{okg}wageRatio> "1"^^<{xsd}decimal> .',
             f'<{t}> <{okg}targetEmploymentChange> "5.8"^^<{xsd}decimal> .',
             f"<{t}> <{okg}sourceWageOccupation> <{base}soc2018/13-1020> .",
             f"<{t}> <{okg}targetWageOccupation> <{base}soc2018/13-1020> .",
             f"<{t}> <{okg}targetOutlookOccupation> <{base}soc2018/13-1020> ."]
    store = store_of(lines, base + "graph/transitions")
    (target,) = read_targets(store, a, {b: "Purchasing Agents"})
    assert (target.growth, target.outlook_code, target.wage_stand_ins) == (
        "5.8", "13-1020", "from 13-1020, to 13-1020")
    html = Pages(base, {}).render(
        "entity.html", page=type("Page", (), {"label": "x", "kinds": [], "iri": a})(),
        formats=[], transitions=[target], onet=None, activities=[]).decode()
    assert "median wage ×1.00 (from 13-1020, to 13-1020)" in html
    assert "growth 5.8% (13-1020)" in html


def test_page_section_names_a_different_entry_education() -> None:
    """Regression (session 30's career-guidance audit): Registered Nurses -> Obstetricians and
    Gynecologists read "1 job zone higher" only, like any move; BLS's typical entry education
    of the target is now named where it differs from the occupation's own."""
    from kg.serve.transitions_section import read_targets

    base = "http://x.org/id/"
    store = ox.Store()
    store.load(f"""
@prefix okg: <{OKG}> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix id: <{base}> .
id:onet-soc2019\\/29-1141.00 skos:closeMatch id:soc2018\\/29-1141 .
id:onet-soc2019\\/29-1218.00 skos:closeMatch id:soc2018\\/29-1218 .
id:onet-soc2019\\/29-2061.00 skos:exactMatch id:soc2018\\/29-2061 .
id:onet-soc2019\\/29-1141.03 skos:broadMatch id:soc2018\\/29-1141 .
id:soc2018\\/29-1141 okg:typicalEntryEducation id:edu\\/bachelor .
id:soc2018\\/29-1218 okg:typicalEntryEducation id:edu\\/doctoral .
id:soc2018\\/29-2061 okg:typicalEntryEducation id:edu\\/postsecondary .
id:t1 okg:fromOccupation id:onet-soc2019\\/29-1141.00 ;
   okg:toOccupation id:onet-soc2019\\/29-1218.00 ;
   okg:transitionRank 1 ; okg:transitionScore 0.3 .
id:t2 okg:fromOccupation id:onet-soc2019\\/29-1141.00 ;
   okg:toOccupation id:onet-soc2019\\/29-2061.00 ;
   okg:transitionRank 2 ; okg:transitionScore 0.2 .
id:t3 okg:fromOccupation id:onet-soc2019\\/29-1141.00 ;
   okg:toOccupation id:onet-soc2019\\/29-1141.03 ;
   okg:transitionRank 3 ; okg:transitionScore 0.1 .
""".encode(), format=ox.RdfFormat.TURTLE)
    labels = {base + "edu/bachelor": "Bachelor's degree",
              base + "edu/doctoral": "Doctoral or professional degree",
              base + "edu/postsecondary": "Postsecondary nondegree award"}
    source = base + "onet-soc2019/29-1141.00"
    found = read_targets(store, source, labels, public_base=base)
    assert [t.entry_education for t in found] == [
        "Doctoral or professional degree", "Postsecondary nondegree award", None]
    assert all(t.entry_education is None for t in read_targets(store, source, labels))
