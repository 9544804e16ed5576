"""SPARQL queries in worker PROCESSES, so a runaway query can really be stopped.

Neither pyoxigraph nor rdflib can cancel a running query, and a thread cannot be killed. So each
query is sent to one of a few worker processes: fresh interpreters (`python -m
kg.serve.query_pool`, never a fork of the multi-threaded HTTP server, and independent of how the
server's own __main__ was started), talking pickled messages over their stdin/stdout. Each
worker opens the build's persistent store (dist/store/) READ-ONLY, in a moment, sharing its
files with the other processes through the OS page cache; a dist without one is loaded into
memory in each worker as before. Then it answers one query at a time over a pipe. When a query
runs past the time limit, the request thread kills that worker (SIGKILL), answers with
QueryTimeout, and a replacement worker is started in the background (instantly with the
persistent store); the other workers, and every request that needs no query, are served
meanwhile.

Results travel as plain tuples (no rdflib in the worker). A worker fetches at most
`max_results + 1` rows or triples: with the extra one it knows (and says, `truncated`) that the
full answer is over the limit, and the endpoint refuses it instead of cutting it silently.

Hardening: after loading the store each worker caps its own address space (RLIMIT_AS: its size
after loading plus `memory_mb`), so a runaway query fails inside that worker instead of taking
the machine's memory; the worker's stderr is kept (its last lines), so when a worker dies the
answer names the cause (out of memory, stack overflow, the signal) instead of an empty message.
"""

from __future__ import annotations

import collections
import os
import queue
import signal
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import pyoxigraph as ox

from kg.query.param_binding import star_ordered
from kg.serve.store import BaseMap, load_store, open_read_only, rewrite_query_iris, store_dir

RawTerm = tuple[str, ...]  # ("u", iri) | ("b", id) | ("l", lexical, datatype, lang)
# Characters of term text one answer may carry. The worker's memory cap does not cover the
# server process, which turns the rows into terms and serialises them: 3,000 rows of a 128 KB
# CONCAT grew it by 2 GB for one 394 MB answer (session 30's attack). 32 million characters
# are several times the largest stored query's answer on the full graph. Variable names count
# once per bound value, as the JSON and XML results repeat them.
MAX_ANSWER_CHARS = 32_000_000


class PoolError(Exception):
    status = 500


class QueryTimeout(PoolError):
    status = 503


class PoolBusy(PoolError):
    status = 503


