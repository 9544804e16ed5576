"""The source stages (kg.build.stage_worker): the same quads from a worker on a checkpoint as
in-process, their errors raised in the build, and the closure's `late` graphs given the same
entailments as graphs that were there from the start."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from pyoxigraph import BlankNode, Literal, NamedNode, Quad, RdfFormat, Store, serialize

from kg.build.fast_closure import AlignmentRules, apply_rules
from kg.build.stage_worker import SourceStages
from kg.errors import KgError
from kg.sources.curated.vocabulary import load_ontology
from tests.conftest import BASE

STAGE_GRAPH = NamedNode(BASE + "graph/test-source-stage")
LABEL = NamedNode("http://www.w3.org/2000/01/rdf-schema#label")
PREF_LABEL = NamedNode("http://www.w3.org/2004/02/skos/core#prefLabel")
NOTE = NamedNode(BASE + "test/note")


def label_copies(store: Store, base: str) -> list[Quad]:
    """A source stage for the tests: every skos:prefLabel again as an rdfs:label, and one
    blank node (a note on the first subject) that must keep one name through the worker."""
    quads = list(dict.fromkeys(Quad(q.subject, LABEL, q.object, STAGE_GRAPH)
                               for q in store.quads_for_pattern(None, PREF_LABEL, None)))
    if quads:
        note = BlankNode()
        quads += [Quad(quads[0].subject, NOTE, note, STAGE_GRAPH),
                  Quad(note, NOTE, Literal("written by a source stage"), STAGE_GRAPH)]
    return quads


def failing_stage(store: Store, base: str) -> list[Quad]:
    raise KgError("the source stage found no O*NET data")


def killed_stage(store: Store, base: str) -> list[Quad]:
    os.kill(os.getpid(), signal.SIGKILL)  # as the kernel's out-of-memory killer would
    return []


def _seed_store(dist: Path, folder: Path) -> Store:
    store = Store(str(folder))
    store.bulk_load(path=str(dist / "kg.trig"), format=RdfFormat.TRIG)
    return store


def _stage_graph(store: Store) -> set[tuple[str, str, str]]:
    """The stage's triples, the blank node's name replaced (it is the loader's choice)."""
    def text(term: object) -> str:
        return "_:b" if isinstance(term, BlankNode) else str(term)

    return {(text(q.subject), text(q.predicate), text(q.object))
            for q in store.quads_for_pattern(None, None, None, STAGE_GRAPH)}


def test_worker_and_in_process_add_the_same_quads(dist: Path, tmp_path: Path) -> None:
    stages = ["tests.test_source_stages.label_copies"]
    results = []
    for parallel in (True, False):
        store = _seed_store(dist, tmp_path / f"store-{parallel}")
        with SourceStages(store, BASE, tmp_path / f"work-{parallel}", parallel,
                          stages) as job:
            assert (job.process is not None) is parallel
            added, graphs = job.collect(store)
            assert list(graphs) == [STAGE_GRAPH.value]
            # The worker's file, which the closure reads instead of the store, is kept until
            # the job is left; the checkpoint goes at once.
            file = graphs[STAGE_GRAPH.value]
            assert (file is not None and file.exists()) is parallel
            assert not (tmp_path / f"work-{parallel}" / "checkpoint").exists()
        results.append((added, _stage_graph(store)))
        # The blank node is one node: its two quads met in one bulk load.
        (link,) = [q for q in store.quads_for_pattern(None, NOTE, None, STAGE_GRAPH)
                   if not isinstance(q.subject, BlankNode)]
        assert [q.object for q in store.quads_for_pattern(link.object, NOTE, None)] == [
            Literal("written by a source stage")]
        assert not (tmp_path / f"work-{parallel}").exists()  # the checkpoint is removed
    (worker_added, worker_graph), (local_added, local_graph) = results
    assert worker_added == local_added
    assert worker_added[stages[0]] == len(worker_graph) > 100
    assert worker_graph == local_graph


def test_the_worker_sees_the_store_as_it_was_at_the_checkpoint(dist: Path,
                                                              tmp_path: Path) -> None:
    """The stage reads the checkpoint: what the build adds meanwhile (the other derived
    stages) is not among its premises, as in-process, where it runs after them but the
    registry promises it reads only the sources."""
    store = _seed_store(dist, tmp_path / "store")
    with SourceStages(store, BASE, tmp_path / "work", True,
                      ["tests.test_source_stages.label_copies"]) as job:
        later = NamedNode(BASE + "test/added-meanwhile")
        store.add(Quad(later, PREF_LABEL, Literal("meanwhile"), NamedNode(BASE + "graph/x")))
        job.collect(store)
    assert not list(store.quads_for_pattern(later, LABEL, None, STAGE_GRAPH))


@pytest.mark.parametrize(("stage", "error", "message"), [
    ("failing_stage", KgError, "found no O\\*NET data"),
    ("killed_stage", RuntimeError, "exited with code -9"),
])
def test_a_failed_source_stage_is_raised_in_the_build(dist: Path, tmp_path: Path, stage: str,
                                                     error: type[Exception],
                                                     message: str) -> None:
    store = _seed_store(dist, tmp_path / "store")
    with SourceStages(store, BASE, tmp_path / "work", True,
                      [f"tests.test_source_stages.{stage}"]) as job:
        with pytest.raises(error, match=message):
            job.collect(store)
    assert not (tmp_path / "work").exists()


def test_late_graphs_get_the_same_entailments(dist: Path, tmp_path: Path) -> None:
    """apply_rules' `late` hook (the source stages' graphs, added after the pass over the
    others) gives the inferred graph that the same graphs give when present from the start,
    whether the pass reads a late graph from the store or from the worker's N-Quads file."""
    rules = AlignmentRules.from_ontology(load_ontology())
    inferred = BASE + "graph/test-inferred"
    late_graph = BASE + "graph/career-guide"  # a curated graph with typed nodes and links

    def run(folder: str, late: str | None) -> set[Quad]:
        store = _seed_store(dist, tmp_path / folder)
        store.update(f"DROP GRAPH <{BASE}graph/inferred>")
        held = list(store.quads_for_pattern(None, None, None, NamedNode(late_graph)))
        assert held
        hook = None
        if late is not None:
            store.remove_graph(NamedNode(late_graph))
            file = tmp_path / f"{folder}.nq"
            serialize(held, str(file), format=RdfFormat.N_QUADS)

            def hook() -> dict[str, Path | None]:
                store.extend(held)
                return {late_graph: file if late == "file" else None}

        count = apply_rules(store, rules, inferred, late=hook)
        found = set(store.quads_for_pattern(None, None, None, NamedNode(inferred)))
        assert count == len(found)
        return found

    present = run("present", None)
    assert present != set()
    assert run("late-store", "store") == present
    assert run("late-file", "file") == present
