"""Time every stored query (and quality check) on each engine.

    python benchmarks/bench_queries.py --runs 5
    python benchmarks/bench_queries.py --runs 5 --endpoint http://127.0.0.1:8890/sparql

    python benchmarks/bench_queries.py --dist FULL_DIST --engines oxigraph --baseline-queries OLD

Each query runs with its default parameters: one warm-up run, then the median of --runs timed
runs. With --baseline-queries, a second folder of the same stored queries (say, an earlier
commit's `queries/`, from `git worktree add` or `git archive`) is timed on the same engine in the
same process, and each row gets the ratio of this version's time to the baseline's.
Engines: oxigraph and rdflib on dist/kg.trig (loaded once, load time reported apart), and
a SPARQL endpoint when --endpoint is given (load it first with `kg load --endpoint URL`). The
table shows milliseconds per engine and each engine's time as a ratio to rdflib's (the
reference engine), plus the row count, which must be the same on every engine.

"oxigraph" is what `kg query` uses: the persistent store `dist/store/` opened read-only (its
default graph is the union of the named graphs) when the build wrote one, else kg.trig parsed
into memory. "memory" always parses kg.trig into memory (the default graph as the union), so
`--engines memory,oxigraph` on a dist/ with a store times both side by side:

    python benchmarks/bench_queries.py --dist FULL_DIST --engines memory,oxigraph --runs 5

Each engine is opened and timed in a child process of its own, one engine after the other: with
the full graph parsed into memory in the same process, the on-disk store's queries took 2-3
times as long (observation-incomplete-violation 1,058 against 308 ms, session 20).

The per-query budget (--budget-ms, 100 ms) is checked on every embedded engine: the summary
counts the queries over it. Because the machine is shared, each engine also times a fixed
reference query (a COUNT over every skos:prefLabel) in the same run, and each query's time is
printed as a multiple of it ("x ref"): that ratio is what compares across runs and machines.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing import get_context
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.query.catalog import StoredQuery, list_queries, list_violation_checks  # noqa: E402
from kg.query.engines import Engine, OxigraphEngine, open_engine  # noqa: E402
from kg.query.param_binding import bind_params  # noqa: E402

BASELINE = "rdflib"
# The reference query every engine times in the same run: one index scan, one number out.
REFERENCE_QUERY = (
    "SELECT (COUNT(*) AS ?n) WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?o }"
)
EMBEDDED = ("oxigraph", "memory")


class InMemoryEngine(OxigraphEngine):
    """pyoxigraph with kg.trig parsed into memory even when dist/store/ exists beside it."""

    name = "memory"

    @staticmethod
    def persistent_store(source: Path) -> Path | None:
        return None


def open_bench_engine(name: str, trig: Path) -> Engine:
    if name == "memory":
        return InMemoryEngine(trig, timeout=None)
    return open_engine(name, trig, timeout=None)


def time_query(engine: Engine, text: str, runs: int) -> tuple[float, int]:
    """Median seconds over `runs` timed runs after one warm-up; and the row count."""
    rows = len(engine.select(text))  # warm-up
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        engine.select(text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), rows


@dataclass
class EngineTimes:
    """What one engine's child process measured: seconds to open, the reference query's median,
    and each text's (median seconds, row count) by key."""

    opened: float
    mode: str
    reference: float
    results: dict[str, tuple[float, int]]


def time_engine(name: str, trig: Path, endpoint: str | None, texts: dict[str, str],
                runs: int) -> EngineTimes:
    """Open one engine and time the reference query and every text (runs in a child process)."""
    start = time.perf_counter()
    engine = open_engine("remote", endpoint, timeout=300) if name == "remote" else (
        open_bench_engine(name, trig))
    opened = time.perf_counter() - start
    reference = time_query(engine, REFERENCE_QUERY, runs)[0]
    results = {key: time_query(engine, text, runs) for key, text in texts.items()}
    return EngineTimes(opened, getattr(engine, "mode", ""), reference, results)


