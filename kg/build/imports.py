"""Stage `imports`: the reference datasets (--data) into their named graphs of the build store.

Each importer (kg/importers) turns its publisher's files into N-Triples in a worker process, two
at a time on a 2-core machine (the importers are Python; the parsing is their work), largest
first; an importer with `parts` (O*NET: most of the reference data) is one job per part, so both
cores stay busy. The build process bulk-loads each file into the edition's named graph as soon
as it is ready; the parts of an importer are joined into one file when the last one is in. The
order the files arrive in does not matter: the build store is an on-disk pyoxigraph store,
whose indexes are sorted by term encoding, not insertion order (kg.build.store), so the
downloads come out byte-identical. The files are kept until the union stage loads them into the
default graph too.
"""

from __future__ import annotations

import multiprocessing
import os
import shutil
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import NamedNode, RdfFormat, Store

from kg.build.options import log
from kg.build.orphans import exit_with_parent
from kg.errors import KgError, ValidationFailed

# Importers known to take longest go first, so the two workers finish close together.
_LARGEST_FIRST = ("onet", "esco", "bls-oews", "bls-projections", "esco-onet")


@dataclass(frozen=True)
class ImportedFile:
    name: str
    graph: str
    path: Path
    rows: int
    triples: int
    seconds: float


class _Failed(Exception):
    """An importer's error, as text: an exception with a custom constructor (ImportFailed)
    does not survive the trip back from a worker process."""


def _run_importer(name: str, folder: str, out: str, base: str,
                  part: int | None = None) -> tuple[int, int, float]:
    """Worker: one importer (or one of its parts) into one N-Triples file."""
    from kg.sources.importers import IMPORTERS, write

    try:
        stats = write(IMPORTERS[name], Path(folder), Path(out), base=base, progress=False,
                      part=part)
    except KgError as exc:
        raise _Failed(str(exc)) from None
    return stats.rows, stats.triples, stats.seconds


def _order(names: list[str]) -> list[str]:
    rank = {name: i for i, name in enumerate(_LARGEST_FIRST)}
    return sorted(names, key=lambda n: (rank.get(n, len(rank)), n))


def import_all(store: Store, data_root: Path, work: Path, base: str,
               jobs: int | None = None,
               on_file: Callable[[ImportedFile], None] | None = None) -> list[ImportedFile]:
    """Run every importer and load its output into `store`; return the files, by name."""
    from kg.sources.importers import IMPORTERS

    for name, importer in IMPORTERS.items():
        if not (data_root / importer.info.folder).is_dir():
            raise ValidationFailed(f"--data {data_root}: no folder {importer.info.folder} "
                                   f"for the {name} importer")
    jobs = jobs or max(1, min(2, os.cpu_count() or 1))
    context = multiprocessing.get_context("spawn")  # no copy of the parent's store
    done: list[ImportedFile] = []
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        pending: dict[Future[tuple[int, int, float]], tuple[str, Path]] = {}
        parts: dict[str, list[tuple[Path, int, int, float]]] = {}  # name -> its finished parts
        jobs_of = {name: len(IMPORTERS[name].parts) or 1 for name in IMPORTERS}
        for name in _order(list(IMPORTERS)):
            folder = data_root / IMPORTERS[name].info.folder
            for part in range(len(IMPORTERS[name].parts)) or (None,):
                out = work / (f"{name}.nt" if part is None else f"{name}.part{part}.nt")
                future = pool.submit(_run_importer, name, str(folder), str(out), base, part)
                pending[future] = name, out
        try:
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in sorted(finished, key=lambda f: pending[f]):
                    name, out = pending.pop(future)
                    try:
                        rows, triples, seconds = future.result()
                    except _Failed as exc:
                        raise KgError(str(exc)) from None
                    graph = IMPORTERS[name].graph_iri(base)
                    try:
                        store.bulk_load(path=str(out), format=RdfFormat.N_TRIPLES,
                                        to_graph=NamedNode(graph))
                    except (MemoryError, SyntaxError, ValueError) as exc:
                        # The importers' checks should make this unreachable (MAX_CELL).
                        raise KgError(f"{name}: its N-Triples output cannot be loaded: "
                                      f"{exc}") from None
                    parts.setdefault(name, []).append((out, rows, triples, seconds))
                    if len(parts[name]) < jobs_of[name]:
                        continue
                    item = _joined(name, graph, work, parts.pop(name))
                    log(f"imported {name}: {item.rows} rows, {item.triples} triples, "
                        f"{item.seconds:.1f} s")
                    done.append(item)
                    if on_file is not None:
                        on_file(item)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    return sorted(done, key=lambda f: f.name)


