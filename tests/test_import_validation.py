"""`kg build --data DIR --validate-imports`: pySHACL over each imported dataset graph."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pyoxigraph as ox
import pytest

from kg.build.import_validation import validate_imports
from kg.cli import main
from kg.errors import ValidationFailed
from kg.sources.importers import IMPORTERS, write

DATA = Path(__file__).parent / "data"
OKG = "https://w3id.org/occupation-kg/ontology#"


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("imports")
    files = {}
    for name, importer in IMPORTERS.items():
        files[name] = out / f"{name}.nq"
        write(importer, DATA / importer.info.folder, files[name], progress=False)
    return files


def test_every_slice_conforms(slices: dict[str, Path], progress: Callable[[str], None]) -> None:
    """Every importer's output on its slice conforms to the shapes (pySHACL with the ontology,
    as `kg build --validate-imports` runs it; a violation fails the test naming dataset and
    node), and every quad is validated."""
    lines: list[str] = []

    def log(line: str) -> None:
        lines.append(line)
        progress(line)  # about half a minute in all: say which dataset is done
    total = validate_imports(slices, log=log)
    written = sum(1 for path in slices.values() for _ in ox.parse(path=str(path),
                                                                    format=ox.RdfFormat.N_QUADS))
    assert total == written  # every quad of every slice went through pySHACL
    assert sorted(line.split(":")[1].strip() for line in lines) == sorted(IMPORTERS)


def test_a_violation_names_the_dataset_and_the_node(slices: dict[str, Path],
                                                    tmp_path: Path) -> None:
    quads = list(ox.parse(path=str(slices["bls-oews"]), format=ox.RdfFormat.N_QUADS))
    obs = next(q.subject for q in quads if q.predicate.value.endswith("#type")
               and q.object.value == OKG + "Observation")
    graph = quads[0].graph_name
    bad = tmp_path / "bls-oews.nq"
    extra = ox.Quad(obs, ox.NamedNode(OKG + "statistic"), ox.Literal("not an IRI"), graph)
    ox.serialize(quads + [extra], str(bad), ox.RdfFormat.N_QUADS)
    with pytest.raises(ValidationFailed, match=rf"bls-oews: \[Violation\] .*{obs.value[-20:]}"):
        validate_imports({"bls-oews": bad, "naics2022": slices["naics2022"]}, log=lambda _: None)


def test_the_option_needs_data(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["build", "--out", str(tmp_path / "dist"), "--validate-imports"]) == 1
    assert "--validate-imports needs --data" in capsys.readouterr().err
    assert not (tmp_path / "dist").exists()
