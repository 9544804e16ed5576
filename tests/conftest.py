"""Shared fixtures: one real build of the seed graph per test session (per xdist worker), how
the tests are grouped across xdist workers, and progress lines for the long full-scale work."""

from __future__ import annotations

import fcntl
import os
import pickle
import shutil
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from rdflib import Dataset, Graph

from kg.build.pipeline import BuildOptions, BuildReport, build
from kg.reconcile.semantic import SWITCH
from tests.conftest_virtuoso import virtuoso  # noqa: F401  (session fixture)

if TYPE_CHECKING:
    from tests.server_support import Running

# The reconciliation ranker's sentence embeddings (PyTorch and the model: ~350 MB per process)
# stay out of the workers and the servers they start; tests/test_reconcile_semantic.py turns
# them on in spawned children, which give the memory back when they end.
os.environ[SWITCH] = "off"
# The per-user cache of trained rankers (kg/reconcile/cache.py) stays off too: tests must not
# write to ~/.cache, nor read a ranker another test trained under a monkeypatched weight;
# tests/test_reconcile_cache.py turns it on in a folder of its own.
os.environ["KG_CACHE_DIR"] = "off"

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
def built(tmp_path_factory: pytest.TempPathFactory, seeds_dir: Path,
          request: pytest.FixtureRequest) -> tuple[Path, BuildReport]:
    if "PYTEST_XDIST_WORKER" not in os.environ:
        out = tmp_path_factory.mktemp("build") / "dist"
        with shown(request.config, "building the seed graph"):
            return out, build(BuildOptions(out=out, documents=seeds_dir))
    # Under xdist the workers share one build (in this run's own temporary folder): the first
    # builds while the other waits on the lock, so the machine pays for one seed build, and
    # the tests treat `dist` as read-only as they do without xdist.
    folder = tmp_path_factory.getbasetemp().parent / "seed-build"
    folder.mkdir(exist_ok=True)
    out, saved = folder / "dist", folder / "report.pickle"
    with (folder / "lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        if not saved.is_file():
            with shown(request.config, "building the seed graph (shared by the workers)"):
                report = build(BuildOptions(out=out, documents=seeds_dir))
            saved.write_bytes(pickle.dumps(report))
        return out, pickle.loads(saved.read_bytes())


@pytest.fixture(scope="session")
def dist(built: tuple[Path, BuildReport]) -> Path:
    return built[0]


@pytest.fixture(scope="session")
def slices_served(dist: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Running]:
    """A server on the seed build with every reference slice of tests/data merged into it."""
    from tests.server_support import running_server, seed_with_slices

    out = seed_with_slices(dist, tmp_path_factory.mktemp("slices-dist"))
    with running_server(out, workers=1) as srv:
        yield srv


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


# --- running in parallel (pytest-xdist, `-n 2 --dist loadgroup` in pyproject.toml) ---------------


@pytest.hookimpl(tryfirst=True)  # before xdist's own hook reads the xdist_group marks
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Each test module runs on one worker, so its module fixtures (servers, imported slices)
    are made once; every full-scale test joins one group, so the two full builds of
    tests/test_full_build.py (3 GB each) never meet another full-scale test. The full-scale
    group goes first (its builds take minutes; the other worker runs the rest meanwhile), then
    the groups that took longest in the last run (pytest's cache; then the most tests), so no
    long group starts last. The modules that use the private Virtuoso (0.3 GB) share a group:
    one server per run; the browser tests (Chromium, 0.4 GB) and the sentence-embedding tests
    (a child holding PyTorch, 0.55 GB) join it and go first, before the session's Virtuoso
    starts, so no two of the three are ever up at once (the default run's peak was 1.53 GB PSS
    with Chromium and Virtuoso, 1.82 GB with the PyTorch child beside Virtuoso)."""
    last = config.cache.get(GROUP_SECONDS, {}) if getattr(config, "cache", None) else {}
    uses_virtuoso = {item.path.stem for item in items
                     if "virtuoso" in getattr(item, "fixturenames", ())}
    group = {item.nodeid: _group(item, uses_virtuoso) for item in items}
    sizes: dict[str, int] = {}
    for name in group.values():
        sizes[name] = sizes.get(name, 0) + 1
    first = {name: i for i, name in enumerate(dict.fromkeys(group.values()))}
    items.sort(key=lambda item: (group[item.nodeid] != "fullscale",
                                 -float(last.get(group[item.nodeid], 0.0)),
                                 -sizes[group[item.nodeid]], first[group[item.nodeid]],
                                 item.path.stem not in BEFORE_VIRTUOSO))
    for item in items:
        if item.get_closest_marker("xdist_group") is None:
            item.add_marker(pytest.mark.xdist_group(group[item.nodeid]))


def _group(item: pytest.Item, virtuoso_modules: set[str]) -> str:
    mark = item.get_closest_marker("xdist_group")
    if mark is not None:
        return str(mark.args[0] if mark.args else mark.kwargs.get("name", "default"))
    if item.get_closest_marker("fullscale") is not None:
        return "fullscale"
    if item.path.stem in virtuoso_modules or item.path.stem in BEFORE_VIRTUOSO:
        return "virtuoso"
    return item.path.stem  # the module (tests/ is flat)


# Modules with a large process of their own: they run in the Virtuoso group, one after the other,
# before its server starts.
BEFORE_VIRTUOSO = {"test_browser", "test_reconcile_semantic"}
GROUP_SECONDS = "kg/group-seconds"  # pytest cache key: seconds per xdist group, last run
_seconds: dict[str, float] = {}


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    """Add up each group's time (in xdist's controller the node id ends in @group)."""
    nodeid = report.nodeid
    if nodeid.rfind("@") > nodeid.rfind("]"):
        name = nodeid.rsplit("@", 1)[1]
    else:
        name = Path(nodeid.split("::")[0]).stem
    _seconds[name] = _seconds.get(name, 0.0) + report.duration


def pytest_sessionfinish(session: pytest.Session) -> None:
    cache = getattr(session.config, "cache", None)
    if cache is not None and not hasattr(session.config, "workerinput") and _seconds:
        cache.set(GROUP_SECONDS, {**cache.get(GROUP_SECONDS, {}),
                                  **{k: round(v, 1) for k, v in _seconds.items()}})


# --- progress: long work prints what it is doing as it goes ----------------------------------


def _worker() -> str:
    return os.environ.get("PYTEST_XDIST_WORKER", "main")


def _uncaptured(config: pytest.Config) -> AbstractContextManager[None]:
    capture = config.pluginmanager.getplugin("capturemanager")  # None under -p no:capture
    return nullcontext() if capture is None else capture.global_and_fixture_disabled()


@contextmanager
def shown(config: pytest.Config, what: str) -> Iterator[None]:
    """Let `what` print to the terminal while it runs (kg's stage lines go to stderr), even
    under xdist: a worker's stderr is the terminal once pytest's capture is suspended (its
    stdout is xdist's channel, so the lines go to stderr)."""
    start = time.monotonic()
    with _uncaptured(config):
        print(f"\n[{_worker()}] {what} ...", file=sys.stderr, flush=True)
        yield
        print(f"[{_worker()}] {what}: done in {time.monotonic() - start:.0f} s",
              file=sys.stderr, flush=True)


@pytest.fixture()
def progress(request: pytest.FixtureRequest) -> Callable[[str], None]:
    """A long test's progress line, printed to the terminal at once (see `shown`)."""
    def say(line: str) -> None:
        with _uncaptured(request.config):
            print(f"[{_worker()}] {request.node.name}: {line}", file=sys.stderr, flush=True)
    return say


@pytest.hookimpl(wrapper=True)
def pytest_fixture_setup(fixturedef: pytest.FixtureDef,
                         request: pytest.FixtureRequest) -> Iterator[object]:
    """The module and session fixtures of full-scale tests (full builds: minutes) print their
    stage log as they run."""
    if fixturedef.scope in ("module", "session") and \
            request.node.get_closest_marker("fullscale") is not None:
        with shown(request.config, f"{request.node.name}: {fixturedef.argname}"):
            return (yield)
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Iterator[None]:
    """A full-scale test prints its name and time as it runs."""
    if item.get_closest_marker("fullscale") is None:
        return (yield)
    with shown(item.config, f"full-scale test {item.name}"):
        return (yield)
