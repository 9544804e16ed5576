"""Bounded load test of `kg serve` on loopback: N concurrent clients for T seconds mixing entity
pages (HTML and Turtle), downloads and stored queries. Prints requests/s, p50/p99 latency and
errors. Starts its own server (a separate process, so the clients do not share its GIL) on a
free 127.0.0.1 port; sends traffic nowhere else.

    python3 benchmarks/bench_serve.py --dist dist --clients 32 --seconds 30

`--startup` measures instead what the persistent store (dist/store/) buys and costs, each against
a baseline in the same run: the time to the first answer of `kg serve` vs a plain
`pyoxigraph.Store().load(kg.nt)`; the RSS and PSS (/proc/PID/smaps_rollup) of the server and its
query workers together; `kg query` on the store vs on kg.trig; the median latency of every stored
query on the read-only store vs an in-memory store of kg.trig (the workers' own `answer()`).
`--fallback` also serves a view of the dist without store/ (today's in-memory start).

    nice -n 10 python3 benchmarks/bench_serve.py --dist dist --startup [--fallback]
"""

from __future__ import annotations

import argparse
import http.client
import random
import socket
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.query.catalog import list_queries  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def entity_paths(dist: Path) -> list[str]:
    """/id/ paths of the subjects of kg.nt (the canonical base maps to /id/)."""
    base = "https://w3id.org/occupation-kg/id/"
    found = set()
    with (dist / "kg.nt").open(encoding="utf-8") as fh:
        for line in fh:
            if line.startswith("<" + base):
                found.add("/id/" + line[len(base) + 1 : line.index(">")])
    return sorted(found)


def paths(dist: Path, queries_dir: Path | None) -> list[tuple[str, str]]:
    pool: list[tuple[str, str]] = []
    for rel in random.Random(1).sample(entity_paths(dist), 40):
        pool += [(rel + ".html", "text/html"), (rel + ".ttl", "text/turtle")]
    # Small downloads only: on the full graph kg.ttl is 158 MB, which would measure the loopback
    # link rather than the server.
    pool += [("/download/void.ttl", "*/*"), ("/download/context.jsonld", "*/*"),
             ("/downloads", "*/*")]
    for q in list_queries(queries_dir)[:10]:
        if not q.params or all(p.default is not None for p in q.params):
            pool.append((f"/queries/{q.name}", "application/sparql-results+json"))
    return pool


def kind_of(path: str) -> str:
    if path.startswith("/id/"):
        return "entity pages"
    if path.startswith("/queries/"):
        return "stored queries"
    return "downloads"


def _summary(label: str, values: list[float]) -> str:
    lat = sorted(values) or [0.0]
    p99 = lat[min(len(lat) - 1, int(len(lat) * 0.99))]
    return (f"{label:<16} n={len(values):<7} p50 {statistics.median(lat) * 1000:7.1f} ms  "
            f"p99 {p99 * 1000:7.1f} ms  max {lat[-1] * 1000:7.1f} ms")


def client(host: str, port: int, pool: list[tuple[str, str]], stop: float, seed: int,
           latencies: list[tuple[str, float]], errors: list[str]) -> None:
    rnd = random.Random(seed)
    # Each simulated user has its own loopback address: the server limits queries and
    # connections per client address, and 32 users behind one address would be one client.
    source = (f"127.0.{1 + seed // 250}.{2 + seed % 250}", 0)
    conn = http.client.HTTPConnection(host, port, timeout=30, source_address=source)
    while time.monotonic() < stop:
        path, accept = rnd.choice(pool)
        started = time.perf_counter()
        try:
            conn.request("GET", path, headers={"Accept": accept})
            resp = conn.getresponse()
            resp.read()
            if resp.status != 200:
                errors.append(f"{resp.status} {path}")
        except (OSError, http.client.HTTPException) as exc:
            errors.append(f"{type(exc).__name__} {path}")
            conn.close()
            conn = http.client.HTTPConnection(host, port, timeout=30, source_address=source)
            continue
        latencies.append((kind_of(path), time.perf_counter() - started))
    conn.close()


def _tree_memory(root: int) -> dict[int, tuple[int, int]]:
    """pid -> (RSS, PSS) in bytes for `root` and its child processes (smaps_rollup)."""
    pids = [root]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == root:
                pids.append(int(entry.name))
    out: dict[int, tuple[int, int]] = {}
    for pid in pids:
        fields: dict[str, int] = {}
        try:
            for line in Path(f"/proc/{pid}/smaps_rollup").read_text().splitlines()[1:]:
                key, value = line.split(":", 1)
                fields[key] = int(value.split()[0]) * 1024
        except OSError:
            continue
        out[pid] = (fields.get("Rss", 0), fields.get("Pss", 0))
    return out


