"""The per-user cache of trained rankers (kg/reconcile/cache.py): `kg reconcile` and the
server's /reconcile read a ranker trained before on the same graph instead of training it again.

Regression: every `kg reconcile` run on the full graph spent 2:15 and 3.1 GB building the index
and training the re-ranker, saying nothing meanwhile, even for three rows (session 26; with the
cache, the next run took 4.4 s and 0.86 GB). The slices here stand for the graph.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kg.reconcile import cache
from kg.reconcile.cache import PREFIX, cached_ranker, ranker_key
from kg.reconcile.index import from_files
from kg.reconcile.rank import Ranker
from kg.reconcile.reference import import_reference
from tests.test_reconcile import DATA


@pytest.fixture(scope="module")
def slices(tmp_path_factory: pytest.TempPathFactory) -> list[Path]:
    return import_reference(DATA, tmp_path_factory.mktemp("cache-slices"))


def _reconcile(source: Path, out: Path, sources: list[Path], cache_dir: str
               ) -> subprocess.CompletedProcess[str]:
    args = [sys.executable, "-m", "kg.cli", "reconcile", str(source), "--column", "job",
            "--type", "onet-occupation", "--out", str(out)]
    for path in sources:
        args += ["--source", str(path)]
    env = {**__import__("os").environ, "KG_CACHE_DIR": cache_dir}
    return subprocess.run(args, capture_output=True, text=True, timeout=300, env=env)


def _entries(folder: Path) -> list[Path]:
    return sorted(folder.glob(f"{PREFIX}*.pkl"))


def test_a_second_run_reads_the_trained_ranker(slices: list[Path], tmp_path: Path) -> None:
    source = tmp_path / "titles.csv"
    source.write_text("job\nplant manager\nregistered nurse\nwelder\n", encoding="utf-8")
    folder = tmp_path / "cache"
    first = _reconcile(source, tmp_path / "a.csv", slices, str(folder))
    assert first.returncode == 0, first.stderr
    assert "kg: building the reconciliation index from" in first.stderr  # no longer silent
    assert f"kept the trained ranker in {folder}" in first.stderr
    assert len(_entries(folder)) == 1
    second = _reconcile(source, tmp_path / "b.csv", slices, str(folder))
    assert second.returncode == 0, second.stderr
    assert f"read the trained ranker from {folder}" in second.stderr
    assert "building" not in second.stderr
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    # Another graph is another entry; the two newest are kept.
    for n in range(2):
        changed = tmp_path / f"changed{n}" / slices[0].name
        changed.parent.mkdir()
        shutil.copy(slices[0], changed)
        with changed.open("a", encoding="utf-8") as handle:
            handle.write(f"<urn:x:{n}> <urn:x:p> <urn:x:o> .\n")
        done = _reconcile(source, tmp_path / f"c{n}.csv", [changed, *slices[1:]], str(folder))
        assert "kg: building the reconciliation index" in done.stderr, done.stderr
    assert len(_entries(folder)) == cache.KEEP


def test_an_unreadable_entry_is_dropped_and_built_again(
        slices: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    said: list[str] = []
    built = cached_ranker(slices, lambda _: Ranker(from_files(slices)), said.append)
    (entry,) = _entries(tmp_path)
    entry.write_bytes(entry.read_bytes()[:1000])  # truncated, as by a full disk
    again = cached_ranker(slices, lambda _: Ranker(from_files(slices)), said.append)
    assert said == [f"kept the trained ranker in {tmp_path} for the next run"] * 2
    assert [c.id for c in again.rank(["plant manager"], "onet-occupation", 3)[0]] == [
        c.id for c in built.rank(["plant manager"], "onet-occupation", 3)[0]]
    assert len(_entries(tmp_path)) == 1


def _build(slices: list[Path]):  # noqa: ANN202
    return lambda _: Ranker(from_files(slices))


@pytest.mark.parametrize("entry", ["foreign", "truncated"])
def test_a_bad_entry_never_stops_a_run(slices: list[Path], tmp_path: Path, entry: str,
                                       monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    """Regressions (session 26's audit): a pickle of something else under an entry's name
    failed every later run with AttributeError ("'dict' object has no attribute 'encoder'"),
    on the server too; an entry that could not be removed or touched (another user's, a
    read-only folder) was a traceback."""
    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    cached_ranker(slices, _build(slices))
    (path,) = _entries(tmp_path)
    if entry == "foreign":
        path.write_bytes(__import__("pickle").dumps({"a": 1}))
    else:
        path.write_bytes(path.read_bytes()[:1000])

    def refuse(self, *args, **kwargs):  # noqa: ANN001, ANN002, ANN003, ANN202
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(Path, "unlink", refuse)  # the entry cannot be removed
    ranker = cached_ranker(slices, _build(slices))
    assert ranker.rank(["plant manager"], "onet-occupation", 1)[0]
    err = capsys.readouterr().err
    assert "ignoring the cached ranker" in err and "could not remove it" in err
    assert "not a ranker" in err or entry == "truncated"


def test_a_cache_path_that_is_a_file_turns_the_cache_off(
        slices: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:  # noqa: ANN001
    """Regression: KG_CACHE_DIR naming a file ended `kg reconcile` in NotADirectoryError and
    made every /reconcile answer 500."""
    afile = tmp_path / "afile"
    afile.write_text("x")
    monkeypatch.setenv("KG_CACHE_DIR", str(afile))
    ranker = cached_ranker(slices, _build(slices))
    assert ranker.rank(["plant manager"], "onet-occupation", 1)[0]
    assert f"KG_CACHE_DIR {afile} is not a folder" in capsys.readouterr().err
    monkeypatch.setenv("KG_CACHE_DIR", "~/kg-cache-test")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_dir() == tmp_path / "home" / "kg-cache-test"  # ~ is expanded


def test_each_kind_keeps_its_own_entries(slices: list[Path], tmp_path: Path,
                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Regression: `kg serve` entries (one per public base) pushed the `kg reconcile` entry of
    the same graph out of the cache; each kind now keeps its KEEP newest. A killed write's
    temporary file is removed once it is old."""
    import os

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path))
    stale = tmp_path / ".tmp-killed"
    stale.write_bytes(b"x")
    os.utime(stale, (1, 1))
    cached_ranker(slices, _build(slices))
    for n in range(3):
        cached_ranker([*slices, f"http://h:{n}/id/".encode()], _build(slices), kind="serve")
    names = [p.name for p in _entries(tmp_path)]
    assert sum(n.startswith("ranker-reconcile-") for n in names) == 1
    assert sum(n.startswith("ranker-serve-") for n in names) == cache.KEEP
    assert not stale.exists()


