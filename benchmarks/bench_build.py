"""Time `kg build` on the seed graph, stage by stage, against an in-process baseline.

The baseline is parsing the build's own N-Triples download (rdflib for the seed graph,
pyoxigraph for the full graph, which rdflib would take minutes to read): a fixed amount of
plain RDF work on the same machine in the same process, so the ratios stay comparable.

    python benchmarks/bench_build.py --documents ../shared/seeds --runs 3
    python benchmarks/bench_build.py --documents ../shared/seeds --data ../shared/data --runs 1
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from pyoxigraph import RdfFormat, Store
from rdflib import Graph

from kg.pipeline import BuildOptions, build


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=Path, required=True)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", type=Path, help="also import the reference data (full graph)")
    args = parser.parse_args()

    totals: list[float] = []
    stages: dict[str, list[float]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "dist"
        for _ in range(args.runs):
            report = build(BuildOptions(out=out, documents=args.documents, data=args.data))
            totals.append(report.seconds)
            for stage, seconds in report.stages.items():
                stages.setdefault(stage, []).append(seconds)
        baseline = []
        for _ in range(args.runs):
            started = time.perf_counter()
            if args.data is None:
                Graph().parse(out / "kg.nt", format="nt")
            else:
                Store().load(path=str(out / "kg.nt"), format=RdfFormat.N_TRIPLES)
            baseline.append(time.perf_counter() - started)
    base = statistics.median(baseline)
    print(f"triples in downloads: {report.triples['downloads']}")
    engine = "rdflib" if args.data is None else "pyoxigraph"
    print(f"baseline ({engine} parse of kg.nt): {base:.3f} s median of {args.runs}")
    print(f"{'stage':<16}{'median s':>10}{'x baseline':>12}")
    for stage, values in stages.items():
        median = statistics.median(values)
        print(f"{stage:<16}{median:>10.3f}{median / base:>12.1f}")
    total = statistics.median(totals)
    print(f"{'total':<16}{total:>10.3f}{total / base:>12.1f}")


if __name__ == "__main__":
    main()
