"""`kg build`: records -> triples -> closure -> SHACL -> downloads, all or nothing."""

from __future__ import annotations

import hashlib
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import Dataset, Graph, URIRef

from kg.builder import build_dataset
from kg.derived_views import salary_distributions
from kg.errors import ValidationFailed
from kg.formats import FORMATS
from kg.output_folder import build_marker, check_output, publish, staging_folder
from kg.prefixes import DEFAULT_BASE, bind_prefixes, jsonld_context
from kg.quotes import check_quotes
from kg.reasoning import closure
from kg.records import SourceSet, load_sources
from kg.resources import ontology_files, shapes_files, sources_dir
from kg.search_text import search_text_graph
from kg.validation import format_report, load_shapes, shacl_findings
from kg.value_evidence import check_values
from kg.vocabulary import OntologyIndex, load_ontology
from kg.void import describe, stats_from_graphs, stats_from_store


@dataclass
class BuildOptions:
    out: Path = Path("dist")
    documents: Path | None = None
    base: str = DEFAULT_BASE
    sources: Path = field(default_factory=sources_dir)
    ontology_docs: bool = True
    # The folder holding the reference datasets (../shared/data); None builds the seed graph.
    data: Path | None = None
    # With data: also validate every imported dataset graph with pySHACL (minutes; see
    # kg/import_validation.py).
    validate_imports: bool = False


@dataclass
class BuildReport:
    triples: dict[str, int]
    graphs: dict[str, int]
    seconds: float
    quotes_checked: bool
    stages: dict[str, float] = field(default_factory=dict)
    # Curated values checked against their quotes, and values derived by a checked rule.
    values: dict[str, int] = field(default_factory=dict)


def log(message: str) -> None:
    print(f"kg: {message}", file=sys.stderr, flush=True)


def build(options: BuildOptions) -> BuildReport:
    """Build into a fresh folder and swap it in only when everything succeeded."""
    check_output(options.out, options.data)  # refuse what kg must not replace, or no room
    started = time.perf_counter()
    stages: dict[str, float] = {}
    mark = [started]

    def lap(stage: str) -> None:
        now = time.perf_counter()
        stages[stage] = now - mark[0]
        mark[0] = now

    base = options.base if options.base.endswith("/") else options.base + "/"
    ontology_graph = load_ontology()
    ontology = OntologyIndex(ontology_graph)
    sources = load_sources(options.sources, ontology)
    log(
        f"read {len(sources.records)} records, {len(sources.observations)} observations, "
        f"{len(sources.documents)} documents"
    )
    if options.documents is not None:
        check_quotes(sources, options.documents)
        log(f"all {len(sources.quotes())} quotes found in their documents")
    else:
        log("no --documents given: quotes were NOT checked against the source documents")
    lap("load")

    result = build_dataset(sources, ontology, base)
    # After the builder, so a malformed value is reported as such, not as unstated.
    values = check_values(sources, ontology, base)
    log(f"{values.verified} facts value-verified, {values.derived} derived")
    dataset = result.dataset
    data = _merge(dataset)
    derived = salary_distributions(dataset, base)
    derived += search_text_graph(dataset)
    _add_graph(dataset, base + "graph/derived", derived)
    data += derived
    log(f"built {len(data)} asserted triples; computing the OWL RL closure")
    lap("triples")
    inferred = closure(ontology_graph, data, base)
    lap("closure")
    if options.data is not None:
        from kg.full_build import add_mappings

        mappings = add_mappings(dataset, base)
        data += mappings
        log(f"added {len(mappings)} triples of curated SSSOM mappings")
    _add_graph(dataset, base + "graph/inferred", inferred)
    _add_graph(dataset, base + "graph/ontology", ontology_graph)
    merged = bind_prefixes(Graph(), base)
    merged += data
    merged += inferred
    log(f"{len(inferred)} entailed triples kept; validating with SHACL")
    findings = shacl_findings(merged, load_shapes(), ontology_graph, result.origins)
    violations = [f for f in findings if f.severity == "Violation"]
    if violations:
        raise ValidationFailed(
            f"the graph does not conform: {len(violations)} violation(s)\n"
            + format_report(violations, merged)
        )
    for finding in findings:
        log(finding.render(merged))
    lap("validation")

    extra_counts: dict[str, int] = {}
    with staging_folder(options.out, build_marker(options, base)) as staging:
        _write_outputs(staging, dataset, merged, ontology_graph, sources, base, options,
                       extra_counts)
        lap("export")
        _quality_checks(staging / "kg.trig")
        publish(staging, options.out)
    lap("quality checks")
    graphs = {str(g.identifier): len(g) for g in dataset.graphs() if len(g)}
    report = BuildReport(
        triples={
            "asserted": len(data) - len(derived),
            "derived": len(derived),
            "inferred": len(inferred),
            "downloads": len(merged),
            "ontology": len(ontology_graph),
            **extra_counts,
        },
        graphs=dict(sorted(graphs.items())),
        seconds=time.perf_counter() - started,
        quotes_checked=options.documents is not None,
        stages=stages,
        values=values.counts(),
    )
    log(f"wrote {options.out}/ in {report.seconds:.1f} s: {json.dumps(report.triples)}")
    return report