class QueryRejected(PoolError):
    """The engine refused the query (syntax or evaluation error)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status


class WorkerOutOfMemory(PoolError):
    status = 503


@dataclass(frozen=True)
class QueryRequest:
    """One query and its dataset. `dataset` is "union" (no FROM and no protocol graphs: the
    union of all graphs is the default graph), "query" (the query's own FROM / FROM NAMED) or
    "protocol" (exactly `default_graphs` and `named_graphs`, either possibly empty)."""

    query: str
    max_results: int
    default_graphs: tuple[str, ...] = ()
    named_graphs: tuple[str, ...] = ()
    dataset: str = "union"
    base_iri: str | None = None


@dataclass
class QueryAnswer:
    form: str  # "select" | "ask" | "graph"
    variables: tuple[str, ...] = ()
    rows: list[tuple[RawTerm | None, ...]] = field(default_factory=list)
    triples: list[tuple[RawTerm, RawTerm, RawTerm]] = field(default_factory=list)
    boolean: bool = False
    truncated: bool = False
    seconds: float = 0.0


# --- the worker process ------------------------------------------------------------------------


def _raw(term: Any, mapping: BaseMap | None = None) -> RawTerm:
    if isinstance(term, ox.NamedNode):
        return ("u", term.value if mapping is None else mapping.to_public(term.value))
    if isinstance(term, ox.BlankNode):
        return ("b", term.value)
    if isinstance(term, ox.Literal):
        return ("l", term.value, term.datatype.value, term.language or "")
    raise ValueError(f"unsupported term in a result (RDF-star?): {term!r}")


def _check_size(chars: int) -> None:
    if chars > MAX_ANSWER_CHARS:
        raise QueryRejected(
            422, f"the answer holds more than {MAX_ANSWER_CHARS:,} characters of values; ask "
            "for fewer rows (LIMIT) or shorter values, or download the graph (/downloads)")


def answer(store: ox.Store, req: QueryRequest, mapping: BaseMap | None = None) -> QueryAnswer:
    """Run one query on `store`; raise QueryRejected for a bad query. `mapping` is given for
    the persistent store (data IRIs, the union in its default graph): published IRIs in the
    request are mapped to the data base, and IRIs in the answer back."""
    started = time.perf_counter()
    inward = mapping.reversed() if mapping is not None else None
    text, base_iri = req.query, req.base_iri
    default_graphs, named_graphs = req.default_graphs, req.named_graphs
    if inward is not None:
        text = rewrite_query_iris(text, inward)
        base_iri = inward.to_public(base_iri) if base_iri else base_iri
        default_graphs = tuple(inward.to_public(g) for g in default_graphs)
        named_graphs = tuple(inward.to_public(g) for g in named_graphs)
    options: dict[str, Any] = {"base_iri": base_iri}
    if req.dataset == "protocol":
        # The protocol's graphs replace any FROM / FROM NAMED of the query (SPARQL 1.1
        # Protocol 2.1.4); an empty list is an empty default graph / no named graphs.
        options["default_graph"] = [ox.NamedNode(g) for g in default_graphs]
        options["named_graphs"] = [ox.NamedNode(g) for g in named_graphs]
    # "union": the default graph of either store IS the union (the in-memory one since
    # materialise_union; pyoxigraph's union option would count a triple once per graph).
    # "query": no option, so the engine builds the dataset from the query's FROM clauses.
    result: object = None
    try:
        result = store.query(text, **options)
        if isinstance(result, bool | ox.QueryBoolean):
            out = QueryAnswer("ask", boolean=bool(result))
        elif isinstance(result, ox.QuerySolutions):
            names = star_ordered(text, tuple(v.value for v in result.variables))
            out = QueryAnswer("select", variables=names)
            chars = 0
            for solution in result:
                if len(out.rows) >= req.max_results:  # one more exists: over the limit
                    out.truncated = True
                    break
                row = tuple(None if solution[n] is None else _raw(solution[n], mapping)
                            for n in names)
                # a bound variable's name comes with its value in every JSON and XML binding
                # (the second audit: 200 long names made 1.5 GB of JSON from 23 M characters)
                chars += sum(len(part) for term in row if term is not None for part in term)
                chars += sum(len(n) for n, term in zip(names, row, strict=True) if term)
                _check_size(chars)
                out.rows.append(row)
        else:
            out = QueryAnswer("graph")
            chars = 0
            for t in result:
                if len(out.triples) >= req.max_results:
                    out.truncated = True
                    break
                triple = (_raw(t.subject, mapping), _raw(t.predicate, mapping),
                          _raw(t.object, mapping))
                chars += sum(len(part) for term in triple for part in term)
                _check_size(chars)
                out.triples.append(triple)
    except SyntaxError as exc:
        raise QueryRejected(400, f"SPARQL syntax error: {exc}") from exc
    except (OSError, ValueError, RuntimeError) as exc:
        raise QueryRejected(400, f"query failed: {exc}") from exc
    finally:
        # A rejection's traceback keeps this frame alive, and with it the engine's iterator,
        # which pyoxigraph only lets the creating thread free: a garbage collection run by
        # another thread then leaked it with an "unsendable" warning. Free it here.
        del result
    out.seconds = time.perf_counter() - started
    return out


def _address_space() -> int:
    """This process's virtual memory size in bytes (Linux /proc; 0 where unknown)."""
    try:
        with open("/proc/self/statm", encoding="ascii") as fh:
            return int(fh.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return 0


def cap_memory(headroom_mb: int) -> int:
    """Limit this process's address space to its current size plus `headroom_mb` MiB (0: no
    cap). Returns the cap in bytes (0 if none was set)."""
    if headroom_mb <= 0:
        return 0
    import resource

    size = _address_space()
    if not size:
        return 0
    cap = size + headroom_mb * 1024 * 1024
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    return cap


def open_worker_store(dist: Path, mapping: BaseMap) -> tuple[ox.Store, BaseMap | None, str]:
    """(store, mapping for `answer`, mode): dist/store/ read-only when the build wrote one
    (mapping given: the store keeps the data base), else kg.trig in memory (no mapping: the
    store is rewritten to the published base while loading)."""
    path = store_dir(dist)
    if path is not None:
        return open_read_only(path), mapping, "read-only"
    return load_store(dist, mapping), None, "in-memory"


def worker_main(inbox: Connection, conn: Connection, dist: str, data_base: str,
                public_base: str, memory_mb: str = "0") -> None:
    store, mapping, mode = open_worker_store(Path(dist), BaseMap(data_base, public_base))
    cap_memory(int(memory_mb))
    conn.send(("ready", mode))
    while True:
        try:
            req = inbox.recv()
        except (EOFError, OSError):
            return
        if req is None:
            return
        try:
            conn.send(("ok", answer(store, req, mapping)))
        except QueryRejected as exc:
            conn.send(("rejected", (exc.status, str(exc))))
        except MemoryError:
            conn.send(("rejected", (503, "out of memory")))
        except RecursionError:
            conn.send(("rejected", (400, "the query is nested too deeply (recursion limit)")))
        except Exception as exc:  # anything else is reported, the worker stays up
            conn.send(("rejected", (500, f"query failed: {type(exc).__name__}: {exc}")))


# --- the pool, in the server process -----------------------------------------------------------


class _Worker:
    def __init__(self, args: tuple[str, ...]):
        self.process = subprocess.Popen(
            [sys.executable, "-m", "kg.serve.query_pool", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
            close_fds=True,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.outbox = Connection(os.dup(self.process.stdin.fileno()), readable=False)
        self.conn = Connection(os.dup(self.process.stdout.fileno()), writable=False)
        self.process.stdin.close()
        self.process.stdout.close()
        # The last lines the worker wrote to stderr name the cause when it dies (Rust's
        # "memory allocation of N bytes failed", a Python traceback); they are passed on.
        self.stderr_tail: collections.deque[str] = collections.deque(maxlen=20)
        self.markers: set[str] = set()  # causes seen on stderr (a backtrace may follow them)
        self.mode = ""  # how the worker opened the store: "read-only" or "in-memory"
        self._reader = threading.Thread(target=self._read_stderr, daemon=True)
        self._reader.start()

    def _read_stderr(self) -> None:
        assert self.process.stderr is not None
        with self.process.stderr as stream:
            for raw in stream:
                line = raw.decode("utf-8", "replace").rstrip()
                self.stderr_tail.append(line)
                # Rust's allocator, Python's, and C++'s (RocksDB under the persistent store:
                # an ORDER BY over the whole graph died "killed by SIGABRT: std::bad_alloc", a
                # 500, where the same query at another OFFSET got the 503; session 28's audit)
                if ("memory allocation of" in line or "MemoryError" in line
                        or "std::bad_alloc" in line):
                    self.markers.add("memory")
                elif "overflowed its stack" in line or "RecursionError" in line:
                    self.markers.add("stack")
                sys.stderr.write(f"kg query worker {self.process.pid}: {line}\n")

    def death_cause(self, memory_mb: int) -> tuple[int, str]:
        """(status, message) for a worker that stopped answering: why it died."""
        try:
            code = self.process.wait(5)
        except subprocess.TimeoutExpired:
            return 500, "the query worker stopped answering"
        self._reader.join(2)
        signame = ""
        if code < 0:
            try:
                signame = signal.Signals(-code).name
            except ValueError:
                signame = f"signal {-code}"
        how = f"killed by {signame}" if signame else f"exited with status {code}"
        if "memory" in self.markers:
            return 503, (
                f"the query worker ran out of memory ({how}): the query needed more than the "
                f"memory cap of each query worker ({memory_mb} MiB beyond the loaded store); "
                "ask for less (LIMIT, fewer joins, no huge GROUP_CONCAT or ORDER BY)"
            )
        if "stack" in self.markers:
            return 400, f"the query worker died ({how}, a stack overflow): the query is nested "\
                "too deeply"
        if signame == "SIGSEGV":
            return 500, f"the query worker crashed ({how}, a segmentation fault; most often a "\
                "stack overflow from a deeply nested query)"
        last = self.stderr_tail[-1] if self.stderr_tail else "no message"
        return 500, f"the query worker died ({how}): {last}"

    def send(self, message: object) -> None:
        self.outbox.send(message)

    def wait_ready(self, timeout: float) -> bool:
        if self.conn.poll(timeout):
            try:
                status, self.mode = self.conn.recv()
            except (EOFError, OSError):
                return False
            return status == "ready"
        return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        try:
            self.process.wait(5)
        except subprocess.TimeoutExpired:
            pass
        self.conn.close()
        self.outbox.close()


class QueryPool:
    """`size` worker processes; `run()` is safe to call from many threads."""

    def __init__(
        self, dist: Path, mapping: BaseMap, size: int = 2, timeout: float = 10.0,
        startup_timeout: float = 1800.0, memory_mb: int = 0,
    ):
        # A worker without a persistent store parses the whole graph before it says "ready":
        # minutes for the full graph on a busy 2-core machine. A worker that dies while loading
        # is noticed at once (EOF), so the long limit only bounds a worker that hangs.
        self.args = (str(dist), mapping.data, mapping.public, str(memory_mb))
        self.memory_mb = memory_mb
        self.size = size
        self.timeout = timeout
        self.startup_timeout = startup_timeout
        self.idle: queue.Queue[_Worker] = queue.Queue()
        self.replaced = 0  # workers killed on a timeout and replaced (for tests and stats)
        self._closed = False
        self._lock = threading.Lock()
        self._all: set[_Worker] = set()

    def start(self) -> QueryPool:
        workers = [self._spawn() for _ in range(self.size)]
        for w in workers:
            if not w.wait_ready(self.startup_timeout):
                self.close()
                raise RuntimeError("a SPARQL worker process did not start")
            self.idle.put(w)
        return self

    def _spawn(self) -> _Worker:
        w = _Worker(self.args)
        with self._lock:
            self._all.add(w)
        return w

    def _replace(self, dead: _Worker) -> None:
        dead.kill()
        with self._lock:
            self._all.discard(dead)
        if self._closed:
            return
        fresh = self._spawn()
        if fresh.wait_ready(self.startup_timeout) and not self._closed:
            self.idle.put(fresh)
        else:
            fresh.kill()

    def _replace_later(self, dead: _Worker) -> None:
        threading.Thread(target=self._replace, args=(dead,), daemon=True).start()

    def run(self, req: QueryRequest, timeout: float | None = None) -> QueryAnswer:
        limit = self.timeout if timeout is None else timeout
        started = time.monotonic()
        try:
            worker = self.idle.get(timeout=max(0.05, limit))
        except queue.Empty:
            raise PoolBusy(
                f"all {self.size} query workers stayed busy for {limit:g} s; try again later"
            ) from None
        remaining = max(0.05, limit - (time.monotonic() - started))
        try:
            worker.send(req)
            ready = worker.conn.poll(remaining)
        except (OSError, EOFError, BrokenPipeError) as exc:
            _, message = worker.death_cause(self.memory_mb)  # it died while idle
            self._replace_later(worker)
            raise PoolBusy(f"the query worker was gone: {message}; try again") from exc
        if not ready:
            self.replaced += 1
            self._replace_later(worker)  # kills the runaway query with its process
            raise QueryTimeout(
                f"query stopped: it ran longer than the time limit of {limit:g} s "
                "(--query-timeout)"
            )
        try:
            status, payload = worker.conn.recv()
        except (OSError, EOFError) as exc:
            code, message = worker.death_cause(self.memory_mb)
            self._replace_later(worker)
            if code == 503:
                raise WorkerOutOfMemory(message) from exc
            raise QueryRejected(code, message) from exc
        self.idle.put(worker)
        if status == "rejected":
            code, message = payload
            if code == 503:
                raise WorkerOutOfMemory(
                    "the query ran out of memory: it needed more than the memory cap of each "
                    f"query worker ({self.memory_mb} MiB beyond the loaded store); ask for less"
                )
            raise QueryRejected(code, message)
        return payload

    def workers(self) -> list[tuple[int, str]]:
        """(process id, store mode) of each live worker (for tests and measurements)."""
        with self._lock:
            return sorted((w.process.pid, w.mode) for w in self._all)

    def close(self) -> None:
        self._closed = True
        with self._lock:
            workers = list(self._all)
            self._all.clear()
        for w in workers:
            try:
                w.send(None)
            except OSError:
                pass
            w.kill()


def _child_main(argv: list[str]) -> None:
    """Entry point of a worker process: requests on stdin, answers on stdout (anything the
    worker prints goes to stderr instead)."""
    out_fd = os.dup(1)
    os.dup2(2, 1)
    inbox = Connection(os.dup(0), writable=False)
    outbox = Connection(out_fd, readable=False)
    worker_main(inbox, outbox, *argv)


if __name__ == "__main__":
    # Run the module's own copy (not this __main__ one), so answers pickle as
    # kg.serve.query_pool.QueryAnswer, which the server can load.
    from kg.serve.query_pool import _child_main as child_main

    child_main(sys.argv[1:5])
