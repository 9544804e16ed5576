"""Stage `derived` (its source stages): kg.build.derived.SOURCE_STAGES in a worker process.

On the full graph the career transitions take 45-55 s (read the profiles, score 1,000 x 1,000
occupations, explain the top 20 of each) and read only the sources, while the main process has
the other derived stages and the closure's first pass to do, which read the store but not the
transitions. So, on a large store, SourceStages checkpoints the store after the imports
(RocksDB hard-links its files: no copy), runs every source stage in one spawned worker on that
read-only checkpoint, and each stage's quads come back as an N-Quads file that `collect`
bulk-loads in one call (one call: a blank node keeps one name). On a small store the stages run
in-process when `collect` is called. Either way their quads enter the store after the other
derived stages, which therefore never see them, so both roads give the same graph.
"""

from __future__ import annotations

import shutil
from multiprocessing.connection import Connection
from pathlib import Path

from pyoxigraph import NamedNode, Quad, RdfFormat, Store, serialize

from kg.build import derived
from kg.build.store import add_quads
from kg.build.worker_process import CheckpointJob, send_error

# One finished stage: its dotted path, its N-Quads file, how many quads, which graphs.
Finished = tuple[str, str, int, list[str]]


def _run_stages(snapshot: str, stages: list[str], folder: str, base: str,
                messages: Connection) -> None:
    """Worker: every stage on the read-only checkpoint, its quads into `folder`/N.nq; sends
    ("end", [Finished, ...]) or ("error", exception)."""
    try:
        store = Store.read_only(snapshot)
        finished: list[Finished] = []
        for number, path in enumerate(stages):
            quads: list[Quad] = derived.resolve(path)(store, base)
            file = Path(folder) / f"{number}.nq"
            serialize(quads, str(file), format=RdfFormat.N_QUADS)
            graphs = sorted({q.graph_name.value for q in quads
                             if isinstance(q.graph_name, NamedNode)})
            finished.append((path, str(file), len(quads), graphs))
    except BaseException as exc:  # handed to the build process, which raises it
        send_error(messages, exc)
        raise SystemExit(1) from None
    messages.send(("end", finished))


class SourceStages(CheckpointJob):
    """The source stages, in a worker from a checkpoint when `parallel`, else in-process.

    Use as a context manager (leaving it early, on a failed stage, stops the worker); call
    `collect(store)` once, after the other derived stages, to add their quads.
    """

    def __init__(self, store: Store, base: str, scratch: Path, parallel: bool,
                 stages: list[str] | None = None):
        self.stages = list(derived.SOURCE_STAGES if stages is None else stages)
        super().__init__(scratch)
        self.base = base
        self.checkpoint = scratch / "checkpoint"
        if not parallel or not self.stages:
            return
        scratch.mkdir()
        self.start(store, self.checkpoint, _run_stages, "kg-source-stages",
                   (self.stages, str(scratch), base))

    def collect(self, store: Store) -> tuple[dict[str, int], dict[str, Path | None]]:
        """Add every stage's quads to `store`; return quads per stage (dotted path) and the
        named graphs they went into, each with the N-Quads file that holds exactly its quads
        (the worker's, kept until leaving: the closure parses it instead of reading the store,
        1.2 against 5.8 s for the transitions) or None. The worker's error is raised here."""
        graphs: dict[str, Path | None] = {}
        if self.process is None:
            added: dict[str, int] = {}
            for path in self.stages:
                quads: list[Quad] = derived.resolve(path)(store, self.base)
                added[path] = add_quads(store, quads)
                graphs.update((q.graph_name.value, None) for q in quads
                              if isinstance(q.graph_name, NamedNode))
            return added, dict(sorted(graphs.items()))
        kind, value = self.process.receive()
        self.process.finish(value, failed=kind == "error")
        added = {}
        for path, file, count, named in value:
            store.bulk_load(path=file, format=RdfFormat.N_QUADS)
            added[path] = count
            for graph in named:  # a graph that two stages write has no one file
                alone = len(named) == 1 and graph not in graphs
                graphs[graph] = Path(file) if alone else None
        shutil.rmtree(self.checkpoint, ignore_errors=True)  # the rest on leaving
        return added, dict(sorted(graphs.items()))
