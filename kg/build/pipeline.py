"""`kg build`: the stage sequence, one road for the seed build and the full build.

sources -> imports (--data only) -> derived -> closure -> validation -> writers -> checks, all in
one on-disk pyoxigraph store inside the staging folder; published all or nothing by
kg.build.output_folder (a failed stage leaves the previous dist/ untouched). The seed build is the
full build with no reference data.
"""

from __future__ import annotations

import gc
import hashlib
import json
import shutil
import time
import traceback
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path

from pyoxigraph import NamedNode, Store
from rdflib import Graph, URIRef

from kg.build.checks import quality_checks
from kg.build.closure import add_closure
from kg.build.crosswalk_sets import WrittenSet, write_crosswalk_sets
from kg.build.derived import run_derived_stages
from kg.build.formats import FORMATS
from kg.build.memory import release_freed_memory
from kg.build.options import BuildOptions, BuildReport, log
from kg.build.output_folder import (
    build_marker,
    check_output,
    publish,
    settled,
    staging_folder,
)
from kg.build.sources import Curated, add_curated, read_records
from kg.build.stage_worker import SourceStages
from kg.build.store import (
    STORE_DIR,
    add_ontology,
    add_union,
    bulk_load_in_chunks,
    drop_obsolete_logs,
    ontology_graph,
    open_store,
)
from kg.build.validation import validate_curated
from kg.build.void import GraphStats, describe, site_root, stats_from_store
from kg.build.writers import (
    UNION_REST,
    UNION_WRITERS,
    WriterJob,
    append_ontology,
    turtle_from_ntriples,
)
from kg.errors import KgError
from kg.prefixes import jsonld_context
from kg.resources import ontology_files, shapes_files
from kg.sources.curated.loader import SourceSet
from kg.sources.curated.vocabulary import OntologyIndex, load_ontology

# Inside the staging folder, removed before publishing.
IMPORT_WORK = "imports-work"
WRITER_SNAPSHOT = "writer-snapshot"
SOURCE_STAGES_WORK = "source-stages"


class _Laps:
    """Seconds per stage, in the order the stages ran."""

    def __init__(self) -> None:
        self.started = self.mark = time.perf_counter()
        self.stages: dict[str, float] = {}

    def __call__(self, stage: str) -> None:
        release_freed_memory()  # so the next stage's peak does not stack on this one's garbage
        now = time.perf_counter()
        self.stages[stage] = self.stages.get(stage, 0.0) + now - self.mark
        self.mark = now


def build(options: BuildOptions) -> BuildReport:
    """Build into a fresh folder and swap it in only when everything succeeded."""
    # refuse what kg must not replace, an --out inside an input, or no room
    options.out = settled(options.out)
    check_output(options.out, options.data, (options.sources, options.documents))
    lap = _Laps()
    base = options.base if options.base.endswith("/") else options.base + "/"
    ontology_rdf = load_ontology()
    ontology = OntologyIndex(ontology_rdf)
    sources = read_records(options, ontology)
    lap("load")

    counts: dict[str, int] = {}
    with staging_folder(options.out, build_marker(options, base)) as staging:
        try:
            curated, stats, crosswalks = _stages(staging, options, sources, ontology,
                                                 ontology_rdf, base, counts, lap)
        except BaseException as exc:
            # The failed stage's frames hold the store: let go of them so RocksDB closes its
            # files before the staging folder is removed (a full disk must be freed, a mount
            # unmounted, and a compaction still running re-created files in a folder being
            # removed: SIGTERM left it behind).
            _release_frames(exc)
            gc.collect()
            raise exc  # from here: the stage's frames are gone
        _write_extras(staging, options, sources.documents, stats, base, crosswalks)
        publish(staging, options.out)
    lap("publish")
    report = BuildReport(
        triples=counts,
        graphs=dict(sorted(stats.graphs.items())),
        seconds=time.perf_counter() - lap.started,
        quotes_checked=options.documents is not None,
        stages=lap.stages,
        values=curated.values.counts(),
    )
    log(f"wrote {options.out}/ in {report.seconds:.1f} s: {json.dumps(report.triples)}")
    log("stages: " + json.dumps({k: round(v, 2) for k, v in report.stages.items()}))
    return report


def _release_frames(exc: BaseException) -> None:
    """Drop the tracebacks of `exc` and of the exceptions chained to it, keeping their text as
    a note. Clearing a frame is not enough: it keeps its function, and a nested function keeps
    the variables it closes over (store.py's `add_quads.<locals>.load` holds the store)."""
    seen: set[int] = set()
    chained: BaseException | None = exc
    while chained is not None and id(chained) not in seen:
        seen.add(id(chained))
        if chained.__traceback__ is not None:
            if not isinstance(chained, (SystemExit, KeyboardInterrupt, KgError)):
                # an unexpected error keeps where it happened, for its bug report
                chained.add_note("".join(traceback.format_tb(chained.__traceback__)).rstrip())
            traceback.clear_frames(chained.__traceback__)
            chained.__traceback__ = None
        chained = chained.__cause__ or chained.__context__


