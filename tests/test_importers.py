"""Importers against small slices of the real files (tests/data), plus bad-input behaviour."""

from __future__ import annotations

import csv
import re
import shutil
from decimal import Decimal
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.sources.curated.literals import decimal_literal
from kg.sources.importers import IMPORTERS, ImportFailed, write
from kg.sources.importers.base import decimal

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
    (citation,) = values(store, node, "http://purl.org/dc/terms/bibliographicCitation")
    # Each sentence once: O*NET's citation said "Used under the CC BY 4.0 license." twice.
    sentences = [s for s in re.split(r"\.\s+", citation) if len(s) > 15]
    assert len(sentences) == len(set(sentences)), citation


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
    # Regression (session 29's audit): `?x a schema:Occupation` found no O*NET-SOC occupation
    # (the pages' JSON-LD called each one so). Every row of the slice's 2019_Occupations.tsv:
    path = DATA / "onet_soc_2019_taxonomy" / "2019_Occupations.tsv"
    codes = [line.split("\t", 1)[0] for line in path.read_text(encoding="utf-8").splitlines()[1:]]
    assert codes
    for code in codes:
        assert values(store, ID + f"onet-soc2019/{code}",
                      "http://www.w3.org/1999/02/22-rdf-syntax-ns#type") == {
            SKOS + "Concept", "https://schema.org/Occupation"}, code


def test_two_onet_editions_give_one_definition(tmp_path: Path):
    """Regression (session 34's audit): 2019_Occupations.tsv has 29-2012.01's description with
    a double space where O*NET 29.3's Occupation Data.tsv has one, and the full graph gave
    Histology Technicians two skos:definition values."""
    folder = copy_slice("onet-soc-2019", tmp_path)
    path = folder / "2019_Occupations.tsv"
    text = tsv_row(DATA / "onet_db_29_3" / "Occupation Data.tsv",
                   **{"O*NET-SOC Code": "11-3051.01"})["Description"]
    _set_tsv_cells(path, "11-3051.01\t", **{"O*NET-SOC 2019 Description":
                                             text.replace(". ", ".  ", 1)})
    node = ID + "onet-soc2019/11-3051.01"
    assert "  " in path.read_text(encoding="utf-8")
    assert values(run("onet-soc-2019", tmp_path, folder), node, SKOS + "definition") == values(
        run("onet", tmp_path), node, SKOS + "definition") == {text}


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
    # All Occupations, the national benchmark (session 36's client audit: it was left out, so
    # an analyst had no figure to compare an occupation's with): a concept of BLS's aggregates
    total = tsv_row(DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv",
                    OCC_CODE="00-0000")
    whole = ID + "observation/bls-oews-2024-05-00-0000-annual-wage-median"
    assert values(store, whole, value) == {str(decimal_literal(Decimal(total["A_MEDIAN"])))}
    assert values(store, ID + "soc2018/00-0000",
                  "http://www.w3.org/2004/02/skos/core#prefLabel") == {total["OCC_TITLE"]}
    assert values(store, ID + "soc2018/00-0000",
                  "http://www.w3.org/2004/02/skos/core#inScheme") == {
        ID + "scheme/bls-all-occupations"}


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


def test_an_unclosed_quote_is_reported_where_its_row_starts(tmp_path: Path):
    """Regression: a quote opened in line 3 of a CSV file (the Nesta crosswalk) and never
    closed was reported at the line where the reader gave up, the file's last."""
    from kg.sources.importers.base import Context

    path = tmp_path / "table.csv"
    path.write_text('a,b\n1,x\n2,"y\n3,z\n4,w\n', encoding="utf-8")
    ctx = Context(name="test", progress=False)
    with pytest.raises(ImportFailed) as info:
        list(ctx.table(path, ("a", "b"), tsv=False))
    assert str(info.value).startswith(
        f"{path}:3: CSV syntax error in the row starting here (noticed at line 5): ")


def test_bad_code(tmp_path: Path):
    folder = copy_slice("soc2018", tmp_path)
    path = folder / "SOC_Structure.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    number = next(i for i, ln in enumerate(lines, 1) if "\t11-3051\t" in ln)
    lines[number - 1] = lines[number - 1].replace("11-3051", "11-30X1")
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure("soc2018", folder, tmp_path, "SOC_Structure.tsv", number, "malformed")


def _soc_rows(tmp_path: Path, rows: list[str]) -> Path:
    """A copy of the SOC slice whose table is `rows` (the code columns, tab-separated)."""
    folder = copy_slice("soc2018", tmp_path)
    path = folder / "SOC_Structure.tsv"
    header = path.read_text(encoding="utf-8").splitlines()[0]
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return folder


SOC_TOP = ["11-0000\t\t\t\t\tManagement Occupations",
           "\t11-3000\t\t\t\tOperations Specialties Managers"]


def test_soc_hierarchy_comes_from_the_codes_not_the_row_order(tmp_path: Path):
    """Regression (session 33's audit): the row of 11-3051 moved under broad occupation
    11-3010 was published as 11-3010's narrower concept."""
    folder = _soc_rows(tmp_path, [
        *SOC_TOP,
        "\t\t11-3010\t\t\tAdministrative Services and Facilities Managers",
        "\t\t\t11-3051\t\tIndustrial Production Managers",
        "\t\t11-3050\t\t\tIndustrial Production Managers"])
    expect_failure("soc2018", folder, tmp_path, "SOC_Structure.tsv", 5,
                   "SOC 11-3051 is listed under the Broad Occupation 11-3010, but by its code "
                   "it belongs to 11-3050")


