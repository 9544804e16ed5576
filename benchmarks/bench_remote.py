"""The remote engine on the full graph: `kg load` vs Virtuoso's bulk loader, and every stored
query on Virtuoso vs the embedded pyoxigraph store, answers compared row for row.

    nice -n 10 python benchmarks/bench_remote.py --dist FULL_DIST --work /tmp/bench-remote

Needs Debian's virtuoso-opensource (virtuoso-t, isql-vt). Steps, all in this one run:

1. Baseline: a fresh Virtuoso (tests/virtuoso.py, profile "full": buffers and query limits sized
   for the full graph) loads the same N-Quads files `kg load` hands to the loader (written
   beforehand, untimed) with its own bulk loader: ld_dir, two rdf_loader_run() in parallel,
   checkpoint.
2. `kg load --loader bulk` into another fresh Virtuoso, timed end to end (reading kg.trig,
   writing the files, loading, the union graph, the manifest). Goal: <= 1.2x the baseline.
3. The embedded engine: kg.trig into an in-memory pyoxigraph Store, default graph = union.
4. Every stored query and quality check with its default parameters on both engines: one
   warm-up run (whose answers are compared as canonical rows, kg.query.answer_compare), then the
   median of --runs timed runs. Goal: all identical, remote total <= 2x embedded total.

Prints a table and writes WORK/bench_remote.json. Virtuoso is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.query.answer_compare import canonical_rows  # noqa: E402
from kg.query.catalog import StoredQuery, list_queries, list_violation_checks  # noqa: E402
from kg.query.engines import Engine, open_engine, run  # noqa: E402
from kg.query.param_binding import bind_params  # noqa: E402
from kg.query.remote_load import load  # noqa: E402
from kg.query.virtuoso_bulk import ISQL, write_chunks  # noqa: E402
from tests.virtuoso import Virtuoso, start_virtuoso  # noqa: E402

SENTINEL = "urn:kg-bench:default-graph"


def isql(server: Virtuoso, sql: str) -> subprocess.Popen[str]:
    return subprocess.Popen([ISQL, f"127.0.0.1:{server.isql_port}", server.user,
                             server.password, f"exec={sql}"],
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def wait_ok(proc: subprocess.Popen[str]) -> None:
    out, _ = proc.communicate()
    if proc.returncode != 0 or "*** Error" in out:
        raise SystemExit(f"isql failed: {out[-500:]}")


def baseline_load(trig: Path, work: Path) -> tuple[float, int]:
    """Seconds Virtuoso's own bulk loader takes on the N-Quads files; and how many files."""
    server = start_virtuoso(work / "baseline", profile="full")
    try:
        folder = server.directory / "import"
        files = [path for path, _ in write_chunks(trig, folder)]
        start = time.perf_counter()
        wait_ok(isql(server, f"ld_dir('{folder}', '*.nq', '{SENTINEL}');"))
        loaders = [isql(server, "rdf_loader_run();") for _ in range(2)]
        for loader in loaders:
            wait_ok(loader)
        wait_ok(isql(server, "checkpoint;"))
        return time.perf_counter() - start, len(files)
    finally:
        server.stop()
        shutil.rmtree(server.directory, ignore_errors=True)


def timed(engine: Engine, text: str, runs: int) -> tuple[float, list[str]]:
    """Canonical answer of a warm-up run; median seconds of `runs` timed runs."""
    answer = canonical_rows(run(engine, text))
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        run(engine, text)
        times.append(time.perf_counter() - start)
    return statistics.median(times), answer


def bench_queries(queries: list[StoredQuery], remote: Engine, embedded: Engine,
                  runs: int) -> list[dict[str, object]]:
    results: list[dict[str, object]] = []
    for q in queries:
        text = bind_params(q.text, q.params, {})
        row: dict[str, object] = {"query": q.name}
        emb_s, emb_answer = timed(embedded, text, runs)
        row.update(embedded_ms=round(emb_s * 1000, 1), rows=len(emb_answer) - 1)
        try:
            rem_s, rem_answer = timed(remote, text, runs)
        except Exception as exc:  # an endpoint refusal or timeout is a result here
            row.update(remote_ms=None, same=False, error=str(exc).splitlines()[0][:300])
        else:
            row.update(remote_ms=round(rem_s * 1000, 1), same=rem_answer == emb_answer,
                       remote_rows=len(rem_answer) - 1)
        results.append(row)
        print(f"  {q.name:50} emb {row['embedded_ms']:>9} ms  remote {row['remote_ms']!s:>9} ms"
              f"  rows {row['rows']:>5}  {'same' if row['same'] else 'DIFFERENT'}"
              f"{'  ' + str(row.get('error')) if row.get('error') else ''}", flush=True)
    return results


