"""Input that every earlier check let through and that the importers published (the hostile
tester's list): each is now refused with the file, the line and the problem. Each test changes
one thing in a copy of a slice (tests/data) and expects ImportFailed naming it."""

from __future__ import annotations

import csv
import io
import shutil
from pathlib import Path

import pytest

from kg.sources.importers import IMPORTERS, ImportFailed, write

DATA = Path(__file__).parent / "data"


def copy_slice(name: str, tmp_path: Path) -> Path:
    folder = tmp_path / "in"
    shutil.copytree(DATA / IMPORTERS[name].info.folder, folder)
    return folder


def refused(name: str, folder: Path, tmp_path: Path, file: str, line: int | None,
            *texts: str) -> str:
    out = tmp_path / "out" / "x.nt"
    with pytest.raises(ImportFailed) as info:
        write(IMPORTERS[name], folder, out, progress=False)
    message = str(info.value)
    assert f"{file}:{line}:" in message if line is not None else file in message, message
    for text in texts:
        assert text in message, message
    assert not out.exists()
    return message


def set_tsv(path: Path, match: dict[str, str], changes: dict[str, str]) -> int:
    """Set `changes` in the first row of the TSV at `path` whose cells have the `match` values;
    return its line."""
    lines = path.read_text(encoding="utf-8").split("\n")
    header = lines[0].split("\t")
    for number, text in enumerate(lines[1:], 2):
        cells = text.split("\t")
        if len(cells) == len(header) and all(
                cells[header.index(k)].strip() == v for k, v in match.items()):
            for column, value in changes.items():
                cells[header.index(column)] = value
            lines[number - 1] = "\t".join(cells)
            path.write_text("\n".join(lines), encoding="utf-8")
            return number
    raise AssertionError(f"no row {match} in {path}")


def set_csv(path: Path, match: dict[str, str], changes: dict[str, str]) -> int:
    """As set_tsv, for a CSV file (rows re-written with minimal quoting); the row's first line."""
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header = rows[0]
    line = 2
    for row in rows[1:]:
        if all(row[header.index(k)] == v for k, v in match.items()):
            for column, value in changes.items():
                row[header.index(column)] = value
            out = io.StringIO()
            csv.writer(out, lineterminator="\n").writerows(rows)
            path.write_text(out.getvalue(), encoding="utf-8")
            return line
        line += 1 + sum(cell.count("\n") for cell in row)
    raise AssertionError(f"no row {match} in {path}")


# --- 1. OEWS O_GROUP ---------------------------------------------------------------------------

OEWS = "national_M2024_dl.tsv"


def test_oews_total_on_a_code_other_than_00_0000(tmp_path: Path):
    folder = copy_slice("bls-oews", tmp_path)
    line = set_tsv(folder / OEWS, {"OCC_CODE": "11-3051"}, {"O_GROUP": "total"})
    refused("bls-oews", folder, tmp_path, OEWS, line, "O_GROUP", "only 00-0000")


def test_oews_unknown_o_group(tmp_path: Path):
    folder = copy_slice("bls-oews", tmp_path)
    line = set_tsv(folder / OEWS, {"OCC_CODE": "11-3051"}, {"O_GROUP": "specialty"})
    refused("bls-oews", folder, tmp_path, OEWS, line, "O_GROUP", "not an occupation level")


# --- 8. self-references ------------------------------------------------------------------------


def test_esco_concept_broader_than_itself(tmp_path: Path):
    folder = copy_slice("esco", tmp_path)
    path = folder / "broaderRelationsOccPillar.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        concept = list(csv.DictReader(handle))[0]["conceptUri"]
    line = set_csv(path, {"conceptUri": concept}, {"broaderUri": concept})
    refused("esco", folder, tmp_path, "broaderRelationsOccPillar.csv", line,
            "its own broader concept")


def test_onet_occupation_related_to_itself(tmp_path: Path):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / "Related Occupations.tsv", {"O*NET-SOC Code": "11-3051.00"},
                   {"Related O*NET-SOC Code": "11-3051.00",
                    "Related Title": "Industrial Production Managers"})
    refused("onet", folder, tmp_path, "Related Occupations.tsv", line, "related to itself")


# --- 7. invisible and reordered labels ---------------------------------------------------------

SOC = "SOC_Structure.tsv"
SOC_TITLE = "SOC or O*NET-SOC 2019 Title"


