"""Each kind of bad input gives an error naming the file and record, and leaves dist/ intact."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.cli import main

IPM = "occupation/industrial-production-managers"


@pytest.fixture()
def previous_dist(tmp_path: Path, dist: Path) -> Path:
    """A copy of a good build standing where the failing build would write."""
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    return target


def _snapshot(folder: Path) -> dict[str, bytes]:
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def _build(sources: Path, out: Path, seeds: Path) -> int:
    return main(["build", "--sources", str(sources), "--out", str(out), "--documents",
                 str(seeds), "--no-ontology-docs"])


def _fails_cleanly(sources: Path, out: Path, seeds: Path, capsys, *expected: str) -> str:
    before = _snapshot(out)
    assert _build(sources, out, seeds) == 1
    err = capsys.readouterr().err
    for text in expected:
        assert text in err, f"{text!r} not in:\n{err}"
    assert _snapshot(out) == before, "a failed build changed the previous dist/"
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
    """A 90th percentile below the median passes the loader but not the shapes."""
    table = sources_copy / "observations.tsv"
    lines = table.read_text(encoding="utf-8").rstrip("\n").split("\n")
    header = lines[0].split("\t")
    rows = [dict(zip(header, line.split("\t"), strict=True)) for line in lines[1:]]
    p90 = next(r for r in rows if r["statistic"] == "annualWagePercentile90"
               and r["industry"].endswith("all-industries"))
    p90["value"] = "1000"
    table.write_text("\n".join(["\t".join(header)] + ["\t".join(r[c] for c in header)
                                                      for r in rows]) + "\n", encoding="utf-8")
    err = _fails_cleanly(sources_copy, previous_dist, seeds_dir, capsys,
                         "does not conform", "observations.tsv:")
    assert "Violation" in err