def _quality_checks(trig: Path) -> None:
    """Run the `queries/*-violation.rq` checks on what is about to be published."""
    from kg.engines import open_engine
    from kg.query_catalog import run_violation_checks

    failures = run_violation_checks(open_engine("oxigraph", trig))
    if failures:
        lines = []
        for name, table in sorted(failures.items()):
            lines.append(f"{name}: {len(table.rows)} row(s)")
            for row in table.as_dicts()[:10]:
                cells = ", ".join(f"{k}={'-' if v is None else v}" for k, v in row.items())
                lines.append(f"    {cells}")
        raise ValidationFailed("quality checks found problems:\n" + "\n".join(lines))
    log("quality checks passed")


def _merge(dataset: Dataset) -> Graph:
    merged = Graph()
    for graph in dataset.graphs():
        merged += graph
    return merged


def _add_graph(dataset: Dataset, name: str, content: Graph) -> None:
    target = dataset.graph(URIRef(name))
    for triple in content:
        target.add(triple)


def _write_outputs(
    dist: Path,
    dataset: Dataset,
    merged: Graph,
    ontology: Graph,
    sources: SourceSet,
    base: str,
    options: BuildOptions,
    extra_counts: dict[str, int],
) -> None:
    if options.data is None:
        for fmt in FORMATS.values():
            log(f"writing {fmt.file_name}")
            fmt.write(dataset, merged, dist / fmt.file_name, base)
        stats = stats_from_graphs(dataset, merged, base)
    else:
        from kg.full_build import full_outputs

        store, full = full_outputs(dataset, ontology, options.data, dist, base,
                                   validate_imports=options.validate_imports)
        stats = stats_from_store(store, base)
        extra_counts.update({"imported": sum(full.imported.values()),
                             "inferred (all)": full.inferred, "downloads": full.downloads})
        del store
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
        from kg.ontology_docs import write_ontology_html

        write_ontology_html(dist / "ontology.ttl", dist / "ontology" / "index.html")
        extra["ontology/index.html"] = "text/html"
    documents = [URIRef(base + f"document/{d}") for d in sorted(sources.documents)]
    if options.data is not None:
        extra.update({f"mappings/{p.name}": "text/tab-separated-values"
                      for p in sorted((dist / "mappings").glob("*.sssom.tsv"))})
    void = describe(stats, dist, base, documents, extra)
    (dist / "void.ttl").write_text(void.serialize(format="turtle"), encoding="utf-8")
    _write_checksums(dist)


def _concatenate(paths: list[Path], target: Path) -> None:
    target.write_bytes(b"\n".join(path.read_bytes() for path in paths))


def _write_checksums(dist: Path) -> None:
    lines = []
    for path in sorted(p for p in dist.rglob("*") if p.is_file()):
        digest = hashlib.sha256(path.read_bytes()).hexdigest()
        lines.append(f"{digest}  {path.relative_to(dist).as_posix()}")
    (dist / "SHA256SUMS").write_text("\n".join(lines) + "\n", encoding="utf-8")
