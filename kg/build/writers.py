"""Stage `writers`: the downloads, written from the build store.

kg.trig is every named graph, written by a worker process from a checkpoint taken after the
closure (while validation and the union go on), with the ontology graph appended as rdflib
writes it (its lists and class expressions inline, no blank node names). The same dump gives
the named graphs' triples, which the union puts in the default graph: kg.nt is those lines
sorted and without duplicates (byte order), kg.ttl is written from kg.nt. kg.jsonld is compact
JSON-LD in the project's context (kg.build.jsonld_writer), streamed a subject at a time from
the default graph's subject-first index (memory holds one subject, not the graph), in a worker
process on a checkpoint. pyoxigraph writes in the order of its on-disk indexes (sorted by term
encoding), so the same triples give the same bytes whatever order they were inserted in.
"""

from __future__ import annotations

import multiprocessing
import multiprocessing.process
import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from pyoxigraph import DefaultGraph, RdfFormat, Store, parse, serialize
from rdflib import Graph

from kg.build.jsonld_writer import Term, from_oxigraph, write_compact_jsonld
from kg.build.store import has_blank_node
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


def write_trig(store: Store, ontology: Graph, path: Path, base: str) -> None:
    """Every named graph of `store`, then the ontology graph (not in the store yet)."""
    write_named_graphs(store, path, base)
    append_ontology(ontology, path, base)


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


def subject_groups(store: Store) -> Iterator[tuple[Term, list[tuple[Term, Term]]]]:
    """Each subject of the default graph with its (predicate, object) pairs, in index order.

    The on-disk store iterates the default graph subject by subject; a subject that came back
    later (an in-memory store does not group) would give two node objects, so it is refused.
    """
    seen: set[str] = set()
    current = None
    pairs: list[tuple[Term, Term]] = []
    for quad in store.quads_for_pattern(None, None, None, DefaultGraph()):
        subject = quad.subject
        if subject != current:
            if current is not None:
                yield from_oxigraph(current), pairs
            key = str(subject)
            if key in seen:
                raise RuntimeError(f"{subject} came twice: the store does not group by subject "
                                   "(write JSON-LD from an on-disk store)")
            seen.add(key)
            current, pairs = subject, []
        pairs.append((from_oxigraph(quad.predicate), from_oxigraph(quad.object)))
    if current is not None:
        yield from_oxigraph(current), pairs


def write_jsonld(store: Store, path: Path, base: str) -> None:
    with path.open("w", encoding="utf-8") as out:
        write_compact_jsonld(subject_groups(store), jsonld_context(base)["@context"], out)


# The union downloads from the store, by kg.build.formats name; kg.trig is written apart
# (write_trig). The build writes kg.nt with these, kg.ttl from kg.nt (turtle_from_ntriples) and
# kg.jsonld in parallel (WriterJob).
UNION_WRITERS: dict[str, Callable[[Store, Path, str], None]] = {
    "ntriples": write_ntriples,
    "turtle": write_turtle,
    "jsonld": write_jsonld,
}


# Beside kg.trig in the staging folder: the named graphs' triples, for kg.nt (sorted_union).
NAMED_TRIPLES = "named-graphs.nt"


def write_named_graphs(store: Store, path: Path, base: str) -> None:
    """kg.trig's named graphs (the ontology block is appended by `append_ontology`), and their
    triples without the graph names in NAMED_TRIPLES beside it: the union the default graph
    gets next, so kg.nt is these lines sorted instead of a dump of the default graph (33 s
    idle on the full graph, 60 s in the build). One N-Quads dump of the store feeds both (a
    blank node, which a parse would name afresh: kg.trig from the store, no NAMED_TRIPLES)."""
    if not _default_graph_is_empty(store):
        raise RuntimeError("kg.trig must be written before the union fills the default graph")
    quads = path.parent / "named-graphs.nq"
    triples = path.parent / NAMED_TRIPLES
    store.dump(str(quads), format=RdfFormat.N_QUADS)
    blank_graph = False
    with quads.open("rb") as lines, triples.open("wb") as out:
        for line in lines:
            # `s p o <graph> .`: the graph is the last term, an IRI (no space, no "<" inside).
            if not line.endswith(b"> .\n"):
                blank_graph = True
                break
            out.write(line[: line.rindex(b" <")] + b" .\n")
    if blank_graph or has_blank_node(triples):
        quads.unlink()
        triples.unlink()
        store.dump(str(path), format=RdfFormat.TRIG, prefixes=prefix_map(base))
        return
    with quads.open("rb") as lines:
        serialize(parse(lines, format=RdfFormat.N_QUADS), str(path), format=RdfFormat.TRIG,
                  prefixes=prefix_map(base))
    quads.unlink()


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


# The downloads a worker process may write from a checkpoint of the build store (WriterJob).
SNAPSHOT_WRITERS: dict[str, Callable[[Store, Path, str], None]] = {
    "jsonld": write_jsonld,
    "trig": write_named_graphs,
}


def _write_from_snapshot(writer: str, snapshot: str, path: str, base: str, errors: Any) -> None:
    """Worker: one download from a read-only checkpoint of the build store; an error (a full
    disk is an OSError the build explains) goes back through `errors`."""
    try:
        SNAPSHOT_WRITERS[writer](Store.read_only(snapshot), Path(path), base)
    except BaseException as exc:  # handed to the build process, which raises it
        errors.put(exc if isinstance(exc, OSError) else RuntimeError(repr(exc)))
        raise SystemExit(1) from None
    errors.put(None)


class WriterJob:
    """A download written beside the rest of the build.

    kg.jsonld (Python, a subject at a time: the slowest download on the full graph) and kg.trig
    (a dump of every named graph, 40-55 s on the full graph) need only the store as it is when
    they start. For a large graph each runs in a worker process on a checkpoint of the store
    (RocksDB hard-links its files: no copy), so the main process goes on with the next stages
    on the second core; a small graph is written in-process. Use as a context manager: leaving
    it early (a failed stage) stops the worker.
    """

    PARALLEL_FROM = 200_000  # quads in the store

    def __init__(self, writer: str, store: Store, quads: int, snapshot: Path, path: Path,
                 base: str):
        self.snapshot = snapshot
        self.process: multiprocessing.process.BaseProcess | None = None
        if quads < self.PARALLEL_FROM:
            SNAPSHOT_WRITERS[writer](store, path, base)
            return
        store.flush()
        store.backup(str(snapshot))
        context = multiprocessing.get_context("spawn")
        self.errors = context.SimpleQueue()
        self.process = context.Process(target=_write_from_snapshot, name=f"kg-{writer}",
                                       args=(writer, str(snapshot), str(path), base,
                                             self.errors))
        self.process.start()

    def __enter__(self) -> WriterJob:
        return self

    def __exit__(self, *_: object) -> None:
        if self.process is not None and self.process.is_alive():
            self.process.terminate()
            self.process.join()
        shutil.rmtree(self.snapshot, ignore_errors=True)

    def wait(self) -> None:
        """Wait for the worker; its error (e.g. a full disk) is raised here."""
        if self.process is None:
            return
        self.process.join()  # an error is small: the worker's put() is done before it exits
        error = None if self.errors.empty() else self.errors.get()
        if error is not None:
            raise error
        if self.process.exitcode != 0:
            raise RuntimeError(f"the {self.process.name} writer exited with code "
                               f"{self.process.exitcode}")
        shutil.rmtree(self.snapshot, ignore_errors=True)  # its disk space, before the next one
