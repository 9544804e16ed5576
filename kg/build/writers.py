"""Stage `writers`: the downloads, written from the build store.

One worker process (WriterJob) writes them from a checkpoint taken after the closure, while
validation and the union go on: kg.trig is every named graph (the ontology graph appended later
as rdflib writes it: its lists and class expressions inline, no blank node names); the same
N-Quads dump gives the named graphs' triples, and kg.nt is those lines sorted and without
duplicates (byte order): the union the build puts into the store's default graph meanwhile,
without a dump of it. kg.jsonld is compact JSON-LD in the project's context
(kg.build.jsonld_writer) streamed from kg.nt a subject at a time (sorted lines keep a subject's
triples together), and kg.ttl is written from kg.nt by the build. pyoxigraph dumps in the order
of its on-disk indexes (sorted by term encoding), so the same triples give the same bytes
whatever order they were inserted in. A blank node (a parse would rename it) sends kg.nt and
kg.jsonld back to dumps of the store's union (UNION_WRITERS).
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Collection
from multiprocessing.connection import Connection
from pathlib import Path

from pyoxigraph import DefaultGraph, RdfFormat, Store, parse, serialize
from rdflib import Graph

from kg.build.formats import FORMATS
from kg.build.jsonld_writer import group_by_subject, write_compact_jsonld
from kg.build.store import line_has_blank_node
from kg.build.worker_process import CheckpointJob, send_error
from kg.prefixes import bind_prefixes, jsonld_context, prefix_map


def trig_block(graph: Graph, name: str, base: str) -> str:
    """One named graph as a TriG block, written by rdflib with the prefixes of kg.prefixes."""
    copy = bind_prefixes(Graph(), base)
    copy += graph
    lines = copy.serialize(format="turtle").splitlines()
    # Not indented: a line of the body may continue a multi-line (triple-quoted) literal, whose
    # content an indent would change.
    inner = "\n".join(line for line in lines if not line.startswith("@prefix")).strip("\n")
    return f"<{name}> {{\n{inner}\n}}\n"


def _default_graph_is_empty(store: Store) -> bool:
    return next(iter(store.quads_for_pattern(None, None, None, DefaultGraph())), None) is None


def write_ntriples(store: Store, path: Path, base: str) -> None:
    store.dump(str(path), format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())


def write_turtle(store: Store, path: Path, base: str) -> None:
    store.dump(str(path), format=RdfFormat.TURTLE, from_graph=DefaultGraph(),
               prefixes=prefix_map(base))


def turtle_from_ntriples(ntriples: Path, path: Path, base: str) -> None:
    """kg.ttl from the kg.nt just written from the same store: the same triples in the same
    order, so the same bytes as write_turtle (tests/test_regressions.py), but a parse of the
    file instead of a second pass over the on-disk store: 21 against 53 s on the full graph."""
    with ntriples.open("rb") as lines:
        serialize(parse(lines, format=RdfFormat.N_TRIPLES), str(path), format=RdfFormat.TURTLE,
                  prefixes=prefix_map(base))


def write_jsonld(store: Store, path: Path, base: str) -> None:
    """kg.jsonld from the default graph, which an on-disk store lists subject by subject (an
    in-memory store does not group: the writer refuses a subject that comes back)."""
    triples = ((q.subject, q.predicate, q.object)
               for q in store.quads_for_pattern(None, None, None, DefaultGraph()))
    with path.open("w", encoding="utf-8") as out:
        write_compact_jsonld(group_by_subject(triples), jsonld_context(base)["@context"], out)


# The union downloads from the store's default graph, by kg.build.formats name: the road when a
# blank node left no sorted lines (write_named_graph_downloads), and the writers' tests.
UNION_WRITERS: dict[str, Callable[[Store, Path, str], None]] = {
    "ntriples": write_ntriples,
    "turtle": write_turtle,
    "jsonld": write_jsonld,
}


# Beside kg.trig in the staging folder: the named graphs' triples, for kg.nt (sorted_union).
NAMED_TRIPLES = "named-graphs.nt"


# Beside kg.trig in the staging folder: the N-Quads dump of the named graphs, read twice.
NAMED_QUADS = "named-graphs.nq"

# Beside kg.trig in the staging folder: the triples of the named graphs that the build's union
# does not load from files of its own (all but the imports), for the store's default graph.
UNION_REST = "union-rest.nt"


def split_named_graphs(store: Store, folder: Path, loaded_from_files: Collection[str] = ()
                       ) -> bool:
    """Dump every named graph as N-Quads into `folder`/NAMED_QUADS (kg.trig is written from
    it) and their triples without the graph names into NAMED_TRIPLES, for kg.nt, which is
    them sorted (a dump of the default graph took 33 s idle on the full graph, 60 s in the
    build); the triples of the graphs not in `loaded_from_files` go into UNION_REST as well,
    for the union (the build dumped those graphs again for it: 12.7 s on the full graph).
    Returns False, and leaves none of the files, when a blank node is met: a parse of the
    lines would name it afresh."""
    if not _default_graph_is_empty(store):
        raise RuntimeError("kg.trig must be written before the union fills the default graph")
    quads, triples, rest = folder / NAMED_QUADS, folder / NAMED_TRIPLES, folder / UNION_REST
    elsewhere = {f"<{name}>".encode() for name in loaded_from_files}
    store.dump(str(quads), format=RdfFormat.N_QUADS)
    with quads.open("rb") as lines, triples.open("wb") as out, rest.open("wb") as out_rest:
        for line in lines:
            # `s p o <graph> .`: the graph is the last term, an IRI (no space, no "<" inside).
            cut = line.rindex(b" <") if line.endswith(b"> .\n") else -1
            triple = line[:cut] + b" .\n" if cut > 0 else b""
            if not triple or line_has_blank_node(triple):
                break
            out.write(triple)
            if line[cut + 1:-3] not in elsewhere:
                out_rest.write(triple)
        else:
            return True
    for path in (quads, triples, rest):
        path.unlink()
    return False


def trig_from_nquads(quads: Path, path: Path, base: str) -> None:
    """kg.trig's named graphs (the ontology block is appended by `append_ontology`) from
    their N-Quads dump: the same bytes as the store's TriG dump (tests/test_build.py)."""
    with quads.open("rb") as lines:
        serialize(parse(lines, format=RdfFormat.N_QUADS), str(path), format=RdfFormat.TRIG,
                  prefixes=prefix_map(base))


