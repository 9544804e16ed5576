"""Each kind of bad input gives an error naming the file and record, and leaves dist/ intact."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from kg.cli import main
from kg.errors import SourceError
from kg.sources.curated.loader import load_sources
from kg.sources.curated.quotes import check_quotes
from kg.sources.curated.vocabulary import OntologyIndex, load_ontology
from kg.sources.curated.yaml_lines import MAX_DEPTH
from tests.conftest import REPO, snapshot

IPM = "occupation/industrial-production-managers"




def _build(sources: Path, out: Path, seeds: Path) -> int:
    return main(["build", "--sources", str(sources), "--out", str(out), "--documents",
                 str(seeds), "--no-ontology-docs"])


def _fails_cleanly(sources: Path, out: Path, seeds: Path, capsys, *expected: str) -> str:
    before = snapshot(out)
    assert _build(sources, out, seeds) == 1
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert "Traceback" not in err  # bad input is a located message, never a traceback
    assert snapshot(out) == before, "a failed build changed the previous dist/"
    leftovers = [p.name for p in out.parent.iterdir() if p.name.startswith(".kg-build-")]
    assert leftovers == []
    return err


def test_malformed_yaml(sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys):
    (sources_copy / "zz-bad.yaml").write_text("records:\n  - id: duty/x\n    label: [open\n")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys, "zz-bad.yaml:", "malformed")


def test_reference_to_undefined_entity(sources_copy: Path, previous_dist: Path,
                                       seeds_dir: Path, capsys):
    (sources_copy / "zz-bad.yaml").write_text(f"""records:
  - id: duty/ghost-duty
    type: Duty
    label: Ghost duty
    facts:
      - {{p: ^hasDuty, ref: occupation/no-such-occupation, curated: test}}
  - id: duty/fine
    type: Duty
    label: Fine
    facts:
      - {{p: ^hasDuty, ref: {IPM}, curated: test}}
""")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   "zz-bad.yaml:6 (record duty/ghost-duty)",
                   "undefined entity 'occupation/no-such-occupation'")


def test_duplicate_identifier(sources_copy: Path, previous_dist: Path, seeds_dir: Path,
                              capsys):
    (sources_copy / "zz-bad.yaml").write_text(f"""records:
  - id: {IPM}
    type: Occupation
    label: Again
    facts:
      - {{p: socCode, value: "11-3051", curated: test}}
""")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   f"zz-bad.yaml:2 (record {IPM})", f"duplicate id '{IPM}'")


def test_malformed_code(sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys):
    (sources_copy / "zz-bad.yaml").write_text("""records:
  - id: industry/bad-code
    type: Industry
    label: Bad code
    facts:
      - {p: naicsCode, value: "33x", curated: test}
""")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   "zz-bad.yaml:6 (record industry/bad-code)", "naicsCode '33x' is malformed")


def test_non_numeric_figure(sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys):
    table = sources_copy / "observations.tsv"
    lines = table.read_text(encoding="utf-8").rstrip("\n").split("\n")
    cells = lines[1].split("\t")
    cells[0], cells[6] = "bad-figure", "lots"
    lines.append("\t".join(cells))
    table.write_text("\n".join(lines) + "\n", encoding="utf-8")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   f"observations.tsv:{len(lines)} (record bad-figure)",
                   "value 'lots' is not a number")


def test_missing_quote(sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys):
    (sources_copy / "zz-bad.yaml").write_text(f"""records:
  - id: duty/invented
    type: Duty
    label: Juggle flaming torches
    evidence:
      - {{doc: ooh-2022-profile, quote: "Juggle flaming torches on the production line"}}
    facts:
      - {{p: ^hasDuty, ref: {IPM}, doc: ooh-2022-profile, quote: "Analyze production data"}}
""")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   "zz-bad.yaml:6 (record duty/invented)", "not found in document",
                   "Juggle flaming torches on the production line")


def test_unknown_property(sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys):
    (sources_copy / "zz-bad.yaml").write_text(f"""records:
  - id: duty/odd
    type: Duty
    label: Odd
    facts:
      - {{p: hasFavouriteColour, value: blue, curated: test}}
      - {{p: ^hasDuty, ref: {IPM}, curated: test}}