def _stages(staging: Path, options: BuildOptions, sources: SourceSet, ontology: OntologyIndex,
            ontology_rdf: Graph, base: str, counts: dict[str, int],
            lap: _Laps) -> tuple[Curated, GraphStats, list[WrittenSet]]:
    """Every stage on the store in `staging`/store, and the downloads beside it."""
    dist = staging
    store = open_store(staging)
    curated = add_curated(store, sources, ontology, base, options.data is not None)
    counts["asserted"] = curated.triples
    lap("sources")

    files: list[Path] = []
    imported: list[str] = []
    if options.data is not None:
        from kg.build.imports import check_crosswalk_ends, check_mappings, import_all
        from kg.build.reference_checks import check_references

        work = staging / IMPORT_WORK
        work.mkdir()
        done = import_all(store, options.data, work, base)
        files = [item.path for item in done]
        imported = [item.graph for item in done]
        counts["imported"] = sum(item.triples for item in done)
        if options.validate_imports:
            from kg.build.import_validation import validate_imports

            checked = validate_imports({item.name: item.path for item in done}, log=log)
            log(f"pySHACL: all {checked} imported triples conform")
        check_mappings(store, base, imported)
        check_crosswalk_ends(store, base, options.data)
        log(f"{check_references(store, base, imported)} kinds of reference between the "
            "reference datasets resolve")
        lap("imports")

    # The slow stages that read only the sources run beside the others and the closure's
    # first pass (a worker on a checkpoint, on the full graph); their quads come in last.
    parallel = counts.get("imported", 0) >= WriterJob.PARALLEL_FROM
    with SourceStages(store, base, staging / SOURCE_STAGES_WORK, parallel) as source_stages:
        added = run_derived_stages(store, base)
        lap("derived")

        counts["inferred"] = add_closure(
            store, ontology_rdf, base, dict(zip(imported, files, strict=True)),
            late=partial(_collect_source_stages, source_stages, store, added))
    counts["derived"] = sum(added.values())
    log(f"{counts['derived']} derived triples, {counts['inferred']} entailed triples; "
        "validating with SHACL")
    lap("closure")
    # kg.trig, kg.nt and kg.jsonld are the named graphs as they are now: written from a
    # checkpoint while validation and the union go on (a worker process on the full graph).
    trig = dist / FORMATS["trig"].file_name
    ntriples = dist / FORMATS["ntriples"].file_name
    jsonld = dist / FORMATS["jsonld"].file_name
    quads = counts["asserted"] + counts.get("imported", 0) + counts["derived"] + counts["inferred"]
    # The union loads the imports from their files; the worker writes every other graph's
    # triples for it (the ontology graph is added after the downloads).
    from_files = {*imported, ontology_graph(base)}
    with WriterJob("named-graphs", store, quads, staging / WRITER_SNAPSHOT, trig,
                   base, from_files) as downloads:
        validate_curated(store, curated.graphs, imported, ontology_rdf, curated.result.origins,
                         base)
        lap("validation")
        # The union into the default graph, beside the worker's dump: the imports from their
        # files (the store normalises their literals as it did for the named graphs), every
        # other graph from the worker's lines of them, or, when a blank node left no lines,
        # through dumps of its own.
        add_union(store, [], files, scratch=staging)
        if files:
            shutil.rmtree(staging / IMPORT_WORK)
        if downloads.wait_for(UNION_REST):
            bulk_load_in_chunks(store, dist / UNION_REST, blank_nodes=False)
            (dist / UNION_REST).unlink()
        else:
            add_union(store, sorted(g.value for g in store.named_graphs()
                                    if isinstance(g, NamedNode) and g.value not in from_files),
                      scratch=staging)
        lap("union")
        if not downloads.wait_for(ntriples.name):  # a blank node: no lines to sort
            log(f"writing {ntriples.name} and {jsonld.name} from the store")
            UNION_WRITERS["ntriples"](store, ntriples, base)
            UNION_WRITERS["jsonld"](store, jsonld, base)
        lap("kg.nt (waiting)")
        log(f"writing {FORMATS['turtle'].file_name}")
        turtle_from_ntriples(ntriples, dist / FORMATS["turtle"].file_name, base)
        counts["ontology"] = len(ontology_rdf)
        add_ontology(store, ontology_rdf, base)
        stats = stats_from_store(store, ntriples, base)
        # kg.nt's lines: the default graph's triples (tests/test_full_build.py counts both),
        # without a COUNT over the store (3 s on the full graph).
        counts["downloads"] = stats.triples
        lap("export")
        add_union(store, [ontology_graph(base)], scratch=staging)
        checked = quality_checks(store)
        log(f"{checked} quality checks passed")
        lap("quality checks")
        crosswalks = write_crosswalk_sets(store, base, imported, dist / "mappings",
                                          site_root(base))
        if crosswalks:
            log(f"wrote {len(crosswalks)} crosswalk mapping sets (SSSOM): "
                f"{sum(c.rows for c in crosswalks)} mappings")
        lap("crosswalk sets")
        # Compact RocksDB's levels for the read-only server: on the full graph 13 s here,
        # the store 3.1 -> 2.1 GB, and lookup-bound queries faster (label-search 118 -> 76
        # ms, xt-onet-occupations-sharing-important-skills 535 -> 332 ms); scans unchanged.
        store.flush()
        store.optimize()
        del store  # closes the database before the folder is renamed
        drop_obsolete_logs(staging)
        lap("optimize")
        downloads.wait()
    append_ontology(ontology_rdf, trig, base)
    lap("writers (rest)")
    return curated, stats, crosswalks

