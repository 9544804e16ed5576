"""The imports stage: an importer split into parts (O*NET) gives exactly the triples of the
whole import, run as one job or as parallel jobs, on the tests/data slices."""

from __future__ import annotations

from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from kg.build.imports import import_all
from kg.sources.importers import IMPORTERS, write
from tests.conftest import BASE

DATA = Path(__file__).parent / "data"


def _lines(path: Path) -> list[bytes]:
    return sorted(path.read_bytes().splitlines())


def test_onet_parts_together_are_the_whole_import(tmp_path: Path) -> None:
    onet = IMPORTERS["onet"]
    folder = DATA / onet.info.folder
    whole = write(onet, folder, tmp_path / "whole.nt", base=BASE, progress=False)
    parts = [write(onet, folder, tmp_path / f"part{i}.nt", base=BASE, progress=False, part=i)
             for i in range(len(onet.parts))]
    assert len(parts) == 2
    assert all(p.triples > 1000 for p in parts)  # both workers get real work
    joined = sorted(line for i in range(len(parts))
                    for line in (tmp_path / f"part{i}.nt").read_bytes().splitlines())
    assert joined == _lines(tmp_path / "whole.nt")  # no triple lost, none given twice
    assert sum(p.rows for p in parts) == whole.rows  # the reference rows are counted once
    assert sum(p.triples for p in parts) == whole.triples


def test_import_all_loads_the_parts_into_one_graph_and_one_file(tmp_path: Path) -> None:
    store = Store()
    done = {item.name: item for item in import_all(store, DATA, tmp_path, BASE, jobs=2)}
    onet = IMPORTERS["onet"]
    whole = write(onet, DATA / onet.info.folder, tmp_path / "whole" / "onet.nt", base=BASE,
                  progress=False)
    item = done["onet"]
    assert item.path == tmp_path / "onet.nt" and not list(tmp_path.glob("onet.part*"))
    assert _lines(item.path) == _lines(whole.out)
    assert (item.rows, item.triples) == (whole.rows, whole.triples)
    graph = NamedNode(onet.graph_iri(BASE))
    loaded = Store()
    loaded.load(path=str(whole.out), format=RdfFormat.N_TRIPLES, to_graph=graph)
    assert (sorted(map(str, store.quads_for_pattern(None, None, None, graph)))
            == sorted(map(str, loaded.quads_for_pattern(None, None, None, graph))))
