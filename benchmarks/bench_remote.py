"""The remote engine on the full graph: `kg load` vs Virtuoso's bulk loader, and every stored
query on Virtuoso vs the embedded pyoxigraph store, answers compared row for row.

    nice -n 10 python benchmarks/bench_remote.py --dist FULL_DIST --work /tmp/bench-remote

Needs Debian's virtuoso-opensource (virtuoso-t, isql-vt). Steps, all in this one run:

1. Baseline: a fresh Virtuoso (tests/virtuoso.py, profile "full" = the shipped
   tests/virtuoso-full.ini) loads the same N-Quads files `kg load` hands to the loader (every
   quad in its graph and in the union graph; written beforehand, untimed) with its own bulk
   loader: ld_dir, two rdf_loader_run() in parallel, checkpoint.
2. `kg load --loader bulk` into another fresh Virtuoso, timed end to end (reading kg.trig,
   writing the files, loading, the manifest). Goal: <= 1.2x the baseline.
3. The embedded engine: the build's store (dist/store, read-only; default graph = set union).
4. Every stored query and quality check with its default parameters on both engines: one
   warm-up run (whose answers are compared as canonical rows, kg.query.answer_compare), then the
   median of --runs timed runs. Goal: all identical, remote total <= 2x embedded total.

Prints a table and writes WORK/bench_remote.json (with the load averages, Virtuoso's database
size and resident memory). Virtuoso is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from kg.query.answer_compare import canonical_rows, concat_columns  # noqa: E402
from kg.query.catalog import StoredQuery, list_queries, list_violation_checks  # noqa: E402
from kg.query.engines import UNION_GRAPH, Engine, open_engine, run  # noqa: E402
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
        files = [path for path, _ in write_chunks(trig, folder, UNION_GRAPH)]
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
    answer = canonical_rows(run(engine, text), concat_columns(text))
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
                       remote_rows=len(rem_answer) - 1,
                       ratio=round(rem_s / emb_s, 1) if emb_s else None)
            if rem_answer != emb_answer:  # a few rows of each side, to see why
                row.update(embedded_only=sorted(set(emb_answer) - set(rem_answer))[:3],
                           remote_only=sorted(set(rem_answer) - set(emb_answer))[:3])
        results.append(row)
        print(f"  {q.name:50} emb {row['embedded_ms']:>9} ms  remote {row['remote_ms']!s:>9} ms"
              f"  x{row.get('ratio')!s:>6}"
              f"  rows {row['rows']:>5}  {'same' if row['same'] else 'DIFFERENT'}"
              f"{'  ' + str(row.get('error')) if row.get('error') else ''}", flush=True)
    return results


def server_size(server: Virtuoso) -> dict[str, float]:
    """Virtuoso's database file and resident memory, in MB."""
    db = server.directory / "db" / "virtuoso.db"
    rss_kb = 0
    status = Path(f"/proc/{server.pid}/status")
    if status.exists():
        for line in status.read_text().splitlines():
            if line.startswith("VmRSS:"):
                rss_kb = int(line.split()[1])
    return {"db_mb": round(db.stat().st_size / 1e6), "rss_mb": round(rss_kb / 1e3)}