""")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   "zz-bad.yaml:6 (record duty/odd)",
                   "property 'hasFavouriteColour' is not declared in the ontology")


def test_shacl_violation_names_the_source_row(sources_copy: Path, previous_dist: Path,
                                              seeds_dir: Path, capsys):
    """An observation that passes the loader and its quote's checks but not the shapes: the
    share "Chemical manufacturing 8" (a bare number, which may be in any unit, under a table
    that names its statistic) recorded in jobs, while the statistic is counted in percent."""
    table = sources_copy / "observations.tsv"
    lines = table.read_text(encoding="utf-8").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    # (Until session 33 a median took the 90th percentile's figure and quote here, as a median
    # needed no words; a quote, or its table's lead-in, must now name its statistic.)
    share = next(r for r in rows if r["id"] == "employment-share-2021-chemical-manufacturing")
    assert share["quote"] == "Chemical manufacturing 8" and share["unit"] == "Percent"
    share["unit"] = "Jobs"
    table.write_text("\n".join(["\t".join(header)] + ["\t".join(r[c] for c in header)
                                                      for r in rows]) + "\n", encoding="utf-8")
    err = _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                         "does not conform", "observations.tsv:")
    assert "Violation" in err and "unitMeasure" in err


# --- Curated input that cannot hurt: every malformed file gives located messages, one per
# problem, and never a traceback. These call the loader directly (no build needed).

EVIDENCE = 'evidence: [{doc: ooh-summary, quote: "Industrial production managers typically do"}]'
RECORD = f"""records:
  - id: duty/x
    type: Duty
    label: X
    {EVIDENCE}
"""


@pytest.fixture(scope="module")
def ontology() -> OntologyIndex:
    return OntologyIndex(load_ontology())


def _problems(sources: Path, ontology: OntologyIndex) -> list[str]:
    """Every problem the loader reports, as `location: message` lines."""
    with pytest.raises(SourceError) as caught:
        load_sources(sources, ontology)
    return [f"{loc}: {msg}" for loc, msg in caught.value.problems]


def _one_problem(sources: Path, ontology: OntologyIndex) -> str:
    problems = _problems(sources, ontology)
    assert len(problems) == 1, "\n".join(problems)
    return problems[0].split(str(sources) + "/", 1)[-1]


def test_malformed_yaml_keeps_line_and_column(sources_copy: Path, ontology: OntologyIndex):
    """Bug: the loader cut `path:line:` off the parser's message."""
    (sources_copy / "zz-bad.yaml").write_text("records:\n  - id: duty/x\n    label: [open\n")
    assert _one_problem(sources_copy, ontology) == (
        "zz-bad.yaml:4:1: malformed YAML: did not find expected ',' or ']' "
        "(while parsing a flow sequence at line 3, column 12)")


@pytest.mark.parametrize("before, after, expected", [
    ("label: X", "label: 42", "zz-bad.yaml:4 (record duty/x): label must be text, got 42"),
    ("id: duty/x", "id: 7", "zz-bad.yaml:2: id must be text, got 7"),
    ("type: Duty", "type: [Duty]", "zz-bad.yaml:3 (record duty/x): type must be text, got a list"),
    ("type: Duty", "type: Duty\n    also_types: Topic",
     "zz-bad.yaml:4 (record duty/x): also_types must be a list of text, got 'Topic'"),
    (EVIDENCE, 'evidence: "x"', "zz-bad.yaml:5 (record duty/x): evidence must be a list, got 'x'"),
    (EVIDENCE, "evidence: [[ooh-summary, a quote]]",
     "zz-bad.yaml:5 (record duty/x): an evidence entry must be a mapping, got a list"),
    ("type: Duty", "type: Duty\n    alt_labels: {value: Y}",
     "zz-bad.yaml:4 (record duty/x): alt_labels must be a list, got a mapping"),
    ("type: Duty", "type: Duty\n    alt_labels: [{value: 3}]",
     "zz-bad.yaml:4 (record duty/x): value must be text, got 3"),
    ("type: Duty", "type: Duty\n    definition: Y",
     "zz-bad.yaml:4 (record duty/x): definition must be a mapping, got 'Y'"),
    ("type: Duty", "type: Duty\n    facts: 7",
     "zz-bad.yaml:4 (record duty/x): facts must be a list, got 7"),
    (EVIDENCE, "evidence: [{doc: ooh-summary, quote: 9}]",
     "zz-bad.yaml:5 (record duty/x): quote must be text, got 9"),
    (EVIDENCE, "evidence: [{doc: ooh-summary}]",
     "zz-bad.yaml:5 (record duty/x): evidence needs both `doc` and a non-empty `quote`"),
])
def test_wrong_shape_of_a_record_key(sources_copy: Path, ontology: OntologyIndex,
                                     before: str, after: str, expected: str):
    """Bug: `evidence: "x"` and friends gave AttributeError tracebacks; `label: 42` said
    "record lacks label"."""
    assert before in RECORD
    (sources_copy / "zz-bad.yaml").write_text(RECORD.replace(before, after, 1))
    assert _one_problem(sources_copy, ontology) == expected


