"""A build that is killed or terminated leaves nothing running and nothing half-written.
Regressions from an attack on the build: killing `kg build --data` left its two import workers
idle under init for minutes (they hold their own task queue's write end, so they never read
end-of-file), and SIGTERM skipped the build's clean-up (the staging folder stayed)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

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