def time_in_child(name: str, trig: Path, endpoint: str | None, texts: dict[str, str],
                  runs: int) -> EngineTimes:
    with ProcessPoolExecutor(max_workers=1, mp_context=get_context("spawn")) as pool:
        return pool.submit(time_engine, name, trig, endpoint, texts, runs).result()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="built files (dist)")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per query (5)")
    parser.add_argument("--endpoint", help="also time this SPARQL endpoint (after `kg load`)")
    parser.add_argument("--queries", type=Path, help="queries folder (default: the bundled one)")
    parser.add_argument("--only", action="append", help="time only this query (repeatable)")
    parser.add_argument("--baseline-queries", type=Path,
                        help="another version of the queries folder to time beside this one")
    parser.add_argument("--engines", default="oxigraph,rdflib",
                        help="embedded engines, comma-separated: oxigraph, memory, rdflib "
                             "(rdflib is the ratio baseline when present; on the full graph "
                             "use --engines memory,oxigraph)")
    parser.add_argument("--budget-ms", type=float, default=100.0,
                        help="per-query budget on the embedded pyoxigraph engines (100)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    if args.budget_ms <= 0:
        parser.error("--budget-ms must be positive")
    trig = args.dist / "kg.trig"
    if not trig.is_file():
        parser.error(f"{trig} not found: run `kg build` first")

    queries: list[StoredQuery] = list_queries(args.queries) + list_violation_checks(args.queries)
    if args.only:
        queries = [q for q in queries if q.name in args.only]
    old_queries: dict[str, StoredQuery] = {}
    if args.baseline_queries:
        old_queries = {q.name: q for q in list_queries(args.baseline_queries)
                       + list_violation_checks(args.baseline_queries)}
    names = args.engines.split(",") + (["remote"] if args.endpoint else [])
    texts = {f"q:{q.name}": bind_params(q.text, q.params, {}) for q in queries}
    measured: dict[str, EngineTimes] = {}
    for n in names:
        engine_texts = dict(texts)
        if n == names[0]:  # the baseline queries are timed on the first engine only
            engine_texts.update({f"old:{name}": bind_params(q.text, q.params, {})
                                 for name, q in old_queries.items()})
        measured[n] = time_in_child(n, trig, args.endpoint, engine_texts, args.runs)
        mode = measured[n].mode
        print(f"{n}: opened {args.endpoint if n == 'remote' else trig} "
              f"{f'({mode}) ' if mode else ''}in {measured[n].opened:.2f} s, timed in a child "
              "process", file=sys.stderr)

    baseline = BASELINE if BASELINE in measured else names[0]
    reference = {n: measured[n].reference for n in names}
    budgeted = [n for n in names if n in EMBEDDED]
    over: dict[str, list[str]] = {n: [] for n in budgeted}
    header = ["query", "rows"] + [f"{n} ms" for n in names]
    header += [f"{n} x ref" for n in names]
    header += [f"{n}/{baseline}" for n in names if n != baseline]
    if args.baseline_queries:
        header += ["baseline rows", f"baseline {names[0]} ms", "this/baseline"]
    old_total = new_total = 0.0
    table: list[list[str]] = []
    totals = dict.fromkeys(names, 0.0)
    mismatches = []
    for q in queries:
        results = {n: measured[n].results[f"q:{q.name}"] for n in names}
        counts = {n: r[1] for n, r in results.items()}
        if len(set(counts.values())) != 1:
            mismatches.append(f"{q.name}: {counts}")
        base = results[baseline][0]
        row = [q.name, str(results[baseline][1])]
        row += [f"{results[n][0] * 1000:.1f}" for n in names]
        row += [f"{results[n][0] / reference[n]:.2f}" for n in names]
        row += [f"{results[n][0] / base:.3f}" for n in names if n != baseline]
        for n in budgeted:
            if results[n][0] * 1000 > args.budget_ms:
                over[n].append(q.name)
        if args.baseline_queries:
            old = measured[names[0]].results.get(f"old:{q.name}")
            if old is None:
                row += ["-", "-", "-"]
            else:
                row += [str(old[1]), f"{old[0] * 1000:.1f}", f"{results[names[0]][0] / old[0]:.3f}"]
                old_total += old[0]
                new_total += results[names[0]][0]
        table.append(row)
        for n in names:
            totals[n] += results[n][0]
    total_row = ["TOTAL", ""] + [f"{totals[n] * 1000:.1f}" for n in names]
    total_row += [f"{totals[n] / reference[n]:.2f}" for n in names]
    total_row += [f"{totals[n] / totals[baseline]:.3f}" for n in names if n != baseline]
    if args.baseline_queries:
        total_row += ["", f"{old_total * 1000:.1f}", f"{new_total / old_total:.3f}"]
    table.append(total_row)

    widths = [max(len(h), *(len(r[i]) for r in table)) for i, h in enumerate(header)]
    print(f"median of {args.runs} run(s) after one warm-up; ratio = engine time / {baseline} time")
    for r in [header, ["-" * w for w in widths], *table]:
        cells = zip(r, widths, strict=True)
        print("  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(cells)))
    print("reference query (x ref = query time / this): "
          + ", ".join(f"{n} {reference[n] * 1000:.1f} ms" for n in names))
    for n in budgeted:
        print(f"{n}: {len(over[n])} of {len(queries)} queries over {args.budget_ms:g} ms"
              + (f" ({', '.join(over[n])})" if over[n] else ""))
    if mismatches:
        print("\nrow counts differ between engines:\n  " + "\n  ".join(mismatches), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