def _plain_load_seconds(nt: Path) -> float:
    """The baseline: a plain in-memory Store().load(kg.nt), in a fresh process."""
    code = ("import sys, time, pyoxigraph as ox; t = time.perf_counter(); "
            "ox.Store().load(path=sys.argv[1], format=ox.RdfFormat.N_TRIPLES); "
            "print(time.perf_counter() - t)")
    done = subprocess.run([sys.executable, "-c", code, str(nt)], capture_output=True, text=True,
                          check=True)
    return float(done.stdout)


def _get(port: int, path: str, accept: str = "*/*") -> int:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=600)
    try:
        conn.request("GET", path, headers={"Accept": accept})
        resp = conn.getresponse()
        resp.read()
        return resp.status
    finally:
        conn.close()


def _serve_startup(dist: Path, label: str, queries: list[str]) -> float:
    """Start `kg serve`; print the time to the first page and first SPARQL answer and the
    memory of all its processes, then again after every stored query ran once."""
    port = free_port()
    started = time.perf_counter()
    server = subprocess.Popen([sys.executable, "-m", "kg.cli", "serve", "--port", str(port),
                               "--dist", str(dist), "--quiet"])
    ask = "/sparql?query=" + urllib.parse.quote("SELECT ?s WHERE { ?s a ?t } LIMIT 1")
    try:
        while True:  # the first answer: a SPARQL query (the entity index may still be building)
            try:
                if _get(port, ask, "application/sparql-results+json") == 200:
                    break
            except OSError:
                if server.poll() is not None or time.perf_counter() - started > 900:
                    raise SystemExit(f"{label}: the server did not start") from None
                time.sleep(0.05)
        first_query = time.perf_counter() - started
        assert _get(port, "/id/occupation/industrial-production-managers.html") == 200
        first_page = time.perf_counter() - started
        assert _get(port, "/") == 200
        index_page = time.perf_counter() - started
        # the search box's labels are read after the entity index (kg.serve.site_search)
        assert _get(port, "/search?q=nurse", "text/html") == 200
        first_search = time.perf_counter() - started
        print(f"{label:<22} first SPARQL answer {first_query:6.1f} s   first entity page "
              f"{first_page:6.1f} s   index page {index_page:6.1f} s   first search "
              f"{first_search:6.1f} s")
        _print_memory(label + " (started)", _tree_memory(server.pid))
        failed = [name for name in queries
                  if _get(port, f"/queries/{name}", "application/sparql-results+json") != 200]
        _print_memory(label + " (after queries)", _tree_memory(server.pid))
        if failed:
            print(f"  stored queries not answered (200): {', '.join(failed)}")
        return first_query
    finally:
        server.terminate()
        server.wait(30)


def _print_memory(label: str, found: dict[int, tuple[int, int]]) -> None:
    mib = 1024 * 1024
    rss = sum(r for r, _ in found.values())
    pss = sum(p for _, p in found.values())
    each = ", ".join(f"{r / mib:.0f}" for r, _ in found.values())
    print(f"{label:<30} {len(found)} processes  RSS {rss / mib:7.0f} MiB ({each})  "
          f"PSS {pss / mib:7.0f} MiB")


def _without_store(dist: Path, scratch: Path) -> Path:
    """A view of dist/ without store/ (symlinks): what an older build looks like."""
    view = scratch / "dist-without-store"
    view.mkdir()
    for entry in dist.iterdir():
        if entry.name != "store":
            (view / entry.name).symlink_to(entry.resolve())
    return view


def _kg_query_seconds(dist: Path, name: str) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-m", "kg.cli", "query", name, "--dist", str(dist),
                    "--format", "csv"], check=True, capture_output=True)
    return time.perf_counter() - started


def _latencies(dist: Path, runs: int) -> None:
    """Median latency of each stored query: read-only store vs in-memory store of kg.trig."""
    import pyoxigraph as ox

    from kg.query.param_binding import bind_params
    from kg.serve.query_pool import QueryRequest, answer
    from kg.serve.store import BaseMap, data_base_of, load_store, open_read_only

    mapping = BaseMap(data_base_of(dist), data_base_of(dist))  # no rewriting: same work
    started = time.perf_counter()
    disk = open_read_only(dist / "store")
    opened = time.perf_counter() - started
    started = time.perf_counter()
    memory: ox.Store = load_store(dist, mapping)
    loaded = time.perf_counter() - started
    print(f"open read-only store {opened:.2f} s; load kg.trig into memory {loaded:.1f} s")
    ratios = []
    totals = [0.0, 0.0]
    for q in list_queries():
        if q.name.endswith("-violation") or any(p.default is None for p in q.params):
            continue
        req = QueryRequest(bind_params(q.text, q.params, {}), 10_000, dataset="union",
                           base_iri=mapping.public)
        medians, fastest = [], []
        for store, how in ((disk, mapping), (memory, None)):
            answer(store, req, how)  # warm caches
            times = [answer(store, req, how).seconds for _ in range(runs)]
            medians.append(statistics.median(times))
            fastest.append(min(times))  # on a busy machine the minimum is the cleaner figure
        totals[0] += medians[0]
        totals[1] += medians[1]
        ratios.append(medians[0] / max(medians[1], 1e-6))
        print(f"  {q.name:<44} median disk {medians[0] * 1000:7.1f} ms memory "
              f"{medians[1] * 1000:7.1f} ms ratio {ratios[-1]:6.2f}; min {fastest[0] * 1000:7.1f}"
              f" / {fastest[1] * 1000:7.1f} ms")
    print(f"stored queries: {len(ratios)}; sum of medians disk {totals[0]:.2f} s, memory "
          f"{totals[1]:.2f} s (ratio {totals[0] / totals[1]:.2f}); median per-query ratio "
          f"{statistics.median(ratios):.2f}")