def test_a_broad_occupation_may_hold_codes_beyond_its_digits(tmp_path: Path):
    """SOC 2018's broad occupation 29-1210 Physicians holds 29-1211 to 29-1229: no prefix rule,
    the greatest broad code not above the detailed one."""
    folder = _soc_rows(tmp_path, [
        "29-0000\t\t\t\t\tHealthcare Practitioners and Technical Occupations",
        "\t29-1000\t\t\t\tHealthcare Diagnosing or Treating Practitioners",
        "\t\t29-1210\t\t\tPhysicians",
        "\t\t\t29-1211\t\tAnesthesiologists",
        "\t\t\t29-1221\t\tPediatricians, General",
        "\t\t29-1240\t\t\tSurgeons",
        "\t\t\t29-1241\t\tOphthalmologists, Except Pediatric"])
    parsed = run("soc2018", tmp_path, folder)
    broader = "http://www.w3.org/2004/02/skos/core#broader"
    assert values(parsed, f"{ID}soc2018/29-1221", broader) == {f"{ID}soc2018/29-1210"}
    assert values(parsed, f"{ID}soc2018/29-1241", broader) == {f"{ID}soc2018/29-1240"}


@pytest.mark.parametrize("onet, expected", [
    ("hello", "malformed O*NET-SOC 2019 code"),
    ("11-3052.01", "O*NET-SOC 11-3052.01 is not inside the detailed occupation above it "
                   "(11-3051)"),
])
def test_the_onet_soc_column_is_checked(tmp_path: Path, onet: str, expected: str):
    """Regression (session 33's audit): "hello" in the Detailed O*NET-SOC column passed."""
    folder = _soc_rows(tmp_path, [
        *SOC_TOP, "\t\t11-3050\t\t\tIndustrial Production Managers",
        "\t\t\t11-3051\t\tIndustrial Production Managers",
        f"\t\t\t\t{onet}\tQuality Control Systems Managers"])
    expect_failure("soc2018", folder, tmp_path, "SOC_Structure.tsv", 6, expected)


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


# --- corrupt files (issue 9, item 4): located errors, nothing published -----------------------


def naics_copy(tmp_path: Path) -> Path:
    folder = copy_slice("naics2022", tmp_path)
    return folder / "2-6_digit_2022_Codes.tsv"


def test_a_file_cut_mid_line_is_refused(tmp_path: Path):
    """A NAICS file cut in the middle of a title imported its first rows with exit 0."""
    path = naics_copy(tmp_path)
    data = path.read_bytes()
    path.write_bytes(data[: data.rindex(b"Manufacturing") + 4])  # "...\tTransportation Equi"
    lines = path.read_bytes().count(b"\n") + 1
    expect_failure("naics2022", path.parent, tmp_path, path.name, lines, "cut short")


@pytest.mark.parametrize(("name", "file"), [
    ("naics2022", "2-6_digit_2022_Codes.tsv"),
    ("bls-oews", "national_M2024_dl.tsv"),
])
def test_a_file_cut_down_to_its_header_is_refused(name: str, file: str, tmp_path: Path):
    """Regression: NAICS or OEWS cut at the end of the header imported "0 rows" with exit 0
    (every OEWS figure gone); a file with no data rows is now an error, O*NET's Related
    Occupations excepted (the transitions benchmark holds it out that way)."""
    folder = copy_slice(name, tmp_path)
    path = folder / file
    path.write_bytes(path.read_bytes().split(b"\n", 1)[0] + b"\n")
    expect_failure(name, folder, tmp_path, file, 2, "no data rows, only the header")


def test_a_code_repeated_with_another_title_is_refused(tmp_path: Path):
    path = naics_copy(tmp_path)
    row = tsv_row(path, **{"2022 NAICS US   Code": "336"})
    title = row["2022 NAICS US Title"]
    other = tsv_row(path, **{"2022 NAICS US   Code": "311"})["2022 NAICS US Title"]
    with path.open("a", encoding="utf-8") as handle:
        handle.write(f"9999\t336\t{other}\n")
    lines = path.read_text(encoding="utf-8").count("\n")
    expect_failure("naics2022", path.parent, tmp_path, path.name, lines,
                   "column '2022 NAICS US Title': 2022 NAICS US   Code '336' comes again")
    with pytest.raises(ImportFailed, match=f"{title!r} there"):
        write(IMPORTERS["naics2022"], path.parent, tmp_path / "x.nt", progress=False)


def test_a_row_repeated_with_the_same_values_is_read_once(tmp_path: Path):
    """OEWS lists a code it aggregates to the broad level twice, as broad and as detailed, with
    the same figures (13-1020 and six others in May 2024): that is not a conflict."""
    folder = copy_slice("bls-oews", tmp_path)
    path = folder / "national_M2024_dl.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    twin = next(ln for ln in lines if "\t11-3051\t" in ln).replace("\tdetailed\t", "\tbroad\t")
    path.write_text("".join(lines) + twin, encoding="utf-8")
    once = run("bls-oews", tmp_path)
    again = Parsed(tmp_path / "bls-oews.nt", ox.RdfFormat.N_TRIPLES)
    assert len(once.quads) == len(set(once.quads)) == len(again.quads)


