"""A build that is killed or terminated leaves nothing running and nothing half-written.
Regressions from an attack on the build: killing `kg build --data` left its two import workers
idle under init for minutes (they hold their own task queue's write end, so they never read
end-of-file), and SIGTERM skipped the build's clean-up (the staging folder stayed)."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, snapshot

POOL = """
import os, sys, time
from concurrent.futures import ProcessPoolExecutor
import multiprocessing
from kg.build.orphans import exit_with_parent

def pid_then_sleep():
    return os.getpid()

def sleep():
    time.sleep(60)

if __name__ == "__main__":
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(1, mp_context=context, initializer=exit_with_parent,
                             initargs=(os.getpid(),)) as pool:
        print(pool.submit(pid_then_sleep).result(), flush=True)
        pool.submit(sleep)
        time.sleep(60)
"""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (ended, not yet reaped by init) counts as gone
    stat = Path(f"/proc/{pid}/stat")
    return not (stat.is_file() and stat.read_text().split(") ", 1)[1].startswith("Z"))


def test_a_pool_worker_exits_when_the_build_is_killed(tmp_path: Path) -> None:
    script = tmp_path / "pool.py"
    script.write_text(POOL)
    parent = subprocess.Popen([sys.executable, str(script)], stdout=subprocess.PIPE,
                              text=True, cwd=REPO)
    try:
        worker = int(parent.stdout.readline())  # type: ignore[union-attr]
        assert _alive(worker)
        parent.kill()  # SIGKILL: no clean-up runs in the parent
        parent.wait()
        deadline = time.monotonic() + 10
        while _alive(worker) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not _alive(worker), "the worker outlived the killed build"
    finally:
        parent.kill()


def test_sigterm_removes_the_staging_folder_and_keeps_the_previous_dist(
        previous_dist: Path, seeds_dir: Path) -> None:
    before = snapshot(previous_dist)
    build = subprocess.Popen([sys.executable, "-m", "kg.cli", "build", "--documents",
                              str(seeds_dir), "--out", str(previous_dist),
                              "--no-ontology-docs"],
                             cwd=REPO, stderr=subprocess.PIPE, text=True)
    staging: list[Path] = []
    deadline = time.monotonic() + 60
    while not staging and build.poll() is None and time.monotonic() < deadline:
        staging = list(previous_dist.parent.glob(".kg-build-*"))
        time.sleep(0.05)
    assert staging, "the build never started writing"
    time.sleep(0.5)
    build.send_signal(signal.SIGTERM)
    _, err = build.communicate(timeout=120)
    assert build.returncode == 128 + signal.SIGTERM, err
    assert "Traceback" not in err
    assert list(previous_dist.parent.glob(".kg-build-*")) == []
    assert snapshot(previous_dist) == before


def _open_files_under(folder: Path) -> list[str]:
    """Files below `folder` this process holds open (RocksDB's tables, logs and lock)."""
    held = []
    for fd in Path("/proc/self/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith(str(folder) + "/"):
            held.append(target)
    return held


def test_a_failed_stage_lets_go_of_the_store_before_the_staging_folder_is_removed(
        tmp_path: Path, monkeypatch) -> None:
    """Regression (CI, session 24): SIGTERM during the derived stages left the staging folder
    behind. The failed stage's frames were cleared, but a cleared frame keeps its function, and
    a nested function the store it closes over (store.py's `add_quads.<locals>.load`), so
    RocksDB's files stayed open while the folder was removed, and a compaction still running
    could write a table into it. The stage here fails inside such a closure."""
    from pyoxigraph import Store

    from kg.build import derived, output_folder
    from kg.build.options import BuildOptions
    from kg.build.pipeline import build

    def stage_failing_in_a_closure(store: Store, base: str) -> int:
        def ask() -> int:
            store.query("ASK { ?s ?p ?o }")
            raise RuntimeError("the stage failed")
        return ask()

    monkeypatch.setattr(derived, "resolve", lambda path: stage_failing_in_a_closure)
    monkeypatch.setattr(derived, "DERIVED_STAGES", ["tests.failing_stage"])
    monkeypatch.setattr(derived, "SOURCE_STAGES", [])
    held_at_removal: dict[str, list[str]] = {}
    remove = shutil.rmtree

    def recording_rmtree(path: Path, *args: object, **kwargs: object) -> None:
        if Path(path).name.startswith(".kg-build-dist-"):
            held_at_removal[Path(path).name] = _open_files_under(Path(path))
        remove(path, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(output_folder.shutil, "rmtree", recording_rmtree)
    out = tmp_path / "dist"
    with pytest.raises(RuntimeError, match="the stage failed") as failure:
        build(BuildOptions(out=out, ontology_docs=False))
    assert len(held_at_removal) == 1, held_at_removal
    assert list(held_at_removal.values()) == [[]]
    assert list(tmp_path.glob(".kg-build-*")) == []
    # the bug report still says where it failed
    assert any("in ask" in note for note in failure.value.__notes__)


PUBLISH_INTERRUPTED = """
import os, signal, sys, time
from pathlib import Path
from kg.build import output_folder

def leave(signum, frame):
    raise SystemExit(128 + signum)

signal.signal(signal.SIGTERM, leave)
out, staging = Path(sys.argv[1]), Path(sys.argv[2])
rename = Path.rename

def rename_then_terminated(self, target):
    result = rename(self, target)
    if self == out:  # the previous build has just moved aside
        os.kill(os.getpid(), signal.SIGTERM)
        time.sleep(0.2)  # the handler would run here
    return result

Path.rename = rename_then_terminated
output_folder.publish(staging, out)
"""


def test_sigterm_between_the_two_renames_of_publish_leaves_a_whole_out(
        previous_dist: Path) -> None:
    """Regression: a signal after publish moved the previous build aside and before it moved
    the new one in left no `--out` at all (the new one was then removed as a staging folder).
    Signals now wait for both renames; the build then ends with the new folder in place."""
    out = previous_dist
    staging = out.parent / ".kg-build-dist-1-00000000"
    shutil.copytree(out, staging)
    (staging / "new-build.txt").write_text("new")
    script = out.parent / "publish.py"
    script.write_text(PUBLISH_INTERRUPTED)
    done = subprocess.run([sys.executable, str(script), str(out), str(staging)], cwd=REPO,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 128 + signal.SIGTERM, done.stderr
    assert (out / "new-build.txt").read_text() == "new"
    assert not staging.exists()