@pytest.mark.parametrize("fact, expected", [
    ("{p: 1, ref: occupation/x}", "p must be text, got 1"),
    ("{p: ^hasDuty, ref: 2, curated: t}", "ref must be text, got 2"),
    ("{p: dcterms:description, value: [a], curated: t}",
     "value must be text, a number or true/false, got a list"),
    ("{p: dcterms:description, value: null, curated: t}",
     "value must be text, a number or true/false, got None"),
    ("{p: dcterms:description, value: a, doc: 3, quote: q}", "doc must be text, got 3"),
    ("{p: dcterms:description, value: a, curated: true}", "curated must be text, got True"),
    ("{p: dcterms:description, value: a, derived: yes}", "derived must be a mapping, got True"),
    ("{p: dcterms:description, value: a, colour: blue, curated: t}",
     "unknown key 'colour' in a fact (allowed: p, ref, value, doc, quote, curated, derived)"),
    ("[p, dcterms:description]", "a fact must be a mapping, got a list"),
    ("{value: a, curated: t}", "a fact needs a property `p`"),
])
def test_wrong_shape_of_a_fact_key(sources_copy: Path, ontology: OntologyIndex, fact: str,
                                   expected: str):
    (sources_copy / "zz-bad.yaml").write_text(RECORD + f"    facts:\n      - {fact}\n")
    assert _one_problem(sources_copy, ontology) == f"zz-bad.yaml:7 (record duty/x): {expected}"


def test_duplicate_keys_at_any_depth(sources_copy: Path, ontology: OntologyIndex):
    """Bug: a second `label:` silently replaced the first."""
    (sources_copy / "zz-bad.yaml").write_text(
        RECORD + "    label: Y\n    facts:\n      - {p: ^hasDuty, p: x, ref: " + IPM + "}\n")
    assert [p.split("/zz-bad.yaml")[-1] for p in _problems(sources_copy, ontology)] == [
        ":6:5: duplicate key 'label' (first at line 4)",
        ":8:23: duplicate key 'p' (first at line 8)",
    ]


def test_unknown_record_key(sources_copy: Path, ontology: OntologyIndex):
    """Bug: a misspelt key (`evidnce`) was accepted and ignored."""
    (sources_copy / "zz-bad.yaml").write_text(RECORD + "    evidnce: []\n")
    assert _one_problem(sources_copy, ontology) == (
        "zz-bad.yaml:6 (record duty/x): unknown key 'evidnce' in a record (allowed: id, type, "
        "also_types, label, evidence, alt_labels, definition, facts)")


def test_absurd_nesting_is_located(sources_copy: Path, ontology: OntologyIndex):
    """Bug: 5,000-deep `[[[[` ended in RecursionError inside PyYAML."""
    (sources_copy / "zz-bad.yaml").write_text("records: " + "[" * 5000 + "]" * 5000 + "\n")
    # The top mapping is level 1, so the list that crosses the limit opens at this column.
    column = len("records: ") + MAX_DEPTH
    assert _one_problem(sources_copy, ontology) == (
        f"zz-bad.yaml:1:{column}: nested deeper than {MAX_DEPTH} levels")


