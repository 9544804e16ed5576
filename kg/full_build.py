"""`kg build --data DIR`: the seed graph joined to the reference datasets, at full scale.

The curated part (records, owlrl closure, pySHACL) is built exactly as without --data. The
reference editions (millions of triples) take a faster road, all inside one pyoxigraph store:
the importers stream N-Quads, the alignment entailments come from kg.fast_closure (the same
entailments as owlrl, as a test shows), the quality checks run as SPARQL, and pyoxigraph writes
the downloads.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import BlankNode, DefaultGraph, NamedNode, RdfFormat, Store
from rdflib import BNode, Dataset, Graph, URIRef
from rdflib.compare import to_canonical_graph

from kg.errors import ValidationFailed
from kg.fast_closure import AlignmentRules, apply_rules
from kg.formats import trig_block
from kg.jsonld_writer import Term, from_oxigraph, write_compact_jsonld
from kg.mappings import MAPPINGS_DIR, load_mapping_sets, mapping_graph, same_label
from kg.prefixes import SKOS, jsonld_context, prefix_map
from kg.search_text import add_search_texts
from kg.sssom_validation import validate_mapping_sets


@dataclass
class FullStats:
    imported: dict[str, int]
    inferred: int
    downloads: int


def _log(message: str) -> None:
    from kg.pipeline import log

    log(message)


def add_mappings(dataset: Dataset, base: str) -> Graph:
    """The curated SSSOM sets as RDF, in the named graph graph/mappings."""
    graph = mapping_graph(load_mapping_sets(), base)
    target = dataset.graph(URIRef(base + "graph/mappings"))
    for triple in graph:
        target.add(triple)
    return graph


def import_all(data_root: Path, work: Path, base: str) -> dict[str, Path]:
    from kg.importers import IMPORTERS, write

    files: dict[str, Path] = {}
    for name, importer in IMPORTERS.items():
        folder = data_root / importer.info.folder
        if not folder.is_dir():
            raise ValidationFailed(f"--data {data_root}: no folder {importer.info.folder} "
                                   f"for the {name} importer")
        stats = write(importer, folder, work / f"{name}.nq", base=base, progress=False)
        _log(f"imported {name}: {stats.rows} rows, {stats.triples} triples, "
             f"{stats.seconds:.1f} s")
        files[name] = work / f"{name}.nq"
    return files


def check_mapping_targets(store: Store, base: str) -> None:
    """Every mapped identifier must exist in the imported data, with the label recorded."""
    problems = []
    for mapping_set in load_mapping_sets():
        for m in mapping_set.mappings:
            target = NamedNode(mapping_set.expand(m.object_id, base))
            labels = [q.object.value for q in store.quads_for_pattern(
                target, NamedNode(str(SKOS.prefLabel)), None, None)]
            if not labels and next(iter(store.quads_for_pattern(target, None, None, None)),
                                   None) is None:
                problems.append(f"{m.location}: {m.object_id} is not in the imported data")
            elif labels and not any(same_label(label, m.object_label) for label in labels):
                problems.append(f"{m.location}: {m.object_id} is labelled {labels[0]!r} in the "
                                f"data, not {m.object_label!r}")
    if problems:
        raise ValidationFailed("mapping targets do not match the data:\n" + "\n".join(problems))


def build_store(dataset: Dataset, imports: dict[str, Path], base: str) -> Store:
    """One store with every graph, loaded in a fixed order.

    pyoxigraph writes quads in an order that depends on the order they were inserted, so the
    curated quads are sorted first and everything is loaded single-threaded (`load`, not
    `bulk_load`): the same inputs then give byte-identical downloads.
    """
    store = Store()
    lines = sorted(set(_canonical_nquads(dataset, ontology_graph(base)).splitlines()) - {""})
    store.load("\n".join(lines).encode("utf-8"), format=RdfFormat.N_QUADS)
    for name in sorted(imports):
        store.load(path=str(imports[name]), format=RdfFormat.N_QUADS)
    return store


def _canonical_nquads(dataset: Dataset, skip: str) -> str:
    """N-Quads with any blank nodes named canonically, not randomly, so the sorted lines are
    the same in every build. The graph `skip` (the ontology) is left out: pyoxigraph would
    give its blank nodes random names when writing TriG."""
    canonical = Dataset()
    for graph in dataset.graphs():
        if not isinstance(graph.identifier, URIRef) or not len(graph):
            continue
        if str(graph.identifier) == skip:
            continue
        has_bnodes = any(isinstance(t, BNode) for triple in graph for t in triple)
        source = to_canonical_graph(graph) if has_bnodes else graph
        target = canonical.graph(graph.identifier)
        for triple in source:
            target.add(triple)
    return canonical.serialize(format="nquads", encoding="utf-8").decode("utf-8")


def ontology_graph(base: str) -> str:
    return base + "graph/ontology"


def write_downloads(store: Store, ontology: Graph, dist: Path, base: str) -> int:
    """kg.trig (every named graph) and kg.nt / kg.ttl / kg.jsonld (their union, without the
    ontology graph), written by pyoxigraph in its own stable order. The ontology graph is
    appended to kg.trig as rdflib writes it (its lists and unions inline, no blank node
    names)."""
    prefixes = prefix_map(base)
    trig = dist / "kg.trig"
    store.dump(str(trig), format=RdfFormat.TRIG, prefixes=prefixes)
    with trig.open("a", encoding="utf-8") as out:
        out.write("\n" + trig_block(ontology, ontology_graph(base), base))
    store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")
    store.dump(str(dist / "kg.nt"), format=RdfFormat.N_TRIPLES, from_graph=DefaultGraph())
    store.dump(str(dist / "kg.ttl"), format=RdfFormat.TURTLE, from_graph=DefaultGraph(),
               prefixes=prefixes)
    # One node object per subject, compacted with the project's context (kg.jsonld_writer: the
    # seed build's writer too). The in-memory store does not iterate grouped by subject, so
    # subjects are listed, sorted, and read one at a time: memory holds one subject's triples.
    with (dist / "kg.jsonld").open("w", encoding="utf-8") as out:
        write_compact_jsonld(subject_groups(store), jsonld_context(base)["@context"], out)
    return count_default_graph(store)


def subject_groups(store: Store) -> Iterator[tuple[Term, list[tuple[Term, Term]]]]:
    """Each subject of the default graph with its (predicate, object) pairs, subjects sorted."""
    found = store.query("SELECT DISTINCT ?s WHERE { ?s ?p ?o }")
    subjects = sorted((row["s"] for row in found),
                      key=lambda s: (isinstance(s, BlankNode), s.value))
    for subject in subjects:
        pairs = [(from_oxigraph(q.predicate), from_oxigraph(q.object))
                 for q in store.quads_for_pattern(subject, None, None, DefaultGraph())]
        yield from_oxigraph(subject), pairs


def count_default_graph(store: Store) -> int:
    solutions = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    return int(next(iter(solutions))["n"].value)


def full_outputs(dataset: Dataset, ontology: Graph, data_root: Path, dist: Path,
                 base: str, validate_imports: bool = False) -> tuple[Store, FullStats]:
    # Named after the staging folder, so the next build removes it if this one is killed.
    work = Path(tempfile.mkdtemp(prefix=dist.name + "-import-", dir=dist.parent))
    try:
        imports = import_all(data_root, work, base)
        if validate_imports:
            from kg.import_validation import validate_imports as run_shacl

            checked = run_shacl(imports, log=_log)
            _log(f"pySHACL: all {checked} imported triples conform")
        store = build_store(dataset, imports, base)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    check_mapping_targets(store, base)
    checked = validate_mapping_sets(sorted(MAPPINGS_DIR.glob("*.sssom.tsv")))
    _log(f"mapping targets found in the imported data; {checked} mapping sets valid (sssom-py); "
         "computing the alignment closure")
    inferred_graph = base + "graph/inferred"
    inferred = apply_rules(store, AlignmentRules.from_ontology(ontology), inferred_graph)
    texts = add_search_texts(store, base + "graph/derived")
    _log(f"{inferred} entailed triples in graph/inferred, {texts} search texts in graph/derived; "
         "writing the downloads")
    imported = {name: sum(1 for _ in store.quads_for_pattern(
        None, None, None, NamedNode(_graph_of(name, base)))) for name in sorted(imports)}
    downloads = write_downloads(store, ontology, dist, base)
    mappings = dist / "mappings"
    mappings.mkdir()
    for path in sorted(MAPPINGS_DIR.glob("*.sssom.tsv")):
        shutil.copyfile(path, mappings / path.name)
    return store, FullStats(imported, inferred, downloads)


def _graph_of(name: str, base: str) -> str:
    from kg.importers import IMPORTERS

    return IMPORTERS[name].graph_iri(base)