def loadavg() -> str:
    return " ".join(f"{x:.2f}" for x in os.getloadavg())


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dist", type=Path, default=REPO / "dist", help="a full build")
    parser.add_argument("--work", type=Path, help="scratch folder (default: a temporary one)")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per query (3)")
    parser.add_argument("--queries", type=Path, help="queries folder (default: bundled)")
    parser.add_argument("--skip-baseline", action="store_true", help="no baseline load")
    parser.add_argument("--keep", action="store_true",
                        help="leave the loaded Virtuoso running (for --endpoint runs)")
    parser.add_argument("--endpoint", help="query this already loaded endpoint: no loads")
    parser.add_argument("--loads-only", action="store_true", help="time the loads, no queries")
    parser.add_argument("--timeout", type=float, default=600.0,
                        help="seconds a remote query may take before it counts as failed (600)")
    args = parser.parse_args(argv)
    trig = args.dist / "kg.trig"
    work = args.work or Path(tempfile.mkdtemp(prefix="bench-remote-"))
    work.mkdir(parents=True, exist_ok=True)
    report: dict[str, object] = {"dist": str(args.dist), "runs": args.runs,
                                 "loadavg_start": loadavg()}
    print(f"load average {report['loadavg_start']}", flush=True)

    if not args.skip_baseline and not args.endpoint:
        base_s, files = baseline_load(trig, work)
        report.update(baseline_load_s=round(base_s, 1), files=files)
        print(f"Virtuoso bulk loader, {files} N-Quads files: {base_s:.1f} s", flush=True)

    server: Virtuoso | None = None
    if args.endpoint:  # a server an earlier run loaded and kept: queries only
        endpoint = args.endpoint
        report["endpoint"] = endpoint
    else:
        server = start_virtuoso(work / "kgload", profile="full")
        endpoint = server.sparql_url
    try:
        if server is not None:
            start = time.perf_counter()
            counts = load(trig, server.sparql_url, server.user, server.password,
                          loader="bulk", timeout=3600)
            load_s = time.perf_counter() - start
            report.update(kg_load_s=round(load_s, 1), quads=sum(counts.values()))
            if "baseline_load_s" in report:
                report["load_ratio"] = round(load_s / float(report["baseline_load_s"]), 2)
            ratio = (f" ({report['load_ratio']}x the bulk loader)" if "load_ratio" in report
                     else " (no baseline load in this run)")
            print(f"kg load: {load_s:.1f} s{ratio}", flush=True)
            report["virtuoso_after_load"] = server_size(server)
            print(f"Virtuoso after the load: {report['virtuoso_after_load']}", flush=True)

        if args.loads_only:
            (work / "bench_remote.json").write_text(json.dumps(report, indent=1) + "\n")
            return 0
        start = time.perf_counter()
        embedded = open_engine("oxigraph", trig, timeout=None)
        report["embedded_load_s"] = round(time.perf_counter() - start, 1)
        remote = open_engine("remote", endpoint, timeout=args.timeout)
        queries = [*list_queries(args.queries), *list_violation_checks(args.queries)]
        report["loadavg_before_queries"] = loadavg()
        results = bench_queries(queries, remote, embedded, args.runs)
        report["loadavg_after_queries"] = loadavg()
        if server is not None:
            report["virtuoso_after_queries"] = server_size(server)
    finally:
        if server is not None and not args.keep:
            server.stop()
            shutil.rmtree(work / "kgload", ignore_errors=True)
    if server is not None and args.keep:
        print(f"kept Virtuoso at {server.sparql_url} (isql 127.0.0.1:{server.isql_port}, "
              f"pid {server.pid}, {server.directory}): stop it with kill -TERM {server.pid}",
              flush=True)

    same = sum(1 for r in results if r["same"])
    timed_ok = [r for r in results if r["remote_ms"] is not None]
    remote_total = sum(float(r["remote_ms"]) for r in timed_ok)  # type: ignore[arg-type]
    embedded_total = sum(float(r["embedded_ms"]) for r in timed_ok)  # type: ignore[arg-type]
    report.update(queries=results, identical=f"{same}/{len(results)}",
                  remote_total_ms=round(remote_total, 1),
                  embedded_total_ms=round(embedded_total, 1),
                  remote_vs_embedded=round(remote_total / embedded_total, 2),
                  loadavg_end=loadavg())
    print(f"identical answers: {same}/{len(results)}; remote total {remote_total:.0f} ms vs "
          f"embedded {embedded_total:.0f} ms = {report['remote_vs_embedded']}x "
          f"(over the {len(timed_ok)} queries both answered); load average {loadavg()}")
    slow = sorted(timed_ok, key=lambda r: float(r["remote_ms"]) - float(r["embedded_ms"]),  # type: ignore[arg-type]
                  reverse=True)[:5]
    print("most slower on the server: " + ", ".join(
        f"{r['query']} ({r['remote_ms']} vs {r['embedded_ms']} ms)" for r in slow))
    (work / "bench_remote.json").write_text(json.dumps(report, indent=1) + "\n")
    print(f"wrote {work / 'bench_remote.json'}")
    return 0 if same == len(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