def test_aliases_are_refused(sources_copy: Path, ontology: OntologyIndex):
    """A self-referencing alias would make every later walk over the data endless."""
    (sources_copy / "zz-bad.yaml").write_text("records: &r\n  - *r\n")
    assert _one_problem(sources_copy, ontology) == (
        "zz-bad.yaml:2:5: aliases (*name) are not allowed: write the value out")


def test_non_utf8_yaml(sources_copy: Path, ontology: OntologyIndex):
    raw = RECORD.encode().replace(b"label: X", b"label: X\xff")
    (sources_copy / "zz-bad.yaml").write_bytes(raw)
    offset = raw.index(b"\xff")
    column = offset - raw.rindex(b"\n", 0, offset)
    assert _one_problem(sources_copy, ontology) == (
        f"zz-bad.yaml:4:{column}: not UTF-8: byte 0xff at byte offset {offset}")


def test_non_utf8_observations(sources_copy: Path, ontology: OntologyIndex):
    """Bug: one bad byte in observations.tsv gave a UnicodeDecodeError traceback."""
    table = sources_copy / "observations.tsv"
    raw = table.read_bytes()
    offset = raw.index(b"\n", raw.index(b"\n") + 1) + 5  # the fifth byte of the third line
    table.write_bytes(raw[:offset] + b"\xfe" + raw[offset:])
    # The damaged row is left out, so nothing else is reported.
    assert _one_problem(sources_copy, ontology) == (
        f"observations.tsv:3:5: not UTF-8: byte 0xfe at byte offset {offset}")


def test_empty_records_file(sources_copy: Path, ontology: OntologyIndex):
    (sources_copy / "zz-bad.yaml").write_text("# nothing yet\n")
    assert _one_problem(sources_copy, ontology) == (
        "zz-bad.yaml: the file is empty: expected a top-level `records:` list")


@pytest.mark.parametrize("text, expected", [
    ("records: [{id: duty/y, type: Duty, label: Y, evidence: []}]\nextra: 1\n",
     "zz-bad.yaml:2: unknown key 'extra' in the top level (allowed: records)"),
    ("- id: duty/x\n", "zz-bad.yaml: expected a top-level `records:` list, got a list"),
    ("records:\n  - [a, b]\n", "zz-bad.yaml:2: a record must be a mapping, got a list"),
    ("records: [1]\nrecords: [2]\n", "zz-bad.yaml:2:1: duplicate key 'records' (first at line 1)"),
])
def test_wrong_shape_of_a_records_file(sources_copy: Path, ontology: OntologyIndex, text: str,
                                       expected: str):
    (sources_copy / "zz-bad.yaml").write_text(text)
    problems = _problems(sources_copy, ontology)
    assert expected in [p.split(str(sources_copy) + "/", 1)[-1] for p in problems]


def test_documents_of_the_wrong_shape(sources_copy: Path, ontology: OntologyIndex):
    """Bug: `documents: 7` gave a TypeError traceback; now one message and no cascade of
    "unknown document" for every quote."""
    (sources_copy / "documents.yaml").write_text("documents: 7\n")
    assert _one_problem(sources_copy, ontology) == (
        "documents.yaml:1: documents must be a list, got 7")


@pytest.mark.parametrize("before, after, expected", [
    ("reference_years: [2008, 2018]", "reference_years: 2008",
     "(record ooh-2010-outlook): reference_years must be a list of whole years, got 2008"),
    # regression (session 29's attack): "got a list", the bad item not named
    ("reference_years: [2008, 2018]", "reference_years: [2008, abc]",
     "(record ooh-2010-outlook): reference_years must be a list of whole years, got a list "
     "holding 'abc'"),
    ("publisher: organization/us-bureau-of-labor-statistics", "publisher: 5",
     "(record ooh-2022-profile): publisher must be text, got 5"),
    ("publisher: organization/us-bureau-of-labor-statistics", "publsher: x",
     "(record ooh-2022-profile): unknown key 'publsher' in a document entry (allowed: id, file, "
     "sha256, title, kind, reference_years, publisher)"),
])
def test_document_entry_of_the_wrong_shape(sources_copy: Path, ontology: OntologyIndex,
                                           before: str, after: str, expected: str):
    registry = sources_copy / "documents.yaml"
    text = registry.read_text()
    line = text[: text.index(before)].count("\n") + 1
    registry.write_text(text.replace(before, after))
    assert _one_problem(sources_copy, ontology) == f"documents.yaml:{line} {expected}"


