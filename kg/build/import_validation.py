"""pySHACL over every imported dataset graph: `kg build --data DIR --validate-imports`.

By default the full build validates the curated graph with pySHACL and the whole graph with the
SPARQL quality checks, and the tests validate each importer's output on slices of the data with
pySHACL. Validating all 2.8 million imported triples with pySHACL as well takes several minutes
on a 2-core machine (measured per dataset: O*NET 29.3 about 230 s and 2.9 GB, the BLS tables
about 2 minutes each for the wage-order shape, ESCO 17 s), beyond the build's 3-minute budget,
so it is an option. Each dataset is validated in its own worker process, two at a time, so that
the memory of one is returned before the next starts.
"""

from __future__ import annotations

import multiprocessing
import os
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from kg.build.orphans import exit_with_parent
from kg.errors import ValidationFailed

MAX_LISTED = 20  # violations listed per dataset in the error


def validate_import(name: str, path: Path) -> tuple[str, int, list[str]]:
    """Validate one importer's output (N-Triples, or N-Quads for a .nq file) with the shapes
    and the ontology.

    Returns (name, triples, rendered violations)."""
    from rdflib import Dataset, Graph

    from kg.build.shacl_report import load_shapes, shacl_findings
    from kg.prefixes import bind_prefixes
    from kg.sources.curated.vocabulary import load_ontology

    data = bind_prefixes(Graph())
    if path.suffix == ".nq":
        dataset = Dataset()
        dataset.parse(path, format="nquads")
        for graph in dataset.graphs():
            data += graph
        del dataset
    else:
        data.parse(path, format="nt")
    triples = len(data)
    findings = shacl_findings(data, load_shapes(), load_ontology(), in_place=True)
    violations = [f.render(data) for f in findings if f.severity == "Violation"]
    return name, triples, violations


def validate_imports(files: dict[str, Path], jobs: int = 2, log=print) -> int:  # noqa: ANN001
    """Validate every dataset (largest first); raise ValidationFailed naming dataset and node."""
    order = sorted(files, key=lambda n: (-files[n].stat().st_size, n))
    problems: list[str] = []
    total = 0
    context = multiprocessing.get_context("spawn")  # no copy of the parent's graphs
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context,
                             initializer=exit_with_parent, initargs=(os.getpid(),)) as pool:
        futures = [pool.submit(validate_import, name, files[name]) for name in order]
        for future in futures:
            name, triples, violations = future.result()
            total += triples
            log(f"pySHACL: {name}: {triples} triples, {len(violations)} violation(s)")
            problems += [f"{name}: {v}" for v in violations[:MAX_LISTED]]
            if len(violations) > MAX_LISTED:
                problems.append(f"{name}: ... and {len(violations) - MAX_LISTED} more")
    if problems:
        raise ValidationFailed("imported data does not conform to the shapes:\n"
                               + "\n".join(problems))
    return total
