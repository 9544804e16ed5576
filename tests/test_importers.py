"""Importers against small slices of the real files (tests/data), plus bad-input behaviour."""

from __future__ import annotations

import csv
import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.importers import IMPORTERS, ImportFailed, write
from kg.importers.base import decimal
from kg.literals import decimal_literal

DATA = Path(__file__).parent / "data"
ID = "https://w3id.org/occupation-kg/id/"
OKG = "https://w3id.org/occupation-kg/ontology#"
SKOS = "http://www.w3.org/2004/02/skos/core#"


class Parsed:
    """The quads of an import output, as written (a Store would re-canonicalise decimals)."""

    def __init__(self, path: Path, fmt: ox.RdfFormat):
        self.quads = list(ox.parse(path=str(path), format=fmt))
        self.index: dict[tuple[str, str], set[str]] = {}
        for q in self.quads:
            self.index.setdefault((q.subject.value, q.predicate.value), set()).add(q.object.value)


def run(name: str, tmp_path: Path, folder: Path | None = None, suffix: str = ".nt") -> Parsed:
    importer = IMPORTERS[name]
    out = tmp_path / f"{name}{suffix}"
    write(importer, folder or DATA / importer.info.folder, out, progress=False)
    fmt = ox.RdfFormat.N_QUADS if suffix == ".nq" else ox.RdfFormat.N_TRIPLES
    return Parsed(out, fmt)


def values(parsed: Parsed, s: str, p: str) -> set[str]:
    return parsed.index.get((s, p), set())


