"""References between the reference datasets must resolve (kg/build/reference_checks.py),
checked on copies of the slices of tests/data: BLS OEWS May 2024 (public domain), SOC 2018
(public domain), ESCO v1.1.1 with its ISCO-08 groups (CC BY 4.0, European Commission), Nesta's
ESCO-O*NET crosswalk (MIT) and O*NET-SOC 2019's crosswalks (CC BY 4.0, USDOL/ETA).

Regression (session 33's audit): an OEWS row for SOC 11-3059 (no such code), ESCO's iscoGroup
9999 and Nesta's onet_code 99-9999.00 were each published, pointing at a concept nothing
described. The slices are not closed under these references (they keep a few OEWS rows for
codes the SOC slice leaves out), so each test compares the dangling references before and
after one change."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.reference_checks import check_references
from kg.errors import ValidationFailed
from kg.sources.importers import IMPORTERS, write

DATA = Path(__file__).parent / "data"
BASE = "https://w3id.org/occupation-kg/id/"


def _dangling(data: Path, tmp_path: Path) -> str:
    """check_references' message on every slice of `data` ("" when all resolve)."""
    store = ox.Store()
    out = tmp_path / "nt"
    out.mkdir(parents=True, exist_ok=True)
    for name, importer in IMPORTERS.items():
        path = out / f"{name}.nt"
        write(importer, data / importer.info.folder, path, progress=False)
        store.bulk_load(path=str(path), format=ox.RdfFormat.N_TRIPLES,
                        to_graph=ox.NamedNode(importer.graph_iri(BASE)))
    try:
        check_references(store, BASE, [i.graph_iri(BASE) for i in IMPORTERS.values()])
    except ValidationFailed as error:
        return str(error)
    return ""


def _changed(tmp_path: Path, folder: str, file: str, old: str, new: str) -> Path:
    data = tmp_path / "data"
    shutil.copytree(DATA, data, ignore=shutil.ignore_patterns("*.py", "*.md"))
    path = data / folder / file
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return data


@pytest.mark.parametrize("folder, file, old, new, expected", [
    ("bls_oews_may2024_national", "national_M2024_dl.tsv", "\t11-3051\t", "\t11-3059\t",
     "bls-oews-national-2024-05 (national_M2024_dl.tsv): " + BASE + "soc2018/11-3059 is not a "
     "SOC 2018 occupation or a BLS aggregate of them"),
    ("esco_v1_1_1_en", "occupations_en.csv", ",1321,industrial production manager,",
     ",9999,industrial production manager,",
     "esco-1.1.1 (occupations_en.csv): http://data.europa.eu/esco/isco/C9999 is not an ISCO-08 "
     "group (1 statement(s), e.g. about http://data.europa.eu/esco/occupation/eb9479c6-"),
    ("crosswalk_esco_onet_nesta_2020", "esco_onet_crosswalk_Nov2020.csv", ",11-3051.00,",
     ",99-9999.00,",
     "esco-onet-crosswalk-nesta-2020-11 (esco_onet_crosswalk_Nov2020.csv): " + BASE +
     "onet-soc2010/99-9999.00 is not an O*NET-SOC 2010 occupation"),
])
def test_a_reference_to_no_concept_stops_the_build(tmp_path: Path, folder: str, file: str,
                                                   old: str, new: str, expected: str) -> None:
    before = _dangling(DATA, tmp_path / "before")
    assert expected not in before
    # what the slices do hold resolves (only a few OEWS codes outside the SOC slice dangle)
    for held in ("soc2018/11-3051 ", "isco/C1321 ", "onet-soc2010/11-3051.00 "):
        assert held not in before
    after = _dangling(_changed(tmp_path, folder, file, old, new), tmp_path / "after")
    assert expected in after, after


def test_a_reference_is_checked_only_where_both_editions_are_imported() -> None:
    store = ox.Store()
    graph = ox.NamedNode(IMPORTERS["esco"].graph_iri(BASE))
    store.add(ox.Quad(ox.NamedNode("http://data.europa.eu/esco/occupation/x"),
                      ox.NamedNode("http://data.europa.eu/esco/model#memberOfISCOGroup"),
                      ox.NamedNode("http://data.europa.eu/esco/isco/C9999"), graph))
    assert check_references(store, BASE, [graph.value]) == 0  # no ISCO-08 edition: unknown
    with pytest.raises(ValidationFailed, match="isco/C9999 is not an ISCO-08 group"):
        check_references(store, BASE, [graph.value, IMPORTERS["isco08"].graph_iri(BASE)])