def _set_tsv_cells(path: Path, marker: str | None, **cells: str) -> int:
    """Set cells (column=value) of the first row of a TSV file holding `marker` (None: the first
    data row); return that row's line."""
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    number = 2 if marker is None else next(
        i for i, ln in enumerate(lines, 1) if i > 1 and marker in ln)
    row = lines[number - 1].rstrip("\n").split("\t")
    for column, cell in cells.items():
        row[header.index(column)] = cell
    lines[number - 1] = "\t".join(row) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return number


def _oews_cell_set(tmp_path: Path, column: str, cell: str, **more: str
                   ) -> tuple[Path, Path, int]:
    """A copy of the OEWS slice with cells of 11-3051's row set: (folder, file, line)."""
    folder = copy_slice("bls-oews", tmp_path)
    path = folder / "national_M2024_dl.tsv"
    return folder, path, _set_tsv_cells(path, "\t11-3051\t", **{column: cell}, **more)


def test_a_fractional_employment_count_is_refused(tmp_path: Path):
    """Regression: TOT_EMP 12.5 was imported as 12.5 jobs."""
    folder, path, number = _oews_cell_set(tmp_path, "TOT_EMP", "12.5")
    expect_failure("bls-oews", folder, tmp_path, path.name, number,
                   "column 'TOT_EMP': an employment count is a whole number, got '12.5'")


@pytest.mark.parametrize("cell", ["-5", "1e400"])
def test_an_implausible_figure_is_refused(cell: str, tmp_path: Path):
    folder, path, number = _oews_cell_set(tmp_path, "A_MEDIAN", cell)
    expect_failure("bls-oews", folder, tmp_path, path.name, number,
                   f"column 'A_MEDIAN': implausible annualWageMedian {cell!r}")


def test_an_implausible_projection_is_refused_after_scaling(tmp_path: Path):
    """EP employment is in thousands: 2,000,000 thousand jobs is 2e9 jobs, above the bound."""
    folder = copy_slice("bls-projections", tmp_path)
    path = folder / "table_1.2_occupational_projections_2024-34.tsv"
    column = "Employment, 2034"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    number = next(i for i, ln in enumerate(lines, 1) if "\t11-3051\t" in ln)
    cells = lines[number - 1].rstrip("\n").split("\t")
    cells[header.index(column)] = "2000000"
    lines[number - 1] = "\t".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure("bls-projections", folder, tmp_path, path.name, number,
                   f"column {column!r}: implausible projectedEmployment")


def test_a_byte_that_is_not_utf8_is_located(tmp_path: Path):
    """It gave a UnicodeDecodeError traceback."""
    path = naics_copy(tmp_path)
    data = path.read_bytes()
    at = data.index(b"Transportation Equipment")
    path.write_bytes(data[:at] + b"\xff" + data[at + 1:])
    line = data[:at].count(b"\n") + 1
    expect_failure("naics2022", path.parent, tmp_path, path.name, line,
                   f"column '2022 NAICS US Title': byte 0xff at byte offset {at} is not UTF-8")


def test_a_row_of_the_wrong_width_names_the_missing_column(tmp_path: Path):
    path = naics_copy(tmp_path)
    with path.open("a", encoding="utf-8") as handle:
        handle.write("9999\t3369\n")
    lines = path.read_text(encoding="utf-8").count("\n")
    expect_failure("naics2022", path.parent, tmp_path, path.name, lines,
                   "column '2022 NAICS US Title': expected 3 columns, got 2")


def test_a_rating_outside_its_scale_is_refused(tmp_path: Path):
    folder = copy_slice("onet", tmp_path)
    path = folder / "Skills.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    rows = [ln.rstrip("\n").split("\t") for ln in lines]
    element, scale_id = header.index("Element ID"), header.index("Scale ID")
    number = next(i for i, r in enumerate(rows, 1)
                  if r[0] == "11-3051.00" and r[element] == "2.B.1.b" and r[scale_id] == "IM")
    cells = rows[number - 1]
    scale = tsv_row(folder / "Scales Reference.tsv", **{"Scale ID": "IM"})
    cells[header.index("Data Value")] = str(Decimal(scale["Maximum"]) + 1)
    lines[number - 1] = "\t".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure("onet", folder, tmp_path, "Skills.tsv", number,
                   f"column 'Data Value': {Decimal(scale['Maximum']) + 1}.0 lies outside scale IM")


def _edit_ipm_rating(folder: Path, edit) -> int:
    """Apply `edit(cells)` to the first IM rating of 11-3051.00 in Skills.tsv whose confidence
    interval is not a single point; returns its line number."""
    path = folder / "Skills.tsv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    header = lines[0].rstrip("\n").split("\t")
    rows = [dict(zip(header, ln.rstrip("\n").split("\t"), strict=True)) for ln in lines[1:]]
    number = next(i for i, r in enumerate(rows, 2)
                  if r["O*NET-SOC Code"] == "11-3051.00" and r["Scale ID"] == "IM"
                  and Decimal(r["Lower CI Bound"]) < Decimal(r["Upper CI Bound"]))
    cells = rows[number - 2]
    edit(cells)
    lines[number - 1] = "\t".join(cells[h] for h in header) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    return number


def _swap_bounds(cells: dict[str, str]) -> None:
    cells["Lower CI Bound"], cells["Upper CI Bound"] = (cells["Upper CI Bound"],
                                                        cells["Lower CI Bound"])


def _value_above_its_interval(cells: dict[str, str]) -> None:
    cells["Data Value"] = str(Decimal(cells["Upper CI Bound"]) + Decimal("0.01"))