@pytest.mark.parametrize("before, after, expected", [
    ("start: 2008-01-01, end: 2008-12-31}", "start: 2008, end: 2008-12-31}",
     "(record period/2008): start must be a date YYYY-MM-DD, got 2008"),
    ("{id: period/2008, ", "{id: period/2008, colour: red, ",
     "(record period/2008): unknown key 'colour' in a period (allowed: id, label, start, end)"),
])
def test_period_of_the_wrong_shape(sources_copy: Path, ontology: OntologyIndex, before: str,
                                   after: str, expected: str):
    periods = sources_copy / "periods.yaml"
    text = periods.read_text()
    line = text[: text.index(before)].count("\n") + 1
    periods.write_text(text.replace(before, after, 1))
    assert _one_problem(sources_copy, ontology) == f"periods.yaml:{line} {expected}"


def test_a_text_of_megabytes_is_refused_with_its_line(sources_copy: Path,
                                                     ontology: OntologyIndex):
    """Regression: a 20 MB label passed the loader and stopped the build in pyoxigraph's parser
    ("MemoryError: Reached the buffer maximal size of 16777216", a traceback)."""
    from kg.sources.curated.loader import MAX_TEXT

    records = sources_copy / "competencies.yaml"
    text = records.read_text()
    line = text[: text.index('label: "Business skills"')].count("\n") + 1
    huge = "x" * (MAX_TEXT + 1)
    records.write_text(text.replace('label: "Business skills"', f'label: "{huge}"', 1))
    problem = _one_problem(sources_copy, ontology)
    assert problem.startswith(f"competencies.yaml:{line}")
    assert problem.endswith(f"label is {MAX_TEXT + 1:,} characters long; at most {MAX_TEXT:,}")


@pytest.mark.parametrize("date", ["2008-13-31", "2008-02-30"])
def test_a_period_date_that_is_no_day_of_the_calendar(sources_copy: Path,
                                                      ontology: OntologyIndex, date: str):
    """Regression: `end: 2008-13-31` passed the loader; rdflib printed two tracebacks and the
    build failed on a SHACL violation naming an IRI, not the line."""
    periods = sources_copy / "periods.yaml"
    text = periods.read_text()
    line = text[: text.index("end: 2008-12-31")].count("\n") + 1
    periods.write_text(text.replace("end: 2008-12-31", f"end: {date}", 1))
    assert _one_problem(sources_copy, ontology) == (
        f"periods.yaml:{line} (record period/2008): period date '{date}' is not a day of the "
        "calendar")


def test_a_document_that_is_not_utf8(tmp_path: Path, seeds_dir: Path, sources_copy: Path,
                                     ontology: OntologyIndex):
    """Regression: a source document with a byte that is not UTF-8 (its checksum updated) ended
    in a UnicodeDecodeError traceback from the quote check."""
    import hashlib

    documents = tmp_path / "seeds"
    shutil.copytree(seeds_dir, documents)
    seed = documents / "000_88fe1801584d03cd.txt"
    raw = seed.read_bytes()
    changed = raw[:10] + b"\xe9" + raw[10:]
    seed.write_bytes(changed)
    registry = sources_copy / "documents.yaml"
    registry.write_text(registry.read_text().replace(
        hashlib.sha256(raw).hexdigest(), hashlib.sha256(changed).hexdigest()))
    sources = load_sources(sources_copy, ontology)
    with pytest.raises(SourceError) as caught:
        check_quotes(sources, documents)
    line = raw[:10].count(b"\n") + 1
    assert [(loc.record, msg) for loc, msg in caught.value.problems] == [
        ("ooh-summary", f"{seed}: not UTF-8: byte 0xe9 at line {line}, byte offset 10")]