def startup(dist: Path, fallback: bool, runs: int) -> int:
    """Every --startup measurement; `runs` 0 leaves out the query latencies."""
    import tempfile

    if not (dist / "store" / "CURRENT").is_file():
        raise SystemExit(f"{dist}/store/ not found: build with a `kg build` that writes it")
    size = sum(p.stat().st_size for p in (dist / "store").rglob("*") if p.is_file())
    print(f"store: {size / 1024 / 1024:.0f} MiB on disk; kg.trig "
          f"{(dist / 'kg.trig').stat().st_size / 1024 / 1024:.0f} MiB")
    names = [q.name for q in list_queries()
             if not q.name.endswith("-violation") and all(p.default is not None for p in q.params)]
    baseline = _plain_load_seconds(dist / "kg.nt")
    print(f"baseline: pyoxigraph Store().load(kg.nt) {baseline:.1f} s")
    first = _serve_startup(dist, "serve store/", names)
    print(f"time to first SPARQL answer / plain load of kg.nt: {first / baseline:.3f}")
    with tempfile.TemporaryDirectory(prefix="bench-serve-") as scratch:
        view = _without_store(dist, Path(scratch))
        name = names[0]
        on_store, on_trig = _kg_query_seconds(dist, name), _kg_query_seconds(view, name)
        print(f"kg query {name}: store {on_store:.2f} s, kg.trig {on_trig:.1f} s "
              f"(ratio {on_store / on_trig:.3f})")
        if fallback:
            old = _serve_startup(view, "serve kg.trig (old)", names)
            print(f"store start / in-memory start: {first / old:.3f}")
    if runs:
        _latencies(dist, runs)
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--queries", type=Path, default=None, help="stored queries folder")
    parser.add_argument("--startup", action="store_true",
                        help="measure start-up, memory and query latency of the store instead")
    parser.add_argument("--fallback", action="store_true",
                        help="with --startup: also serve the dist without store/ (slow)")
    parser.add_argument("--runs", type=int, default=5,
                        help="with --startup: runs per query (0: no latencies)")
    args = parser.parse_args()
    if args.startup:
        return startup(args.dist, args.fallback, args.runs)
    seconds = min(args.seconds, 300.0)  # bounded, always
    host, port = "127.0.0.1", free_port()
    command = [sys.executable, "-m", "kg.cli", "serve", "--host", host, "--port",
               str(port), "--dist", str(args.dist), "--quiet"]
    if args.queries:
        command += ["--queries", str(args.queries)]
    server = subprocess.Popen(command)
    try:
        deadline = time.monotonic() + 300  # the full graph takes about a minute to load
        while True:
            try:
                # The socket listens before the graph is loaded: wait for a real answer.
                probe = http.client.HTTPConnection(host, port, timeout=300)
                probe.request("GET", "/")
                if probe.getresponse().status == 200:
                    break
            except OSError:
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        pool = paths(args.dist, args.queries)
        latencies: list[tuple[str, float]] = []
        errors: list[str] = []
        stop = time.monotonic() + seconds
        workers = [
            threading.Thread(target=client, args=(host, port, pool, stop, i, latencies, errors))
            for i in range(args.clients)
        ]
        started = time.monotonic()
        for w in workers:
            w.start()
        for w in workers:
            w.join(seconds + 60)
        elapsed = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(10)
    done = len(latencies)
    print(f"{args.clients} clients, {elapsed:.1f} s, {len(pool)} distinct requests")
    print(f"requests: {done}  ({done / elapsed:.1f} req/s)  errors: {len(errors)}")
    print(_summary("all", [t for _, t in latencies]))
    for kind in sorted({k for k, _ in latencies}):
        print(_summary(kind, [t for k, t in latencies if k == kind]))
    for e in sorted(set(errors))[:10]:
        print(f"  error: {e}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