@pytest.mark.parametrize(("edit", "text"), [
    (lambda cells: cells.update(Date="13/2023"), "Date must be MM/YYYY, got '13/2023'"),
    (lambda cells: cells.update(Date="00/2023"), "Date must be MM/YYYY, got '00/2023'"),
    (_swap_bounds, "column 'Lower CI Bound': Lower CI Bound"),
    (_value_above_its_interval, "column 'Data Value': Data Value"),
], ids=["month-13", "month-0", "bounds-reversed", "value-outside-its-interval"])
def test_an_impossible_rating_row_is_refused(edit, text: str, tmp_path: Path):
    """Regression: a Date of 13/2023 became "2023-13"^^xsd:gYearMonth, and a Lower CI Bound
    above the Upper one (or a rating outside them) was imported; all 132,821 intervals of
    O*NET 29.3 hold their rating."""
    folder = copy_slice("onet", tmp_path)
    number = _edit_ipm_rating(folder, edit)
    expect_failure("onet", folder, tmp_path, "Skills.tsv", number, text)


@pytest.mark.parametrize("similarity", ["-5", "1e308", "1.01"])
def test_a_semantic_similarity_outside_minus_one_to_one_is_refused(similarity: str,
                                                                   tmp_path: Path):
    """Regression: the Nesta crosswalk's cosine similarity took any number."""
    folder = copy_slice("esco-onet-crosswalk", tmp_path)
    path = next(folder.glob("*.csv"))
    with path.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    column = rows[0].index("semantic_similarity")
    rows[1][column] = similarity
    with path.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    expect_failure("esco-onet-crosswalk", folder, tmp_path, path.name, 2,
                   f"semantic_similarity is a cosine similarity, from -1 to 1; got {similarity}")


def test_a_cell_of_megabytes_is_refused_and_errors_stay_short(tmp_path: Path):
    """Regression: a 17 MB SOC title passed the importer and stopped the build's bulk load with
    a traceback (pyoxigraph refuses lines over 16 MiB); a 30 MB value made a 30 MB error."""
    from kg.sources.importers.base import MAX_CELL, MAX_MESSAGE

    folder = copy_slice("soc2018", tmp_path)
    path = next(folder.glob("*.tsv"))
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    cells = lines[2].rstrip("\n").split("\t")
    cells[-1] = "x" * (MAX_CELL + 1)
    lines[2] = "\t".join(cells) + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure("soc2018", folder, tmp_path, path.name, 3,
                   f"a cell longer than {MAX_CELL:,} characters")
    # The worst cell the cap lets through still makes a line pyoxigraph loads (the cap was
    # 8 Mi characters: 5.6 million "é" made a 16.8 MB line, a MemoryError in the build). A
    # control character, 6 bytes as a \u escape, is refused since session 29; the worst left
    # is a character of 4 UTF-8 bytes.
    folder = tmp_path / "crosswalk"
    shutil.copytree(DATA / IMPORTERS["esco-onet-crosswalk"].info.folder, folder)
    crosswalk = next(folder.glob("*.csv"))
    with crosswalk.open(encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle))
    rows[1][rows[0].index("esco_occupation")] = "\U0001F600" * MAX_CELL
    with crosswalk.open("w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, lineterminator="\n").writerows(rows)
    out = tmp_path / "worst.nt"
    write(IMPORTERS["esco-onet-crosswalk"], folder, out, progress=False)
    assert max(len(line) for line in out.read_bytes().splitlines()) > 4 * MAX_CELL
    ox.Store().bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES)
    long = ImportFailed(path, 3, "title is " + "y" * 10 * MAX_MESSAGE)
    assert len(str(long)) < MAX_MESSAGE + len(str(path)) + 100
    assert str(long).endswith(f"... ({10 * MAX_MESSAGE + 9:,} characters)")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32"])
def test_a_utf16_file_is_named_as_such(encoding: str, tmp_path: Path):
    """Regression: a UTF-16 copy of SOC_Structure.tsv was reported as "the last line has no
    line end: the file is cut short"."""
    folder = copy_slice("soc2018", tmp_path)
    path = next(folder.glob("*.tsv"))
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    expect_failure("soc2018", folder, tmp_path, path.name, 1,
                   "the file is UTF-16 or UTF-32 (it starts with a byte order mark)")


# --- import faults (issue 9, item 7) ---------------------------------------------------------


def test_a_technology_keeps_every_commodity_it_is_filed_under(tmp_path: Path):
    """Only the first UNSPSC commodity of an example was kept (153 examples lost one)."""
    store = run("onet", tmp_path)
    example = "Personnel scheduling software"
    path = DATA / "onet_db_29_3" / "Technology Skills.tsv"
    codes = {tsv_row(path, **{"O*NET-SOC Code": occ, "Example": example})["Commodity Code"]
             for occ in ("11-3051.02", "11-1021.00")}
    assert codes == {"43232108", "43231505"}
    node = ID + "onet-technology/personnel-scheduling-software"
    assert values(store, node, SKOS + "broader") == {ID + f"unspsc/{c}" for c in codes}
    assert values(store, node, SKOS + "prefLabel") == {example}
    assert node in values(store, ID + "onet-soc2019/11-3051.02", OKG + "usesTechnology")