@pytest.mark.parametrize("file", ["../../../../etc/passwd", "/etc/passwd"])
def test_document_path_outside_the_folder(sources_copy: Path, ontology: OntologyIndex, file: str):
    """Bug: `file: ../../../../etc/passwd` was read (and hashed) by the quote check."""
    registry = sources_copy / "documents.yaml"
    registry.write_text(registry.read_text().replace("000_88fe1801584d03cd.txt", file))
    assert _one_problem(sources_copy, ontology) == (
        f"documents.yaml:3 (record ooh-summary): file must be a path inside the --documents "
        f"folder, got {file!r}")


def test_symlink_out_of_the_documents_folder(tmp_path: Path, seeds_dir: Path,
                                             ontology: OntologyIndex):
    documents = tmp_path / "seeds"
    shutil.copytree(seeds_dir, documents)
    secret = tmp_path / "secret.txt"
    secret.write_text("not a seed")
    seed = documents / "000_88fe1801584d03cd.txt"
    seed.unlink()
    seed.symlink_to(secret)
    sources = load_sources(REPO / "kg" / "sources" / "curated" / "records", ontology)
    with pytest.raises(SourceError) as caught:
        check_quotes(sources, documents)
    assert [(loc.record, msg) for loc, msg in caught.value.problems] == [
        ("ooh-summary", f"document file '000_88fe1801584d03cd.txt' resolves to {secret}, "
                        "outside the --documents folder")]


def test_bad_input_never_shows_a_traceback(sources_copy: Path, tmp_path: Path, capsys):
    """Through the command line: exit status 1 and the located message only."""
    (sources_copy / "zz-bad.yaml").write_text("records: " + "[" * 5000 + "]" * 5000 + "\n")
    assert main(["build", "--sources", str(sources_copy), "--out", str(tmp_path / "dist"),
                 "--no-ontology-docs"]) == 1
    err = capsys.readouterr().err
    assert "zz-bad.yaml:1:" in err and "nested deeper than" in err
    assert "Traceback" not in err


def test_a_symbolic_link_loop_among_the_records_is_one_line(
        sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys) -> None:
    """Regression: resolving the record file's name raised RuntimeError (a traceback)."""
    (sources_copy / "loop.yaml").symlink_to("loop.yaml")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys, "loop.yaml",
                   "Too many levels of symbolic links")


def test_a_nul_in_a_document_file_name_is_one_line(
        sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys) -> None:
    """Regression: `file: "x.txt\\0"` (YAML's escape for NUL) raised ValueError in a path."""
    registry = sources_copy / "documents.yaml"
    text = registry.read_text(encoding="utf-8")
    name = next(line.split("file:", 1)[1].strip() for line in text.splitlines()
                if line.strip().startswith("file:"))
    registry.write_text(text.replace(f"file: {name}", f'file: "{name}\\0"', 1),
                        encoding="utf-8")
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys, "documents.yaml:",
                   "control character U+0000 in a value")


def test_a_symbolic_link_loop_among_the_documents_is_one_line(
        tmp_path: Path, previous_dist: Path, seeds_dir: Path, capsys) -> None:
    """Regression: a seed document that is a link to itself raised RuntimeError."""
    seeds = tmp_path / "seeds"
    shutil.copytree(seeds_dir, seeds)
    victim = sorted(seeds.glob("*.txt"))[0]
    victim.unlink()
    victim.symlink_to(victim.name)
    _fails_cleanly(REPO / "kg" / "sources" / "curated" / "records", previous_dist, seeds,
                   capsys, f"{victim}", "cannot be resolved")


@pytest.mark.parametrize("move", ["credentials.yml", "more/credentials.yaml"])
def test_a_record_file_the_loader_does_not_read_is_named(
        move: str, sources_copy: Path, previous_dist: Path, seeds_dir: Path, capsys) -> None:
    """Regression: credentials.yaml renamed to .yml or moved into a sub-folder built without a
    word, 20 records (631 triples) short."""
    target = sources_copy / move
    target.parent.mkdir(exist_ok=True)
    (sources_copy / "credentials.yaml").rename(target)
    shown = move.split("/")[0]
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys, f"{shown}: not read")


def test_records_without_observations_are_warned_about(sources_copy: Path, tmp_path: Path,
                                                      seeds_dir: Path, capsys) -> None:
    """Regression: with observations.tsv deleted the build dropped all 24 curated figures in
    silence; the build still runs (a records folder may hold none) but says so."""
    (sources_copy / "observations.tsv").unlink()
    assert _build(sources_copy, tmp_path / "dist", seeds_dir) == 0
    assert "has no observations.tsv: the graph holds no curated figures" in \
        capsys.readouterr().err