def _collect_source_stages(source_stages: SourceStages, store: Store,
                           added: dict[str, int]) -> dict[str, Path | None]:
    """The closure's `late` hook: the source stages' quads into the store (waiting for their
    worker if it is still at work); their counts into `added`; their graphs returned, each
    with the file that holds exactly its quads, if one does."""
    began = time.perf_counter()
    more, graphs = source_stages.collect(store)
    added.update(more)
    if sum(more.values()):
        log(f"{sum(more.values())} quads of the source stages added "
            f"({time.perf_counter() - began:.1f} s waiting and loading)")
    return graphs


def _write_extras(dist: Path, options: BuildOptions, documents: dict[str, object],
                  stats: GraphStats, base: str, crosswalks: list[WrittenSet]) -> None:
    """context.jsonld, ontology.ttl, shapes.ttl, the ontology docs, the curated mappings,
    void.ttl (which also describes the crosswalks' mapping sets) and SHA256SUMS (which lists
    every file but the store)."""
    from kg.sources.sssom_mappings import MAPPINGS_DIR, load_mapping_sets

    (dist / "context.jsonld").write_text(
        json.dumps(jsonld_context(base), indent=1, sort_keys=True) + "\n", encoding="utf-8"
    )
    # The ontology and shapes are published as their curated files, byte for byte: rdflib's
    # re-serialization of their blank nodes (lists, property shapes) is not stable.
    _concatenate(ontology_files(), dist / "ontology.ttl")
    _concatenate(shapes_files(), dist / "shapes.ttl")
    extra = {
        "context.jsonld": "application/ld+json",
        "ontology.ttl": "text/turtle",
        "shapes.ttl": "text/turtle",
    }
    if options.ontology_docs:
        from kg.build.ontology_docs import write_ontology_html

        write_ontology_html(dist / "ontology.ttl", dist / "ontology" / "index.html")
        extra["ontology/index.html"] = "text/html"
    notes: dict[str, tuple[str, str]] = {}
    if options.data is not None:
        (dist / "mappings").mkdir(exist_ok=True)
        for mapping_set in load_mapping_sets(MAPPINGS_DIR):
            path = mapping_set.path
            shutil.copyfile(path, dist / "mappings" / path.name)
            extra[f"mappings/{path.name}"] = "text/tab-separated-values"
            notes[f"mappings/{path.name}"] = (
                f"{mapping_set.meta['mapping_set_title']} ({len(mapping_set.mappings)} curated "
                "mappings, SSSOM).", str(mapping_set.meta["license"]))
    for crosswalk in crosswalks:
        extra[crosswalk.name] = "text/tab-separated-values"
        notes[crosswalk.name] = (f"{crosswalk.title} ({crosswalk.rows:,} mappings, SSSOM).",
                                 crosswalk.license)
    names = [URIRef(base + f"document/{d}") for d in sorted(documents)]
    void = describe(stats, dist, base, names, extra, notes)
    (dist / "void.ttl").write_text(void.serialize(format="turtle"), encoding="utf-8")
    write_checksums(dist)


def _concatenate(paths: list[Path], target: Path) -> None:
    target.write_bytes(b"\n".join(path.read_bytes() for path in paths))


def write_checksums(dist: Path) -> None:
    """SHA256SUMS of every file but the store's (RocksDB files are not byte-stable)."""
    paths = [path for path in sorted(p for p in dist.rglob("*") if p.is_file())
             if path.relative_to(dist).parts[0] != STORE_DIR]
    # Streamed (kg.nt alone is 0.9 GB on the full graph), two files at a time: hashlib lets
    # go of the GIL while it hashes.
    with ThreadPoolExecutor(max_workers=2) as pool:
        digests = list(pool.map(_sha256, paths))
    lines = [f"{digest}  {path.relative_to(dist).as_posix()}"
             for digest, path in zip(digests, paths, strict=True)]
    (dist / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _sha256(path: Path) -> str:
    with path.open("rb") as data:
        return hashlib.file_digest(data, "sha256").hexdigest()