@pytest.mark.parametrize("title", ["\u200b", " \u200b\ufeff ", "\u2060"])
def test_soc_title_of_invisible_characters(tmp_path: Path, title: str):
    folder = copy_slice("soc2018", tmp_path)
    line = set_tsv(folder / SOC, {"Detailed Occupation": "11-3051"}, {SOC_TITLE: title})
    refused("soc2018", folder, tmp_path, SOC, line, SOC_TITLE, "invisible characters only")


@pytest.mark.parametrize("mark", ["\u202e", "\u202a", "\u2066", "\u2069"])
def test_soc_title_with_a_bidirectional_control(tmp_path: Path, mark: str):
    folder = copy_slice("soc2018", tmp_path)
    line = set_tsv(folder / SOC, {"Detailed Occupation": "11-3051"},
                   {SOC_TITLE: f"Industrial {mark}Production Managers"})
    refused("soc2018", folder, tmp_path, SOC, line, SOC_TITLE, f"U+{ord(mark):04X}")


def test_esco_label_of_invisible_characters(tmp_path: Path):
    """The check is the shared table reader's: a CSV importer refuses it too."""
    folder = copy_slice("esco", tmp_path)
    path = folder / "occupations_en.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        concept = list(csv.DictReader(handle))[0]["conceptUri"]
    line = set_csv(path, {"conceptUri": concept}, {"preferredLabel": "\u200b"})
    refused("esco", folder, tmp_path, "occupations_en.csv", line, "preferredLabel",
            "invisible characters only")


# --- 5. O*NET tasks ----------------------------------------------------------------------------

TASKS = "Task Statements.tsv"


@pytest.mark.parametrize("text", [" ", "", "\u00a0\u2003"])
def test_onet_blank_task(tmp_path: Path, text: str):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / TASKS, {"O*NET-SOC Code": "11-3051.00"}, {"Task": text})
    refused("onet", folder, tmp_path, TASKS, line, "Task", "no text")


def test_onet_unknown_task_type(tmp_path: Path):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / TASKS, {"O*NET-SOC Code": "11-3051.00"}, {"Task Type": "Bogus"})
    refused("onet", folder, tmp_path, TASKS, line, "Task Type", "'Bogus'")


# --- 4. O*NET rating values --------------------------------------------------------------------

SKILLS = "Skills.tsv"
LV_ROW = {"O*NET-SOC Code": "11-3051.00", "Scale ID": "LV"}


@pytest.mark.parametrize("date", ["08/0000", "08/1850", "08/2101"])
def test_onet_date_outside_the_years(tmp_path: Path, date: str):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / SKILLS, LV_ROW, {"Date": date})
    refused("onet", folder, tmp_path, SKILLS, line, "Date", "1900 to 2100")


@pytest.mark.parametrize("changes, column, text", [
    ({"Standard Error": "1e900"}, "Standard Error", "wider than the scale"),
    ({"Standard Error": "7.5"}, "Standard Error", "wider than the scale"),
    ({"Lower CI Bound": "-500"}, "Lower CI Bound", "far outside the scale"),
    ({"Upper CI Bound": "900"}, "Upper CI Bound", "far outside the scale"),
    ({"N": "99999999999999999999999999"}, "N", "number of respondents"),
    ({"N": "0"}, "N", "number of respondents"),
])
def test_onet_rating_statistics_out_of_range(tmp_path: Path, changes: dict[str, str],
                                             column: str, text: str):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / SKILLS, LV_ROW, changes)
    refused("onet", folder, tmp_path, SKILLS, line, column, text)


def test_onet_metadata_sample_size_out_of_range(tmp_path: Path):
    folder = copy_slice("onet", tmp_path)
    path = folder / "Occupation Level Metadata.tsv"
    rows = [text.split("\t") for text in path.read_text(encoding="utf-8").split("\n")[1:]]
    code, _, item, response = next(cells[:4] for cells in rows
                                   if len(cells) > 4 and cells[4].isdigit())
    line = set_tsv(path, {"O*NET-SOC Code": code, "Item": item, "Response": response},
                   {"N": "99999999999999999999999999"})
    refused("onet", folder, tmp_path, "Occupation Level Metadata.tsv", line, "N",
            "number of respondents")


# --- 6. O*NET titles and element names ---------------------------------------------------------