@pytest.mark.parametrize(("label", "message"), [
    ("!!str Certified in Production", "tags (tag:yaml.org,2002:str) are not allowed"),
    ('"Certified\\x07 in Production"', "control character U+0007 in a value"),
])
def test_a_tag_or_an_escaped_control_character_is_refused(
        label: str, message: str, sources_copy: Path, previous_dist: Path, seeds_dir: Path,
        capsys) -> None:
    """Regression: `label: !!str ...` was accepted though tags are refused, and a control
    character written as a YAML escape reached the published labels (\\u0007 in kg.nt)."""
    path = sources_copy / "credentials.yaml"
    text = path.read_text(encoding="utf-8")
    old = 'label: "Certified in Production and Inventory Management"'
    assert text.count(old) == 1
    path.write_text(text.replace(old, f"label: {label}"), encoding="utf-8")
    line = text[: text.index(old)].count("\n") + 1
    _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                   f"credentials.yaml:{line}:", message)


@pytest.mark.parametrize("argv", [
    ["validate", "{folder}/graph.ttl"],
    ["reconcile", "{folder}/graph.ttl", "--column", "title"],
    ["import", "soc2018", "{folder}", "--out", "{out}/soc.nq"],
])
def test_a_folder_where_a_file_belongs_is_named_as_one(tmp_path: Path, capsys,
                                                        argv: list[str]) -> None:
    """Regression: a folder given (or found) where a file belongs was "no such file", which
    sent the user looking for a file that was there."""
    folder = tmp_path / "in"
    for name in ("graph.ttl", "SOC_Structure.tsv"):
        (folder / name).mkdir(parents=True)
    (tmp_path / "out").mkdir()
    args = [a.format(folder=folder, out=tmp_path / "out") for a in argv]
    assert main(args) == 1
    err = capsys.readouterr().err
    assert "is a folder, not a file" in err and "no such file" not in err, err


def test_an_unreadable_documents_folder_is_an_error_not_a_traceback(
        tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression (session 33's audit): a --documents folder without search permission raised
    PermissionError from Path.is_file (a traceback); a document path that is a folder said
    "does not exist". (Root passes permission checks, so the refusal is simulated.)"""
    from kg.build.pipeline import BuildOptions, build

    documents = tmp_path / "seeds"
    shutil.copytree(seeds_dir, documents)
    first = sorted(documents.iterdir())[0]
    real_is_file = Path.is_file

    def refusing_is_file(self: Path) -> bool:
        if self == first:
            raise PermissionError(13, "Permission denied", str(self))
        return real_is_file(self)

    monkeypatch.setattr(Path, "is_file", refusing_is_file)
    with pytest.raises(SourceError, match=rf"document file {re.escape(str(first))} cannot be "
                                          r"read: Permission denied"):
        build(BuildOptions(out=tmp_path / "out", documents=documents, ontology_docs=False))
    monkeypatch.undo()
    first.unlink()
    first.mkdir()
    with pytest.raises(SourceError, match=rf"document file {re.escape(str(first))} is not a "
                                          r"file"):
        build(BuildOptions(out=tmp_path / "out", documents=documents, ontology_docs=False))


def test_a_document_the_registry_does_not_name_is_mentioned(tmp_path: Path, seeds_dir: Path,
                                                            capsys) -> None:
    """Regression (session 33's audit): a sixth file in --documents was ignored without a
    word; it is still not read (the registry names the documents), but the build says so."""
    from kg.build.pipeline import BuildOptions, build

    documents = tmp_path / "seeds"
    shutil.copytree(seeds_dir, documents)
    (documents / "005_new.txt").write_text("An unregistered profile.\n", encoding="utf-8")
    build(BuildOptions(out=tmp_path / "out", documents=documents, ontology_docs=False))
    assert (f"warning: {documents}: 1 file(s) that the document registry (documents.yaml) does "
            "not name, so not read: 005_new.txt") in capsys.readouterr().err