def sorted_union(triples: Path, path: Path, scratch: Path) -> None:
    """kg.nt: the sorted, duplicate-free lines of `triples` (GNU sort in the C locale, bounded
    memory, spilling to `scratch`; 7-10 s on the full graph). The lines are pyoxigraph's
    canonical N-Triples, so a triple two graphs hold is one line, as in the default graph
    (tests/test_build.py compares this with the store's dump)."""
    command = ["sort", "--unique", "--buffer-size=256M", f"--temporary-directory={scratch}",
               f"--parallel={min(2, os.cpu_count() or 1)}", f"--output={path}", str(triples)]
    done = subprocess.run(command, env={**os.environ, "LC_ALL": "C"}, capture_output=True,
                          text=True, check=False)
    if done.returncode:
        raise OSError(f"sorting the union into {path.name} failed: {done.stderr.strip()}")


def append_ontology(ontology: Graph, path: Path, base: str) -> None:
    with path.open("a", encoding="utf-8") as out:
        out.write("\n" + trig_block(ontology, base + "graph/ontology", base))


def write_jsonld_from_ntriples(ntriples: Path, path: Path, base: str) -> None:
    """kg.jsonld from kg.nt: its lines are sorted, so each subject's triples are consecutive
    (lines sharing a prefix are adjacent in byte order), and one parse streams the groups."""
    with ntriples.open("rb") as lines, path.open("w", encoding="utf-8") as out:
        triples = ((s, p, o) for s, p, o, _ in parse(lines, format=RdfFormat.N_TRIPLES))
        write_compact_jsonld(group_by_subject(triples), jsonld_context(base)["@context"], out)


