"""Shared fixtures: one real build of the seed graph per test session."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, Graph

from kg.build.pipeline import BuildOptions, BuildReport, build
from tests.conftest_virtuoso import virtuoso  # noqa: F401  (session fixture)

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("KG_SHARED_DIR", REPO.parent / "shared"))
SEEDS = SHARED / "seeds"
BASE = "https://w3id.org/occupation-kg/id/"


def require_seeds() -> Path:
    if not SEEDS.is_dir():
        if os.environ.get("CI") == "true":
            pytest.fail(f"the seed documents are missing at {SEEDS}; CI must have ../shared")
        pytest.skip(f"the seed documents are not at {SEEDS} (set KG_SHARED_DIR)")
    return SEEDS


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return require_seeds()


@pytest.fixture(scope="session")
def built(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path) -> tuple[Path, BuildReport]:
    out = tmp_path_factory.mktemp("build") / "dist"
    report = build(BuildOptions(out=out, documents=seeds_dir))
    return out, report


@pytest.fixture(scope="session")
def dist(built: tuple[Path, BuildReport]) -> Path:
    return built[0]


@pytest.fixture(scope="session")
def built_graph(dist: Path) -> Dataset:
    """The built TriG, queried with the union of its named graphs as the default graph."""
    dataset = Dataset(default_union=True)
    dataset.parse(dist / "kg.trig", format="trig")
    return dataset


@pytest.fixture(scope="session")
def kg_turtle(dist: Path) -> Graph:
    return Graph().parse(dist / "kg.ttl", format="turtle")


@pytest.fixture()
def sources_copy(tmp_path: Path) -> Path:
    """A writable copy of the curated records, for bad-input tests."""
    target = tmp_path / "sources"
    shutil.copytree(REPO / "kg" / "sources" / "curated" / "records", target)
    return target


@pytest.fixture()
def previous_dist(tmp_path: Path, dist: Path) -> Path:
    """A copy of a real build standing where the next (failing or refused) build would write."""
    target = tmp_path / "dist"
    shutil.copytree(dist, target)
    return target


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file of `folder` with its bytes: equal snapshots mean a byte-identical folder.

    The build store (`store/`: RocksDB's files, logs with times, tables numbered by background
    work) is not byte-stable, so it is left out (kg/build/store.py)."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*"))
            if p.is_file() and p.relative_to(folder).parts[0] != "store"}