def tsv_row(path: Path, **match: str) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            if all(row[k].strip() == v for k, v in match.items()):
                return row
    raise AssertionError(f"no row {match} in {path}")


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_every_importer_runs_on_its_slice_and_describes_its_edition(name: str, tmp_path: Path):
    importer = IMPORTERS[name]
    store = run(name, tmp_path, suffix=".nq")
    assert {q.graph_name.value for q in store.quads} == {importer.graph_iri()}
    node = importer.dataset_iri()
    assert "http://www.w3.org/ns/dcat#Dataset" in values(
        store, node, "http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
    assert values(store, node, "http://purl.org/dc/terms/license") == {importer.info.license}
    assert values(store, node, "http://www.w3.org/ns/dcat#version") == {importer.info.version}
    assert values(store, node, "http://purl.org/dc/terms/bibliographicCitation")


def test_output_is_deterministic(tmp_path: Path):
    importer = IMPORTERS["onet"]
    folder = DATA / importer.info.folder
    write(importer, folder, tmp_path / "a.nt", progress=False)
    write(importer, folder, tmp_path / "b.nt", progress=False)
    assert (tmp_path / "a.nt").read_bytes() == (tmp_path / "b.nt").read_bytes()


def test_soc_hierarchy(tmp_path: Path):
    store = run("soc2018", tmp_path)
    detailed = ID + "soc2018/11-3051"
    assert values(store, detailed, SKOS + "broader") == {ID + "soc2018/11-3050"}
    assert values(store, ID + "soc2018/11-3050", SKOS + "broader") == {ID + "soc2018/11-3000"}
    assert values(store, ID + "soc2018/11-3000", SKOS + "broader") == {ID + "soc2018/11-0000"}
    assert values(store, detailed, SKOS + "notation") == {"11-3051"}
    assert values(store, detailed, SKOS + "prefLabel") == {"Industrial Production Managers"}
    assert not values(store, ID + "soc2018/11-3051.01", SKOS + "prefLabel")


def test_naics_ranges(tmp_path: Path):
    store = run("naics2022", tmp_path)
    assert values(store, ID + "naics2022/311", SKOS + "broader") == {ID + "naics2022/31-33"}
    assert values(store, ID + "naics2022/311111", SKOS + "broader") == {ID + "naics2022/31111"}
    assert values(store, ID + "naics2022/336", SKOS + "prefLabel") == {
        "Transportation Equipment Manufacturing"}


def test_isco_reuses_esco_iris(tmp_path: Path):
    store = run("isco08", tmp_path)
    c1321 = "http://data.europa.eu/esco/isco/C1321"
    assert values(store, c1321, SKOS + "prefLabel") == {"Manufacturing managers"}
    assert values(store, c1321, SKOS + "broader") == {"http://data.europa.eu/esco/isco/C132"}
    store = run("isco08-soc2010-bls", tmp_path)
    assert values(store, ID + "soc2010/11-3051", SKOS + "exactMatch") == {c1321}


def test_onet_soc_crosswalk(tmp_path: Path):
    store = run("onet-soc-2019", tmp_path)
    assert values(store, ID + "onet-soc2019/11-3051.00", SKOS + "closeMatch") == {
        ID + "soc2018/11-3051"}
    assert values(store, ID + "onet-soc2019/11-3051.01", SKOS + "broadMatch") == {
        ID + "soc2018/11-3051"}


def test_onet_ratings_match_the_slice(tmp_path: Path):
    store = run("onet", tmp_path)
    for scale in ("IM", "LV"):
        row = tsv_row(DATA / "onet_db_29_3" / "Skills.tsv", **{
            "O*NET-SOC Code": "11-3051.00", "Element ID": "2.B.1.b", "Scale ID": scale})
        node = ID + f"onet-rating/11-3051.00-2.b.1.b-{scale.lower()}"
        assert values(store, node, OKG + "ratingValue") == {
            str(decimal_literal(Decimal(row["Data Value"])))}
        assert values(store, node, OKG + "ratedElement") == {ID + "onet-element/2.b.1.b"}
        assert values(store, node, OKG + "ratedOccupation") == {ID + "onet-soc2019/11-3051.00"}
        assert values(store, node, OKG + "sampleSize") == {row["N"]}
    assert values(store, ID + "onet-rating/11-3051.00-2.b.1.b-im", OKG + "ratingValue") == {
        "4.0"}
    assert values(store, ID + "onet-element/2.b.1.b", SKOS + "prefLabel") == {"Coordination"}
    tasks = values(store, ID + "onet-soc2019/11-3051.00", OKG + "hasTask")
    assert ID + "onet-task/39" in tasks
    assert values(store, ID + "onet-task/39", OKG + "taskCategory") == {"Core"}
    assert "Production Manager" in values(store, ID + "onet-soc2019/11-3051.00",
                                          SKOS + "altLabel")
    assert values(store, ID + "onet-soc2019/11-3051.00", OKG + "jobZone")


def test_esco(tmp_path: Path):
    store = run("esco", tmp_path)
    ipm = "http://data.europa.eu/esco/occupation/eb9479c6-5fdf-4f45-ace4-28b547b8c7e5"
    esco = "http://data.europa.eu/esco/model#"
    assert values(store, ipm, SKOS + "prefLabel") == {"industrial production manager"}
    assert values(store, ipm, esco + "memberOfISCOGroup") == {
        "http://data.europa.eu/esco/isco/C1321"}
    assert len(values(store, ipm, esco + "relatedEssentialSkill")) + len(
        values(store, ipm, esco + "relatedOptionalSkill")) == 32
    lean = "http://data.europa.eu/esco/skill/82fea746-853f-4f1b-8ab7-55de8619cccd"
    assert values(store, lean, esco + "skillType") == {
        "http://data.europa.eu/esco/skill-type/knowledge"}
    assert values(store, lean, esco + "skillReuseLevel") == {
        "http://data.europa.eu/esco/skill-reuse-level/cross-sector"}


def test_oews_observation_like_the_seed(tmp_path: Path):
    store = run("bls-oews", tmp_path)
    row = tsv_row(DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv",
                  OCC_CODE="11-3051")
    obs = ID + "observation/bls-oews-2024-05-11-3051-annual-wage-median"
    value = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
    assert values(store, obs, value) == {str(decimal_literal(Decimal(row["A_MEDIAN"])))}
    assert values(store, obs, value) == {"121440.0"}
    assert values(store, obs, OKG + "occupation") == {ID + "soc2018/11-3051"}
    assert values(store, obs, OKG + "industry") == {ID + "industry/all-industries"}
    assert values(store, obs, OKG + "statistic") == {OKG + "annualWageMedian"}
    assert values(store, obs, "http://purl.org/linked-data/sdmx/2009/dimension#refPeriod") == {
        ID + "period/2024-05"}
    assert values(store, obs, "http://www.w3.org/ns/prov#wasDerivedFrom") == {
        IMPORTERS["bls-oews"].dataset_iri()}
    assert not values(store, ID + "observation/bls-oews-2024-05-00-0000-employment",
                      OKG + "statistic")


def test_projections_in_jobs(tmp_path: Path):
    store = run("bls-projections", tmp_path)
    value = "http://purl.org/linked-data/sdmx/2009/measure#obsValue"
    base = ID + "observation/bls-ep-2024-34-11-3051-"
    assert values(store, base + "employment-2024", value) == {"241900.0"}
    assert values(store, base + "annual-openings", value) == {"17100.0"}
    assert values(store, base + "projected-change-percent", value) == {"1.9"}


def test_decimal_is_the_builders_canonical_form():
    for text in ("4", "4.00", "0.125", "121440", "-8", "1E+2"):
        assert decimal(text, Path("x"), 1, "v").value == str(decimal_literal(Decimal(text)))


# --- bad input ---------------------------------------------------------------------------------


def copy_slice(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(DATA / IMPORTERS[name].info.folder, folder)
    return folder


def expect_failure(name: str, folder: Path, tmp_path: Path, file: str, line: int | None,
                   text: str) -> None:
    out = tmp_path / "out" / "x.nt"
    with pytest.raises(ImportFailed) as info:
        write(IMPORTERS[name], folder, out, progress=False)
    message = str(info.value)
    assert file in message and text in message
    if line is not None:
        assert f":{line}:" in message
    assert not out.exists()
    assert not list(out.parent.glob("*.part"))


def test_truncated_tsv(tmp_path: Path):
    folder = copy_slice("onet", tmp_path)
    path = folder / "Skills.tsv"
    data = path.read_text(encoding="utf-8")
    cut = data.rstrip("\n").rsplit("\t", 5)[0] + "\n"
    path.write_text(cut, encoding="utf-8")
    line = cut.count("\n")
    expect_failure("onet", folder, tmp_path, "Skills.tsv", line, "columns")


def test_truncated_csv_inside_a_quoted_cell(tmp_path: Path):
    folder = copy_slice("esco", tmp_path)
    path = folder / "skills_en.csv"
    data = path.read_text(encoding="utf-8")
    path.write_text(data[: data.rindex('"', 0, len(data) - 2) - 40], encoding="utf-8")
    expect_failure("esco", folder, tmp_path, "skills_en.csv", None, "skills_en.csv")


def test_bad_code(tmp_path: Path):
    folder = copy_slice("soc2018", tmp_path)
    path = folder / "SOC_Structure.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, ln in enumerate(lines, 1) if "\t11-3051\t" in ln)
    lines[number - 1] = lines[number - 1].replace("11-3051", "11-30X1")
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure("soc2018", folder, tmp_path, "SOC_Structure.tsv", number, "malformed")


def test_missing_header_column(tmp_path: Path):
    folder = copy_slice("bls-oews", tmp_path)
    path = folder / "national_M2024_dl.tsv"
    path.write_text(path.read_text(encoding="utf-8").replace("A_MEDIAN", "A_MEDIAM", 1),
                    encoding="utf-8")
    expect_failure("bls-oews", folder, tmp_path, "national_M2024_dl.tsv", 1, "A_MEDIAN")


def test_missing_file_and_previous_output_kept(tmp_path: Path):
    folder = copy_slice("naics2022", tmp_path)
    out = tmp_path / "out" / "x.nt"
    out.parent.mkdir()
    out.write_text("previous\n")
    (folder / "2-6_digit_2022_Codes.tsv").unlink()
    with pytest.raises(ImportFailed, match="no such file"):
        write(IMPORTERS["naics2022"], folder, out, progress=False)
    assert out.read_text() == "previous\n"