def test_the_key_names_the_graph_and_the_embeddings(slices: list[Path], tmp_path: Path) -> None:
    assert ranker_key(slices, semantic=False) == ranker_key(slices, semantic=False)
    assert ranker_key(slices, semantic=False) != ranker_key(slices, semantic=True)
    other = tmp_path / "other.nq"
    other.write_bytes(slices[0].read_bytes() + b"\n")
    assert ranker_key([other, *slices[1:]], semantic=False) != ranker_key(slices, semantic=False)
    assert ranker_key([b"a", b"bc"], semantic=False) != ranker_key([b"ab", b"c"], semantic=False)


def test_off_writes_nothing(slices: list[Path], tmp_path: Path,
                            monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("KG_CACHE_DIR", "off")
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    assert cache.cache_dir() is None
    cached_ranker(slices[:1], lambda keep: Ranker(from_files(slices[:1])) if not keep else None)
    assert list(tmp_path.iterdir()) == []


def test_the_server_reads_the_ranker_of_the_same_build(
        slices: list[Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """/reconcile's index for a dist named by its SHA256SUMS comes from the cache the second
    time; another public base is another entry (the index holds the served IRIs)."""
    from types import SimpleNamespace

    import pyoxigraph as ox

    from kg.reconcile.index import load_store
    from kg.serve import reconcile_route
    from kg.serve.downloads import close_downloads, list_downloads
    from kg.serve.store import BaseMap

    monkeypatch.setenv("KG_CACHE_DIR", str(tmp_path / "cache"))
    dist = tmp_path / "dist"
    dist.mkdir()
    (dist / "SHA256SUMS").write_text("0" * 64 + "  kg.trig\n", encoding="ascii")
    store: ox.Store = load_store(slices)
    builds: list[int] = []
    real = reconcile_route.Ranker

    def counting(index):  # noqa: ANN001, ANN202
        builds.append(1)
        return real(index)

    monkeypatch.setattr(reconcile_route, "Ranker", counting)
    answers = []
    for public in ("http://a.example/", "http://a.example/", "http://b.example/"):
        app = SimpleNamespace(config=SimpleNamespace(dist=dist), store=store,
                              downloads=list_downloads(dist, None),
                              mapping=BaseMap("https://w3id.org/occupation-kg/", public))
        service = reconcile_route._service(app, "http://x/reconcile")  # type: ignore[arg-type]
        close_downloads(app.downloads)
        answers.append([c.id for c in service.ranker.rank(["welder"], "onet-occupation", 3)[0]])
    assert len(builds) == 2  # the second app read the first one's ranker
    assert answers[0] == answers[1] == answers[2]
    assert len(_entries(tmp_path / "cache")) == 2
