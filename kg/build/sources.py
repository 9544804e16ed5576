"""Stage `sources`: the curated records (and, with --data, the curated SSSOM mappings) become
quads in their named graphs of the build store.

The records are read, their quotes and values checked, and turned into triples by
kg.sources.curated.builder
(rdflib: one named graph per source document, plus graph/curation); the quads then go into the
pyoxigraph store every later stage works on. The curated part is small (about 6,000 triples), so
the rdflib step costs well under a second.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pyoxigraph import RdfFormat, Store
from rdflib import Dataset, Graph, URIRef

from kg.build.options import BuildOptions, log
from kg.sources.curated.builder import BuildResult, build_dataset
from kg.sources.curated.loader import OBSERVATIONS_FILE, SourceSet, load_sources
from kg.sources.curated.quotes import check_quotes
from kg.sources.curated.value_evidence import ValueEvidence, check_values
from kg.sources.curated.vocabulary import OntologyIndex
from kg.sources.sssom_mappings import load_mapping_sets, mapping_graph


@dataclass
class Curated:
    sources: SourceSet
    result: BuildResult
    values: ValueEvidence
    # Named graphs written by this stage (curated documents, curation, mappings).
    graphs: list[str]
    triples: int


def read_records(options: BuildOptions, ontology: OntologyIndex) -> SourceSet:
    """Read the records and check every quote against its document (when --documents)."""
    sources = load_sources(options.sources, ontology)
    log(f"read {len(sources.records)} records, {len(sources.observations)} observations, "
        f"{len(sources.documents)} documents")
    if not (options.sources / OBSERVATIONS_FILE).exists():
        log(f"warning: {options.sources} has no {OBSERVATIONS_FILE}: the graph holds no "
            "curated figures (wages, employment, projections)")
    if options.documents is not None:
        check_quotes(sources, options.documents)
        log(f"all {len(sources.quotes())} quotes found in their documents")
        _unregistered(sources, options.documents)
    else:
        log("no --documents given: quotes were NOT checked against the source documents")
    return sources


def _unregistered(sources: SourceSet, documents: Path) -> None:
    """Say which files of --documents the registry does not name: they are not read (a sixth
    document was ignored without a word; session 33's audit)."""
    registered = {doc.file for doc in sources.documents.values()}
    try:
        found = sorted(p.name for p in documents.iterdir() if p.is_file())
    except OSError:
        return  # check_quotes has read every registered document: nothing more to say
    extra = [name for name in found if name not in registered and not name.startswith(".")]
    if extra:
        log(f"warning: {documents}: {len(extra)} file(s) that the document registry "
            f"(documents.yaml) does not name, so not read: {', '.join(extra)}")


def add_curated(store: Store, sources: SourceSet, ontology: OntologyIndex, base: str,
                with_mappings: bool) -> Curated:
    """Build the curated triples and load them into `store`, each in its named graph."""
    result = build_dataset(sources, ontology, base)
    # After the builder, so a malformed value is reported as such, not as unstated.
    values = check_values(sources, ontology, base)
    log(f"{values.verified} facts value-verified, {values.derived} derived")
    dataset = result.dataset
    if with_mappings:
        _add_graph(dataset, base + "graph/mappings", mapping_graph(load_mapping_sets(), base))
    graphs = sorted(str(g.identifier) for g in dataset.graphs()
                    if isinstance(g.identifier, URIRef) and len(g))
    triples = sum(len(dataset.graph(URIRef(name))) for name in graphs)
    # The curated graphs have no blank nodes, so the store's key order alone fixes how they
    # are written (kg.build.store).
    store.load(dataset.serialize(format="nquads", encoding="utf-8"), format=RdfFormat.N_QUADS)
    log(f"built {triples} curated triples in {len(graphs)} graphs")
    return Curated(sources, result, values, graphs, triples)


def _add_graph(dataset: Dataset, name: str, content: Graph) -> None:
    target = dataset.graph(URIRef(name))
    for triple in content:
        target.add(triple)