def write_named_graph_downloads(store: Store, trig: Path, base: str,
                                announce: Callable[[str], None],
                                loaded_from_files: Collection[str] = ()) -> None:
    """Everything written from the named graphs, into kg.trig's folder, each file announced
    when complete: UNION_REST (the triples of the graphs not in `loaded_from_files`, which the
    build loads into its default graph and then deletes), kg.nt (their triples sorted: the
    union, which the build puts into its default graph meanwhile), kg.trig (without the
    ontology block) and kg.jsonld from kg.nt. With a blank node there are no lines to sort:
    kg.trig is dumped from the store, and the build writes kg.nt and kg.jsonld from its
    union."""
    folder = trig.parent
    if not split_named_graphs(store, folder, loaded_from_files):
        store.dump(str(trig), format=RdfFormat.TRIG, prefixes=prefix_map(base))
        announce(trig.name)
        return
    announce(UNION_REST)
    ntriples = folder / FORMATS["ntriples"].file_name
    sorted_union(folder / NAMED_TRIPLES, ntriples, folder)
    (folder / NAMED_TRIPLES).unlink()
    announce(ntriples.name)
    trig_from_nquads(folder / NAMED_QUADS, trig, base)
    (folder / NAMED_QUADS).unlink()
    announce(trig.name)
    jsonld = folder / FORMATS["jsonld"].file_name
    write_jsonld_from_ntriples(ntriples, jsonld, base)
    announce(jsonld.name)


# What a worker process may write from a checkpoint of the build store (WriterJob), by name.
SNAPSHOT_WRITERS: dict[str, Callable[[Store, Path, str, Callable[[str], None], Collection[str]],
                                     None]] = {
    "named-graphs": write_named_graph_downloads,
}


def _write_from_snapshot(snapshot: str, writer: str, path: str, base: str,
                         loaded_from_files: list[str], messages: Connection) -> None:
    """Worker: downloads from a read-only checkpoint of the build store. It sends ("file",
    name) for each finished file, then ("end", None) or ("error", exception): a full disk is
    an OSError the build explains, anything else goes back as its repr."""
    try:
        SNAPSHOT_WRITERS[writer](Store.read_only(snapshot), Path(path), base,
                                 lambda name: messages.send(("file", name)), loaded_from_files)
    except BaseException as exc:  # handed to the build process, which raises it
        send_error(messages, exc)
        raise SystemExit(1) from None
    messages.send(("end", None))


class WriterJob(CheckpointJob):
    """Downloads written beside the rest of the build.

    kg.trig (a dump of every named graph, 40-55 s on the full graph), kg.nt and kg.jsonld
    (Python, a subject at a time: the slowest download) need only the named graphs as they
    are after the closure. For a large graph they are written in a worker process on a
    checkpoint of the store (RocksDB hard-links its files: no copy), so the main process goes
    on with validation and the union on the second core; a small graph is written in-process.
    `wait_for` returns once a file is written. Use as a context manager: leaving it early (a
    failed stage) stops the worker.
    """

    PARALLEL_FROM = 200_000  # quads in the store

    def __init__(self, writer: str, store: Store, quads: int, snapshot: Path, path: Path,
                 base: str, loaded_from_files: Collection[str] = ()):
        super().__init__(snapshot)
        self.written: set[str] = set()
        self.ended = False
        if quads < self.PARALLEL_FROM:
            SNAPSHOT_WRITERS[writer](store, path, base, self.written.add, loaded_from_files)
            return
        self.start(store, snapshot, _write_from_snapshot, f"kg-{writer}",
                   (writer, str(path), base, sorted(loaded_from_files)))

    def wait_for(self, name: str) -> bool:
        """Wait until the file `name` is written (True) or the writer ended without it (False,
        e.g. kg.nt when a blank node left no lines to sort); the worker's error is raised."""
        while name not in self.written and self._running():
            self._receive()
        return name in self.written

    def wait(self) -> None:
        """Wait for the worker to finish; its error (e.g. a full disk) is raised here."""
        while self._running():
            self._receive()

    def _running(self) -> bool:
        return self.process is not None and not self.ended

    def _receive(self) -> None:
        assert self.process is not None
        kind, value = self.process.receive()
        if kind == "file":
            self.written.add(value)
            return
        self.ended = True
        self.remove_folder()  # before the next stage needs the disk
        self.process.finish(value, failed=kind == "error")