class _SetUnion:
    """The embedded store with the union of its graphs materialised in the default graph and
    queried without use_default_graph_as_union: SPARQL's dataset semantics, where the default
    graph is the RDF merge (a set). pyoxigraph 0.5's union default graph is a multiset: a
    triple in three named graphs matches three times, so a query without DISTINCT repeats rows
    (measured: documents-overview). Used only to explain answers that differ."""

    name = "oxigraph-set-union"

    def __init__(self, engine: Engine) -> None:
        self.store = engine.store  # type: ignore[attr-defined]
        self.store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } }")

    def select(self, query: str) -> object:
        from kg.query.engines import _from_ox
        from kg.query.results import Table

        res = self.store.query(query)
        names = tuple(v.value for v in res.variables)
        return Table(names, [tuple(_from_ox(sol[n]) for n in names) for sol in res])

    def ask(self, query: str) -> bool:
        return bool(self.store.query(query))

    def construct(self, query: str) -> object:
        raise NotImplementedError("only SELECT/ASK stored queries are compared this way")


def explain_differences(results: list[dict[str, object]], queries: list[StoredQuery],
                        embedded: Engine, remote: Engine) -> None:
    """For each answer that differs: does the remote one equal the set-semantics answer?"""
    differing = [r for r in results if not r["same"] and r["remote_ms"] is not None]
    if not differing:
        return
    set_union = _SetUnion(embedded)
    by_name = {q.name: q for q in queries}
    for row in differing:
        q = by_name[str(row["query"])]
        text = bind_params(q.text, q.params, {})
        expected = canonical_rows(run(set_union, text))  # type: ignore[arg-type]
        row["same_as_set_semantics"] = canonical_rows(run(remote, text)) == expected
        row["set_semantics_rows"] = len(expected) - 1
        print(f"  {q.name}: remote {'equals' if row['same_as_set_semantics'] else 'differs from'}"
              f" the set-semantics embedded answer ({row['set_semantics_rows']} rows; embedded "
              f"union default graph: {row['rows']} rows)", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="a full build")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query (3)")
    parser.add_argument("--queries", type=Path, help="queries folder (default: bundled)")
    parser.add_argument("--skip-baseline", action="store_true", help="no baseline load")
    args = parser.parse_args(argv)
    trig = args.dist / "kg.trig"
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-remote-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"dist": str(args.dist), "runs": args.runs}

    if not args.skip_baseline:
        base_s, files = baseline_load(trig, work)
        report.update(baseline_load_s=round(base_s, 1), files=files)
        print(f"Virtuoso bulk loader, {files} N-Quads files: {base_s:.1f} s", flush=True)

    server = start_virtuoso(work / "kgload", profile="full")
    try:
        start = time.perf_counter()
        counts = load(trig, server.sparql_url, server.user, server.password, loader="bulk",
                      timeout=3600)
        load_s = time.perf_counter() - start
        report.update(kg_load_s=round(load_s, 1), quads=sum(counts.values()))
        if "baseline_load_s" in report:
            report["load_ratio"] = round(load_s / float(report["baseline_load_s"]), 2)
        print(f"kg load: {load_s:.1f} s ({report.get('load_ratio')}x the bulk loader)",
              flush=True)

        start = time.perf_counter()
        embedded = open_engine("oxigraph", trig, timeout=None)
        report["embedded_load_s"] = round(time.perf_counter() - start, 1)
        remote = open_engine("remote", server.sparql_url, timeout=600)
        queries = [*list_queries(args.queries), *list_violation_checks(args.queries)]
        results = bench_queries(queries, remote, embedded, args.runs)
        explain_differences(results, queries, embedded, remote)
    finally:
        server.stop()
    shutil.rmtree(work / "kgload", ignore_errors=True)

    same = sum(1 for r in results if r["same"])
    explained = sum(1 for r in results if r.get("same_as_set_semantics"))
    timed_ok = [r for r in results if r["remote_ms"] is not None]
    remote_total = sum(float(r["remote_ms"]) for r in timed_ok)  # type: ignore[arg-type]
    embedded_total = sum(float(r["embedded_ms"]) for r in timed_ok)  # type: ignore[arg-type]
    report.update(queries=results, identical=f"{same}/{len(results)}",
                  identical_with_set_semantics=f"{same + explained}/{len(results)}",
                  remote_total_ms=round(remote_total, 1),
                  embedded_total_ms=round(embedded_total, 1),
                  remote_vs_embedded=round(remote_total / embedded_total, 2))
    print(f"identical answers: {same}/{len(results)} ({same + explained}/{len(results)} counting "
          "answers equal to the set-semantics embedded answer); "
          f"remote total {remote_total:.0f} ms vs "
          f"embedded {embedded_total:.0f} ms = {report['remote_vs_embedded']}x "
          f"(over the {len(timed_ok)} queries both answered)")
    slow = sorted(timed_ok, key=lambda r: float(r["remote_ms"]) - float(r["embedded_ms"]),  # type: ignore[arg-type]
                  reverse=True)[:5]
    print("most slower on the server: " + ", ".join(
        f"{r['query']} ({r['remote_ms']} vs {r['embedded_ms']} ms)" for r in slow))
    (work / "bench_remote.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {work / 'bench_remote.json'}")
    return 0 if same + explained == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
