"""A build that stops on bad input leaves the previous dist/ byte for byte as it was.

One case per road a bad value enters by: a curated record file and a reference-data file given
with --data. The previous dist/ is a real seed build (the session's), copied.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kg.build.pipeline import BuildOptions, build
from kg.errors import KgError
from tests.conftest import REPO, snapshot

SLICES = Path(__file__).parent / "data"
NAICS = "naics_2022/2-6_digit_2022_Codes.tsv"




def test_malformed_record_file_keeps_the_previous_dist(previous_dist: Path, sources_copy: Path,
                                                       seeds_dir: Path) -> None:
    before = snapshot(previous_dist)
    duties = sources_copy / "duties.yaml"
    text = duties.read_text(encoding="utf-8")
    duties.write_text(text.replace("records:\n", "records:\n  - [unclosed\n", 1),
                      encoding="utf-8")
    with pytest.raises(KgError, match=r"duties\.yaml:\d+:\d+: malformed YAML"):
        build(BuildOptions(out=previous_dist, documents=seeds_dir, sources=sources_copy))
    assert snapshot(previous_dist) == before


def test_truncated_reference_file_keeps_the_previous_dist(previous_dist: Path, tmp_path: Path,
                                                          seeds_dir: Path) -> None:
    before = snapshot(previous_dist)
    data = tmp_path / "data"
    shutil.copytree(SLICES, data)
    naics = data / NAICS
    content = naics.read_bytes()
    naics.write_bytes(content[: content.rindex(b"\n", 0, len(content) - 1) + 5])  # cut mid-line
    with pytest.raises(KgError, match=r"2-6_digit_2022_Codes\.tsv:\d+: the last line has no "
                                      r"line end"):
        build(BuildOptions(out=previous_dist, documents=seeds_dir, data=data, ontology_docs=False,
                           sources=REPO / "kg" / "sources" / "curated" / "records"))
    assert snapshot(previous_dist) == before