def test_skill_groups_only_in_the_hierarchy_are_described(tmp_path: Path):
    """ESCO groups that only skillsHierarchy_en.csv lists had no label, code or description."""
    store = run("esco", tmp_path)
    group = "http://data.europa.eu/esco/skill/1e924921-b7ff-4326-a698-c8275bbcf60d"
    path = DATA / "esco_v1_1_1_en" / "skillsHierarchy_en.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        row = next(r for r in csv.DictReader(handle) if r["Level 2 URI"] == group)
    assert values(store, group, SKOS + "prefLabel") == {row["Level 2 preferred term"]}
    assert values(store, group, SKOS + "notation") == {row["Level 2 code"]} == {"S6.8"}
    assert values(store, group, "http://purl.org/dc/terms/description") == {row["Description"]}
    assert values(store, group, SKOS + "broader") == {row["Level 1 URI"]}
    assert values(store, group, SKOS + "inScheme") == {
        "http://data.europa.eu/esco/concept-scheme/skills-hierarchy"}
    management = "http://data.europa.eu/esco/skill/869fc2ce-478f-4420-8766-e1f02cec4fb2"
    assert values(store, management, SKOS + "prefLabel") == {"management skills"}


def test_a_hierarchy_group_must_agree_with_skill_groups(tmp_path: Path):
    folder = copy_slice("esco", tmp_path)
    path = folder / "skillsHierarchy_en.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",S,S4\n", ",S,S5\n"),
                    encoding="utf-8")
    expect_failure("esco", folder, tmp_path, "skillsHierarchy_en.csv", 3,
                   "column 'Level 1 code': ")


@pytest.mark.parametrize(("name", "label"), [("bls-oews", "prefLabel"),
                                              ("bls-projections", "altLabel")])
def test_bls_aggregates_are_described(name: str, label: str, tmp_path: Path):
    """21-1018 and four other BLS codes carried observations on a node with no notation, label
    or scheme."""
    store = run(name, tmp_path)
    node = ID + "soc2018/21-1018"
    if name == "bls-oews":
        title = tsv_row(DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv",
                        OCC_CODE="21-1018")["OCC_TITLE"]
    else:
        title = tsv_row(DATA / "bls_employment_projections_2024_34" /
                        "table_1.2_occupational_projections_2024-34.tsv",
                        **{"2024 National Employment Matrix code": "21-1018"}
                        )["2024 National Employment Matrix title"].strip()
    assert values(store, node, SKOS + label) == {title}
    assert values(store, node, SKOS + "notation") == {"21-1018"}
    assert values(store, node, SKOS + "inScheme") == {ID + "scheme/bls-soc2018-aggregates"}
    assert values(store, node, SKOS + "narrowMatch") == {ID + "soc2018/21-1011",
                                                       ID + "soc2018/21-1014"}
    assert values(store, node, SKOS + "broadMatch") == {ID + "soc2018/21-1010"}
    assert values(store, ID + "scheme/bls-soc2018-aggregates", SKOS + "prefLabel")
    assert not values(store, ID + "soc2018/11-3051", SKOS + "notation")


def test_the_aggregates_are_what_the_full_data_says():
    """Every code OEWS or EP publishes that SOC 2018 lacks is an aggregate, and its members are
    the SOC detailed codes of its broad occupation that neither program publishes."""
    from kg.sources.importers.bls import AGGREGATES, EP_12, EP_CODE, OEWS_FILE
    from tests.conftest import SHARED

    data = SHARED / "data"
    if not data.is_dir():
        pytest.skip(f"the reference data is not at {data}")

    def codes(path: Path, column: str) -> set[str]:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE)
            return {row[column].strip() for row in reader}

    soc_path = data / "soc_2018_structure" / "SOC_Structure.tsv"
    soc: set[str] = set()
    for column in ("Major Group", "Minor Group", "Broad Occupation", "Detailed Occupation"):
        soc |= codes(soc_path, column) - {""}
    detailed = codes(soc_path, "Detailed Occupation") - {""}
    published = codes(data / "bls_oews_may2024_national" / OEWS_FILE, "OCC_CODE")
    projected = codes(data / "bls_employment_projections_2024_34" / EP_12, EP_CODE)
    assert (published | projected) - soc - {"00-0000"} == set(AGGREGATES)
    for code, members in AGGREGATES.items():
        unpublished = {c for c in detailed if c[:6] == code[:6]} - published - projected
        assert set(members) == unpublished, code


def test_an_aggregate_without_its_members_breaks_the_shapes(tmp_path: Path):
    from kg.build.import_validation import validate_import

    good = tmp_path / "bls-oews.nq"
    write(IMPORTERS["bls-oews"], DATA / "bls_oews_may2024_national", good, progress=False)
    assert validate_import("bls-oews", good)[2] == []
    quads = [q for q in ox.parse(path=str(good), format=ox.RdfFormat.N_QUADS)
             if q.predicate.value != SKOS + "narrowMatch"]
    bad = tmp_path / "bad.nq"
    ox.serialize(quads, str(bad), ox.RdfFormat.N_QUADS)
    violations = validate_import("bls-oews", bad)[2]
    assert len(violations) == 1
    assert "soc2018/21-1018" in violations[0] and "BLS aggregate" in violations[0]