def _joined(name: str, graph: str, work: Path,
            parts: list[tuple[Path, int, int, float]]) -> ImportedFile:
    """One importer's file: its parts' files joined (in part order) into `work`/NAME.nt, which
    the union stage and --validate-imports read; seconds are the longest part's."""
    path = work / f"{name}.nt"
    if len(parts) > 1:
        with path.open("wb") as out:
            for part, *_ in sorted(parts):
                with part.open("rb") as source:
                    shutil.copyfileobj(source, out, 1 << 20)
                part.unlink()
    return ImportedFile(name, graph, path, sum(p[1] for p in parts), sum(p[2] for p in parts),
                        max(p[3] for p in parts))


def check_mappings(store: Store, base: str, imported: list[str]) -> None:
    """Every mapped identifier of an imported scheme (each object, and a subject that is not a
    curated record) must exist in the imported data (the named graphs `imported`, not the
    curated graphs, which mint a concept for every code a record names), with the label
    recorded; and every mapping set must be valid SSSOM (sssom-py)."""
    from kg.prefixes import SKOS
    from kg.sources.sssom_mappings import (
        MAPPINGS_DIR,
        PREFIX_IMPORTER,
        load_mapping_sets,
        same_label,
    )
    from kg.sources.sssom_validation import validate_mapping_sets

    problems = []
    pref_label = NamedNode(str(SKOS.prefLabel))
    graphs = [NamedNode(graph) for graph in imported]
    for mapping_set in load_mapping_sets():
        for m in mapping_set.mappings:
            # the object, and the subject where it is an imported scheme's concept
            ends = [(m.object_id, m.object_label)]
            if m.subject_id.split(":", 1)[0] in PREFIX_IMPORTER:
                ends.insert(0, (m.subject_id, m.subject_label))
            for curie, recorded in ends:
                target = NamedNode(mapping_set.expand(curie, base))
                labels = [q.object.value for graph in graphs for q in store.quads_for_pattern(
                    target, pref_label, None, graph)]
                if not labels and not any(next(iter(store.quads_for_pattern(
                        target, None, None, graph)), None) is not None for graph in graphs):
                    problems.append(f"{m.location}: {curie} is not in the imported data")
                elif labels and not any(same_label(label, recorded) for label in labels):
                    problems.append(f"{m.location}: {curie} is labelled {labels[0]!r} in the "
                                    f"data, not {recorded!r}")
    if problems:
        raise ValidationFailed("mapping targets do not match the data:\n" + "\n".join(problems))
    checked = validate_mapping_sets(sorted(MAPPINGS_DIR.glob("*.sssom.tsv")))
    log(f"mapping targets found in the imported data; {checked} mapping sets valid (sssom-py)")


def check_crosswalk_ends(store: Store, base: str, data: Path) -> list[str]:
    """The ESCO occupations the Nesta crosswalk names that ESCO's import does not hold, each
    logged as a warning with its label: the crosswalk's match is kept as published (it names
    a concept of an earlier ESCO edition), but nothing in the graph describes that IRI."""
    from kg.sources.importers import esco, esco_onet

    crosswalk = esco_onet.IMPORTER.graph_iri(base)
    occupations = esco.IMPORTER.graph_iri(base)
    if not any(store.quads_for_pattern(None, None, None, NamedNode(occupations))):
        return []  # no ESCO imported: nothing to compare with
    rows = store.query(f"""
        PREFIX owl: <http://www.w3.org/2002/07/owl#>
        PREFIX sssom: <https://w3id.org/sssom/>
        SELECT DISTINCT ?esco ?label WHERE {{
          GRAPH <{crosswalk}> {{ ?m owl:annotatedSource ?esco ; sssom:subject_label ?label }}
          FILTER NOT EXISTS {{ GRAPH <{occupations}> {{ ?esco ?p ?o }} }}
        }} ORDER BY ?esco""")
    missing = [f"<{row['esco'].value}> ({row['label'].value!r})" for row in rows]
    if missing:
        where = data / esco_onet.INFO.folder / esco_onet.FILE
        log(f"warning: {where}: {len(missing)} ESCO occupation(s) not in the imported ESCO "
            f"edition, their matches kept as published: {', '.join(missing)}")
    return missing
