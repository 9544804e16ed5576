"""Corrupt files thrown at every importer (Hypothesis): random bytes, random text, truncations,
shuffled fields and rows repeated with another value, each in one file of a copy of the slice.

The import must either fail with ImportFailed (a KgError, so `kg` prints it without a
traceback) naming a file of the dataset, or succeed with an output that parses; never raise
anything else, and never leave an output file (or a temporary one) behind after a failure.
"""

from __future__ import annotations

import csv
import io
import shutil
import tempfile
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pyoxigraph as ox
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kg.errors import KgError
from kg.sources.importers import IMPORTERS, ImportFailed, write

DATA = Path(__file__).parent / "data"
# Cells that reach the checks behind the UTF-8 one: separators, quotes, line ends, digits.
TEXT = st.text(st.sampled_from(["\t", ",", '"', "\n", "\r", "\x00", " ", "-", ".", "1", "9",
                                "x", "é", "\u2028", "\ufeff", "\x1f", "#", "*"]),
               min_size=1, max_size=6)
# Examples per importer: the whole run stays well under a minute on a loaded 2-core machine.
EXAMPLES = 12


@cache
def original(name: str, file: str) -> bytes:
    return (DATA / IMPORTERS[name].info.folder / file).read_bytes()


def is_csv(file: str) -> bool:
    return file.endswith(".csv")


def rows_of(data: bytes, file: str) -> list[list[str]]:
    text = data.decode("utf-8")
    if is_csv(file):
        return list(csv.reader(io.StringIO(text, newline="")))
    return [line.split("\t") for line in text.split("\n")[:-1]]


def join_rows(rows: list[list[str]], file: str) -> bytes:
    if is_csv(file):
        out = io.StringIO()
        csv.writer(out, lineterminator="\n").writerows(rows)
        return out.getvalue().encode("utf-8")
    return "".join("\t".join(row) + "\n" for row in rows).encode("utf-8")


@dataclass(frozen=True)
class Mutation:
    name: str  # the importer
    file: str
    kind: str
    data: bytes

    def __repr__(self) -> str:  # what Hypothesis prints for a failing example: the change
        before = original(self.name, self.file)
        at = next((i for i, (a, b) in enumerate(zip(before, self.data, strict=False)) if a != b),
                  min(len(before), len(self.data)))
        return f"Mutation({self.file!r}, {self.kind}, at byte {at}: {self.data[at:at + 40]!r})"


@st.composite
def mutations(draw: st.DrawFn, name: str) -> Mutation:
    file = draw(st.sampled_from(sorted(IMPORTERS[name].files)))
    data = original(name, file)
    kind = draw(st.sampled_from(["bytes", "text", "truncate", "shuffle", "repeat"]))
    at = draw(st.integers(0, len(data) - 1))
    if kind == "bytes":
        span = draw(st.integers(0, 8))
        return Mutation(name, file, kind, data[:at] + draw(st.binary(min_size=1, max_size=8))
                        + data[at + span:])
    if kind == "text":
        span = draw(st.integers(0, 4))
        text = draw(TEXT).encode("utf-8")
        return Mutation(name, file, kind, data[:at] + text + data[at + span:])
    if kind == "truncate":
        return Mutation(name, file, kind, data[:at])
    rows = rows_of(data, file)
    if len(rows) < 2:
        return Mutation(name, file, "truncate", data[:at])
    index = draw(st.integers(1, len(rows) - 1))
    row = list(rows[index])
    if kind == "shuffle":
        rows[index] = draw(st.permutations(row))
    else:  # the row again, one cell taken from another row: a key repeated with another value
        other = rows[draw(st.integers(1, len(rows) - 1))]
        column = draw(st.integers(0, len(row) - 1))
        if column < len(other):
            row[column] = other[column]
        rows.insert(draw(st.integers(1, len(rows))), row)
    return Mutation(name, file, kind, join_rows(rows, file))


def check_import(name: str, mutation: Mutation) -> None:
    importer = IMPORTERS[name]
    with tempfile.TemporaryDirectory(prefix="kg-fuzz-") as tmp:
        folder = Path(tmp) / "in"
        shutil.copytree(DATA / importer.info.folder, folder)
        (folder / mutation.file).write_bytes(mutation.data)
        out = Path(tmp) / "out" / "x.nq"
        try:
            write(importer, folder, out, progress=False)
        except ImportFailed as exc:
            assert isinstance(exc, KgError)
            assert any(f"{folder / f}" in str(exc) for f in importer.files), str(exc)
            assert not out.exists()
            assert not list(out.parent.glob("*.part"))
            return
        quads = list(ox.parse(path=str(out), format=ox.RdfFormat.N_QUADS))
        assert quads
        assert not list(out.parent.glob("*.part"))


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_corrupt_files_fail_cleanly_or_import(name: str) -> None:
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
    @given(mutations(name))
    def run(mutation: Mutation) -> None:
        check_import(name, mutation)

    run()


@pytest.mark.parametrize("name", sorted(IMPORTERS))
def test_every_file_cut_short_is_refused(name: str) -> None:
    """Cut anywhere but after a line end, every file of every importer is refused."""
    importer = IMPORTERS[name]
    for file in importer.files:
        data = original(name, file)
        start = data.rindex(b"\n", 0, len(data) - 1) + 1  # the last line
        cut = data[: start + min(3, len(data) - 1 - start)]  # a few bytes of it, not its end
        with tempfile.TemporaryDirectory(prefix="kg-fuzz-") as tmp:
            folder = Path(tmp) / "in"
            shutil.copytree(DATA / importer.info.folder, folder)
            (folder / file).write_bytes(cut)
            out = Path(tmp) / "x.nq"
            with pytest.raises(ImportFailed, match="cut short|CSV syntax error") as info:
                write(importer, folder, out, progress=False)
            assert file in str(info.value)
            assert not out.exists()


@pytest.mark.parametrize(("name", "file", "column"), [
    ("bls-oews", "national_M2024_dl.tsv", "A_MEDIAN"),
    ("bls-projections", "table_1.2_occupational_projections_2024-34.tsv", "Employment, 2024"),
    ("onet", "Skills.tsv", "Data Value"),
    ("onet", "Scales Reference.tsv", "Maximum"),
    ("esco-onet-crosswalk", "esco_onet_crosswalk_Nov2020.csv", "semantic_similarity"),
])
def test_a_number_too_large_to_write_out_fails_cleanly(name: str, file: str,
                                                       column: str) -> None:
    """Regression (session 29's attack): "1e+999999999" in a number cell overflowed Python's
    decimal context (decimal.Overflow, a traceback from `kg import` and from `kg build
    --data`)."""
    rows = rows_of(original(name, file), file)
    header = rows[0]
    at = next(i for i, cell in enumerate(header) if cell.strip() == column)
    row = next(i for i, r in enumerate(rows[1:], 1) if len(r) > at and r[at].strip())
    rows[row][at] = "1e+999999999"
    check_import(name, Mutation(name, file, "text", join_rows(rows, file)))
