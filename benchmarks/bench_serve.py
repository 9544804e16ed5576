"""Bounded load test of `kg serve` on loopback: N concurrent clients for T seconds mixing entity
pages (HTML and Turtle), downloads and stored queries. Prints requests/s, p50/p99 latency and
errors. Starts its own server (a separate process, so the clients do not share its GIL) on a
free 127.0.0.1 port; sends traffic nowhere else.

    python3 benchmarks/bench_serve.py --dist dist --clients 32 --seconds 30
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
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kg.query_catalog import list_queries  # noqa: E402


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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--dist", type=Path, default=Path("dist"))
    parser.add_argument("--clients", type=int, default=32)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--queries", type=Path, default=None, help="stored queries folder")
    args = parser.parse_args()
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