def test_kg_import_prints_rows_per_file_or_a_located_error(tmp_path: Path,
                                                           capsys: pytest.CaptureFixture[str]):
    from kg.cli import main

    path = naics_copy(tmp_path)
    rows = path.read_text(encoding="utf-8").count("\n") - 1
    out = tmp_path / "naics.nq"
    assert main(["import", "naics2022", str(path.parent), "--out", str(out)]) == 0
    assert f"  {path.name}: {rows:,} rows" in capsys.readouterr().err
    path.write_bytes(path.read_bytes()[:-1])
    out.unlink()
    assert main(["import", "naics2022", str(path.parent), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert f"{path}:{rows + 1}: the last line has no line end" in err
    assert "Traceback" not in err and not out.exists()


def test_a_split_soc_code_without_its_star_is_not_an_exact_match(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: BLS's SOC -> ISCO sheet matches 37-1011 to ISCO 5151 and 5152 and stars
    neither (every other SOC code with several ISCO groups is starred on each row), and the
    graph said both 37-1011 skos:exactMatch 5151 and skos:broadMatch 5152. The rows come from
    ../shared's crosswalk, added to a copy of the slice."""
    from tests.conftest import SHARED

    full = SHARED / "data" / "crosswalk_isco08_soc2010_bls"
    if not full.is_dir():
        pytest.skip(f"the BLS ISCO crosswalk is not at {full}")
    folder = tmp_path / "crosswalk"
    shutil.copytree(DATA / "crosswalk_isco08_soc2010_bls", folder)
    added: dict[str, list[int]] = {}
    for name, column in (("soc2010_to_isco08.tsv", 0), ("isco08_to_soc2010.tsv", 3)):
        lines = (full / name).read_text(encoding="utf-8").splitlines(keepends=True)
        rows = [(n, x) for n, x in enumerate(lines, 1)
                if x.split("\t")[column].strip() == "37-1011"]
        assert len(rows) == 2, name
        before = len((folder / name).read_text(encoding="utf-8").splitlines())
        with (folder / name).open("a", encoding="utf-8") as handle:
            handle.writelines(x for _, x in rows)
        added[name] = [before + 1, before + 2]
    soc_rows = [x.split("\t") for x in (full / "soc2010_to_isco08.tsv").read_text(
        encoding="utf-8").splitlines() if x.startswith("37-1011")]
    assert [r[2] for r in soc_rows] == ["", ""]  # the source's own omission
    store = run("isco08-soc2010-bls", tmp_path, folder)
    soc = ID + "soc2010/37-1011"
    isco = "http://data.europa.eu/esco/isco/C"
    assert values(store, soc, SKOS + "exactMatch") == set()
    assert values(store, soc, SKOS + "narrowMatch") == {isco + "5151"}  # 5151 is only 37-1011
    assert values(store, soc, SKOS + "relatedMatch") == {isco + "5152"}
    warned = capsys.readouterr().err
    for line in added["soc2010_to_isco08.tsv"]:
        assert f"soc2010_to_isco08.tsv:{line}: 37-1011 has 2 matches but no '*'" in warned
    # the slice's own starred rows are unchanged
    assert values(store, ID + "soc2010/11-3051", SKOS + "exactMatch") == {isco + "1321"}


def test_crosswalk_esco_occupations_missing_from_esco_are_named(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Regression: the Nesta crosswalk's row for "wind turbine technician" names an ESCO
    concept that ESCO v1.1.1 does not hold; its skos:closeMatch reached the graph from an IRI
    with no type or label and no word in the build's log. The row comes from ../shared."""
    from kg.build.imports import check_crosswalk_ends
    from kg.sources.importers import esco_onet
    from tests.conftest import SHARED

    full = SHARED / "data" / "crosswalk_esco_onet_nesta_2020" / esco_onet.FILE
    if not full.is_file():
        pytest.skip(f"the Nesta crosswalk is not at {full}")
    uri = "http://data.europa.eu/esco/occupation/98562ce3-9632-4226-b129-c67eb9c54f0f"
    row = [x for x in full.read_text(encoding="utf-8").splitlines(keepends=True) if uri in x]
    assert len(row) == 1 and "wind turbine technician" in row[0]
    data = tmp_path / "data"
    for name in ("esco", "esco-onet-crosswalk"):
        shutil.copytree(DATA / IMPORTERS[name].info.folder, data / IMPORTERS[name].info.folder)

    def store_of() -> ox.Store:
        store = ox.Store()
        for name in ("esco", "esco-onet-crosswalk"):
            importer = IMPORTERS[name]
            out = tmp_path / f"{name}.nt"
            write(importer, data / importer.info.folder, out, progress=False)
            store.bulk_load(path=str(out), format=ox.RdfFormat.N_TRIPLES,
                            to_graph=ox.NamedNode(importer.graph_iri(ID)))
        return store

    assert check_crosswalk_ends(store_of(), ID, data) == []  # the slices agree
    with (data / esco_onet.INFO.folder / esco_onet.FILE).open("a", encoding="utf-8") as handle:
        handle.write(row[0])
    assert check_crosswalk_ends(store_of(), ID, data) == [f"<{uri}> ('wind turbine technician')"]
    assert f"{esco_onet.FILE}: 1 ESCO occupation(s) not in the imported ESCO" in \
        capsys.readouterr().err


@pytest.mark.parametrize("name", ["soc2018", "naics2022", "onet-soc-2019", "isco08-soc2010-bls"])
def test_a_control_character_in_a_cell_is_refused(name: str, tmp_path: Path):
    """Regression (session 29's attack): a NUL at a line's end went into the published labels
    ("General and Operations Managers\\u0000"@en); the curated loader refuses such characters,
    the importers now too, naming the file, line and column."""
    folder = copy_slice(name, tmp_path)
    path = sorted(p for p in folder.iterdir() if p.suffix in (".tsv", ".csv"))[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].rstrip("\r\n") + "\x00" + "\n"
    path.write_text("".join(lines), encoding="utf-8")
    expect_failure(name, folder, tmp_path, path.name, 2, "control character U+0000")


def _esco_replace(tmp_path: Path, file: str, old: str, new: str) -> tuple[Path, int]:
    """A copy of the ESCO slice with the first `old` in `file` replaced; its line."""
    folder = copy_slice("esco", tmp_path)
    path = folder / file
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return folder, text[: text.index(old)].count("\n") + 1


def test_an_esco_date_that_does_not_exist_is_refused(tmp_path: Path):
    """Regression (session 33's audit): modifiedDate 2016-13-45T... had a date-time's shape
    and was published as an xsd:dateTime."""
    path = DATA / "esco_v1_1_1_en" / "occupations_en.csv"
    row = next(csv.DictReader(path.open(encoding="utf-8")))
    date = row["modifiedDate"]
    folder, _ = _esco_replace(tmp_path, "occupations_en.csv", date, "2016-13-45" + date[10:])
    expect_failure("esco", folder, tmp_path, "occupations_en.csv", None,
                   "modifiedDate is not a date-time: '2016-13-45")


def test_an_esco_occupation_outside_the_occupation_pillar_is_refused(tmp_path: Path):
    """Regression (session 33's audit): an occupations_en.csv row with a /skill/ IRI was
    imported as an occupation."""
    folder, line = _esco_replace(tmp_path, "occupations_en.csv",
                                 "Occupation,http://data.europa.eu/esco/occupation/",
                                 "Occupation,http://data.europa.eu/esco/skill/")
    expect_failure("esco", folder, tmp_path, "occupations_en.csv", line,
                   "is not an ESCO occupation IRI")


def test_an_esco_relation_to_an_occupation_as_a_skill_is_refused(tmp_path: Path):
    rows = list(csv.DictReader((DATA / "esco_v1_1_1_en" / "occupationSkillRelations.csv").open(
        encoding="utf-8")))
    occupation, skill = rows[0]["occupationUri"], rows[0]["skillUri"]
    folder, line = _esco_replace(tmp_path, "occupationSkillRelations.csv",
                                 f"{occupation},essential,knowledge,{skill}",
                                 f"{occupation},essential,knowledge,{occupation}")
    expect_failure("esco", folder, tmp_path, "occupationSkillRelations.csv", line,
                   f"{occupation} is a concept of occupations_en.csv, not of skills_en.csv")


def test_an_esco_relation_to_an_unlisted_skill_is_named(tmp_path: Path,
                                                        capsys: pytest.CaptureFixture[str]):
    """Regression (session 33's audit): a relation to a skill skills_en.csv does not list was
    published without a word. ESCO 1.1.1 itself relates 67 skills to an occupation its
    occupations file lacks, so it is kept, with a warning naming it, the file and the line."""
    rows = list(csv.DictReader((DATA / "esco_v1_1_1_en" / "occupationSkillRelations.csv").open(
        encoding="utf-8")))
    skill = rows[0]["skillUri"]
    ghost = "http://data.europa.eu/esco/skill/00000000-0000-0000-0000-000000000000"
    folder, line = _esco_replace(tmp_path, "occupationSkillRelations.csv", skill, ghost)
    write(IMPORTERS["esco"], folder, tmp_path / "esco.nt", progress=False)
    assert (f"occupationSkillRelations.csv:{line}: 1 relation(s) name {ghost}, which "
            "skills_en.csv does not list (kept as published") in capsys.readouterr().err


def test_an_annual_wage_must_be_its_hourly_wage_over_the_year(tmp_path: Path):
    """Regression (session 33's audit): H_MEAN 5.00 beside A_MEAN 129180 was published. OEWS
    annual wages are hourly ones x 2,080 hours; the national file agrees within $15.20."""
    row = tsv_row(DATA / "bls_oews_may2024_national" / "national_M2024_dl.tsv",
                  OCC_CODE="11-3051")
    assert abs(Decimal(row["A_MEAN"]) - Decimal(row["H_MEAN"]) * 2080) <= Decimal("20.80")
    folder, path, line = _oews_cell_set(tmp_path, "H_MEAN", "5.00")
    expect_failure("bls-oews", folder, tmp_path, path.name, line,
                   f"A_MEAN {row['A_MEAN']} is not H_MEAN 5.00 x 2,080 hours")


def _ep_cell_set(tmp_path: Path, file: str, code: str, column: str, cell: str
                 ) -> tuple[Path, int]:
    """A copy of the EP slice with one cell of `code`'s row in `file` set: (folder, line)."""
    folder = copy_slice("bls-projections", tmp_path)
    return folder, _set_tsv_cells(folder / file, f"\t{code}\t", **{column: cell})


EP_12 = "table_1.2_occupational_projections_2024-34.tsv"
EP_110 = "table_1.10_separations_and_openings_2024-34.tsv"


@pytest.mark.parametrize("file, code, column, cell, expected", [
    # Regression (session 33's audit): a marker or a blank in a figure column dropped the figure
    (EP_12, "11-3051", "Percent self employed, 2024", "*", "not a number: '*'"),
    (EP_12, "11-3051", "Employment, 2034", "—", "not a number: '—'"),
    (EP_12, "11-3051", "Occupational openings, 2024–34 annual average", "",
     "not a number: ''"),
    # Regression: "Bachelors degree" made a concept of its own
    (EP_12, "11-3051", "Typical education needed for entry", "Bachelors degree",
     "'Bachelors degree' is not one of the categories ('Doctoral or professional degree'"),
    (EP_12, "11-3051", "Work experience in a related occupation", "—",
     "'—' is not one of the categories ('5 years or more'"),
    (EP_12, "11-0000", "Typical education needed for entry", "Bachelor's degree",
     "\"Bachelor's degree\" is not one of the categories ('—')"),
    # Regression: separations of 999 beside exits and transfers of 16.7 were published
    (EP_110, "11-3051", "Total occupational separations, 2024–34 annual average", "999",
     "999 is not the labor force exits plus the occupational transfers"),
    (EP_110, "11-3051", "Total occupational separations rate, 2024–34 annual average", "50.0",
     "50.0 is not the labor force exits plus the occupational transfers"),
])
def test_projections_figures_and_categories_are_checked(tmp_path: Path, file: str, code: str,
                                                         column: str, cell: str,
                                                         expected: str) -> None:
    folder, line = _ep_cell_set(tmp_path, file, code, column, cell)
    expect_failure("bls-projections", folder, tmp_path, file, line, expected)


def test_a_percent_self_employed_of_none_is_read_as_none(tmp_path: Path):
    """"—" in Percent self employed (219 rows of table 1.2) gives no observation."""
    folder, _ = _ep_cell_set(tmp_path, EP_12, "11-3051", "Percent self employed, 2024", "—")
    parsed = run("bls-projections", tmp_path, folder)
    subject = f"{ID}observation/bls-ep-2024-34-11-3051-self-employed-share-2024"
    assert not values(parsed, subject, "http://purl.org/linked-data/sdmx/2009/measure#obsValue")
    assert values(run("bls-projections", tmp_path / "clean"), subject,
                  "http://purl.org/linked-data/sdmx/2009/measure#obsValue")


def _onet_cell_set(tmp_path: Path, file: str, column: str, cell: str) -> tuple[Path, int]:
    """A copy of the O*NET slice with one cell of the first data row of `file` set."""
    folder = copy_slice("onet", tmp_path)
    return folder, _set_tsv_cells(folder / file, None, **{column: cell})


@pytest.mark.parametrize("file, column, cell, expected", [
    # Regression (session 33's audit): "Yes" was read as not hot, without a word
    ("Technology Skills.tsv", "Hot Technology", "Yes", "Hot Technology must be Y or N, got 'Yes'"),
    # Regression (session 33's audit): a negative standard error was published
    ("Skills.tsv", "Standard Error", "-0.125", "a standard error cannot be negative, got -0.125"),
])
def test_onet_flags_and_standard_errors_are_checked(tmp_path: Path, file: str, column: str,
                                                    cell: str, expected: str) -> None:
    folder, line = _onet_cell_set(tmp_path, file, column, cell)
    expect_failure("onet", folder, tmp_path, file, line, expected)


def test_an_unreadable_input_is_named_as_such(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Regression (session 33's audit): an input file without read permission was reported as
    "--out ...: cannot write: Permission denied" by `kg import`, and as "cannot write the new
    build (Permission denied: ...national_M2024_dl.tsv)" by `kg build`. (Root reads any file,
    so the refusal is simulated where the importer opens the file.)"""
    folder = copy_slice("bls-oews", tmp_path)
    target = folder / "national_M2024_dl.tsv"
    real_open = Path.open

    def refusing_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == target:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", refusing_open)
    expect_failure("bls-oews", folder, tmp_path, "national_M2024_dl.tsv", None,
                   "national_M2024_dl.tsv: cannot be read: Permission denied")


def test_carriage_return_line_ends_are_named(tmp_path: Path):
    """Regression (session 33's audit): an OEWS file with CR-only line ends was reported as
    "line 1: the last line has no line end: the file is cut short"."""
    folder = copy_slice("bls-oews", tmp_path)
    path = folder / "national_M2024_dl.tsv"
    path.write_bytes(path.read_bytes().replace(b"\n", b"\r"))
    expect_failure("bls-oews", folder, tmp_path, "national_M2024_dl.tsv", 1,
                   "the lines end with a carriage return alone")


def test_a_code_changed_in_table_1_2_is_found_there(tmp_path: Path):
    """Regression (session 33's audit): a code changed in table 1.2 gave only "11-3051 is not
    in table_1.2..." at a line of table 1.10; the error now names what table 1.2 holds there."""
    folder, line = _ep_cell_set(tmp_path, EP_12, "11-3051", "2024 National Employment Matrix code",
                                "11-3059")
    expect_failure("bls-projections", folder, tmp_path, EP_110, line,
                   f"11-3051 is not in {EP_12}; its line {line} has 11-3059, which this table "
                   "lacks")


def test_a_wage_of_nothing_is_refused(tmp_path: Path):
    """Regression (session 33's audit): A_MEAN 0 was published (with H_MEAN 0 beside it, the
    annual/hourly agreement holds too): a wage is positive (kg/sources/plausibility.py)."""
    folder, path, line = _oews_cell_set(tmp_path, "A_MEAN", "0", H_MEAN="0")
    expect_failure("bls-oews", folder, tmp_path, path.name, line,
                   "implausible hourlyWageMean '0': 0 is below 0.01 (an hourly wage is a "
                   "positive amount)")
