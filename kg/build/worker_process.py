"""A spawned worker process that reports back through a one-way pipe, started on a checkpoint
of the build store: the plumbing that the build's side jobs (kg.build.writers.WriterJob,
kg.build.stage_worker.SourceStages) share.

The worker runs `target(*args, sender)` and sends (kind, value) messages; "error" carries an
exception for the build to raise. Spawned, not forked: a fork would copy the build's store
handles and heap. A worker that dies without a word (the kernel's out-of-memory killer) reads as
an "error" message, so the build fails instead of hanging.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Self

from pyoxigraph import Store

from kg.build.orphans import exit_with_parent
from kg.errors import KgError


def send_error(messages: Connection, exc: BaseException) -> None:
    """The worker's failure, for the build: errors the build explains (a full disk, a KgError)
    as they are, anything else as its repr (it may not survive pickling)."""
    known = isinstance(exc, (OSError, KgError))
    messages.send(("error", exc if known else RuntimeError(repr(exc))))


def _guarded(parent: int, target: Callable[..., None], *args: Any) -> None:
    exit_with_parent(parent)  # a killed build must not leave its worker writing on
    target(*args)


class WorkerProcess:
    """Start `target(*args, sender)` in a spawned process named `name`."""

    def __init__(self, target: Callable[..., None], name: str, args: tuple[Any, ...]):
        context = multiprocessing.get_context("spawn")
        self.messages, sender = context.Pipe(duplex=False)
        self.process = context.Process(target=_guarded, name=name,
                                       args=(os.getpid(), target, *args, sender))
        self.process.start()
        sender.close()  # the worker's end: reading gives EOF once the worker is gone

    @property
    def pid(self) -> int | None:
        return self.process.pid

    def receive(self) -> tuple[str, Any]:
        """The next message; ("error", None) when the worker is gone without one."""
        try:
            kind, value = self.messages.recv()
        except EOFError:
            return "error", None
        return kind, value

    def finish(self, error: BaseException | None = None, failed: bool = False) -> None:
        """Join the ended worker; with `failed`, raise `error` (or say how it exited)."""
        self.process.join()
        self.messages.close()
        if failed:
            raise error or RuntimeError(f"the {self.process.name} worker exited with code "
                                        f"{self.process.exitcode}")

    def stop(self) -> None:
        """Terminate it if it still runs (the build is leaving early)."""
        if self.process.is_alive():
            self.process.terminate()
            self.process.join()


class CheckpointJob:
    """A side job of the build: `start` checkpoints the store into `folder` (RocksDB hard-links
    its files: no copy) and runs `target(checkpoint, *args, sender)` in a WorkerProcess. Use as
    a context manager: leaving it (done, or a failed stage) stops a worker that still runs and
    removes `folder`. A job that ran in-process has `process` None."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.process: WorkerProcess | None = None

    def start(self, store: Store, checkpoint: Path, target: Callable[..., None], name: str,
              args: tuple[Any, ...]) -> None:
        store.flush()
        # Compacted first: right after the bulk loads, RocksDB's background compaction is still
        # merging their overlapping files, and a checkpoint taken then keeps them all, which
        # the worker reads through. On the full graph after the closure: 6 s here, and the
        # worker's dump of the named graphs 40 s instead of 70-92 s (benchmarks/bench_build.py).
        store.optimize()
        store.backup(str(checkpoint))
        self.process = WorkerProcess(target, name, (str(checkpoint), *args))

    def remove_folder(self) -> None:
        """The checkpoint's disk space, as soon as the worker has ended."""
        shutil.rmtree(self.folder, ignore_errors=True)

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None:
            self.process.stop()
        self.remove_folder()