@pytest.mark.parametrize("file, match, changes, column", [
    (SKILLS, LV_ROW, {"Title": "Astronauts"}, "Title"),
    (SKILLS, LV_ROW, {"Element Name": "Juggling"}, "Element Name"),
    (TASKS, {"O*NET-SOC Code": "11-3051.00"}, {"Title": "Astronauts"}, "Title"),
    ("Related Occupations.tsv", {"O*NET-SOC Code": "11-3051.00"},
     {"Related Title": "Astronauts"}, "Related Title"),
    ("Skills to Work Activities.tsv", {}, {"Skills Element Name": "Juggling"},
     "Skills Element Name"),
    (SKILLS, LV_ROW, {"Scale Name": "Loudness"}, "Scale Name"),
    ("DWA Reference.tsv", {}, {"IWA Title": "Juggle"}, "IWA Title"),
    ("Tasks to DWAs.tsv", {}, {"DWA Title": "Juggle"}, "DWA Title"),
    ("Tasks to DWAs.tsv", {}, {"Task": "Juggle."}, "Task"),
])
def test_onet_name_that_is_not_the_codes(tmp_path: Path, file: str, match: dict[str, str],
                                         changes: dict[str, str], column: str):
    folder = copy_slice("onet", tmp_path)
    line = set_tsv(folder / file, match, changes)
    refused("onet", folder, tmp_path, file, line, f"column {column!r}",
            f"{next(iter(changes.values()))!r} is not the")


# --- 3. Employment Projections figures agree ---------------------------------------------------

EP12 = "table_1.2_occupational_projections_2024-34.tsv"
EP110 = "table_1.10_separations_and_openings_2024-34.tsv"
EP_ROW = {"2024 National Employment Matrix code": "11-3051"}


@pytest.mark.parametrize("changes, column, text", [
    ({"Employment, 2034": "999"}, "Employment, 2034", "plus the change"),
    ({"Employment change, percent, 2024–34": "25.0"}, "Employment change, percent, 2024–34",
     "does not follow from"),
    ({"Employment distribution, percent, 2024": "5.0"},
     "Employment distribution, percent, 2024", "of 00-0000"),
    ({"Employment distribution, percent, 2034": "0.3"},
     "Employment distribution, percent, 2034", "of 00-0000"),
])
def test_projections_figures_that_do_not_agree(tmp_path: Path, changes: dict[str, str],
                                               column: str, text: str):
    folder = copy_slice("bls-projections", tmp_path)
    line = set_tsv(folder / EP12, EP_ROW, changes)
    if set(changes) <= {"Employment, 2034", "Employment change, percent, 2024–34"}:
        set_tsv(folder / EP110, EP_ROW, changes)  # as the tester did: both tables
    refused("bls-projections", folder, tmp_path, EP12, line, f"column {column!r}", text)


# --- 2. files cut at a line boundary -----------------------------------------------------------


def head(path: Path, lines: int) -> None:
    """Keep the first `lines` lines of `path` (the header included), as `head -n` does."""
    kept = path.read_text(encoding="utf-8").split("\n")[:lines]
    path.write_text("\n".join(kept) + "\n", encoding="utf-8")


@pytest.mark.parametrize("name, files, lines, line, texts", [
    # cut after a group's row: the group is listed without what it holds
    ("bls-oews", (OEWS,), 3, 3, ("group 11-0000 has no detailed occupation",)),
    ("bls-projections", (EP12, EP110), 3, 3, ("group 11-0000 has no line item",)),
    ("soc2018", (SOC,), 9, 9, ("broad occupation 51-1010 has no detailed occupation",)),
    ("naics2022", ("2-6_digit_2022_Codes.tsv",), 5, 5, ("NAICS 31111 has no code under it",)),
    # cut after an occupation: every group listed is whole, the total is not their sum
    ("bls-oews", (OEWS,), 5, 2, ("column 'TOT_EMP'", "not the sum of the 1 major groups")),
    ("bls-projections", (EP12, EP110), 4, 2,
     ("column 'Employment, 2024'", "not the sum of the 1 major groups")),
])
def test_a_file_cut_at_a_line_boundary(tmp_path: Path, name: str, files: tuple[str, ...],
                                       lines: int, line: int, texts: tuple[str, ...]):
    folder = copy_slice(name, tmp_path)
    for file in files:
        head(folder / file, lines)
    refused(name, folder, tmp_path, files[0], line, *texts, "cut short")
